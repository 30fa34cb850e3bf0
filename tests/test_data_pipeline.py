"""The dataset pipeline: loading, formats, validation, mixing, sampling, splits, tokenization,
truncation, caching, packing and collators (``swiftkit.data``).

Everything runs offline on files the tests write; the tokenizer is the offline BPE of the
testing kit and the template the registered ``qwen2_5``.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import time

import pytest

from swiftkit.core.errors import NotFoundError, SwiftkitError
from swiftkit.core.registry import get_registry
from swiftkit.core.specs import DatasetSpec
from swiftkit.data import DatasetError, DatasetRowError, make_collator, prepare_datasets
from swiftkit.plugins.datasets.converters import SHAREGPT_ROLES

IGNORE = -100


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def registry():
    """The installed plugins plus the hub datasets and a bundled dataset of a test package."""
    from swiftkit.testing.harness import PluginHarness, make_plugin

    harness = PluginHarness(include_installed=True)
    if ("dataset", "alpaca-gpt4-data-en") not in get_registry():
        harness.add("swiftkit.plugins.datasets.hub", group="swiftkit.datasets")
    harness.add(
        make_plugin(
            "data_pipeline_test_plugin",
            swift_register_datasets=lambda: [
                DatasetSpec(id="test-bundled", format="messages", path="swiftkit.plugins.datasets:data/swift_demo.jsonl"),
                DatasetSpec(id="test-bad-bundled", format="sharegpt", path="swiftkit_data_test_pkg:bad.jsonl"),
            ],
        )
    )
    return harness.registry()


@pytest.fixture(scope="module")
def tokenizer():
    from swiftkit.testing.tokenizer import build_tokenizer

    return build_tokenizer("qwen2_5")


class StandInTemplate:
    """Used only while ``Template.encode`` is not implemented: encodes segment by segment."""

    def __init__(self, template):
        self.inner = template
        self.spec = template.spec

    def render(self, messages, **kw):
        return self.inner.render(messages, **kw)

    def encode(self, tokenizer, messages, *, loss_scale="default"):
        segments = self.inner.render_segments(messages)
        ids, labels = [], []
        last = max(i for i, (_, t) in enumerate(segments) if t)
        for i, (text, trainable) in enumerate(segments):
            part = tokenizer(text, add_special_tokens=False)["input_ids"]
            train = loss_scale == "all" or (trainable and (loss_scale == "default" or i == last))
            ids += part
            labels += part if train else [IGNORE] * len(part)
        return {"input_ids": ids, "labels": labels}


@pytest.fixture(scope="module")
def template(registry, tokenizer):
    real = registry.template("qwen2_5")
    try:
        real.encode(tokenizer, [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])
    except NotImplementedError:
        return StandInTemplate(real)
    return real


@pytest.fixture
def prep(registry, template, tokenizer, tmp_path):
    """``prepare_datasets`` with the test's registry/template/tokenizer and its own cache."""

    def run(dataset, **kw):
        kw.setdefault("max_length", None)
        kw.setdefault("cache_dir", str(tmp_path / "ds-cache"))
        return prepare_datasets(dataset=dataset, registry=registry, template=template, tokenizer=tokenizer, **kw)

    return run


# ---------------------------------------------------------------------------- data helpers


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def chat(i, reply=None):
    return {"messages": [U(f"Question number {i}?"), A(reply or f"Answer number {i}.")]}


def write_jsonl(path, rows, blank_after=()):
    with open(path, "w", encoding="utf-8") as fh:
        for i, row in enumerate(rows):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            if i in blank_after:
                fh.write("\n")
    return str(path)


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def write_parquet(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), str(path))
    return str(path)


def user_texts(ds, tokenizer):
    """The first user message of each encoded row (decoded), to identify rows."""
    out = []
    for ids in ds["input_ids"]:
        text = tokenizer.decode(ids)
        out.append(text.split("<|im_start|>user\n", 1)[1].split("<|im_end|>", 1)[0])
    return out


# ---------------------------------------------------------------------------- loading


def test_every_file_type_loads(prep, tmp_path, tokenizer, template):
    jsonl = write_jsonl(tmp_path / "a.jsonl", [chat(i) for i in range(3)])
    js = tmp_path / "b.json"
    js.write_text(json.dumps([chat(i) for i in range(3, 5)]), encoding="utf-8")
    csvf = write_csv(tmp_path / "c.csv", [{"instruction": f"Do {i}", "input": "", "output": f"Done {i}"} for i in range(4)])
    pq = write_parquet(
        tmp_path / "d.parquet",
        [{"conversations": [{"from": "human", "value": f"hi {i}"}, {"from": "gpt", "value": f"hello {i}"}]} for i in range(2)],
    )
    data = prep([jsonl, str(js), csvf, pq], shuffle=False)
    assert len(data.train) == 3 + 2 + 4 + 2
    assert data.val is None
    assert set(data.train.column_names) == {"input_ids", "labels", "length"}
    assert [(s.name, s.format, s.rows_read, s.rows_used) for s in data.report.sources] == [
        (jsonl, "messages", 3, 3), (str(js), "messages", 2, 2), (csvf, "alpaca", 4, 4), (pq, "sharegpt", 2, 2),
    ]
    # the csv row is the alpaca conversation, encoded by the template
    expected = template.encode(tokenizer, [U("Do 0"), A("Done 0")])
    assert data.train[5]["input_ids"] == expected["input_ids"]
    assert data.train[5]["labels"] == expected["labels"]
    assert data.train[5]["length"] == len(expected["input_ids"])


