"""Agent templates as a plugin kind (issue 13): listed without importing heavy libraries, chosen
with ``--agent_template`` (checked before anything loads), a third party's joins the built-ins,
a malformed spec is refused with its plugin named, and the choice keys the data cache."""

from __future__ import annotations

import json

import pytest

from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry
from swiftkit.testing import make_plugin

BUILTINS = ["hermes", "qwen", "llama3", "mistral", "glm4", "glm4_5", "glm4_7", "react_en"]


def test_swift_list_agent_templates_imports_nothing_heavy(run_swift):
    run = run_swift("list", "agent-templates", "--json")
    assert run.returncode == 0, run.stderr
    ids = [row["id"] for row in json.loads(run.stdout)]
    assert set(BUILTINS) <= set(ids)
    assert not {"torch", "transformers", "datasets", "peft"} & {m.split(".")[0] for m in run.modules}


def test_every_chat_template_default_names_a_registered_agent_template():
    registry = get_registry()
    ids = {e.id for e in registry.entries("agent_template")}
    named = {e.data.get("agent_template") for e in registry.entries("template")} - {None}
    assert named and named <= ids
    assert registry.agent_template(template="qwen3").spec.id == "qwen"
    assert registry.agent_template(template="llama3_2").spec.id == "llama3"
    assert registry.agent_template(template="chatml").spec.id == "react_en"  # none named: ms-swift's default
    assert registry.agent_template("hermes", template="llama3_2").spec.id == "hermes"  # --agent_template wins


def test_agent_template_flag_is_checked_before_anything_loads():
    registry = get_registry()
    config = build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "d", "--agent_template", "glm4"])
    assert config["agent_template"] == "glm4"
    with pytest.raises(ConfigError, match="agent_template.*hermes"):
        build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "d", "--agent_template", "hermez"])


def test_a_third_party_agent_template_joins_and_a_broken_one_is_named(swift_registry_with):
    ok = {"id": "my-calls", "impl": "swiftkit.plugins.templates.agents.hermes:HermesAgentTemplate"}
    broken = {"id": "bad-calls"}  # no impl
    registry = swift_registry_with(
        make_plugin("my_agents", api="1.3", swift_register_agent_templates=lambda: [ok]),
        make_plugin("bad_agents", api="1.3", swift_register_agent_templates=lambda: [broken]))
    assert registry.agent_template("my-calls").spec.id == "my-calls"
    bad = next(p for p in registry.discovery.plugins if p.name == "bad_agents")
    assert bad.status == "error" and "impl" in bad.reason


def test_the_agent_template_keys_the_encoded_data_cache(tmp_path):
    from swiftkit.data.pipeline import prepare_datasets
    from swiftkit.testing.tokenizer import build_tokenizer

    row = {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}], "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": None, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "content": "ok"}, {"role": "assistant", "content": "Done."}]}
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    registry, tokenizer = get_registry(), build_tokenizer("chatml")
    texts = []
    for agent in ("hermes", "react_en"):
        template = registry.template("chatml").configure(agent_template=registry.agent_template(agent))
        data = prepare_datasets(dataset=[str(path)], registry=registry, template=template, tokenizer=tokenizer,
                                cache_dir=str(tmp_path / "cache"))
        texts.append(tokenizer.decode(data.train[0]["input_ids"]))
    assert "<tool_call>" in texts[0] and "Action: f" in texts[1]
