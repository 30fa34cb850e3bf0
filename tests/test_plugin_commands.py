"""Plugins add CLI commands (mounted lazily) and run-config options."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.testing import make_plugin

COMMAND_MODULE = '''
import click

@click.command("hello")
@click.option("--name", default="world")
def hello(name):
    """Say hello (a plugin command)."""
    click.echo(f"hello, {name}")
'''


@pytest.fixture
def command_module(tmp_path, monkeypatch):
    (tmp_path / "swiftkit_hello_cmd.py").write_text(COMMAND_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "swiftkit_hello_cmd"
    sys.modules.pop("swiftkit_hello_cmd", None)


def test_plugin_command_is_listed_without_import_and_runs(swift_registry_with, command_module):
    plugin = make_plugin(
        "hello_plugin",
        swift_register_commands=lambda: [{"id": "hello", "description": "Say hello.", "impl": f"{command_module}:hello"}],
        swift_register_options=lambda: [{"id": "hello-opts", "commands": ["sft"],
                                         "options": {"type": "object", "properties": {"hello_level": {"type": "integer"}}}}],
    )
    swift_registry_with(plugin, dist="swiftkit-hello", version="0.3")
    runner = CliRunner()
    help_text = runner.invoke(cli, ["--help"]).output
    assert "hello" in help_text and "Say hello." in help_text
    assert command_module not in sys.modules  # listed from its spec, not imported
    result = runner.invoke(cli, ["hello", "--name", "swift"])
    assert result.exit_code == 0 and result.output == "hello, swift\n"
    sft_schema = json.loads(runner.invoke(cli, ["config-schema", "--command", "sft"]).output)
    assert sft_schema["properties"]["hello_level"]["x-swiftkit-plugin"] == "options:hello-opts"
    infer_schema = json.loads(runner.invoke(cli, ["config-schema", "--command", "infer"]).output)
    assert "hello_level" not in infer_schema["properties"]


def test_plugin_command_cannot_shadow_a_core_command(swift_plugins):
    swift_plugins.add(make_plugin("shadow", swift_register_commands=lambda: [{"id": "list", "impl": "click:Command"}]))
    (rec,) = swift_plugins.discover().plugins
    assert rec.reason == "command 'list' is a core command"


def test_command_with_unresolvable_reference_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("ghost_cmd", swift_register_commands=lambda: [{"id": "ghost", "impl": "swiftkit.core.errors:NoSuchCommand"}]))
    (record,) = swift_plugins.discover().plugins
    assert record.reason == (
        "command 'ghost': lazy reference impl='swiftkit.core.errors:NoSuchCommand' does not resolve: "
        "module 'swiftkit.core.errors' defines no 'NoSuchCommand'"
    )