def test_each_format_is_converted(prep, tmp_path, tokenizer, template):
    S = {"role": "system", "content": "Be brief."}
    cases = {
        "messages": ({"messages": [S, U("q1"), A("a1"), U("q2"), A("a2")]}, [S, U("q1"), A("a1"), U("q2"), A("a2")]),
        "sharegpt": (
            {"conversations": [{"from": "human", "value": "q1"}, {"from": "gpt", "value": "a1"}], "system": "Be brief."},
            [S, U("q1"), A("a1")],
        ),
        "alpaca": ({"instruction": "Sum", "input": "1 2", "output": "3"}, [U("Sum\n1 2"), A("3")]),
        "query_response": (
            {"query": "q2", "response": "a2", "history": [["q1", "a1"]], "system": "Be brief."},
            [S, U("q1"), A("a1"), U("q2"), A("a2")],
        ),
    }
    for name, (row, messages) in cases.items():
        path = write_jsonl(tmp_path / f"{name}.jsonl", [row])
        data = prep([path])
        assert data.report.sources[0].format == name
        assert data.train[0]["input_ids"] == template.encode(tokenizer, messages)["input_ids"], name
        assert data.train[0]["labels"] == template.encode(tokenizer, messages)["labels"], name


def test_pretraining_text_and_chat(prep, tmp_path, tokenizer, template):
    txt = tmp_path / "corpus.txt"
    txt.write_text("The quick brown fox.\nHello world.\n", encoding="utf-8")
    jsonl = write_jsonl(tmp_path / "docs.jsonl", [{"text": "Large language models."}])
    chats = write_jsonl(tmp_path / "chat.jsonl", [chat(1)])
    data = prep([str(txt), jsonl, chats], mode="pt", shuffle=False)
    assert [s.format for s in data.report.sources] == ["text", "text", "messages"]
    rows = data.train.to_list()
    assert len(rows) == 4
    first = tokenizer("The quick brown fox.", add_special_tokens=True)["input_ids"] + [tokenizer.eos_token_id]
    assert rows[0]["input_ids"] == first
    for r in rows:  # every token is a label in pre-training
        assert r["labels"] == r["input_ids"]
    # a conversation is the template's encoding, every token trainable
    assert rows[3]["input_ids"] == template.encode(tokenizer, chat(1)["messages"], loss_scale="all")["input_ids"]
    # sft refuses plain text with a clear message
    with pytest.raises(DatasetError, match="format 'text' is plain text for pre-training"):
        prep([jsonl])


def test_registered_datasets(prep, registry, tmp_path):
    data = prep(["test-bundled#5"])
    assert len(data.train) == 5
    assert data.report.sources[0].kind == "bundled"
    # hub datasets are registered with the catalogue's ids and answer to them
    for name in ("alpaca-gpt4-data-en", "AI-ModelScope/alpaca-gpt4-data-en", "vicgalle/alpaca-gpt4"):
        assert registry.get("dataset", name).id == "alpaca-gpt4-data-en"
    # ... and cannot be downloaded here: a clear error naming the hub id, quickly
    started = time.perf_counter()
    with pytest.raises(DatasetError) as exc:
        prep(["alpaca-gpt4-data-en#10"])
    assert "dataset 'alpaca-gpt4-data-en' (hub id 'vicgalle/alpaca-gpt4') is not available offline" in str(exc.value)
    assert time.perf_counter() - started < 30
    with pytest.raises(DatasetError, match="'some-org/unregistered-set' is not available offline"):
        prep(["some-org/unregistered-set"])


def test_missing_and_unknown_datasets(prep, tmp_path):
    missing = tmp_path / "nope" / "train.jsonl"
    with pytest.raises(DatasetError) as exc:
        prep([str(missing)])
    assert str(exc.value) == f"dataset file not found: {missing}"
    with pytest.raises(NotFoundError, match="did you mean 'alpaca-gpt4-data-en'"):
        prep(["alpaca-gpt4-data-e"])
    odd = write_jsonl(tmp_path / "odd.jsonl", [{"prompt": "x", "answer": "y"}])
    with pytest.raises(DatasetError) as exc:
        prep([odd])
    msg = str(exc.value)
    assert msg.startswith(f"{odd}: cannot tell the format from its columns ['answer', 'prompt']; known formats")
    for fmt in ("messages (messages)", "sharegpt (conversations)", "alpaca (instruction, output)", "query_response (query, response)"):
        assert fmt in msg
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(chat(1)) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(DatasetRowError, match=r"broken.jsonl row 3: field '\(row\)': invalid JSON: Expecting property name"):
        prep([str(broken)])


# ---------------------------------------------------------------------------- sampling, mixing, splits


def test_sampling_smaller_and_larger(prep, tmp_path, tokenizer):
    path = write_jsonl(tmp_path / "ten.jsonl", [chat(i) for i in range(10)])
    small = prep([path + "#4"], shuffle=False)
    names = user_texts(small.train, tokenizer)
    assert len(names) == 4 and len(set(names)) == 4
    assert names == sorted(names, key=lambda s: int(s.split()[-1][:-1]))  # file order kept without shuffle
    assert small.report.sources[0].sample == 4 and small.report.sources[0].rows_used == 4
    again = prep([path + "#4"], shuffle=False)
    assert user_texts(again.train, tokenizer) == names  # seeded
    other = prep([path + "#4"], shuffle=False, seed=7)
    assert user_texts(other.train, tokenizer) != names

    large = prep([path + "#25"])
    counts = {}
    for n in user_texts(large.train, tokenizer):
        counts[n] = counts.get(n, 0) + 1
    assert len(large.train) == 25
    assert len(counts) == 10 and set(counts.values()) <= {2, 3} and sum(v == 3 for v in counts.values()) == 5


