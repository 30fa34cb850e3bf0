"""Option groups published by the core (swiftkit.core.options): a third-party plugin reuses
the keys built-ins share, and a conflicting definition is rejected naming both plugins."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from swiftkit.core.config import build_config, compose_schema
from swiftkit.core.options import (
    DISTRIBUTED,
    GROUPS,
    LORA,
    PREFERENCE,
    SERVING,
    option,
    option_difference,
    option_schema,
    option_value,
    option_values,
)
from swiftkit.testing import PluginHarness, make_plugin


def lora_variant(id: str, options: dict) -> dict:
    return {"id": id, "kind": "tuner", "impl": "swiftkit.plugins.methods.lora.tuner:LoraTuner", "options": options}


def with_installed(*plugins, dist: str = "swiftkit-my-lora"):
    harness = PluginHarness(include_installed=True)
    for plugin in plugins:
        harness.add(plugin, dist=dist, version="0.1.0")
    return harness.discover()


def record(discovery, name):
    return next(p for p in discovery.plugins if p.name == name)


@pytest.fixture
def isolated_index(tmp_path, monkeypatch):
    monkeypatch.setenv("SWIFTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SWIFTKIT_NO_INDEX", "1")


def test_third_party_lora_variant_reuses_the_core_group(isolated_index):
    variant = option_schema(LORA, own={"my_lora_scale": {"type": "number", "default": 2.0}}, defaults={"lora_rank": 16})
    plugin = make_plugin("my_lora", swift_register_methods=lambda: [lora_variant("my-lora", variant)])
    discovery = with_installed(plugin)
    assert record(discovery, "my_lora").ok, record(discovery, "my_lora").reason
    assert record(discovery, "lora").ok
    from swiftkit.core.registry import Registry

    registry = Registry(discovery)
    mine = build_config(registry, command="sft", cli_args=["--model", "qwen2.5-0.5b-instruct", "--train_type", "my-lora"])
    assert mine["lora_rank"] == 16 and mine["my_lora_scale"] == 2.0 and mine["lora_alpha"] == 32
    builtin = build_config(registry, command="sft", cli_args=["--model", "qwen2.5-0.5b-instruct", "--train_type", "lora"])
    assert builtin["lora_rank"] == 8 and "my_lora_scale" not in builtin
    # both chosen at once (a schema of every plugin): the key keeps no default; each applies its own
    both = compose_schema(registry, selected={"method": ["lora", "my-lora"]})["properties"]["lora_rank"]
    assert "default" not in both and both["minimum"] == 1
    assert option_value({}, registry.get("method", "my-lora").spec, "lora_rank") == 16
    assert option_value({}, registry.get("method", "lora").spec, "lora_rank") == 8


def test_own_description_of_a_shared_key_is_compatible(isolated_index):
    rank = {**option("lora_rank"), "description": "Rank of my variant's update."}
    plugin = make_plugin("described", swift_register_methods=lambda: [
        lora_variant("described-lora", {"type": "object", "properties": {"lora_rank": rank}})])
    assert record(with_installed(plugin), "described").ok


def test_lora_variant_redefining_lora_rank_is_rejected_naming_both_plugins(isolated_index):
    rank = {"type": "integer", "minimum": 4, "default": 16}
    plugin = make_plugin("rogue_lora", swift_register_methods=lambda: [
        lora_variant("rogue-lora", {"type": "object", "properties": {"lora_rank": rank}})])
    discovery = with_installed(plugin, dist="swiftkit-rogue")
    rec = record(discovery, "rogue_lora")
    assert rec.status == "error"
    assert rec.reason.startswith("option 'lora_rank' is defined differently by method '")
    # a built-in of the LoRA family (lora, longlora, loraplus ...: whichever discovery met first)
    assert re.search(r"by method '[a-z]+' of plugin '[a-z]+' \(distribution swiftkit \d", rec.reason), rec.reason
    assert "and by method 'rogue-lora' of plugin 'rogue_lora' (distribution swiftkit-rogue 0.1.0)" in rec.reason
    assert rec.reason.endswith("(minimum: 1 vs 4)")
    assert "rogue-lora" not in [d["id"] for d, _ in discovery.specs["method"]]


def test_option_schema_refuses_a_private_copy_of_a_shared_key():
    with pytest.raises(ValueError, match="option\\(s\\) lora_rank are shared: take them from swiftkit.core.options"):
        option_schema(own={"lora_rank": {"type": "integer"}})
    with pytest.raises(KeyError, match="'lora_rnak' is not a shared option"):
        option_schema("lora_rnak")
    with pytest.raises(KeyError, match="default for 'lora_rank', which is not among the picked options"):
        option_schema("target_modules", defaults={"lora_rank": 4})


def test_schemas_are_copies():
    schema = option_schema(LORA)
    schema["properties"]["lora_rank"]["minimum"] = 99
    assert LORA["lora_rank"]["minimum"] == 1 and option("lora_rank")["minimum"] == 1


def test_difference_ignores_annotations_only():
    a = {"type": "integer", "minimum": 1, "default": 8, "description": "x"}
    assert option_difference(a, {"type": "integer", "minimum": 1, "default": 16, "title": "y"}) is None
    assert option_difference(a, {"type": "number", "minimum": 1}) == "type: 'integer' vs 'number'"
    assert option_difference(a, {"type": "integer"}) == "minimum: 1 vs (none)"


def test_option_value_and_values():
    spec = {"options": option_schema("lora_rank", own={"free": {"type": "string"}})}
    assert option_value({"lora_rank": None}, spec, "lora_rank") == 8
    assert option_value({"lora_rank": 4}, spec, "lora_rank") == 4
    assert option_value({}, spec, "free", "fallback") == "fallback"
    assert option_value({}, None, "anything") is None
    assert option_values(spec, {"lora_rank": 2, "other": 1}) == {"lora_rank": 2}
    assert option_values(spec, None) == {"lora_rank": 8}


def test_builtins_take_their_shared_keys_from_the_core():
    from swiftkit.core.registry import get_registry

    registry = get_registry(refresh=True)
    props = {e.id: e.data["options"]["properties"] for e in registry.entries("method")}
    assert props["lora"] == option_schema(LORA)["properties"]
    for tuner in ("loraplus", "qlora"):
        assert {k: props[tuner][k] for k in LORA} == LORA
    for objective, keys in {"dpo": ("beta", "loss_type"), "kto": ("desirable_weight",), "grpo": ("beta",)}.items():
        assert all(props[objective][k] == PREFERENCE[k] for k in keys)
    for strategy in registry.entries("strategy"):
        assert {k: strategy.data["options"]["properties"][k] for k in DISTRIBUTED} == DISTRIBUTED
    for engine in ("vllm", "sglang"):
        engine_props = registry.get("engine", engine).data["options"]["properties"]
        assert {k: engine_props[k] for k in SERVING} == SERVING


def test_builtin_loss_types_are_within_the_shared_enum():
    from swiftkit.plugins.methods._preference_options import LOSS_TYPES

    allowed = set(PREFERENCE["loss_type"]["anyOf"][0]["enum"])
    assert {t for types in LOSS_TYPES.values() for t in types} <= allowed


def test_option_groups_import_nothing_but_the_standard_library():
    code = ("import sys; before = set(sys.modules); import swiftkit.core.options; "
            "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} - set(sys.stdlib_module_names)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['swiftkit']"
    assert set(GROUPS) == {"adapter", "lora", "prompt_learning", "preference", "rollout", "distributed", "serving",
                           "tasks", "vllm", "vllm_mode", "vllm_rollout", "quantization"}
