"""``swift eval`` machinery (swiftkit/evaluate/): datasets, local files, offline refusal, report,
backend choice and the run folder, with stand-in backends (no model loads here; the
lm-evaluation-harness backend itself is tests/test_eval_lm_eval.py)."""

from __future__ import annotations

import json

import pytest

from swiftkit.core import EvalBackendSpec, hookimpl
from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError
from swiftkit.core.eval.interface import EvalBackend, EvalReport
from swiftkit.evaluate.datasets import offline_message, resolve_datasets
from swiftkit.evaluate.local_files import read_local
from swiftkit.evaluate.report import read_report, report_table
from swiftkit.evaluate.runner import default_backend, run_eval, run_folder
from swiftkit.evaluate.targets import base_url


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


# ----------------------------------------------------------------------------- datasets and local files


def test_eval_dataset_names_local_files_and_benchmarks(tmp_path):
    mcq = _write(tmp_path / "arith_mcq.jsonl", [{"question": "1+1?", "choices": ["2", "3"], "answer": 0}])
    found = resolve_datasets({"eval_dataset": [mcq, "gsm8k"],
                              "eval_dataset_args": {"arith_mcq": {"num_fewshot": 2}, "gsm8k": {"subset": "main"}}})
    assert [(d.name, d.is_local, d.subset) for d in found] == [(mcq, True, "arith_mcq"), ("gsm8k", False, "main")]
    assert found[0].args == {"num_fewshot": 2} and found[1].args == {}
    with pytest.raises(ConfigError, match="'mmlu', which is not in --eval_dataset"):
        resolve_datasets({"eval_dataset": ["gsm8k"], "eval_dataset_args": {"mmlu": {}}})
    with pytest.raises(ConfigError, match="given twice"):
        resolve_datasets({"eval_dataset": ["gsm8k", "gsm8k"]})
    with pytest.raises(ConfigError, match="--eval_dataset is required"):
        resolve_datasets({})


def test_local_formats_ours_and_evalscopes_normalize_alike(tmp_path):
    ours = read_local(_write(tmp_path / "a.jsonl", [
        {"question": "7+1?", "choices": ["9", "8"], "answer": 1},
        {"question": "2+2?", "choices": ["4", "5"], "answer": "A"},
        {"question": "3+3?", "choices": ["5", "6"], "answer": "6"}]))
    assert ours.kind == "mcq" and [r["answer"] for r in ours.rows] == [1, 0, 1]
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "arith_val.csv").write_text("id,question,A,B,C,answer\n0,7+1?,9,8,7,B\n")
    (tmp_path / "es" / "other_val.csv").write_text("id,question,A,B,answer\n0,x?,y,z,A\n")
    evalscope = read_local(str(tmp_path / "es"), "arith")  # general_mcq's folder layout: the subset's files
    assert evalscope.rows == [{"question": "7+1?", "choices": ["9", "8", "7"], "answer": 1}]
    qa = read_local(_write(tmp_path / "qa.jsonl", [{"query": "Capital of France?", "response": "Paris", "system": "Be brief."},
                                                   {"question": "2+2?", "answer": 4}]))
    assert qa.kind == "qa" and qa.rows == [{"question": "Capital of France?", "answer": "Paris", "system": "Be brief."},
                                           {"question": "2+2?", "answer": "4"}]


@pytest.mark.parametrize(("row", "words"), [
    ({"question": "q", "choices": ["a", "b"], "answer": 2}, "key 'answer' is 2, but there are 2 choices"),
    ({"question": "q", "choices": ["a", "b"], "answer": "C"}, "neither a choice's index, its letter (A, B) nor its text"),
    ({"question": "q", "choices": "a b", "answer": 0}, "key 'choices' must be a list"),
    ({"choices": ["a", "b"], "answer": 0}, "missing key 'question' / 'query'"),
    ({"question": "q"}, "missing key 'answer' / 'response'"),
])
def test_a_bad_row_is_named_by_file_row_and_key(tmp_path, row, words):
    path = _write(tmp_path / "bad.jsonl", [{"question": "ok?", "answer": "yes"} if "choices" not in row else
                                           {"question": "ok?", "choices": ["a", "b"], "answer": 0}, row])
    with pytest.raises(ConfigError) as info:
        read_local(path, name="bad.jsonl")
    assert f"eval dataset bad.jsonl: {path}, row 2: " in str(info.value) and words in str(info.value)


def test_one_dataset_holds_one_kind(tmp_path):
    path = _write(tmp_path / "mixed.jsonl", [{"question": "q", "answer": "a"},
                                             {"question": "q", "choices": ["a", "b"], "answer": 0}])
    with pytest.raises(ConfigError, match="row 2: a multiple-choice row in a dataset whose first row is open QA"):
        read_local(path)


# ----------------------------------------------------------------------------- the command, offline