def test_mixing_and_shuffle(prep, tmp_path, tokenizer):
    a = write_jsonl(tmp_path / "a.jsonl", [chat(i) for i in range(6)])
    b = write_csv(tmp_path / "b.csv", [{"query": f"Question number {100 + i}?", "response": "ok"} for i in range(4)])
    plain = prep([a, b], shuffle=False)
    names = user_texts(plain.train, tokenizer)
    assert names == [f"Question number {i}?" for i in (*range(6), *range(100, 104))]
    mixed = prep([a, b], shuffle=True, seed=1)
    shuffled = user_texts(mixed.train, tokenizer)
    assert sorted(shuffled) == sorted(names) and shuffled != names
    assert user_texts(prep([a, b], shuffle=True, seed=1).train, tokenizer) == shuffled
    # sampled and lenient sources mix too
    c = write_jsonl(tmp_path / "c.jsonl", [chat(200), {"messages": []}, chat(201)])
    data = prep([a + "#3", b + "#6", c], strict=False)
    assert len(data.train) == 3 + 6 + 2
    assert [(s.rows_read, s.rows_skipped, s.rows_used) for s in data.report.sources] == [(6, 0, 3), (4, 0, 6), (3, 1, 2)]


def test_validation_split(prep, tmp_path, tokenizer):
    path = write_jsonl(tmp_path / "t.jsonl", [chat(i) for i in range(20)])
    data = prep([path], split_dataset_ratio=0.2)
    assert len(data.train) == 16 and len(data.val) == 4
    assert not set(user_texts(data.train, tokenizer)) & set(user_texts(data.val, tokenizer))
    assert user_texts(prep([path], split_dataset_ratio=0.2).val, tokenizer) == user_texts(data.val, tokenizer)
    assert data.report.val.rows == 4
    val = write_jsonl(tmp_path / "v.jsonl", [chat(i) for i in range(50, 53)])
    data = prep([path], val_dataset=[val], split_dataset_ratio=0.5)  # an explicit val set wins
    assert len(data.train) == 20 and len(data.val) == 3
    assert [s.split for s in data.report.sources] == ["train", "val"]


# ---------------------------------------------------------------------------- validation


def test_bad_row_is_an_error_naming_file_row_field(prep, tmp_path):
    rows = [
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]},
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]},
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "robot", "value": "beep"}]},
    ]
    path = write_jsonl(tmp_path / "train.jsonl", rows, blank_after={0})  # row 3 is on line 4
    with pytest.raises(DatasetRowError) as exc:
        prep([path])
    expected_roles = ", ".join(SHAREGPT_ROLES)
    assert str(exc.value) == f"{path} row 4: field 'conversations[1].from': unknown role 'robot'; expected one of {expected_roles}"
    assert isinstance(exc.value, SwiftkitError)
    assert (exc.value.row, exc.value.field) == (4, "conversations[1].from")

    bad_csv = write_csv(tmp_path / "t.csv", [{"query": "q", "response": "r"}, {"query": "q2", "response": ""}])
    with pytest.raises(DatasetRowError) as exc:
        prep([bad_csv])
    assert str(exc.value).startswith(f"{bad_csv} row 2: field 'response': ")


def test_bad_row_of_a_registered_dataset_names_the_id(prep, tmp_path, monkeypatch):
    pkg = tmp_path / "pkgs" / "swiftkit_data_test_pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    write_jsonl(pkg / "bad.jsonl", [{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": ""}]}])
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    with pytest.raises(DatasetRowError) as exc:
        prep(["test-bad-bundled"])
    assert str(exc.value) == "test-bad-bundled row 1: field 'conversations[1].value': empty assistant reply"


def test_lenient_mode_skips_counts_and_reports(prep, tmp_path, caplog):
    rows = [chat(i) for i in range(10)]
    bad = {1: {"messages": [U("x")]}, 3: {"messages": []}, 4: {"messages": [U("x"), {"role": "bot", "content": "y"}]},
           6: {"messages": "text"}, 7: {"messages": [U(""), A("y")]}, 9: {"other": 1}}
    for i, row in bad.items():
        rows[i] = row
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)
    with pytest.raises(DatasetRowError, match=r"mixed.jsonl row 2: field 'messages\[0\].role': the conversation must end"):
        prep([path])
    with caplog.at_level(logging.WARNING, logger="swiftkit.data"):
        data = prep([path], strict=False)
    report = data.report
    assert len(data.train) == 4 and report.skipped == 6
    assert report.sources[0].rows_read == 10 and report.sources[0].rows_skipped == 6
    assert [(r.row, r.field) for r in report.skipped_rows] == [
        (2, "messages[0].role"), (4, "messages"), (5, "messages[1].role"), (7, "messages"), (8, "messages[0].content"),
    ]
    assert str(report.skipped_rows[2]).startswith(f"{path} row 5: field 'messages[1].role': unknown role 'bot'")
    warning = "\n".join(r.getMessage() for r in caplog.records)
    assert "skipped 6 malformed row(s) of 10 (strict=False); first 5: " in warning
    assert f"{path} row 2: field 'messages[0].role'" in warning


