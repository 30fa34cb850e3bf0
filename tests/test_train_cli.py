"""`swift sft` as users run it: flags and YAML, errors before any model is loaded."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("llama3.2-1b-instruct", tmp_path_factory.mktemp("m") / "llama3.2-1b-instruct",
                                registry=get_registry(refresh=True)))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("d") / "chat.jsonl"
    rows = [{"conversations": [{"from": "human", "value": f"Count to {i}."}, {"from": "gpt", "value": " ".join(map(str, range(1, i + 1)))}]}
            for i in range(1, 9)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_bad_option_is_reported_before_anything_heavy_loads(run_swift, data):
    result = run_swift("sft", "--model", "qwen2.5-0.5b-instruct", "--dataset", data, "--lora_rnak", "8", "--train_type", "lroa")
    assert result.returncode == 2
    assert "unknown option 'lora_rnak'; did you mean 'lora_rank' (option of method:lora)?" in result.stderr
    assert "option 'train_type': 'lroa' is not one of" in result.stderr and "did you mean 'lora'?" in result.stderr
    assert not {"torch", "transformers", "peft", "datasets"} & set(result.modules)


def test_yaml_config_with_dashed_flags_trains(tiny, data, tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text(
        f"model: {tiny}\ndataset: [{data}]\ntrain-type: lora\nlora_rank: 8\nmax_length: 64\n"
        f"per_device_train_batch_size: 4\nlogging_steps: 1\nreport_to: []\ngradient_checkpointing: true\n"
        f"output_dir: {tmp_path / 'out'}\n"
    )
    result = CliRunner().invoke(cli, ["sft", "--config", str(config), "--max-steps", "4", "--learning-rate", "1e-3"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "out").iterdir()
    assert run.name.startswith("v0-")
    args = json.loads((run / "args.json").read_text())
    assert args["max_steps"] == 4 and args["lora_rank"] == 8 and args["gradient_checkpointing"] is True
    assert args["model_id"] == "llama3.2-1b-instruct" and args["template"] == "llama3"
    assert [r["step"] for r in read_log(str(run)) if "loss" in r] == [1, 2, 3, 4]
    assert "done: 4 steps" in result.output


def test_unloadable_model_is_a_clear_error(data, tmp_path):
    from swiftkit.core.config import build_config
    from swiftkit.core.errors import SwiftkitError
    from swiftkit.train.run import run_training

    registry = get_registry()
    config = build_config(registry, command="sft", cli_args=["--model", "Qwen/Qwen2.5-0.5B-Instruct", "--dataset", data,
                                                             "--output_dir", str(tmp_path)])
    with pytest.raises(SwiftkitError, match=r"cannot load model 'Qwen/Qwen2.5-0.5B-Instruct' \(registered as qwen2.5-0.5b-instruct\)"):
        run_training(config, command="sft", registry=registry)


def test_bad_row_names_file_row_and_field(tiny, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}) + "\n"
                   + json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "robot", "content": "x"}]}) + "\n")
    result = CliRunner().invoke(cli, ["sft", "--model", tiny, "--dataset", str(bad), "--output_dir", str(tmp_path / "o"),
                                      "--max_steps", "1", "--report_to", "none"])
    assert result.exit_code != 0
    message = str(result.exception)
    assert f"{bad} row 2" in message and "messages[1].role" in message and "robot" in message
    lenient = CliRunner().invoke(cli, ["sft", "--model", tiny, "--dataset", str(bad), "--output_dir", str(tmp_path / "l"),
                                       "--max_steps", "1", "--report_to", "none", "--strict", "false"], catch_exceptions=False)
    assert lenient.exit_code == 0, lenient.output
    assert "skipped" in lenient.output and "robot" in lenient.output


def test_resume_needs_only_the_checkpoint_path(tiny, data, tmp_path):
    out = tmp_path / "out"
    first = CliRunner().invoke(cli, ["sft", "--model", tiny, "--dataset", data, "--max_steps", "4", "--save_steps", "2",
                                     "--logging_steps", "1", "--output_dir", str(out), "--add_version", "false",
                                     "--report_to", "none", "--lora_rank", "4"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    # extend the run from its middle checkpoint: model, data and options come from args.json
    resumed = CliRunner().invoke(cli, ["sft", "--resume-from-checkpoint", str(out / "checkpoint-2"), "--max_steps", "6"],
                                 catch_exceptions=False)
    assert resumed.exit_code == 0, resumed.output
    assert "done: 6 steps" in resumed.output
    assert json.loads((out / "checkpoint-6" / "args.json").read_text())["lora_rank"] == 4


def test_auto_fills_what_the_user_left_open(tiny, data, tmp_path, monkeypatch):
    """`--auto` asks `swift recommend` for a machine (here: one 24 GB GPU, as if detected) and
    keeps every choice the user made."""
    from swiftkit.resources import recommend as rec

    captured, real = {}, rec.auto_overrides

    def fake_auto(given, registry=None, **kwargs):
        captured["given"] = dict(given)
        return real(given, registry, hardware=rec.Hardware(kind="cuda", count=1, memory_gib=24.0, bf16=True))

    monkeypatch.setattr(rec, "auto_overrides", fake_auto)
    result = CliRunner().invoke(cli, ["sft", "--model", tiny, "--dataset", data, "--auto", "--train_type", "lora",
                                      "--max_steps", "1", "--output_dir", str(tmp_path / "o"), "--add_version", "false",
                                      "--report_to", "none", "--torch_dtype", "float32"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert captured["given"]["train_type"] == "lora" and "lora_rank" not in captured["given"]  # no defaults leak in
    assert "--auto chose:" in result.output
    args = json.loads((tmp_path / "o" / "args.json").read_text())
    assert args["train_type"] == "lora" and args["torch_dtype"] == "float32"  # the user's choices stand
    assert args["max_length"] == 2048 and args["per_device_train_batch_size"] >= 1


def test_help_lists_the_main_options_of_core_and_plugins():
    result = CliRunner().invoke(cli, ["sft", "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for flag in ("--model", "--train_type", "--nproc_per_node", "--deepspeed", "--fsdp", "--tp_size", "--auto"):
        assert f"  {flag} " in result.output, flag
