"""Load a chosen set of plugins, in process, without installing a distribution."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any

from swiftkit.core.plugins import Discovery, PluginSource, discover, entry_point_sources
from swiftkit.core.registry import Registry


def make_plugin(name: str = "test_plugin", *, api: str | None = "1.0", **hooks: Callable[..., Any]) -> types.ModuleType:
    """A plugin module built in memory: ``make_plugin(swift_register_models=lambda: [...])``,
    ``make_plugin(swift_config_adjust=lambda config, command: ...)``.

    Each hook is marked with ``hookimpl``; a runtime hook keeps its argument names (pluggy
    passes arguments by them). ``api=None`` leaves out the API declaration.
    """
    from swiftkit.core import hookimpl

    module = types.ModuleType(name)
    if api is not None:
        module.SWIFTKIT_PLUGIN_API = api
    for hook_name, fn in hooks.items():
        if isinstance(fn, types.FunctionType) and inspect.signature(fn).parameters:
            # the same code under the hook's name (a lambda is called "<lambda>")
            _hook = types.FunctionType(fn.__code__, fn.__globals__, hook_name, fn.__defaults__, fn.__closure__)
            _hook.__kwdefaults__ = fn.__kwdefaults__
        else:
            def _hook(fn: Callable[[], Any] = fn) -> Any:
                return fn()

            _hook.__name__ = hook_name
        setattr(module, hook_name, hookimpl(_hook))
    return module


class PluginHarness:
    """A set of plugin sources to discover, in isolation or on top of the installed ones."""

    def __init__(self, include_installed: bool = False):
        self.sources: list[PluginSource] = entry_point_sources() if include_installed else []

    def add(
        self,
        plugin: Any,
        *,
        name: str | None = None,
        dist: str = "test-plugin",
        version: str = "0.0.0",
        group: str = "swiftkit.plugins",
    ) -> PluginSource:
        """Add a plugin: a module or object with hooks, or a ``"module"`` / ``"module:attr"``
        string imported the way an entry point is."""
        if isinstance(plugin, str):
            source = PluginSource(name or plugin.split(":")[0].rsplit(".", 1)[-1], group, plugin, dist, version)
        else:
            module_name = getattr(plugin, "__name__", type(plugin).__name__)
            source = PluginSource(name or module_name, group, module_name, dist, version, obj=plugin)
        self.sources.append(source)
        return source

    def discover(self, *, strict: bool = False) -> Discovery:
        return discover(list(self.sources), strict=strict)

    def registry(self, *, strict: bool = False) -> Registry:
        return Registry(self.discover(strict=strict))