def test_unparsable_lines_are_skipped_and_counted(prep, tmp_path, tokenizer):
    """Issue 11 item 8: a line that is not JSON (or not an object) is a malformed row, named by
    file and line; strict stops at the first bad line, lenient skips and counts it."""
    path = tmp_path / "lines.jsonl"
    lines = [json.dumps(chat(0)), "{not json", json.dumps(chat(1)), "", json.dumps({"messages": [U("x")]}),
             "[1, 2]", "5", "null", json.dumps(chat(2)), '{"messages": [', json.dumps(chat(3))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetRowError) as exc:
        prep([str(path)])
    assert str(exc.value) == (f"{path} row 2: field '(row)': invalid JSON: Expecting property name enclosed in "
                              "double quotes (column 2)")
    data = prep([str(path)], strict=False)
    rep = data.report
    assert len(data.train) == 4 and rep.skipped == 6
    assert (rep.sources[0].rows_read, rep.sources[0].rows_skipped, rep.sources[0].rows_valid) == (10, 6, 4)
    assert [(r.row, r.field, r.reason) for r in rep.skipped_rows] == [
        (2, "(row)", "invalid JSON: Expecting property name enclosed in double quotes (column 2)"),
        (5, "messages[0].role", "the conversation must end with an assistant reply, not 'user'"),
        (6, "(row)", "must be a JSON object, got list"),
        (7, "(row)", "must be a JSON object, got int"),
        (8, "(row)", "must be a JSON object, got null"),
    ]
    assert all(r.source == str(path) for r in rep.skipped_rows)
    # the rows kept are the good ones, in the file's order
    assert sorted(user_texts(data.train, tokenizer)) == [f"Question number {i}?" for i in range(4)]
    # a conversion error before the first unparsable line is the one strict mode names
    early = tmp_path / "early.jsonl"
    early.write_text("\n".join([json.dumps(chat(0)), json.dumps({"messages": []}), "oops"]) + "\n", encoding="utf-8")
    with pytest.raises(DatasetRowError, match=r"early.jsonl row 2: field 'messages': empty conversation"):
        prep([str(early)])


def test_read_conversations_skips_unparsable_lines(registry, tmp_path):
    """``swift infer --val_dataset`` reads rows through the same loader: an unparsable line is a
    malformed row there too, and the rows kept keep their line numbers."""
    from swiftkit.data.rows import read_conversations

    path = tmp_path / "val.jsonl"
    path.write_text("\n".join([json.dumps(chat(0)), "{oops", "", "7", json.dumps(chat(1))]) + "\n", encoding="utf-8")
    with pytest.raises(DatasetRowError, match=r"val.jsonl row 2: field '\(row\)': invalid JSON"):
        read_conversations(str(path), registry=registry)
    out = read_conversations(str(path), registry=registry, strict=False)
    assert [r.row for r in out.rows] == [1, 5] and out.skipped == 2
    assert out.first_skipped == [f"{path} row 2: field '(row)': invalid JSON: Expecting property name enclosed in "
                                 "double quotes (column 2)",
                                 f"{path} row 4: field '(row)': must be a JSON object, got int"]