def test_offline_hub_benchmark_is_one_line_before_anything_loads(run_swift, tmp_path):
    mcq = _write(tmp_path / "m.jsonl", [{"question": "q", "choices": ["a", "b"], "answer": 0}])
    result = run_swift("eval", "--model", str(tmp_path / "no-such-model"), "--eval_backend", "lm_eval",
                       "--eval_dataset", mcq, "gsm8k", env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {offline_message('gsm8k')}"], result.stderr
    assert "'gsm8k' is a hub benchmark" in lines[0] and "HF_HUB_OFFLINE=1" in lines[0]
    heavy = {"torch", "transformers", "lm_eval", "datasets", "peft"} & set(result.modules)
    assert not heavy, f"swift eval imported {heavy} before refusing"


def test_eval_help_lists_ms_swift_flags(run_swift):
    result = run_swift("eval", "--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--eval_dataset", "--eval_limit", "--eval_output_dir", "--eval_generation_config", "--eval_num_proc",
                 "--eval_url", "--eval_backend"):
        assert flag in result.stdout


def test_eval_url_is_normalized_to_the_api_base():
    assert base_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1"
    assert base_url("http://h:1/v1/chat/completions") == "http://h:1/v1"
    assert base_url("http://h:1/v1/") == "http://h:1/v1"
    with pytest.raises(ConfigError, match="not an http"):
        base_url("127.0.0.1:8000")


# ----------------------------------------------------------------------------- backends, report, run folder


class Scripted(EvalBackend):
    """Scores each dataset by its row count; refuses a file named refuse.jsonl."""

    def check_datasets(self, datasets, *, offline):
        return [f"eval dataset {d.name!r}: refused by the script" for d in datasets if d.name.endswith("refuse.jsonl")]

    def run(self, target, datasets, options):
        scores = {d.name: {"acc": 0.5, "rows": float(len(read_local(d.path).rows))} for d in datasets
                  if self.options.get("scripted_drop") != d.name}
        (open(f"{options.output_dir}/predictions.jsonl", "w")).write("{}\n")
        return EvalReport(backend=self.spec.id, target=target.label(), metrics=scores,
                          counts={d.name: 1 for d in datasets}, notes=[f"limit {options.limit}"])


SCRIPTED = {"type": "object", "properties": {"scripted_drop": {"type": "string", "description": "a dataset to leave out"}}}


class ScriptedPlugin:
    SWIFTKIT_PLUGIN_API = "1.5"

    @hookimpl
    def swift_register_eval_backends(self):
        return [EvalBackendSpec(id="scripted", impl=f"{__name__}:Scripted", options=SCRIPTED, targets=["url"],
                                local_formats=["mcq"]),
                EvalBackendSpec(id="model_only", impl=f"{__name__}:Scripted", targets=["model"])]


def test_a_run_writes_its_folder_report_and_table(swift_registry_with, tmp_path):
    registry = swift_registry_with(ScriptedPlugin())
    mcq = _write(tmp_path / "m.jsonl", [{"question": "q", "choices": ["a", "b"], "answer": 0}] * 3)
    args = ["--eval_backend", "scripted", "--eval_url", "http://127.0.0.1:9/v1", "--served_model_name", "srv",
            "--eval_dataset", mcq, "--eval_limit", "5", "--eval_output_dir", str(tmp_path / "out")]
    run = run_eval(build_config(registry, command="eval", cli_args=args), registry)
    assert run.run_dir.startswith(str(tmp_path / "out")) and (tmp_path / "out").is_dir()
    saved = read_report(run.run_dir)
    assert saved["metrics"] == {mcq: {"acc": 0.5, "rows": 3.0}} and saved["backend"] == "scripted"
    assert saved["target"] == "srv" and saved["notes"] == ["limit 5"] and saved["seconds"] > 0
    assert open(run.report_md).read() == report_table(run.report)
    assert f"| {mcq} | acc | 0.5000 | 1 |" in run.table()
    assert (tmp_path / "out").joinpath(run.run_dir, "predictions.jsonl").is_file()
    second = run_eval(build_config(registry, command="eval", cli_args=args), registry)
    assert second.run_dir != run.run_dir  # never over an earlier run


def test_the_backend_is_held_to_its_contract(swift_registry_with, tmp_path):
    registry = swift_registry_with(ScriptedPlugin())
    mcq = _write(tmp_path / "m.jsonl", [{"question": "q", "choices": ["a", "b"], "answer": 0}])
    refuse = _write(tmp_path / "refuse.jsonl", [{"question": "q", "answer": "a"}])
    common = ["--eval_output_dir", str(tmp_path / "out"), "--eval_url", "http://127.0.0.1:9/v1",
              "--served_model_name", "srv"]
    with pytest.raises(ConfigError, match="refused by the script"):
        run_eval(build_config(registry, command="eval", cli_args=["--eval_backend", "scripted", "--eval_dataset",
                                                                    refuse, *common]), registry)
    with pytest.raises(ConfigError, match=r"returned no scores for '.*m\.jsonl'"):
        run_eval(build_config(registry, command="eval", cli_args=["--eval_backend", "scripted", "--eval_dataset", mcq,
                                                                    "--scripted_drop", mcq, *common]), registry)
    with pytest.raises(ConfigError, match="'model_only' cannot evaluate a url \\(--eval_url\\); it takes model"):
        run_eval(build_config(registry, command="eval", cli_args=["--eval_backend", "model_only", "--eval_dataset", mcq,
                                                                    *common]), registry)


def test_default_backend_is_native_only_when_evalscope_is_there(swift_registry_with, monkeypatch):
    from swiftkit.core import requirements

    registry = swift_registry_with(ScriptedPlugin())
    real = requirements.check_requirement  # Native's spec requires evalscope: that decides
    monkeypatch.setattr(requirements, "check_requirement",
                        lambda r: (False, "not installed") if r == "evalscope" else real(r))
    assert default_backend(registry) == "lm_eval"
    monkeypatch.setattr(requirements, "check_requirement",
                        lambda r: (True, "1.5.1 installed") if r == "evalscope" else real(r))
    assert default_backend(registry) == "Native"


def test_run_folders_are_fresh(tmp_path):
    import datetime

    now = datetime.datetime(2026, 1, 2, 3, 4, 5)
    first, second = run_folder(str(tmp_path), now), run_folder(str(tmp_path), now)
    assert first.endswith("20260102-030405") and second.endswith("20260102-030405-1")
