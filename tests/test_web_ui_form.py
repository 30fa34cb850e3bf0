"""``swift web-ui`` without a browser: forms composed from the run-config schema, the command
line they make and its validation, and the run manager (process groups, logs, loss records)."""

from __future__ import annotations

import json
import os
import time

import pytest

from swiftkit.core.errors import ConfigError


@pytest.fixture(scope="module")
def registry():
    from swiftkit.core.registry import get_registry

    return get_registry()


def test_a_tuner_choice_brings_its_plugin_options(registry):
    from swiftkit.ui.web_ui.form import MAIN, compose_form

    lora = compose_form(registry, "sft")
    assert list(lora.fields)[:3] == ["model", "dataset", "train_type"]
    assert lora.fields["train_type"].group == MAIN and lora.fields["train_type"].widget == "dropdown"
    assert "vera" in lora.fields["train_type"].choices
    assert lora.fields["lora_rank"].group in lora.plugin_groups()
    assert lora.fields["lora_rank"].plugin == "method:lora"
    vera = compose_form(registry, "sft", {"train_type": "vera"})
    assert "vera_rank" in vera.fields and "lora_rank" not in vera.fields
    assert vera.selected["method"] == ["vera", "sft"]
    # an objective's options on rlhf; refused flags and other spellings are not form fields
    dpo = compose_form(registry, "rlhf", {"rlhf_type": "dpo"})
    assert any(g.startswith("dpo ") for g in dpo.plugin_groups())
    assert not any("x-swiftkit-refused" in f.schema or "x-swiftkit-alias-of" in f.schema for f in dpo.fields.values())


def test_sections_and_search(registry):
    from swiftkit.ui.web_ui.form import MAIN, compose_form

    form = compose_form(registry, "sft")
    more = form.more_groups()
    assert MAIN not in more and not set(more) & set(form.plugin_groups())
    assert "Data" in more and "Export and quantization" not in more  # export keys only on the export tab
    assert "Export and quantization" in compose_form(registry, "export").more_groups()
    assert [f.key for f in form.search("warmup ratio")] == ["warmup_ratio"]
    assert form.search("  ") == []
    # on a tab that does not train, the default tuner's options are not the open section
    assert not any(g.startswith("lora ") for g in compose_form(registry, "infer").plugin_groups())


def test_values_make_the_exact_command_and_it_validates(registry):
    from swiftkit.ui.web_ui.command import check_command, parse_command
    from swiftkit.ui.web_ui.page import form_command

    _, line = form_command(registry, "sft", {"model": "/m", "dataset": "a.jsonl 'b c.jsonl'", "train_type": "lora",
                                             "lora_rank": "4", "max_steps": ""})
    # defaults (lora) and empty values are left out; a list key is split like a shell would
    assert line == "swift sft --model /m --dataset a.jsonl 'b c.jsonl' --lora_rank 4"
    command, args = parse_command(line, expected="sft")
    config = check_command(registry, command, args)
    assert config["dataset"] == ["a.jsonl", "b c.jsonl"] and config["lora_rank"] == 4
    # a value of a plugin the values no longer choose is dropped from the command
    _, line = form_command(registry, "sft", {"model": "/m", "lora_rank": "4", "train_type": "full"})
    assert line == "swift sft --model /m --train_type full"
    with pytest.raises(ConfigError, match="lora_rank"):
        check_command(registry, "sft", ["--model", "/m", "--lora_rank", "four"])
    with pytest.raises(ConfigError, match="this tab runs 'swift sft'"):
        parse_command("swift rlhf --model m", expected="sft")
    with pytest.raises(ConfigError, match="must start with 'swift COMMAND'"):
        parse_command("python train.py")


def test_every_tab_composes_a_command_the_cli_accepts(registry):
    from swiftkit.ui.web_ui.command import check_command, parse_command
    from swiftkit.ui.web_ui.form import COMMANDS
    from swiftkit.ui.web_ui.page import _run_output, _run_url, form_command

    extra = {"rlhf": {"rlhf_type": "dpo"}, "eval": {"eval_dataset": "arc"}, "export": {"merge_lora": "true"},
             "deploy": {"port": "8123"}}
    for command in COMMANDS:
        form, line = form_command(registry, command, {"model": "/m", **extra.get(command, {})})
        assert form.groups() and line.startswith(f"swift {command} --model /m"), (command, line)
        config = check_command(registry, *parse_command(line, expected=command))
        assert config["model"] == "/m"
        if command == "deploy":
            assert _run_url(command, config) == "http://127.0.0.1:8123/v1"
        if command in ("sft", "rlhf"):
            assert _run_output(command, config) == (config.get("output_dir") or "output")