def test_a_file_with_no_readable_record(prep, registry, tmp_path):
    """Every line unparsable: strict names the first; lenient counts them all and keeps the
    other files' rows."""
    from swiftkit.data.rows import read_conversations

    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n[1]\n\n{oops\n", encoding="utf-8")
    good = write_jsonl(tmp_path / "good.jsonl", [chat(0), chat(1)])
    with pytest.raises(DatasetRowError, match=r"junk.jsonl row 1: field '\(row\)': invalid JSON: Expecting value"):
        prep([good, str(junk)])
    data = prep([good, str(junk)], strict=False)
    assert len(data.train) == 2 and data.report.skipped == 3
    assert [(s.rows_read, s.rows_skipped, s.rows_used) for s in data.report.sources] == [(2, 0, 2), (3, 3, 0)]
    assert [r.row for r in data.report.skipped_rows] == [1, 2, 4]
    with pytest.raises(DatasetRowError, match=r"junk.jsonl row 1: "):
        read_conversations([good, str(junk)], registry=registry)
    out = read_conversations([good, str(junk)], registry=registry, strict=False)
    assert len(out.rows) == 2 and out.skipped == 3


def test_rows_arrow_cannot_type_and_invalid_unicode(prep, tmp_path):
    """Rows whose values differ in type from row to row, bytes that are not UTF-8 and lone
    surrogates: each is a malformed row naming its field; the other rows are kept."""
    path = tmp_path / "junk.jsonl"
    lines = [json.dumps(chat(0)), json.dumps({"messages": [U(5), A("x")]}), json.dumps({"messages": {"a": []}}),
             '{"messages": [{"role": "user", "content": "a\\ud800b"}, {"role": "assistant", "content": "c"}]}',
             json.dumps(chat(1))]
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    raw += b'{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "\xff\xfe"}]}\n'
    raw += (json.dumps(chat(2)) + "\n").encode("utf-8")
    path.write_bytes(raw)
    data = prep([str(path)], strict=False)
    assert len(data.train) == 3 and data.report.skipped == 4
    assert [(r.row, r.field) for r in data.report.skipped_rows] == [
        (2, "messages[0].content"), (3, "messages"), (4, "messages[0].content"), (6, "messages[1].content"),
    ]
    assert "invalid Unicode" in data.report.skipped_rows[2].reason
    with pytest.raises(DatasetRowError, match=r"junk.jsonl row 2: field 'messages\[0\].content': must be a string, got int"):
        prep([str(path)])


def test_csv_cells_are_text_as_written(prep, tmp_path, tokenizer):
    """pandas reads "None", "NA", "N/A", "null" as missing by default: an alpaca input "N/A" would
    vanish and a reply "None" be refused; an empty cell is an empty string."""
    path = write_csv(tmp_path / "na.csv", [{"instruction": "Say None", "input": "N/A", "output": "None"},
                                           {"instruction": "Say NA", "input": "", "output": "NA"},
                                           {"instruction": "Say null", "input": "null", "output": ""}])
    with pytest.raises(DatasetRowError, match=r"na.csv row 3: field 'output': empty assistant reply"):
        prep([path])
    data = prep([path], strict=False, shuffle=False)
    assert len(data.train) == 2
    texts = [tokenizer.decode(ids) for ids in data.train["input_ids"]]
    assert "Say None\nN/A<|im_end|>" in texts[0] and "assistant\nNone<|im_end|>" in texts[0]
    assert "Say NA<|im_end|>" in texts[1] and "assistant\nNA<|im_end|>" in texts[1]


def test_json_array_records(prep, tmp_path):
    path = tmp_path / "array.json"
    path.write_text(json.dumps([chat(0), "text", chat(1), {"messages": [U("q"), A(7)]}]), encoding="utf-8")
    data = prep([str(path)], strict=False)
    assert len(data.train) == 2
    assert [(r.row, r.field, r.reason) for r in data.report.skipped_rows] == [
        (2, "(row)", "must be a JSON object, got str"), (4, "messages[1].content", "must be a string, got int"),
    ]
    with pytest.raises(DatasetRowError, match=r"array.json row 2: field '\(row\)': must be a JSON object, got str"):
        prep([str(path)])


@pytest.mark.parametrize("name,content,message", [
    ("zero.jsonl", b"", "the file is empty (0 bytes)"),
    ("zero.json", b"", "the file is empty (0 bytes)"),
    ("zero.csv", b"", "the file is empty (0 bytes)"),
    ("zero.parquet", b"", "the file is empty (0 bytes)"),
    ("zero.txt", b"", "the file is empty (0 bytes)"),
    ("blank.jsonl", b"\n  \n\n", "no rows in"),
    ("empty.json", b"[]", "no rows in"),
    ("header.csv", b"query,response\n", "no rows in"),
    ("string.json", b'"just text"', "must hold a JSON array of objects or one object per line, got str"),
    ("broken.json", b'[{"query": "q", "response": "r"},\n {"query": ', "invalid JSON at line 2"),
    ("keys.jsonl", b"{}\n{}\n", "its records have no keys"),
])
def test_empty_and_unreadable_files_are_named(prep, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    for strict in (True, False):
        with pytest.raises(DatasetError) as exc:
            prep([str(path)], strict=strict)
        assert str(exc.value).startswith(f"{path}: "), str(exc.value)
        assert message in str(exc.value)
        assert not isinstance(exc.value, DatasetRowError)


def test_empty_parquet_is_named(prep, tmp_path):
    path = write_parquet(tmp_path / "none.parquet", [chat(0)])
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(path).slice(0, 0), path)
    with pytest.raises(DatasetError, match=r"none.parquet: no rows in"):
        prep([path])


def test_tool_calls_are_trained_and_bad_ones_refused_not_dropped(prep, registry, tmp_path, tokenizer):
    """Issue 11 item 7, moved by issue 13: an assistant tool call is written by the template's
    agent template and trained; a malformed one is an error (or, lenient, skipped and counted),
    never trained without the call."""
    call = {"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    agent = {"messages": [U("Weather in Paris?"), call, {"role": "tool", "content": "sunny", "tool_call_id": "c1"},
                          A("It is sunny.")]}
    data = prep([write_jsonl(tmp_path / "agent.jsonl", [chat(0), agent, chat(2)])])
    assert len(data.train) == 3
    assert any('"arguments": {"city": "Paris"}' in tokenizer.decode(r["input_ids"]) for r in data.train)
    bad = {"messages": [U("Weather in Paris?"), {**call, "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": "{city"}}]}, A("It is sunny.")]}
    path = write_jsonl(tmp_path / "bad_agent.jsonl", [chat(0), bad, chat(2)])
    with pytest.raises(DatasetRowError) as exc:
        prep([path])
    assert str(exc.value).startswith(f"{path} row 2: field 'messages[1].tool_calls[0].function.arguments': "
                                     "not valid JSON: the call's arguments")
    data = prep([path], strict=False)
    assert len(data.train) == 2 and data.report.skipped == 1
    assert data.report.skipped_rows[0].field == "messages[1].tool_calls[0].function.arguments"
    # a tool result with the call written into the assistant content is trained on, tool turn included
    inline = {"messages": [U("Weather in Paris?"), A('get_weather(city="Paris")'),
                           {"role": "tool", "content": "sunny and warm", "name": "get_weather"}, A("It is sunny.")]}
    data = prep([write_jsonl(tmp_path / "inline.jsonl", [inline])])
    text = tokenizer.decode(data.train[0]["input_ids"])
    assert 'get_weather(city="Paris")' in text and "sunny and warm" in text
    # a template without a tool format refuses the tool turn, naming the row
    kw = dict(registry=registry, template=registry.template("llama2"), tokenizer=tokenizer, cache_dir=str(tmp_path / "c"))
    with pytest.raises(DatasetRowError) as exc:
        prepare_datasets(dataset=[write_jsonl(tmp_path / "inline2.jsonl", [chat(0), inline])], **kw)
    assert str(exc.value).endswith("inline2.jsonl row 2: field 'messages': message 2: template 'llama2' has no tool role")


