"""`swift sft` as users run it: flags and YAML, errors before any model is loaded."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.methods.interface import Tuner
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
    # lora_rank belongs to every LoRA-family tuner: the hint names one of them
    assert re.search(r"unknown option 'lora_rnak'; did you mean 'lora_rank' \(option of method:[a-z]*lora[a-z]*\)\?",
                     result.stderr), result.stderr
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
    assert args["model_id"] == "llama3.2-1b-instruct" and args["template"] == "llama3_2"
    assert [r["step"] for r in read_log(str(run)) if "loss" in r] == [1, 2, 3, 4]
    assert "done: 4 steps" in result.output


def test_unloadable_model_is_a_clear_error(data, tmp_path):
    from swiftkit.core.config import build_config
    from swiftkit.core.errors import SwiftkitError
    from swiftkit.train.run import run_training

    registry = get_registry()
    config = build_config(registry, command="sft", cli_args=["--model", "Qwen/Qwen2.5-0.5B-Instruct", "--dataset", data,
                                                             "--output_dir", str(tmp_path)])
    with pytest.raises(SwiftkitError, match=r"model 'Qwen/Qwen2.5-0.5B-Instruct' is not in the Hugging Face cache \(searched "):
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


# ------------------------------------------------------------------ hardening (issue 11: items 9, 10, 11)


def swift(capsys, *args: str) -> tuple[int, str, str]:
    """``swift ARGS`` through the real entry point (errors become one ``error:`` line there)."""
    from swiftkit.cli import main

    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def train_args(tiny: str, data: str, out, *extra: str) -> list[str]:
    return ["sft", "--model", tiny, "--dataset", data, "--output_dir", str(out), "--max_steps", "4", "--save_steps", "2",
            "--logging_steps", "1", "--report_to", "none", *extra]


def test_resume_logs_each_step_once_and_a_broken_plot_does_not_fail_the_run(tiny, data, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    code, _, err = swift(capsys, *train_args(tiny, data, out, "--add_version", "false"))
    assert code == 0, err
    with open(out / "logging.jsonl", "a") as fh:
        fh.write('{"step": 5, "loss": 1.0')  # a run killed in the middle of a line
    from swiftkit.train import callbacks

    def broken_plot(run_dir):
        raise RuntimeError("no usable font")

    monkeypatch.setattr(callbacks, "plot_loss_curve", broken_plot)
    code, output, err = swift(capsys, "sft", "--resume_from_checkpoint", str(out / "checkpoint-2"))
    assert code == 0, err
    assert "loss_curve.png not drawn (RuntimeError: no usable font); the run itself is complete" in output
    assert [r["step"] for r in read_log(str(out)) if "loss" in r] == [1, 2, 3, 4]  # 3 and 4 once, from the resumed run
    assert all(json.loads(line) for line in (out / "logging.jsonl").read_text().splitlines())


def test_the_log_and_the_plot_skip_a_partial_line(tmp_path):
    from swiftkit.train.callbacks import plot_loss_curve

    (tmp_path / "logging.jsonl").write_text('{"step": 1, "loss": 2.0}\n{"step": 2, "loss": 1.5}\n[1]\n{"step": 3, "lo')
    assert read_log(str(tmp_path)) == [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}]
    pytest.importorskip("matplotlib")
    assert plot_loss_curve(str(tmp_path)) == str(tmp_path / "loss_curve.png")


def test_a_read_only_output_dir_is_one_line(tiny, data, tmp_path, capsys, monkeypatch):
    import errno
    import os

    read_only, real = tmp_path / "ro", os.makedirs

    def makedirs(path, *args, **kwargs):  # root ignores file modes: the file system refuses instead
        if str(path).startswith(str(read_only)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "makedirs", makedirs)
    code, _, err = swift(capsys, *train_args(tiny, data, read_only))
    assert code != 0
    line = one_error_line(err)
    assert line.startswith(f"error: cannot write the run folder {read_only}{os.sep}v0-") and "Read-only file system" in line


@pytest.mark.parametrize("failure", ["torch", "enospc"])
def test_a_full_disk_names_the_checkpoint_and_leaves_no_partial_one(failure, tiny, data, tmp_path, capsys, monkeypatch):
    import errno

    from swiftkit.train.trainer import SwiftTrainer

    real = SwiftTrainer._save_rng_state

    def full_disk(self, output_dir):
        if self.state.global_step == 4:
            if failure == "torch":
                raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 64 vs 0")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, output_dir)

    monkeypatch.setattr(SwiftTrainer, "_save_rng_state", full_disk)
    out = tmp_path / "out"
    code, _, err = swift(capsys, *train_args(tiny, data, out, "--add_version", "false"))
    assert code != 0
    line = one_error_line(err)
    assert line.startswith(f"error: the disk is full: checkpoint-4 was not written to {out} (the partial save was "
                           f"removed); the latest complete checkpoint is {out / 'checkpoint-2'}"), line
    assert sorted(p.name for p in out.iterdir() if "checkpoint" in p.name) == ["checkpoint-2"]  # no staging folder


@pytest.mark.parametrize("command", ["infer", "deploy"])
def test_infer_and_deploy_of_a_hub_id_offline_is_one_line(command, capsys):
    code, _, err = swift(capsys, command, "--model", "Qwen/Qwen2.5-0.5B-Instruct", *(["--port", "0"] if command == "deploy" else []))
    assert code == 2
    line = one_error_line(err)
    # the hub id is looked up in the hub's cache before anything loads (tests/test_hub_download.py has the rest)
    assert line.startswith("error: model 'Qwen/Qwen2.5-0.5B-Instruct' is not in the Hugging Face cache (searched ")
    assert line.endswith("-- run `swift download --model Qwen/Qwen2.5-0.5B-Instruct` where the hub is reachable (same cache), "
                         "or pass --model <local folder>")


def _with_model_type(tiny: str, folder, model_type: str, custom_code: bool) -> str:
    import shutil

    shutil.copytree(tiny, folder)
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = model_type
    if custom_code:
        config["auto_map"] = {"AutoConfig": "configuration_mine.MineConfig", "AutoModelForCausalLM": "modeling_mine.Mine"}
    (folder / "config.json").write_text(json.dumps(config))
    return str(folder)


def test_an_unknown_model_type_says_what_it_needs(tiny, data, tmp_path, capsys):
    from importlib.metadata import version

    custom = _with_model_type(tiny, tmp_path / "custom", "mine", custom_code=True)
    code, _, err = swift(capsys, *train_args(custom, data, tmp_path / "o"))
    assert code == 2
    # an unregistered folder with its own code: refused before loading, with the class and the flag
    assert "model 'custom' needs the checkpoint's own modeling code" in one_error_line(err)
    assert "pass --trust_remote_code true to run it" in err
    code, _, err = swift(capsys, *train_args(custom, data, tmp_path / "o", "--model_type", "llama3.2-1b-instruct"))
    assert code == 2
    assert one_error_line(err) == (f"error: cannot load model '{custom}' (registered as llama3.2-1b-instruct): the folder "
                                   "ships its own modeling code (config.json auto_map), which runs only with "
                                   "--trust_remote_code true (use it only for a folder you trust)")
    unknown = _with_model_type(tiny, tmp_path / "unknown", "mine", custom_code=False)
    code, _, err = swift(capsys, *train_args(unknown, data, tmp_path / "o", "--model_type", "llama3.2-1b-instruct"))
    assert code == 2
    assert f"model_type 'mine' is not supported by transformers {version('transformers')}" in one_error_line(err)
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())  # no run folder left behind


class BrokenTuner(Tuner):
    """A plugin tuner whose ``prepare`` fails."""

    def prepare(self, model, model_spec=None):
        raise KeyError("lm_head")


def test_a_failing_plugin_tuner_names_itself_and_its_distribution(swift_registry_with, tiny, data, tmp_path, capsys):
    from swiftkit.core import MethodSpec
    from swiftkit.testing import make_plugin

    spec = MethodSpec(id="broken-tuner", kind="tuner", description="fails in prepare", impl=f"{__name__}:BrokenTuner")
    swift_registry_with(make_plugin("brokentuners", swift_register_methods=lambda: [spec]), dist="swiftkit-broken",
                        version="0.3")
    code, _, err = swift(capsys, *train_args(tiny, data, tmp_path / "o", "--train_type", "broken-tuner"))
    assert code == 2
    assert one_error_line(err) == ("error: plugin 'brokentuners': tuner 'broken-tuner': Tuner.prepare raised KeyError: "
                                   "'lm_head' [distribution swiftkit-broken 0.3]")
    assert not list((tmp_path / "o").iterdir())  # the failed run used up no version


def test_a_chat_template_breaking_the_sandbox_is_blamed_on_the_template(tiny, data, tmp_path, capsys):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(tiny, model)
    (model / "chat_template.jinja").write_text(
        "{% set x = messages.append(messages[0]) %}{% for m in messages %}{{ m['content'] }}{% endfor %}")
    code, _, err = swift(capsys, *train_args(str(model), data, tmp_path / "o", "--template", "tokenizer"))
    assert code == 2
    line = one_error_line(err)
    assert line.startswith(f"error: template 'tokenizer': the chat_template of {model} does something the Jinja "
                           "sandbox forbids (access to attribute 'append' of 'list' object is unsafe"), line
    assert "row" not in line


def test_a_failed_run_uses_up_no_version(tiny, data, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"messages": [{"role": "robot", "content": "x"}]}) + "\n")
    code, _, err = swift(capsys, *train_args(tiny, str(bad), tmp_path / "o"))
    assert code == 2 and "row 1" in err
    assert not list((tmp_path / "o").iterdir())
    code, _, err = swift(capsys, *train_args(tiny, data, tmp_path / "o", "--max_steps", "1"))
    assert code == 0, err
    assert [p.name[:3] for p in (tmp_path / "o").iterdir()] == ["v0-"]


def test_reusing_an_output_dir_with_another_runs_checkpoints_is_refused(tiny, data, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = swift(capsys, *train_args(tiny, data, out, "--add_version", "false"))
    assert code == 0, err
    code, _, err = swift(capsys, *train_args(tiny, data, out, "--add_version", "false", "--max_steps", "2"))
    assert code == 2
    assert one_error_line(err) == (
        f"error: --output_dir {out} already holds another run's checkpoints (checkpoint-2, checkpoint-4): continue it "
        f"with --resume_from_checkpoint {out / 'checkpoint-4'}, write elsewhere (another --output_dir, or "
        "--add_version true), or replace them with --overwrite_output_dir true")
    assert json.loads((out / "args.json").read_text())["max_steps"] == 4  # untouched
    code, output, err = swift(capsys, *train_args(tiny, data, out, "--add_version", "false", "--max_steps", "2",
                                                  "--overwrite_output_dir", "true"))
    assert code == 0, err
    assert "replaced the earlier run's checkpoint-2, checkpoint-4, args.json, logging.jsonl, loss_curve.png " \
           "(--overwrite_output_dir)" in " ".join(output.split())
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("checkpoint")) == ["checkpoint-2"]
    assert json.loads((out / "args.json").read_text())["max_steps"] == 2
    assert [r["step"] for r in read_log(str(out)) if "loss" in r] == [1, 2]


def test_a_new_run_in_a_folder_of_a_run_without_checkpoints_says_what_it_replaces(tmp_path):
    from swiftkit.train.run_folder import claim

    (tmp_path / "args.json").write_text('{"max_steps": 9}')
    (tmp_path / "logging.jsonl").write_text('{"step": 1, "loss": 2.0}\n')
    said = []
    assert claim(str(tmp_path), {"output_dir": str(tmp_path), "add_version": False}, said.append) is False
    assert said == [f"{tmp_path}: replaced the earlier run's args.json, logging.jsonl "
                    "(an earlier run in this folder left no checkpoint)"]
    assert not list(tmp_path.iterdir())
