"""Evaluation during training (``swift sft --eval_use_evalscope true --eval_dataset FILE``): the
live model is scored with the Native (EvalScope) backend at each evaluation, and the scores land
in the run's ``logging.jsonl`` as ``eval_<dataset>_<metric>`` next to the loss.

The task (:mod:`swiftkit.testing.evalscope_task`): eight multiple-choice questions (the colour of
things) a tiny random model memorizes in 40 full fine-tuning steps.
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry
from swiftkit.testing.evalscope_task import dataset_args, write_mcq_task
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.skipif(importlib.util.find_spec("evalscope") is None,
                                 reason="the Native eval backend needs EvalScope (requirements/evalscope.txt)")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


def _sft(tiny, folder, *extra: str) -> list[str]:
    task = write_mcq_task(str(folder))
    mcq, train = task["mcq"], task["train_mcq"]
    return ["sft", "--model", tiny, "--dataset", train, "--train_type", "full", "--learning_rate", "5e-3",
            "--lr_scheduler_type", "constant", "--per_device_train_batch_size", "8", "--logging_steps", "5", "--save_steps", "1000", "--report_to", "none",
            "--output_dir", str(folder / "out"), "--add_version", "false",
            "--eval_use_evalscope", "true", "--eval_backend", "Native", "--eval_dataset", mcq,
            "--eval_dataset_args", json.dumps(dataset_args()),
            "--eval_generation_config", '{"max_tokens": 4}', *extra]


def test_training_log_holds_the_eval_scores_at_each_evaluation(tiny, tmp_path):
    args = _sft(tiny, tmp_path, "--max_steps", "40", "--eval_steps", "20", "--eval_on_start", "true")
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    run = str(tmp_path / "out")
    log = read_log(run)
    scores = {r["step"]: r["eval_colours_acc"] for r in log if "eval_colours_acc" in r}
    # before the first step (--eval_on_start), then every --eval_steps
    assert sorted(scores) == [0, 20, 40], log
    losses = {r["step"] for r in log if "loss" in r}
    assert {20, 40} <= losses  # the scores sit next to the loss of the same steps
    for step in scores:
        with open(os.path.join(run, "eval", f"step-{step}", "report.json"), encoding="utf-8") as fh:
            report = json.load(fh)
        assert report["backend"] == "Native" and report["counts"][next(iter(report["counts"]))] == 8
    print(f"\nNative, live model: eval_colours_acc {scores[0]:.3f} before training, {scores[20]:.3f} at step 20, "
          f"{scores[40]:.3f} at step 40")
    assert scores[40] > scores[0] and scores[40] >= 0.75


def test_a_bad_eval_dataset_fails_before_the_model_loads(tiny, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "Q?", "choices": ["a", "b"], "answer": 5}) + "\n")
    args = _sft(tiny, tmp_path, "--max_steps", "2")
    args[args.index("--eval_dataset") + 1] = str(bad)
    args[args.index("--eval_dataset_args") + 1] = "{}"
    with pytest.raises(ConfigError, match=r"bad\.jsonl, row 1: key 'answer'"):
        CliRunner().invoke(cli, args, catch_exceptions=False)
    assert not (tmp_path / "out" / "logging.jsonl").exists()
