"""ms-swift's data arguments: self-cognition (--model_name/--model_author), the data flags mapped
onto the pipeline (data_seed, val_dataset_shuffle, load_from_cache_file, download_mode, columns,
custom_dataset_info, interleave_prob/stopping_strategy, remove_unused_columns), cached datasets
(swift export --to_cached_dataset, --cached_dataset) and --streaming."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.core.registry import get_registry
from swiftkit.data import DatasetError, DatasetRowError
from swiftkit.data.run_data import prepare_run_data

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def registry():
    return get_registry(refresh=True)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, registry):
    from swiftkit.testing.tiny import build_tiny_model

    return str(build_tiny_model("llama3.2-1b-instruct", tmp_path_factory.mktemp("m") / "llama3.2-1b-instruct",
                                registry=registry))


@pytest.fixture(scope="module")
def tokenizer(tiny):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    tok.pad_token = tok.pad_token or tok.eos_token
    return tok


@pytest.fixture(scope="module")
def template(registry, tokenizer):
    return registry.template("llama3_2", tokenizer=tokenizer).configure()


@pytest.fixture
def prep(registry, template, tokenizer, tmp_path, monkeypatch):
    """``prepare_run_data`` from a run config, as `swift sft` calls it."""
    from swiftkit.data.layouts import layout_for_mode

    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-ds"))

    def run(**config):
        config.setdefault("seed", 42)
        return prepare_run_data(config, registry=registry, template=template, tokenizer=tokenizer,
                                layout=layout_for_mode("sft"), max_length=config.pop("max_length", 128))

    return run


def chat(i):
    return {"messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]}


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows))
    return str(path)


def questions(ds, tokenizer):
    return [tokenizer.decode(ids).split("Question ", 1)[1].split("?", 1)[0] for ids in ds["input_ids"]]


# ------------------------------------------------------------------------------ self-cognition


def test_self_cognition_names_the_model_in_each_rows_language(prep, tokenizer):
    named = prep(dataset=["self-cognition"], model_name=["小黄", "Xiao Huang"], model_author=["魔搭", "ModelScope"],
                 dataset_shuffle=False, max_length=1024)
    texts = [tokenizer.decode(ids) for ids in named.train["input_ids"]]
    assert len(texts) == 100
    zh, en = texts[:50], texts[50:]  # the bundled file: 50 Chinese rows, then 50 English ones
    assert all("{{" not in t for t in texts)
    assert sum("小黄" in t for t in zh) >= 40 and sum("魔搭" in t for t in zh) >= 35
    assert not any("Xiao Huang" in t or "ModelScope" in t for t in zh)
    assert sum("Xiao Huang" in t for t in en) >= 40 and sum("ModelScope" in t for t in en) >= 35
    assert not any("小黄" in t or "魔搭" in t for t in en)
    # the names are trained on: they sit in the labels, not only in the prompt
    labels = [tokenizer.decode([t for t in row if t != -100]) for row in named.train["labels"]]
    assert sum("Xiao Huang" in t for t in labels[50:]) >= 30


def test_self_cognition_without_or_with_one_value(prep, tokenizer, caplog):
    plain = prep(dataset=["self-cognition#10"], max_length=1024)
    assert "--model_name and --model_author not given" in caplog.text
    assert all("{{NAME}}" in tokenizer.decode(ids) or "{{AUTHOR}}" in tokenizer.decode(ids) for ids in plain.train["input_ids"])
    one = prep(dataset=["self-cognition"], model_name=["Swifty"], dataset_shuffle=False, max_length=1024)  # one value: both languages
    texts = [tokenizer.decode(ids) for ids in one.train["input_ids"]]
    assert sum("Swifty" in t for t in texts[:50]) >= 40 and sum("Swifty" in t for t in texts[50:]) >= 40
    assert any("{{AUTHOR}}" in t for t in texts)  # the author was not given: left as it is, as in ms-swift


def test_swift_infer_reads_the_rows_with_the_same_flags(registry, tmp_path):
    from swiftkit.data.rows import read_conversations
    from swiftkit.data.run_data import load_options

    rows = read_conversations(["self-cognition"], registry=registry,
                              options=load_options({"model_name": ["小黄", "Xiao Huang"], "model_author": ["魔搭"]})).rows
    assert "小黄" in rows[0].messages[-1]["content"] and "Xiao Huang" in rows[-1].messages[-1]["content"]
    assert not any("{{" in m["content"] for r in rows for m in r.messages)
    data = write_jsonl(tmp_path / "qa.jsonl", [{"q": "Hi?", "a": "Hello."}])
    rows = read_conversations([data], registry=registry, options=load_options({"columns": {"q": "query", "a": "response"}})).rows
    assert rows[0].messages[0]["content"] == "Hi?"


def test_the_flags_take_ms_swifts_two_values(registry):
    from swiftkit.core.config import build_config

    config = build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "self-cognition", "--model_name",
                                                             "小黄", "Xiao Huang", "--model_author", "魔搭", "ModelScope"])
    assert config["model_name"] == ["小黄", "Xiao Huang"] and config["model_author"] == ["魔搭", "ModelScope"]
    with pytest.raises(ConfigError, match="model_name"):
        build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "d", "--model_name", "a", "b", "c"])
    config = build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "d", "--columns", '{"q": "query"}'])
    assert config["columns"] == {"q": "query"}


def test_the_hub_self_cognition_stays_reachable(registry):
    assert registry.get("dataset", "self-cognition").spec.path  # bundled: what --dataset self-cognition reads
    hub = registry.get("dataset", "swift/self-cognition").spec
    assert hub.id == "self-cognition-hub" and hub.hf_id == "modelscope/self-cognition"


# ------------------------------------------------------------------------------ data flags


def test_data_seed_orders_the_data_and_seed_does_not(prep, tmp_path, tokenizer):
    data = write_jsonl(tmp_path / "d.jsonl", [chat(i) for i in range(30)])
    base = questions(prep(dataset=[data]).train, tokenizer)
    assert questions(prep(dataset=[data], seed=7).train, tokenizer) == base
    assert questions(prep(dataset=[data], seed=7, data_seed=42).train, tokenizer) == base
    assert questions(prep(dataset=[data], data_seed=3).train, tokenizer) != base


def test_val_dataset_shuffle(prep, tmp_path, tokenizer):
    train = write_jsonl(tmp_path / "t.jsonl", [chat(i) for i in range(4)])
    val = write_jsonl(tmp_path / "v.jsonl", [chat(i) for i in range(100, 130)])
    in_order = questions(prep(dataset=[train], val_dataset=[val]).val, tokenizer)
    assert in_order == [str(i) for i in range(100, 130)]  # ms-swift's default: not shuffled
    shuffled = questions(prep(dataset=[train], val_dataset=[val], val_dataset_shuffle=True).val, tokenizer)
    assert shuffled != in_order and sorted(shuffled) == sorted(in_order)


def test_load_from_cache_file(prep, tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [chat(i) for i in range(8)])
    prep(dataset=[data])
    again = prep(dataset=[data])
    assert again.report.cache_hits >= 2 and again.report.cache_misses == 0
    fresh = prep(dataset=[data], load_from_cache_file=False)
    assert fresh.report.cache_hits == 0 and fresh.report.cache_misses >= 2


def test_download_mode_reaches_the_loader(prep, tmp_path, monkeypatch):
    import datasets

    seen = []
    real = datasets.load_dataset
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **kw: seen.append(kw.get("download_mode")) or real(*a, **kw))
    data = write_jsonl(tmp_path / "d.jsonl", [chat(i) for i in range(3)])
    prep(dataset=[data], download_mode="force_redownload")
    assert seen == ["force_redownload"]


def test_columns_rename_before_the_format_is_detected(prep, tmp_path, tokenizer):
    data = write_jsonl(tmp_path / "qa.jsonl", [{"question": f"Question {i}?", "answer": f"Answer {i}."} for i in range(3)])
    with pytest.raises(DatasetError, match="cannot tell the format"):
        prep(dataset=[data])
    out = prep(dataset=[data], columns={"question": "query", "answer": "response"}, dataset_shuffle=False)
    assert out.report.sources[0].format == "query_response" and questions(out.train, tokenizer) == ["0", "1", "2"]


def test_custom_dataset_info_registers_datasets_for_the_run(prep, tmp_path, tokenizer):
    write_jsonl(tmp_path / "faq.jsonl", [{"q": f"Question {i}?", "a": f"Answer {i}."} for i in range(5)])
    info = tmp_path / "dataset_info.json"
    info.write_text(json.dumps([{"dataset_name": "my-faq", "dataset_path": "faq.jsonl", "columns": {"q": "query", "a": "response"}}]))
    out = prep(dataset=["my-faq#3"], custom_dataset_info=[str(info)])
    assert len(out.train) == 3 and out.report.sources[0].name == "my-faq"
    info.write_text(json.dumps([{"dataset_name": "x"}]))
    with pytest.raises(DatasetError, match=r"dataset_info.json entry 1: names no data"):
        prep(dataset=["x"], custom_dataset_info=[str(info)])


def test_interleave_prob_and_stopping_strategy(prep, tmp_path, tokenizer):
    small = write_jsonl(tmp_path / "a.jsonl", [chat(i) for i in range(5)])
    large = write_jsonl(tmp_path / "b.jsonl", [chat(i) for i in range(100, 150)])
    first = prep(dataset=[small, large], interleave_prob=[0.5, 0.5], dataset_shuffle=False)
    got = questions(first.train, tokenizer)
    assert 5 <= len(got) < 55 and sum(int(q) < 100 for q in got) == 5  # stopped when the small one ran out
    every = prep(dataset=[small, large], interleave_prob=[0.5, 0.5], stopping_strategy="all_exhausted", dataset_shuffle=False)
    got = questions(every.train, tokenizer)
    assert {str(i) for i in range(100, 150)} <= set(got) and sum(int(q) < 100 for q in got) > 5  # the small one repeats
    with pytest.raises(DatasetError, match="one per --dataset"):
        prep(dataset=[small, large], interleave_prob=[1.0])


@pytest.mark.parametrize("flag, value, message", [
    ("disable_auto_column_mapping", "true", "nothing to disable"),
    ("lazy_tokenize", "true", "--streaming true"),
])
def test_refused_data_flags_say_why(registry, flag, value, message):
    from swiftkit.core.config import build_config

    with pytest.raises(ConfigError, match=message):
        build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "d", f"--{flag}", value])


def test_remove_unused_columns_false_is_refused(prep, tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [chat(0)])
    with pytest.raises(ConfigError, match="DataLayout"):
        prep(dataset=[data], remove_unused_columns=False)
    with pytest.raises(ConfigError, match="an option of `swift export`"):
        prep(dataset=[data], to_cached_dataset=True)


# ------------------------------------------------------------------------------ cached datasets


def test_cached_dataset_round_trip_and_training(tiny, registry, tmp_path, tokenizer, template, capsys):
    from swiftkit.data.layouts import layout_for_mode

    rows = [chat(i) for i in range(400)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    out = tmp_path / "cached"
    result = CliRunner().invoke(cli, ["export", "--model", tiny, "--dataset", data, "--split_dataset_ratio", "0.1",
                                      "--to_cached_dataset", "true", "--output_dir", str(out), "--max_length", "128"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "cached_dataset.json").read_text())
    assert meta["rows"] == {"train": 360, "val": 40} and meta["identity"]["template_id"] == "llama3_2"

    # the same rows, ids and labels as a run tokenizing afresh (no cache: a new datasets cache dir)
    config = {"dataset": [data], "split_dataset_ratio": 0.1, "seed": 42, "load_from_cache_file": False}
    started = time.perf_counter()
    fresh = prepare_run_data(config, registry=registry, template=template, tokenizer=tokenizer,
                             layout=layout_for_mode("sft"), max_length=128)
    fresh_s = time.perf_counter() - started
    started = time.perf_counter()
    cached = prepare_run_data({"cached_dataset": [str(out)], "seed": 42, "dataset_shuffle": False}, registry=registry,
                              template=template, tokenizer=tokenizer, layout=layout_for_mode("sft"), max_length=128)
    cached_s = time.perf_counter() - started
    for split in ("train", "val"):
        a, b = getattr(fresh, split), getattr(cached, split)
        assert a["input_ids"] == b["input_ids"] and a["labels"] == b["labels"]
    print(f"\n400 rows: tokenized afresh {fresh_s:.2f} s, read from the cached dataset {cached_s:.2f} s")

    run = CliRunner().invoke(cli, ["sft", "--model", tiny, "--cached_dataset", str(out), "--max_steps", "2",
                                   "--output_dir", str(tmp_path / "o"), "--report_to", "none", "--max_length", "128"],
                             catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert "done: 2 steps" in run.output and "not tokenized again" in run.output and "tokenize train" not in run.output

    # another template is refused, naming what differs
    other = registry.template("chatml", tokenizer=tokenizer).configure()
    with pytest.raises(DatasetError, match=r"another chat template .*'llama3_2', this run uses 'chatml'"):
        prepare_run_data({"cached_dataset": [str(out)]}, registry=registry, template=other, tokenizer=tokenizer,
                         layout=layout_for_mode("sft"), max_length=128)
    from swiftkit.testing.tokenizer import build_tokenizer

    qwen = build_tokenizer("qwen2_5")
    with pytest.raises(DatasetError, match=r"another tokenizer .*different vocabulary"):
        prepare_run_data({"cached_dataset": [str(out)]}, registry=registry, tokenizer=qwen, layout=layout_for_mode("sft"),
                         template=registry.template("llama3_2", tokenizer=qwen).configure(), max_length=128)
    with pytest.raises(DatasetError, match=r"another data layout .*--rlhf_type"):
        prepare_run_data({"cached_dataset": [str(out)]}, registry=registry, template=template, tokenizer=tokenizer,
                         layout=layout_for_mode("pt"), max_length=128)
    # a smaller max_length drops the longer cached rows (counted); left/right truncation cannot cut them
    shorter = prepare_run_data({"cached_dataset": [str(out)]}, registry=registry, template=template, tokenizer=tokenizer,
                               layout=layout_for_mode("sft"), max_length=30)
    assert shorter.report.too_long > 0 and all(n <= 30 for n in shorter.train["length"])
    with pytest.raises(DatasetError, match="cannot cut cached rows"):
        prepare_run_data({"cached_dataset": [str(out)], "truncation_strategy": "left"}, registry=registry,
                         template=template, tokenizer=tokenizer, layout=layout_for_mode("sft"), max_length=30)
    with pytest.raises(DatasetError, match="no cached_dataset.json"):
        prepare_run_data({"cached_dataset": [str(tmp_path)]}, registry=registry, template=template, tokenizer=tokenizer,
                         layout=layout_for_mode("sft"), max_length=128)


# ------------------------------------------------------------------------------ streaming


def test_streaming_gives_the_rows_the_pipeline_gives(prep, tmp_path, tokenizer):
    data = write_jsonl(tmp_path / "d.jsonl", [chat(i) for i in range(40)])
    whole = prep(dataset=[data], dataset_shuffle=False)
    stream = prep(dataset=[data], streaming=True, max_steps=1, dataset_shuffle=False)
    rows = list(stream.train)
    assert [r["input_ids"] for r in rows] == whole.train["input_ids"]
    assert [r["labels"] for r in rows] == whole.train["labels"]
    shuffled = prep(dataset=[data], streaming=True, max_steps=1, shuffle_buffer_size=20)
    order = [tokenizer.decode(r["input_ids"]) for r in shuffled.train]
    assert order != [tokenizer.decode(ids) for ids in whole.train["input_ids"]] and len(order) == 40
    # a buffer of one row cannot shuffle
    one = prep(dataset=[data], streaming=True, max_steps=1, shuffle_buffer_size=1)
    assert [r["input_ids"] for r in one.train] == whole.train["input_ids"]
    with pytest.raises(ConfigError, match="needs --max_steps"):
        prep(dataset=[data], streaming=True)


def test_streaming_interleaves_sources(prep, tmp_path, tokenizer):
    small = write_jsonl(tmp_path / "a.jsonl", [chat(i) for i in range(5)])
    large = write_jsonl(tmp_path / "b.jsonl", [chat(i) for i in range(100, 130)])
    every = prep(dataset=[small, large], streaming=True, max_steps=1, interleave_prob=[0.5, 0.5],
                 stopping_strategy="all_exhausted", dataset_shuffle=False)
    got = [tokenizer.decode(r["input_ids"]).split("Question ", 1)[1].split("?")[0] for r in every.train]
    assert {str(i) for i in range(100, 130)} <= set(got) and sum(int(q) < 100 for q in got) > 5


def test_streaming_bad_rows_are_named_or_skipped_and_counted(prep, tmp_path):
    rows = [chat(0), chat(1), "{not json", chat(3), {"messages": [{"role": "robot", "content": "x"}]}, chat(5)]
    data = write_jsonl(tmp_path / "bad.jsonl", rows)
    strict = prep(dataset=[data], streaming=True, max_steps=1, dataset_shuffle=False)
    with pytest.raises(DatasetRowError, match=r"bad.jsonl row 3.*invalid JSON"):
        list(strict.train)
    lenient = prep(dataset=[data], streaming=True, max_steps=1, dataset_shuffle=False, strict=False)
    assert len(list(lenient.train)) == 4
    assert lenient.report.skipped == 2 and [r.row for r in lenient.report.skipped_rows] == [3, 5]
    assert "messages[0].role" in lenient.report.skipped_rows[1].field


def test_streaming_run_trains_and_reports_a_bad_row(tiny, tmp_path):
    rows = [chat(i) for i in range(12)]
    rows.insert(7, {"messages": [{"role": "user", "content": "Hi"}, {"role": "robot", "content": "x"}]})
    data = write_jsonl(tmp_path / "s.jsonl", rows)
    base = ["sft", "--model", tiny, "--dataset", data, "--streaming", "true", "--report_to", "none",
            "--max_length", "64", "--per_device_train_batch_size", "2", "--logging_steps", "1"]
    ok = CliRunner().invoke(cli, [*base, "--max_steps", "8", "--output_dir", str(tmp_path / "o"), "--strict", "false"],
                            catch_exceptions=False)
    assert ok.exit_code == 0, ok.output
    assert "done: 8 steps" in ok.output  # 12 good rows, batch 2: the stream is read again after 6 steps
    assert "malformed row(s)" in ok.output and "row 8" in ok.output  # counted once per pass over the stream
    bad = CliRunner().invoke(cli, [*base, "--max_steps", "8", "--output_dir", str(tmp_path / "b")])
    assert bad.exit_code != 0 and isinstance(bad.exception, SwiftkitError)
    assert f"{data} row 8" in str(bad.exception) and "messages[1].role" in str(bad.exception)