class RaisingTemplate:
    """Delegates to a template but, like a real one, refuses some conversations (ValueError
    naming the message index)."""

    def __init__(self, inner):
        self.inner = inner
        self.spec = inner.spec

    def encode(self, tokenizer, messages, *, loss_scale="default"):
        for i, m in enumerate(messages):
            if m["content"] == "boom":
                raise ValueError(f"message {i}: this template cannot render it")
        return self.inner.encode(tokenizer, messages, loss_scale=loss_scale)


def test_template_errors_are_row_errors(registry, template, tokenizer, tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [chat(0), {"messages": [U("a"), A("boom")]}, chat(2)])
    kw = dict(registry=registry, template=RaisingTemplate(template), tokenizer=tokenizer, cache_dir=str(tmp_path / "c"))
    with pytest.raises(DatasetRowError) as exc:
        prepare_datasets(dataset=[path], **kw)
    assert str(exc.value) == f"{path} row 2: field 'messages': message 1: this template cannot render it"
    data = prepare_datasets(dataset=[path], strict=False, **kw)
    assert len(data.train) == 2 and data.report.skipped == 1 and data.report.sources[0].rows_skipped == 1
    assert str(data.report.skipped_rows[0]) == str(exc.value)


# ---------------------------------------------------------------------------- tokenization


def test_truncation_strategies(prep, tmp_path, tokenizer, template):
    long_reply = " ".join(["The quick brown fox jumps over the lazy dog."] * 6)
    rows = [chat(0), chat(1, reply=long_reply), chat(2)]
    path = write_jsonl(tmp_path / "t.jsonl", rows)
    full = [template.encode(tokenizer, r["messages"]) for r in rows]
    short = max(len(full[0]["input_ids"]), len(full[2]["input_ids"]))
    limit = short + 10
    assert len(full[1]["input_ids"]) > limit

    data = prep([path], max_length=limit, truncation_strategy="delete", shuffle=False)
    assert len(data.train) == 2 and data.report.too_long == 1 and data.report.truncated == 0
    assert "dropped 1 row(s) longer than max_length" in " ".join(data.report.warnings())

    for strategy, cut in (("right", slice(0, limit)), ("left", slice(-limit, None))):
        data = prep([path], max_length=limit, truncation_strategy=strategy, shuffle=False)
        assert len(data.train) == 3 and data.report.truncated == 1 and data.report.too_long == 0
        row = data.train[1]
        assert row["length"] == limit == len(row["input_ids"])
        assert row["input_ids"] == full[1]["input_ids"][cut]
        assert row["labels"] == full[1]["labels"][cut]  # -100 stays exactly outside the assistant reply
        trainable = [t for t, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != IGNORE]
        assert trainable and all(lab in (IGNORE, t) for t, lab in zip(row["input_ids"], row["labels"], strict=True))
        assert tokenizer.decode(trainable).strip() in (long_reply + "<|im_end|>\n").strip()

    # cutting away every assistant token leaves nothing to learn: dropped and counted
    prompt_len = full[1]["labels"].index(next(x for x in full[1]["labels"] if x != IGNORE))
    data = prep([path], max_length=prompt_len, truncation_strategy="right", shuffle=False)
    assert data.report.no_labels >= 1
    assert all(any(x != IGNORE for x in r[1:]) for r in data.train["labels"])


def test_loss_scale_is_passed_to_the_template(prep, tmp_path, tokenizer, template):
    conv = {"messages": [U("q1"), A("a1"), U("q2"), A("a2")]}
    path = write_jsonl(tmp_path / "t.jsonl", [conv])
    for scale in ("default", "last_round", "all"):
        data = prep([path], loss_scale=scale)
        assert data.train[0]["labels"] == template.encode(tokenizer, conv["messages"], loss_scale=scale)["labels"]


def test_cache_is_reused_by_a_second_call(prep, tmp_path):
    rows = [chat(i, reply=f"Answer {i}: " + "the quick brown fox " * (i % 7 + 1)) for i in range(3000)]
    path = write_jsonl(tmp_path / "big.jsonl", rows)
    started = time.perf_counter()
    first = prep([path], max_length=128, split_dataset_ratio=0.01)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    second = prep([path], max_length=128, split_dataset_ratio=0.01)
    warm = time.perf_counter() - started
    assert first.report.cache_misses > 0 and not first.report.reused_cache
    assert second.report.reused_cache and second.report.cache_misses == 0
    assert second.train["input_ids"][:50] == first.train["input_ids"][:50]
    assert warm < cold / 3, (cold, warm)
    # the cache key covers the settings: another max_length is computed afresh
    third = prep([path], max_length=64, split_dataset_ratio=0.01)
    assert third.report.cache_misses > 0
    # ... and the file: an edited file is read again
    time.sleep(0.01)
    write_jsonl(tmp_path / "big.jsonl", rows[:100])
    fourth = prep([path], max_length=128)
    assert fourth.report.cache_misses > 0 and fourth.report.rows_read == 100
    print(f"cache: cold {cold:.2f}s, warm {warm:.3f}s, speed-up x{cold / warm:.0f}")


