"""The small core: the plugin contract, discovery, the registry, configuration and the CLI.

It knows no model family, method or engine by name, and never imports ``swiftkit.plugins``.
Names are imported lazily (PEP 562) so that ``import swiftkit.core`` stays cheap on the
discovery path.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "hookimpl": "swiftkit.core.hookspecs",
    "hookspec": "swiftkit.core.hookspecs",
    "PLUGIN_API_VERSION": "swiftkit.core.specs",
    "Spec": "swiftkit.core.specs",
    "ModelSpec": "swiftkit.core.specs",
    "TemplateSpec": "swiftkit.core.specs",
    "AgentTemplateSpec": "swiftkit.core.specs",
    "DatasetSpec": "swiftkit.core.specs",
    "FormatSpec": "swiftkit.core.specs",
    "MethodSpec": "swiftkit.core.specs",
    "EngineSpec": "swiftkit.core.specs",
    "StrategySpec": "swiftkit.core.specs",
    "RewardSpec": "swiftkit.core.specs",
    "EvalBackendSpec": "swiftkit.core.specs",
    "ExporterSpec": "swiftkit.core.specs",
    "CommandSpec": "swiftkit.core.specs",
    "OptionsSpec": "swiftkit.core.specs",
    "get_registry": "swiftkit.core.registry",
    "Registry": "swiftkit.core.registry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'swiftkit.core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