def _fake_swift(tmp_path, body: str) -> str:
    """A ``swiftkit`` package whose ``__main__`` runs ``body`` (so runs start in milliseconds)."""
    pkg = tmp_path / "fake" / "swiftkit"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text(body)
    return str(tmp_path / "fake")


def test_run_manager_tails_the_training_log_and_stops_a_process_group(tmp_path):
    from swiftkit.ui.web_ui.runs import RunManager

    fake = _fake_swift(tmp_path, """
import json, os, subprocess, sys, time
args = sys.argv[1:]
if "--fail" in args:
    sys.exit("error: no such dataset")
out = args[args.index("--output_dir") + 1]
run = out if "--add_version" in args else os.path.join(out, "v0-test")
os.makedirs(os.path.join(run, "checkpoint-2"))
with open(os.path.join(run, "logging.jsonl"), "w") as fh:
    fh.write(json.dumps({"step": 1, "loss": 2.0}) + "\\n" + json.dumps({"step": 2, "loss": 1.5}) + "\\n")
    fh.write('{"step": 3, "lo')  # a line still being written
    fh.flush()
    print("trained", flush=True)
    if "--hang" in args:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        print("child", child.pid, flush=True)
        time.sleep(600)
""")
    env = {**os.environ, "PYTHONPATH": fake}
    manager = RunManager(str(tmp_path / "logs"), cwd=str(tmp_path), env=env)
    done = manager.start("sft", ["--output_dir", "out"], output_dir="out")
    done.process.wait(timeout=60)
    assert done.status == "finished" and done.returncode == 0
    assert done.run_dir is None or done.run_dir.endswith("v0-test")
    assert done.losses() == [(1.0, 2.0), (2.0, 1.5)]  # the partial line waits for its end
    assert done.find_run_dir() == str(tmp_path / "out" / "v0-test")
    assert done.last_checkpoint() == str(tmp_path / "out" / "v0-test" / "checkpoint-2")
    assert "trained" in done.log() and done.log().startswith("$ swift sft --output_dir out")

    hung = manager.start("sft", ["--output_dir", "out2", "--hang"], output_dir="out2")
    deadline = time.monotonic() + 60
    while "child" not in hung.log():
        assert time.monotonic() < deadline, hung.log()
        time.sleep(0.05)
    child = int(hung.log().split("child ")[1].split()[0])
    assert hung.status == "running"
    hung.stop(grace=5)
    assert hung.status == "stopped" and hung.returncode == -15
    deadline = time.monotonic() + 10
    while _alive(child):  # the grandchild went with the process group
        assert time.monotonic() < deadline, f"pid {child} outlived the stopped run"
        time.sleep(0.05)
    failed = manager.start("sft", ["--fail"])
    failed.process.wait(timeout=60)
    assert failed.status == "failed" and failed.returncode == 1 and "no such dataset" in failed.log()
    flat = manager.start("sft", ["--output_dir", "flat", "--add_version", "false"], output_dir="flat")
    flat.process.wait(timeout=60)
    assert flat.find_run_dir() == str(tmp_path / "flat") and len(flat.losses()) == 2
    rows = manager.table()
    assert [r[:3] for r in rows] == [[4, "sft", "finished"], [3, "sft", "failed"], [2, "sft", "stopped"],
                                     [1, "sft", "finished"]]
    assert json.dumps(rows)  # plain values: the page sends them as a table


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_web_ui_command_help_and_share_offline(run_swift):
    help_run = run_swift("web-ui", "--help")
    assert help_run.returncode == 0, help_run.stderr
    assert "--server_port" in help_run.stdout and "--studio_title" in help_run.stdout
    assert not [m for m in help_run.modules if m.split(".")[0] in ("gradio", "torch", "transformers")]
    refused = run_swift("web-ui", "--share", "true", env={"HF_HUB_OFFLINE": "1"})
    assert refused.returncode != 0
    assert "--share true needs the network" in refused.stdout + refused.stderr
