"""Fuzz the dataset pipeline with generated malformed rows (issue 11, item 9).

Seeded generation of good rows and malformed rows of every built-in format (wrong types,
missing fields, nested junk, invalid roles, blank strings, non-string contents, huge values,
lone surrogates and bytes that are not UTF-8, lines that are not JSON, rows of another format),
written to ``.jsonl`` / ``.json`` files and run through :func:`prepare_datasets`:

- strict: the error is a :class:`DatasetRowError` naming the file, the first malformed row's
  line and (where the generator knows it) its field;
- lenient: exactly the malformed rows are skipped and counted, exactly the good rows are kept;
- nothing else is ever raised.

Every malformed row is malformed by construction; each good row is valid by construction.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.data import DatasetError, DatasetRowError, prepare_datasets

SEED = 1234
BAD_PER_FILE = 800
GOOD_PER_FILE = 60

WORDS = ["alpha", "beta", "naïve café", "日本語のテキスト", "emoji 🚀✨", "שלום", "tab\there", "line\nbreak",
         "para\u2028graph", "x" * 40, "¿qué?", "Ωmega", "zero\u200bwidth", "3.14", "null", "[]", "{}"]

#: a raw (not JSON-escaped) placeholder replaced by bytes that are not UTF-8 when the line is written
BAD_BYTES = "@@BAD-BYTES@@"


def words(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5)))


def U(c: Any) -> dict:
    return {"role": "user", "content": c}


def A(c: Any) -> dict:
    return {"role": "assistant", "content": c}


def S(c: Any) -> dict:
    return {"role": "system", "content": c}


# ------------------------------------------------------------------------------ good rows


def good_messages(rng: random.Random, *, end_user: bool = False, tools: bool = True) -> list[dict]:
    msgs = [S(words(rng))] if rng.random() < 0.3 else []
    for _ in range(rng.randint(1, 3)):
        msgs.append(U(words(rng)) if rng.random() < 0.8 else {**U(words(rng)), "name": "ann"})
        msgs.append(A(words(rng)))
        if tools and rng.random() < 0.15:  # a tool result the template renders, with its metadata key
            msgs += [{"role": "tool", "content": rng.choice(["", words(rng)]), "tool_call_id": "c1"}, A(words(rng))]
    if end_user:
        msgs.append(U(words(rng)))
    return msgs


def pairs(rng: random.Random) -> list[list[str]]:
    return [[words(rng), words(rng)] for _ in range(rng.randint(0, 2))]


def good_row(fmt: str, rng: random.Random) -> dict:
    extra = {"id": rng.randint(0, 10**6)} if rng.random() < 0.5 else {}
    if fmt == "messages":
        return {"messages": good_messages(rng), **extra}
    if fmt == "sharegpt":
        turns = [{"from": "human", "value": words(rng)}, {"from": "gpt", "value": words(rng)}]
        if rng.random() < 0.3:
            turns[1:1] = [{"from": "function_call", "value": '{"name": "f"}'}, {"from": "observation", "value": words(rng)}]
        return {"conversations": turns, **extra}
    if fmt == "alpaca":
        return {"instruction": words(rng), "input": rng.choice(["", words(rng)]), "output": words(rng), **extra}
    if fmt == "query_response":
        return {"query": words(rng), "response": words(rng), "history": pairs(rng), **extra}
    if fmt == "text":
        return {"text": words(rng), **extra}
    if fmt == "messages_rejected":
        return {"messages": good_messages(rng, tools=False), "rejected_response": words(rng)}
    if fmt == "prompt_chosen_rejected":
        prompt = words(rng) if rng.random() < 0.5 else good_messages(rng, end_user=True)
        return {"prompt": prompt, "chosen": words(rng), "rejected": words(rng)}
    if fmt == "chosen_rejected_conversations":
        prompt = good_messages(rng, end_user=True)
        return {"chosen": [*prompt, A(words(rng))], "rejected": [*prompt, A(words(rng))]}
    if fmt == "kto":
        return {"prompt": words(rng), "completion": words(rng), "label": rng.random() < 0.5}
    if fmt == "prompt_only":
        return {"prompt": words(rng), "solution": words(rng), **extra}
    raise AssertionError(fmt)


# ------------------------------------------------------------------------------ malformed rows

#: a malformed row: (the value written as one JSON line, or a :class:`Raw` line; the field the
#: error names, or None where the generator does not pin it)
Bad = tuple[Any, "str | None"]


class Raw(str):
    """A line written as it is (not JSON-encoded)."""

NOT_STRINGS = [5, -1.5, True, [], ["x"], {"a": 1}, 2**80, -(2**63), 1e308, [[[["deep"]]]], list(range(2000))]


def _surrogate(rng: random.Random) -> str:
    return rng.choice(["\ud800", "a\udfffb", "\udc80x"])


def bad_message_list(rng: random.Random, col: str, *, junk: bool, end_user: bool = False, tools: bool = True) -> Bad:
    """A malformed message list in column ``col``."""
    msgs = good_messages(rng, end_user=end_user, tools=tools)
    first = 1 if msgs[0]["role"] == "system" else 0
    i = rng.randrange(first, len(msgs))
    while msgs[i]["role"] == "tool":
        i -= 1
    kind = rng.choice(["role", "empty", "system_mid", "start_assistant", "not_dict", "key"]
                      + (["type", "nested", "surrogate", "bad_bytes", "list", "tool_calls"] if junk else []))
    if kind == "role":
        msgs[i]["role"] = rng.choice(["robot", "", "User", "gpt", "human", "x" * 100_000])
        return msgs, f"{col}[{i}].role"
    if kind == "empty":
        msgs[i]["content"] = rng.choice(["", "   ", "\n\t"])
        return msgs, f"{col}[{i}].content"
    if kind == "system_mid":
        msgs.insert(first + 1, S(words(rng)))
        return msgs, f"{col}[{first + 1}].role"
    if kind == "start_assistant":
        msgs.insert(first, A(words(rng)))
        return msgs, f"{col}[{first}].role"
    if kind == "not_dict":  # only null keeps a list of messages readable by arrow
        msgs[i] = rng.choice(["user: hi", 7, None, ["user", "hi"]]) if junk else None
        return msgs, f"{col}[{i}]"
    if kind == "key":
        key, value = rng.choice([("loss", False), ("weight", 0), ("reasoning_content", "hmm"), ("refusal", "no")])
        msgs[i][key] = value
        return msgs, f"{col}[{i}].{key}"
    if kind == "type":
        msgs[i]["content"] = rng.choice(NOT_STRINGS)
        return msgs, f"{col}[{i}].content"
    if kind == "nested":
        msgs[i]["content"] = {"a": [{"b": [[{"c": None}]]}] * rng.randint(1, 3)}
        return msgs, f"{col}[{i}].content"
    if kind == "surrogate":
        msgs[i]["content"] = words(rng) + _surrogate(rng)
        return msgs, f"{col}[{i}].content"
    if kind == "bad_bytes":
        msgs[i]["content"] = words(rng) + BAD_BYTES
        return msgs, f"{col}[{i}].content"
    if kind == "list":
        return rng.choice(["just text", 5, {"role": "user"}, True]), col
    # an OpenAI tool call whose arguments are not JSON
    msgs[i] = {"role": "assistant", "content": None,
               "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{not json"}}]}
    return msgs, f"{col}[{i}].tool_calls[0].function.arguments"


def bad_row(fmt: str, rng: random.Random, *, junk: bool, jsonl: bool) -> Bad:
    """One malformed row of ``fmt`` (``junk``: any type; otherwise types arrow can read as the
    good rows' types; ``jsonl``: lines that are not JSON objects too)."""
    r = rng.random()
    if junk and jsonl and r < 0.06:
        return Raw(rng.choice(['{"messages": [', "not json", "{'single': 'quotes'}", '{"a": 1,}', "\x00\x01",
                               '{"a": NaN' + "]" * 3])), "(row)"
    if junk and r < 0.12:
        return rng.choice([[1, 2], 5, "text", None, True, [{"messages": []}]]), "(row)"
    if junk and jsonl and r < 0.14:  # deeper than any reader should walk
        depth = rng.choice([150, 5000])
        return Raw('{"messages": ' + "[" * depth + '"x"' + "]" * depth + "}"), "(row)"
    if junk and r < 0.18:  # a row of another format
        other = {"messages": "alpaca", "sharegpt": "query_response", "alpaca": "text", "query_response": "text",
                 "text": "messages", "messages_rejected": "alpaca", "prompt_chosen_rejected": "alpaca",
                 "chosen_rejected_conversations": "query_response", "kto": "alpaca",
                 "prompt_only": "alpaca"}[fmt]
        return good_row(other, rng), None
    good = good_row(fmt, rng)
    if fmt == "messages":
        if junk and r < 0.25:
            key = rng.choice(["tools", "images", "system"])
            return {**good, key: rng.choice([[{"type": "function"}], ["a.png"], 5])}, key
        row, where = bad_message_list(rng, "messages", junk=junk)
        return {**good, "messages": row}, where
    if fmt == "sharegpt":
        turns = good["conversations"]
        i = rng.randrange(len(turns))
        kind = rng.choice(["from", "empty", "missing", "start"] + (["type", "surrogate", "weight", "list"] if junk else []))
        if kind == "from":
            turns[i]["from"] = rng.choice(["robot", "bot", "", "narrator"])
            return good, f"conversations[{i}].from"
        if kind == "empty":
            i = rng.choice([0, len(turns) - 1])  # the human question / the final gpt answer
            turns[i]["value"] = rng.choice(["", "  "])
            return good, f"conversations[{i}].value"
        if kind == "missing":
            del turns[i]["from"]
            return good, f"conversations[{i}].from"
        if kind == "start":
            turns.insert(0, {"from": "gpt", "value": words(rng)})
            return good, "conversations[0].from"
        if kind == "type":
            turns[i]["value"] = rng.choice(NOT_STRINGS)
            return good, f"conversations[{i}].value"
        if kind == "surrogate":
            turns[i]["value"] = _surrogate(rng)
            return good, f"conversations[{i}].value"
        if kind == "weight":
            turns[i]["weight"] = 0
            return good, f"conversations[{i}].weight"
        return {**good, "conversations": rng.choice(["text", 3, {"from": "human"}])}, "conversations"
    if fmt in ("alpaca", "query_response", "text", "kto"):
        keys = {"alpaca": ["instruction", "output"], "query_response": ["query", "response"], "text": ["text"],
                "kto": ["prompt", "completion"]}[fmt]
        key = rng.choice(keys)
        kind = rng.choice(["blank", "missing"] + (["type", "surrogate", "bad_bytes"] if junk else []))
        if fmt == "alpaca" and key == "instruction":
            good["input"] = ""  # an input alone makes a question (and a CSV cannot hold a null instruction)
        if fmt == "kto" and junk and rng.random() < 0.3:
            good["label"] = rng.choice(["yes", 1, None, [True]])
            return good, "label"
        if fmt == "query_response" and junk and rng.random() < 0.2:
            good["history"] = rng.choice([[["q"]], "h", [[1, "a"]]])
            return good, None
        if kind == "blank":
            good[key] = rng.choice(["", " ", "\n"])
        elif kind == "missing":
            good[key] = None
        elif kind == "type":
            good[key] = rng.choice(NOT_STRINGS)
            if fmt == "kto":  # a list is read as messages: the error names an item
                return good, None
        elif kind == "surrogate":
            good[key] = words(rng) + _surrogate(rng)
        else:
            good[key] = words(rng) + BAD_BYTES
        return good, key
    if fmt == "messages_rejected":
        if rng.random() < 0.4:
            good["rejected_response"] = rng.choice(["", None] + ([5, [A("")], ["x"]] if junk else []))
            return good, None
        row, where = bad_message_list(rng, "messages", junk=junk, tools=False)
        return {**good, "messages": row}, where
    if fmt == "prompt_chosen_rejected":
        key = rng.choice(["prompt", "chosen", "rejected"])
        choices: list[Any] = ["", None]
        if junk:  # a list holding one user message is a good prompt, but not a good response
            choices += [5, {"a": 1}, [A("a"), A("b")]] + ([] if key == "prompt" else [[U("not assistant")]])
        good[key] = rng.choice(choices)
        return good, None
    if fmt == "chosen_rejected_conversations":
        if rng.random() < 0.5:  # the two sides' prompts differ
            good["rejected"][0] = U(good["rejected"][0]["content"] + " (changed)") if good["rejected"][0]["role"] == "user" \
                else S("another system prompt")
            return good, "rejected[0]"
        key = rng.choice(["chosen", "rejected"])
        row, _ = bad_message_list(rng, key, junk=junk, end_user=True)
        good[key] = row
        return good, None  # the other side may be named first when the prompts differ
    if fmt == "prompt_only":
        kind = rng.choice(["blank", "ends"] + (["type", "solution"] if junk else []))
        if kind == "blank":
            good["prompt"] = rng.choice(["", " "])
            return good, "prompt"
        if kind == "ends":
            good["prompt"] = [U(words(rng)), A(words(rng)), A(words(rng))]
            return good, None
        if kind == "type":
            good["prompt"] = rng.choice([5, {"a": 1}, [1, 2]])
            return good, None
        good["solution"] = rng.choice([["a"], {"x": 1}])
        return good, "solution"
    raise AssertionError(fmt)


# ------------------------------------------------------------------------------ files


@dataclass
class FuzzFile:
    path: str
    layout: str
    good: int = 0
    bad: list[tuple[int, str | None]] = field(default_factory=list)  #: (line or record number, field)


def write_file(path: str, fmt: str, layout: str, rng: random.Random, *, junk: bool, kind: str = "jsonl") -> FuzzFile:
    """``kind``: jsonl, json (one array), csv or parquet (these two: ``junk=False`` rows only)."""
    out = FuzzFile(path, layout)
    array = kind != "jsonl"
    kinds = [True] * BAD_PER_FILE + [False] * GOOD_PER_FILE
    rng.shuffle(kinds)
    records: list[Any] = []
    for number, is_bad in enumerate(kinds, 1):
        if is_bad:
            value, where = bad_row(fmt, rng, junk=junk, jsonl=not array)
            out.bad.append((number, where))
        else:
            value = good_row(fmt, rng)
            out.good += 1
        records.append(value)
    def encode(value: Any) -> bytes:
        if isinstance(value, Raw):
            return value.encode("utf-8")
        # escaped (\\ud800) or raw (bytes that are not UTF-8) lone surrogates, at random
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
        return text.encode("utf-8", errors="surrogatepass").replace(BAD_BYTES.encode(), b"\xff\xfe")

    if kind in ("csv", "parquet"):
        columns = list(dict.fromkeys(k for r in records for k in r))
        if kind == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({c: [r.get(c) for r in records] for c in columns}), path)
        else:
            import csv

            with open(path, "w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns)
                writer.writeheader()
                writer.writerows(records)
        return out
    with open(path, "wb") as fh:
        if array:
            fh.write(encode(records))
        else:
            fh.write(b"".join(encode(value) + b"\n" for value in records))
    return out


FILES = [  # (format, layout, junk, file kind)
    ("messages", "sft", False, "jsonl"),
    ("messages", "sft", True, "jsonl"),
    ("messages", "sft", True, "json"),
    ("messages", "sft", False, "parquet"),
    ("sharegpt", "sft", False, "jsonl"),
    ("sharegpt", "sft", True, "jsonl"),
    ("alpaca", "sft", True, "jsonl"),
    ("alpaca", "sft", False, "csv"),
    ("query_response", "sft", True, "jsonl"),
    ("text", "pt", True, "jsonl"),
    ("messages_rejected", "preference", True, "jsonl"),
    ("prompt_chosen_rejected", "preference", True, "jsonl"),
    ("chosen_rejected_conversations", "preference", True, "jsonl"),
    ("kto", "kto", True, "jsonl"),
    ("prompt_only", "prompt", True, "jsonl"),
]


@pytest.fixture(scope="module")
def fuzz_files(tmp_path_factory):
    rng = random.Random(SEED)
    folder = tmp_path_factory.mktemp("fuzz")
    files = []
    for n, (fmt, layout, junk, kind) in enumerate(FILES):
        files.append(write_file(str(folder / f"{n:02d}-{fmt}.{kind}"), fmt, layout, rng, junk=junk, kind=kind))
    return files


@pytest.fixture(scope="module")
def setup():
    from swiftkit.data.layouts import PTLayout, SFTLayout
    from swiftkit.data.preference import KTOLayout, PreferenceLayout, PromptLayout
    from swiftkit.testing.tokenizer import build_tokenizer

    registry = get_registry()
    tokenizer = build_tokenizer("qwen2_5")
    template = registry.template("qwen2_5", tokenizer=tokenizer)
    layouts = {"sft": SFTLayout(), "pt": PTLayout(), "preference": PreferenceLayout(), "kto": KTOLayout(),
               "prompt": PromptLayout()}
    return registry, tokenizer, template, layouts


def _prep(setup, tmp_path, paths, layout, strict):
    registry, tokenizer, template, layouts = setup
    return prepare_datasets(dataset=paths, registry=registry, template=template, tokenizer=tokenizer,
                            layout=layouts[layout], strict=strict, shuffle=False, num_proc=1,
                            cache_dir=str(tmp_path / "cache"))


def test_fuzz_has_enough_rows(fuzz_files):
    assert sum(len(f.bad) for f in fuzz_files) >= 10_000


def test_fuzz_lenient_counts_exactly(fuzz_files, setup, tmp_path):
    started = time.perf_counter()
    by_layout: dict[str, list[FuzzFile]] = {}
    for f in fuzz_files:
        by_layout.setdefault(f.layout, []).append(f)
    for layout, files in by_layout.items():
        try:
            data = _prep(setup, tmp_path, [f.path for f in files], layout, strict=False)
        except DatasetError as exc:  # pragma: no cover - a failure message worth reading
            pytest.fail(f"{layout}: lenient run raised {exc}")
        report = data.report
        assert report.too_long == report.no_labels == 0
        for f, src in zip(files, report.sources, strict=True):
            assert src.name == f.path
            assert (src.rows_read, src.rows_skipped, src.rows_valid) == (len(f.bad) + f.good, len(f.bad), f.good), f.path
        assert report.skipped == sum(len(f.bad) for f in files)
        assert report.train.rows == len(data.train) == sum(f.good for f in files)
        expected = [(files[0].path, n, w) for n, w in files[0].bad[:5]]
        assert [(r.source, r.row) for r in report.skipped_rows] == [(p, n) for p, n, _ in expected]
        for r, (_, _, where) in zip(report.skipped_rows, expected, strict=True):
            assert r.field and r.reason and len(r.reason) < 400
            if where is not None:
                assert r.field == where, (r, where)
    assert time.perf_counter() - started < 60


@pytest.mark.parametrize("index", range(len(FILES)), ids=[f"{i:02d}-{f[0]}" for i, f in enumerate(FILES)])
def test_fuzz_strict_names_the_first_bad_row(fuzz_files, setup, tmp_path, index):
    f = fuzz_files[index]
    with pytest.raises(DatasetError) as exc:
        _prep(setup, tmp_path, [f.path], f.layout, strict=True)
    err = exc.value
    assert isinstance(err, DatasetRowError), str(err)
    line, where = f.bad[0]
    assert (err.source, err.row) == (f.path, line), str(err)
    assert str(err).startswith(f"{f.path} row {line}: field {err.field!r}: ")
    assert len(err.reason) < 400  # one line, not the bad value echoed whole
    if where is not None:
        assert err.field == where, str(err)
