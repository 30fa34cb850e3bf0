"""The discovery path (`swift --help`, `list`, `plugins`, `info`) imports nothing heavy and no
plugin behaviour module; a warm run imports no plugin module at all."""

from __future__ import annotations

import pytest

from swiftkit.core.registry import get_registry

HEAVY = ("torch", "transformers", "peft", "datasets", "accelerate", "deepspeed", "vllm", "safetensors", "tokenizers")


def behaviour_modules() -> set[str]:
    """Every module a registered spec points at lazily."""
    registry = get_registry(refresh=True)
    out = set()
    for kind, items in registry.discovery.specs.items():
        for data, _ in items:
            spec = registry.get(kind, data["id"]).spec
            out.update(ref.partition(":")[0] for ref in spec.refs().values())
    out.discard("click")
    return out


@pytest.fixture(scope="module")
def lazy_modules():
    mods = behaviour_modules()
    assert "swiftkit.templates.base" in mods or any(m.startswith("swiftkit.") for m in mods)
    return mods


COMMANDS = [
    ("--help",),
    ("list", "models"),
    ("list", "models", "--json"),
    ("list", "templates"),
    ("list", "methods", "--json"),
    ("plugins",),
    ("info", "model", "Qwen/Qwen2.5-7B-Instruct"),
    ("info", "method", "lora"),
    ("config-schema",),
    ("download", "--help"),
    ("recommend", "--model", "Qwen/Qwen2.5-7B-Instruct", "--devices", "1x24GB"),
    ("recommend", "--model", "qwen2.5-72b-instruct", "--table", "--json"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_discovery_commands_import_nothing_heavy(args, run_swift, lazy_modules, tmp_path):
    cache = str(tmp_path / "cache")
    for phase in ("cold", "warm"):
        result = run_swift(*args, cache_dir=cache)
        assert result.returncode == 0, (phase, result.stderr)
        heavy = [m for m in result.modules if m.split(".")[0] in HEAVY]
        assert heavy == [], f"{phase} `swift {' '.join(args)}` imported {heavy[:5]}"
        behaviour = sorted(lazy_modules & set(result.modules))
        assert behaviour == [], f"{phase} `swift {' '.join(args)}` imported behaviour modules {behaviour}"
    # the warm run read the index: no plugin module, no pluggy, no jsonschema
    plugin_modules = [m for m in result.modules if m.startswith("swiftkit.plugins.")]
    assert plugin_modules == []
    assert "pluggy" not in result.modules
    if args[0] in ("--help", "list", "plugins"):
        assert "importlib.metadata" not in result.modules
    if args[0] != "config-schema":
        assert "jsonschema" not in result.modules