def test_layouts_never_share_cache_entries(prep, tmp_path):
    """The data layout (id, version, code) is part of every cache key: the same file prepared
    for another layout, or for a new version of one, is converted and encoded afresh."""
    from swiftkit.data.layouts import SFTLayout

    class SFTv2(SFTLayout):
        version = "2"

    class Longer(SFTLayout):  # another layout of the same rows: the same file, other encoded rows
        id = "sft-longer"

        def tokens(self, row, settings):
            ids, labels = super().tokens(row, settings)
            return ids + ids, labels + labels

    path = write_jsonl(tmp_path / "t.jsonl", [chat(i) for i in range(20)])
    first = prep([path])
    assert prep([path]).report.cache_misses == 0  # the same layout: every step from the cache
    again = prep([path], layout=SFTv2())
    assert again.report.cache_hits == 0 and again.report.cache_misses >= 2
    other = prep([path], layout=Longer())
    assert other.report.cache_hits == 0
    assert other.train["length"] == [2 * n for n in first.train["length"]]


def test_num_proc_2_gives_the_same_rows(prep, tmp_path, monkeypatch):
    import datasets

    from swiftkit.data import pipeline

    pools = []
    real_map = datasets.Dataset.map

    def recording(self, *a, **kw):
        pools.append(kw.get("num_proc"))
        return real_map(self, *a, **kw)

    monkeypatch.setattr(datasets.Dataset, "map", recording)
    path = write_jsonl(tmp_path / "t.jsonl", [chat(i) for i in range(40)])
    one = prep([path], max_length=64, num_proc=1)
    small = prep([path], max_length=64, num_proc=2, cache_dir=str(tmp_path / "small-cache"))
    assert small.train.to_list() == one.train.to_list() and set(pools) == {None}  # 40 rows: no pool is worth starting
    monkeypatch.setattr(pipeline, "MIN_ROWS_PER_PROC", 10)  # 40 rows now feed 2 workers
    two = prep([path], max_length=64, num_proc=2, cache_dir=str(tmp_path / "other-cache"))
    assert two.train.to_list() == one.train.to_list() and 2 in pools
    assert two.report.cache_misses > 0


def test_progress_on_a_console(prep, tmp_path):
    from rich.console import Console

    console = Console(record=True, width=200, force_terminal=False)
    path = write_jsonl(tmp_path / "t.jsonl", [chat(i) for i in range(5)])
    prep([path], console=console)
    out = console.export_text()
    assert "messages" in out and "train: 5 rows" in out


# ---------------------------------------------------------------------------- packing and collators


@pytest.fixture(scope="module")
def tiny_model(tokenizer):
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, bos_token_id=None, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
    )
    assert config.use_cache  # the default that hides packed sequences unless the batch turns it off
    return AutoModelForCausalLM.from_config(config, attn_implementation="sdpa").float()


@pytest.fixture(scope="module", params=["sdpa", "eager"])
def attn_model(request, tiny_model):
    """The tiny model with each attention implementation transformers detects packing for."""
    tiny_model.set_attn_implementation(request.param)
    yield tiny_model
    tiny_model.set_attn_implementation("sdpa")


def token_losses(model, batch):
    """Per-position next-token losses (0 where the label is -100), shape [batch, len-1]."""
    import torch
    import torch.nn.functional as F

    inputs = {k: v for k, v in batch.items() if k != "labels"}
    with torch.no_grad():
        logits = model(**inputs).logits.float()
    labels = batch["labels"][:, 1:]
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=IGNORE, reduction="none")
    return loss.view(labels.shape), labels != IGNORE


def sample_loss(model, collate, row):
    loss, mask = token_losses(model, collate([row]))
    return (loss[mask].sum() / mask.sum()).item()


@pytest.fixture
def packable(prep, tmp_path):
    rows = [chat(i, reply="Sure. " + "the quick brown fox " * (i % 4)) for i in range(12)]
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    plain = prep([path], max_length=200, shuffle=False)
    packed = prep([path], max_length=200, shuffle=False, packing=True)
    return plain, packed


def test_packing_rows_and_position_ids(packable):
    plain, packed = packable
    assert packed.train.column_names == ["input_ids", "labels", "position_ids", "length"]
    assert len(packed.train) < len(plain.train)
    assert packed.report.train.packed_rows == len(packed.train)
    assert sum(packed.train["length"]) == sum(plain.train["length"])
    originals = {tuple(r) for r in plain.train["input_ids"]}
    pieces = []
    for row in packed.train:
        assert len(row["input_ids"]) == row["length"] <= 200
        starts = [i for i, p in enumerate(row["position_ids"]) if p == 0]
        assert starts[0] == 0 and len(starts) >= 1
        for a, b in zip(starts, [*starts[1:], row["length"]], strict=True):
            assert row["position_ids"][a:b] == list(range(b - a))
            assert row["labels"][a] == IGNORE
            pieces.append(tuple(row["input_ids"][a:b]))
    assert sorted(pieces) == sorted(originals)  # every sample exactly once


