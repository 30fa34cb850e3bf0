"""``swift eval --eval_backend Native``: EvalScope's Python API on local multiple-choice and open-QA
files, a local model answering through swiftkit's pt engine (its own template), a served model
through ``--eval_url``; the scores go up after a short training on the task
(:mod:`swiftkit.testing.evalscope_task`). Fuller figures: ``benchmarks/eval_native_before_after.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.errors import ConfigError
from swiftkit.core.eval.interface import EvalDataset
from swiftkit.core.registry import get_registry
from swiftkit.testing.evalscope_task import dataset_args, write_mcq_task
from swiftkit.testing.tiny import build_tiny_model

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.skipif(importlib.util.find_spec("evalscope") is None,
                                 reason="the Native eval backend needs EvalScope (requirements/evalscope.txt)")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    return write_mcq_task(str(tmp_path_factory.mktemp("task")))


@pytest.fixture(scope="module")
def trained(tiny, task, tmp_path_factory):
    """The tiny model after 60 full fine-tuning steps on the task's training rows."""
    out = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(cli, [
        "sft", "--model", tiny, "--dataset", task["train"], "--train_type", "full", "--learning_rate", "5e-3",
        "--lr_scheduler_type", "constant", "--per_device_train_batch_size", "16", "--max_steps", "60",
        "--save_steps", "1000", "--logging_steps", "10", "--report_to", "none", "--output_dir", str(out),
        "--add_version", "false"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return str(out / "checkpoint-60")


def _eval(task, out, *target: str, datasets=("mcq", "qa")) -> dict:
    """``swift eval --eval_backend Native`` on the task's files; returns its report.json."""
    result = CliRunner().invoke(cli, [
        "eval", *target, "--eval_backend", "Native", "--eval_dataset", *[task[k] for k in datasets],
        "--eval_dataset_args", json.dumps(dataset_args()), "--eval_generation_config", '{"max_tokens": 6}',
        "--eval_output_dir", str(out), "--evalscope_html_report", "false"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run,) = os.listdir(out)
    with open(os.path.join(out, run, "report.json"), encoding="utf-8") as fh:
        return json.load(fh)


def test_scores_go_up_after_training_on_the_task(tiny, task, trained, tmp_path):
    before = _eval(task, tmp_path / "before", "--model", tiny)
    after = _eval(task, tmp_path / "after", "--model", trained)
    mcq, qa = task["mcq"], task["qa"]
    assert before["backend"] == after["backend"] == "Native"
    assert after["counts"] == {mcq: 8, qa: 8}
    # EvalScope's per-row predictions and reviews stay in the run folder
    assert all(os.path.isfile(path) for path in after["samples"].values())
    acc = (before["metrics"][mcq]["acc"], after["metrics"][mcq]["acc"])
    rouge = (before["metrics"][qa]["Rouge-L-R"], after["metrics"][qa]["Rouge-L-R"])
    print(f"\nNative, swift eval: colours acc {acc[0]:.3f} -> {acc[1]:.3f}; colours_qa Rouge-L-R {rouge[0]:.3f} -> "
          f"{rouge[1]:.3f} (before -> after 60 steps)")
    assert acc[1] > acc[0] and acc[1] >= 0.75
    assert rouge[1] > rouge[0]
    # offline, BLEU (NLTK punkt_tab data) is left out and the report says so
    if "BLEU-4" not in after["metrics"][qa]:
        assert any("Rouge only" in note for note in after["notes"])


def test_eval_url_scores_a_served_model_as_the_local_one(task, trained, tmp_path):
    pytest.importorskip("uvicorn", reason="the server needs the serve extra")
    from swiftkit.infer.factory import create_engine
    from swiftkit.serve.server import create_app, run_in_thread

    engine, resolved = create_engine({"model": trained, "infer_backend": "pt"})
    server = run_in_thread(create_app(engine, resolved, served_model_name="colours"))
    try:
        served = _eval(task, tmp_path / "url", "--eval_url", server.base_url, datasets=("mcq",))
    finally:
        server.stop()
        engine.close()
    local = _eval(task, tmp_path / "local", "--model", trained, datasets=("mcq",))
    assert served["target"] == "colours"
    # greedy answers through the same template: the server scores exactly as the local model
    assert served["metrics"] == local["metrics"] and served["metrics"][task["mcq"]]["acc"] >= 0.75


def _backend():
    registry = get_registry()
    spec = registry.get("eval_backend", "evalscope").spec  # ms-swift's Native, by its alias too
    from swiftkit.plugins.eval.evalscope_impl import EvalScopeBackend

    return spec, EvalScopeBackend(spec, {})


def test_file_problems_are_found_before_anything_loads(tmp_path):
    spec, backend = _backend()
    assert spec.id == "Native" and spec.local_formats == ["mcq", "qa"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "Q?", "choices": ["a", "b"], "answer": 1}) + "\n"
                   + json.dumps({"question": "Q2?", "choices": ["a", "b"], "answer": 7}) + "\n")
    wide = tmp_path / "wide.jsonl"
    wide.write_text(json.dumps({"question": "Q?", "choices": [str(i) for i in range(11)], "answer": 0}) + "\n")
    problems = backend.check_datasets([EvalDataset(name=str(p), path=str(p), subset=p.stem) for p in (bad, wide)],
                                      offline=True)
    assert len(problems) == 2
    assert "bad.jsonl, row 2: key 'answer'" in problems[0]
    assert "wide.jsonl, row 1: 11 choices" in problems[1] and "A-J" in problems[1]


def test_a_hub_benchmark_offline_is_one_line(task, tmp_path):
    _, backend = _backend()
    (line,) = backend.check_datasets([EvalDataset(name="gsm8k")], offline=True)
    assert "gsm8k" in line and "\n" not in line
    with pytest.raises(ConfigError, match="gsm8k"):
        CliRunner().invoke(cli, ["eval", "--model", "unused", "--eval_backend", "Native", "--eval_dataset", "gsm8k",
                                 "--eval_output_dir", str(tmp_path)], catch_exceptions=False)


class ScriptedEngine:
    """An engine answering from a table (question -> text): what the backend sends and scores,
    without a model."""

    def __init__(self, answers: dict[str, str]):
        self.answers = answers
        self.requests: list = []

    def infer(self, requests):
        from swiftkit.core.engines.interface import ChatResponse

        self.requests.extend(requests)
        out = []
        for request in requests:
            text = next((a for q, a in self.answers.items() if q in request.messages[-1]["content"]), "")
            out.append(ChatResponse(text=text, finish_reason="stop", prompt_tokens=3, completion_tokens=1))
        return out


def test_scores_are_evalscopes_own_and_empty_answers_count_as_zero(task, tmp_path):
    from swiftkit.core.eval.interface import EvalOptions, EvalTarget

    spec, backend = _backend()
    backend = type(backend)(spec, {"evalscope_html_report": False})
    with open(task["mcq"], encoding="utf-8") as fh:
        mcq = [json.loads(line) for line in fh]
    # the first 6 questions answered with the right letter (3 as EvalScope asks: "ANSWER: X"), the
    # last two with a wrong one; open QA: 4 right, 4 silent (EvalScope alone would skip the silent ones)
    answers = {r["question"]: ("ANSWER: " if i % 2 else "") + "ABCD"[(r["answer"] + (i >= 6)) % 4]
               for i, r in enumerate(mcq)}
    qa_answers = {r["question"]: (r["choices"][r["answer"]] if i < 4 else "") for i, r in enumerate(mcq)}
    datasets = [EvalDataset(name=task[k], path=task[k], subset=os.path.basename(task[k])[:-6],
                            args=dict(dataset_args()["colours"]) if k == "mcq" else {}) for k in ("mcq", "qa")]
    engine = ScriptedEngine({**answers})
    report = backend.run(EvalTarget(model_dir="unused", engine=engine), datasets[:1], EvalOptions(str(tmp_path / "a")))
    assert report.metrics[task["mcq"]]["acc"] == pytest.approx(6 / 8)
    assert engine.requests[0].sampling.temperature == 0.0  # greedy unless --eval_generation_config says otherwise
    assert "\nA) " in engine.requests[0].messages[-1]["content"]  # EvalScope's prompt, our prompt_template
    report = backend.run(EvalTarget(model_dir="unused", engine=ScriptedEngine(qa_answers)), datasets[1:],
                         EvalOptions(str(tmp_path / "b"), generation={"max_tokens": 3, "stop": "\n"}))
    assert report.metrics[task["qa"]]["Rouge-L-R"] == pytest.approx(0.5)
    assert report.counts[task["qa"]] == 8
