"""``--external_plugins FILE.py``: a plain Python file registering through swiftkit's hooks is a
plugin for one run (and for ``swift plugins``), with no packaging."""

from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.plugins import ENV_EXTERNAL, EXTERNAL_DIST
from swiftkit.core.registry import get_registry, set_registry

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PLUGIN = '''
"""A user's plugin file: a template, a dataset beside the file and a reward."""
from swiftkit.core import DatasetSpec, RewardSpec, TemplateSpec, hookimpl
from swiftkit.core.methods.interface import RewardFunction

SWIFTKIT_PLUGIN_API = "1.3"


class LengthReward(RewardFunction):
    def __call__(self, prompts, completions, **columns):
        return [float(len(c)) for c in completions]


@hookimpl
def swift_register_templates():
    return [TemplateSpec(id="ext-chat", user="<user>{content}</user>\\n", assistant_prefix="<bot>",
                         assistant_suffix="</bot>\\n", stop_words=["</bot>"])]


@hookimpl
def swift_register_datasets():
    return [DatasetSpec(id="ext-rows", format="messages", path="{module}:ext_rows.jsonl")]


@hookimpl
def swift_register_rewards():
    return [RewardSpec(id="ext-length", impl="{module}:LengthReward")]
'''


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    """Each test starts without external plugins and leaves none behind (nor their modules)."""
    monkeypatch.delenv(ENV_EXTERNAL, raising=False)
    before = set(sys.modules)
    old = set_registry(None)
    yield
    os.environ.pop(ENV_EXTERNAL, None)
    for name in set(sys.modules) - before:
        if name.startswith("ext_plugin_"):
            del sys.modules[name]
    set_registry(old)


def write_plugin(folder, name):
    (folder / f"{name}.py").write_text(textwrap.dedent(PLUGIN).replace("{module}", name))
    rows = [{"messages": [{"role": "user", "content": f"Say {i}."}, {"role": "assistant", "content": f"{i}"}]} for i in range(6)]
    (folder / "ext_rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(folder / f"{name}.py")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from swiftkit.testing.tiny import build_tiny_model

    return str(build_tiny_model("llama3.2-1b-instruct", tmp_path_factory.mktemp("m") / "llama3.2-1b-instruct",
                                registry=get_registry(refresh=True)))


def test_a_plugin_file_is_listed_like_an_installed_plugin(tmp_path):
    path = write_plugin(tmp_path, "ext_plugin_listed")
    result = CliRunner().invoke(cli, ["plugins", "--json", "--external_plugins", path], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (mine,) = [p for p in json.loads(result.output) if p["name"] == "ext_plugin_listed"]
    assert mine["status"] == "ok" and mine["distribution"] == EXTERNAL_DIST and mine["module"] == path
    assert mine["counts"] == {"template": 1, "dataset": 1, "reward": 1}
    # without the flag, the next command line of the same process does not have it
    again = CliRunner().invoke(cli, ["plugins", "--json"], catch_exceptions=False)
    assert "ext_plugin_listed" not in again.output


def test_a_run_uses_the_files_template_dataset_and_reward(tiny, tmp_path):
    path = write_plugin(tmp_path, "ext_plugin_run")
    result = CliRunner().invoke(cli, ["sft", "--external_plugins", path, "--model", tiny, "--dataset", "ext-rows",
                                      "--template", "ext-chat", "--max_steps", "2", "--report_to", "none",
                                      "--output_dir", str(tmp_path / "out")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "done: 2 steps" in result.output
    (run,) = (tmp_path / "out").iterdir()
    args = json.loads((run / "args.json").read_text())
    assert args["template"] == "ext-chat" and args["external_plugins"] == [path]

    from swiftkit.train.rewards import load_reward_functions

    registry = get_registry()
    assert registry.get("template", "ext-chat").plugin.dist == EXTERNAL_DIST
    (name, reward), = load_reward_functions(["ext-length"], registry)
    assert name == "ext-length" and reward([[]], ["abc", "hello"]) == [3.0, 5.0]


def test_a_missing_or_raising_file_is_an_error_naming_it(tiny, tmp_path):
    missing = tmp_path / "nowhere.py"
    result = CliRunner().invoke(cli, ["sft", "--external_plugins", str(missing), "--model", tiny, "--dataset", "x"])
    assert result.exit_code != 0 and f"no such file: {missing}" in str(result.exception)

    broken = tmp_path / "ext_plugin_broken.py"
    broken.write_text("SWIFTKIT_PLUGIN_API = '1.3'\nraise RuntimeError('boom at import')\n")
    result = CliRunner().invoke(cli, ["sft", "--external_plugins", str(broken), "--model", tiny, "--dataset", "x"])
    assert result.exit_code != 0
    message = str(result.exception)
    assert str(broken) in message and "RuntimeError: boom at import" in message
    # swift plugins still runs, showing it broken like any plugin
    listed = CliRunner().invoke(cli, ["plugins", "--json", "--external_plugins", str(broken)], catch_exceptions=False)
    (mine,) = [p for p in json.loads(listed.output) if p["name"] == "ext_plugin_broken"]
    assert mine["status"] == "error" and "boom at import" in mine["reason"]


def test_the_files_go_through_the_same_validation(tmp_path):
    clash = tmp_path / "ext_plugin_clash.py"
    clash.write_text(textwrap.dedent('''
        from swiftkit.core import DatasetSpec, hookimpl
        SWIFTKIT_PLUGIN_API = "1.3"

        @hookimpl
        def swift_register_datasets():
            return [DatasetSpec(id="swift-demo", format="messages", path="x:y.jsonl")]
    '''))
    listed = CliRunner().invoke(cli, ["plugins", "--json", "--external_plugins", str(clash)], catch_exceptions=False)
    (mine,) = [p for p in json.loads(listed.output) if p["name"] == "ext_plugin_clash"]
    assert mine["status"] == "error" and "duplicate dataset name" in mine["reason"]


def test_resuming_a_run_brings_its_plugin_files_back(tiny, tmp_path):
    path = write_plugin(tmp_path, "ext_plugin_resume")
    out = tmp_path / "out"
    first = CliRunner().invoke(cli, ["sft", "--external_plugins", path, "--model", tiny, "--dataset", "ext-rows",
                                     "--template", "ext-chat", "--max_steps", "2", "--save_steps", "1", "--report_to",
                                     "none", "--output_dir", str(out), "--add_version", "false"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    set_registry(None)
    os.environ.pop(ENV_EXTERNAL, None)
    resumed = CliRunner().invoke(cli, ["sft", "--resume_from_checkpoint", str(out / "checkpoint-1"), "--max_steps", "3"],
                                 catch_exceptions=False)
    assert resumed.exit_code == 0, resumed.output
    assert "done: 3 steps" in resumed.output