def test_packed_rows_give_each_sample_its_own_loss(packable, attn_model, tokenizer):
    """A packed row through the model gives every sample the loss it has alone (sdpa and eager,
    train mode, config.use_cache=True): the position ids keep the samples apart."""
    plain, packed = packable
    tiny_model = attn_model
    tiny_model.train()
    collate = make_collator(tokenizer)
    alone = {tuple(r["input_ids"]): sample_loss(tiny_model, collate, r) for r in plain.train}
    worst, compared = 0.0, 0
    for pad_free in (False, True):
        batch = make_collator(tokenizer, padding_free=pad_free)(list(packed.train)[:3])
        assert "attention_mask" not in batch and batch["use_cache"] is False
        loss, mask = token_losses(tiny_model, batch)
        for b in range(batch["input_ids"].shape[0]):
            pos = batch["position_ids"][b].tolist()
            ids = batch["input_ids"][b].tolist()
            starts = [i for i, p in enumerate(pos) if p == 0] + [len(pos)]
            for a, e in zip(starts[:-1], starts[1:], strict=True):
                key = tuple(ids[a:e])
                if key not in alone:  # padding segment
                    assert not mask[b, max(a - 1, 0):e - 1].any()
                    continue
                m = mask[b, a:e - 1]
                value = (loss[b, a:e - 1][m].sum() / m.sum()).item()
                worst = max(worst, abs(value - alone[key]))
                compared += 1
    samples = sum(r["position_ids"].count(0) for r in list(packed.train)[:3])
    assert compared == 2 * samples and samples > 3
    print(f"packing ({tiny_model.config._attn_implementation}): {compared} samples compared, "
          f"max per-sample loss difference {worst:.2e}")
    assert worst < 1e-5


def test_without_use_cache_false_samples_would_leak(packable, tiny_model, tokenizer):
    """Why the collator sends ``use_cache=False``: with the model's default cache the packed
    samples attend to each other."""
    plain, packed = packable
    tiny_model.train()
    row = max(packed.train, key=lambda r: r["position_ids"].count(0))
    batch = make_collator(tokenizer)([row])
    with_flag, mask = token_losses(tiny_model, batch)
    batch.pop("use_cache")
    without, _ = token_losses(tiny_model, batch)
    assert (with_flag[mask] - without[mask]).abs().max().item() > 1e-3


def test_padding_free_collator(tokenizer):
    rows = [
        {"input_ids": [5, 6, 7], "labels": [IGNORE, 6, 7], "length": 3},
        {"input_ids": [8, 9], "labels": [8, 9], "length": 2},
    ]
    batch = make_collator(tokenizer, padding_free=True)(rows)
    assert batch["input_ids"].tolist() == [[5, 6, 7, 8, 9]]
    assert batch["labels"].tolist() == [[IGNORE, 6, 7, IGNORE, 9]]
    assert batch["position_ids"].tolist() == [[0, 1, 2, 0, 1]]
    assert "attention_mask" not in batch and batch["use_cache"] is False
    batch = make_collator(tokenizer, padding_free=True, pad_to_multiple_of=4)(rows)
    pad = tokenizer.pad_token_id
    assert batch["input_ids"].tolist() == [[5, 6, 7, 8, 9, pad, pad, pad]]
    assert batch["labels"].tolist() == [[IGNORE, 6, 7, IGNORE, 9, IGNORE, IGNORE, IGNORE]]
    assert batch["position_ids"].tolist() == [[0, 1, 2, 0, 1, 0, 1, 2]]


def test_padding_free_batch_matches_separate_rows(prep, tmp_path, tiny_model, tokenizer):
    path = write_jsonl(tmp_path / "t.jsonl", [chat(i, reply="fox " * i) for i in range(1, 5)])
    rows = list(prep([path], shuffle=False).train)
    tiny_model.train()
    loss, mask = token_losses(tiny_model, make_collator(tokenizer, padding_free=True)(rows))
    offset = 0
    for r in rows:
        n = len(r["input_ids"])
        m = mask[0, offset:offset + n - 1]
        value = (loss[0, offset:offset + n - 1][m].sum() / m.sum()).item()
        assert abs(value - sample_loss(tiny_model, make_collator(tokenizer), r)) < 1e-5
        offset += n


def test_default_collator_pads(tokenizer):
    rows = [{"input_ids": [5, 6, 7], "labels": [IGNORE, 6, 7], "length": 3}, {"input_ids": [8], "labels": [8], "length": 1}]
    pad = tokenizer.pad_token_id
    batch = make_collator(tokenizer)(rows)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, pad, pad]]
    assert batch["labels"].tolist() == [[IGNORE, 6, 7], [8, IGNORE, IGNORE]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert "position_ids" not in batch and "use_cache" not in batch
    batch = make_collator(tokenizer, pad_to_multiple_of=8)(rows)
    assert batch["input_ids"].shape == (2, 8)


def test_bad_settings_are_clear_errors(prep, tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [chat(0)])
    with pytest.raises(DatasetError, match="packing needs max_length"):
        prep([path], packing=True)
    with pytest.raises(DatasetError, match="unknown truncation_strategy 'middle'"):
        prep([path], truncation_strategy="middle")
    with pytest.raises(DatasetError, match="unknown loss_scale 'most'"):
        prep([path], loss_scale="most")
    with pytest.raises(DatasetError, match="leaves no training rows"):
        prep([path], split_dataset_ratio=0.5)


def test_pack_lengths_is_tight():
    from swiftkit.data.steps import pack_lengths

    lengths = [7, 3, 5, 5, 2, 8, 1, 9]
    bins = pack_lengths(lengths, 10)
    assert sorted(i for b in bins for i in b) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in b) <= 10 for b in bins)
    assert len(bins) == 4  # sum 40 in bins of 10: best-fit decreasing fills all four exactly
    with pytest.raises(ValueError):
        pack_lengths([11], 10)


def test_core_data_module_is_light():
    import subprocess
    import sys

    code = "import sys, swiftkit.data; print(sorted(m for m in ('datasets', 'torch', 'numpy', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True)
    assert out.stdout.strip() == "[]"
