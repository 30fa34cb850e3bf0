"""--eval_on_start: the validation loss is measured once before the first training step."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


def _sft(tiny, tmp_path, *extra):
    tmp_path.mkdir(parents=True)
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Count to {i}."},
                                                     {"role": "assistant", "content": "1 2 3"}]}) + "\n"
                            for i in range(8)))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "sft", "--model", tiny, "--dataset", str(data), "--val_dataset", str(data), "--train_type", "lora",
        "--max_steps", "2", "--eval_steps", "100", "--logging_steps", "1", "--save_steps", "100",
        "--per_device_train_batch_size", "4", "--report_to", "none", "--output_dir", str(out), "--add_version", "false",
        *extra,
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [r for r in read_log(str(out)) if "eval_loss" in r]


def test_eval_on_start_evaluates_before_the_first_step(tiny, tmp_path):
    evals = _sft(tiny, tmp_path / "on", "--eval_on_start", "true")
    assert evals and evals[0].get("step", evals[0].get("global_step")) == 0
    assert not [r for r in _sft(tiny, tmp_path / "off") if r.get("step", r.get("global_step")) == 0]


def test_eval_on_start_needs_validation_rows(tiny, tmp_path):
    data = tmp_path / "chat.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]})
                    + "\n")
    with pytest.raises(ConfigError, match="eval_on_start"):
        CliRunner().invoke(cli, ["sft", "--model", tiny, "--dataset", str(data), "--eval_on_start", "true",
                                 "--max_steps", "1", "--report_to", "none", "--output_dir", str(tmp_path / "o"),
                                 "--add_version", "false"], catch_exceptions=False)
