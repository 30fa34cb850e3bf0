"""Calling runtime hooks (:data:`swiftkit.core.hookspecs.RUNTIME_HOOKS`) through the plugin
manager, with errors that name the plugin instead of a bare traceback.

pluggy calls every implementation of a hook in one loop; when one raises, the implementation
is found from the traceback (the frame whose code is its function's) so that the error names
its plugin and distribution even when several plugins implement the hook.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from swiftkit.core.errors import PluginHookError
from swiftkit.core.plugins import PluginRecord


def implementers(registry: Any, hook: str) -> list[PluginRecord]:
    """The plugins implementing ``hook``, in the order pluggy calls them."""
    caller = getattr(registry.plugin_manager().hook, hook)
    by_name = {r.manager_name: r for r in registry.plugins}
    names = [impl.plugin_name for impl in reversed(caller.get_hookimpls())]
    return [by_name.get(n) or _unknown(n) for n in names]


def call_hook(registry: Any, hook: str, **kwargs: Any) -> list[Any]:
    """Call ``hook`` with ``kwargs`` on every plugin implementing it; return pluggy's result
    (the list of values that are not ``None``). An exception raised by an implementation
    becomes a :class:`~swiftkit.core.errors.PluginHookError` naming its plugin."""
    caller = getattr(registry.plugin_manager().hook, hook)
    if not caller.get_hookimpls():
        return []
    try:
        return caller(**kwargs)
    except Exception as exc:
        culprit = _raiser(registry, caller, exc)
        raise hook_error(registry, hook, f"raised {type(exc).__name__}: {exc}", culprit) from exc


def call_each(registry: Any, hook: str, **kwargs: Any) -> Iterator[tuple[PluginRecord, Any]]:
    """Call the implementations of ``hook`` one at a time, in the order pluggy calls them,
    yielding ``(plugin, returned value)`` after each (``None`` values included), so that the
    caller can tell which plugin returned or changed what. An exception raised by an
    implementation becomes a :class:`~swiftkit.core.errors.PluginHookError` naming its plugin."""
    caller = getattr(registry.plugin_manager().hook, hook)
    by_name = {r.manager_name: r for r in registry.plugins}
    for impl in reversed(caller.get_hookimpls()):
        record = by_name.get(impl.plugin_name) or _unknown(impl.plugin_name)
        try:
            value = impl.function(**{name: kwargs[name] for name in impl.argnames})
        except Exception as exc:
            raise hook_error(registry, hook, f"raised {type(exc).__name__}: {exc}", record) from exc
        yield record, value


def hook_error(registry: Any, hook: str, reason: str,
               plugin: PluginRecord | list[PluginRecord] | None = None) -> PluginHookError:
    """An error about ``hook`` naming ``plugin`` (or each of a list of plugins), or, when it is
    not known which implementation is at fault, every plugin implementing the hook."""
    if isinstance(plugin, PluginRecord):
        return PluginHookError(plugin.name, hook, reason, dist=plugin.dist, version=plugin.version)
    records = list(plugin) if plugin else implementers(registry, hook)
    if len(records) == 1:
        return hook_error(registry, hook, reason, records[0])
    names = " or ".join(r.name for r in records) or "(none)"
    dists = ", ".join(sorted({f"{r.dist} {r.version}" for r in records}))
    return PluginHookError(names, hook, reason, dist=dists)


def _raiser(registry: Any, caller: Any, exc: BaseException) -> PluginRecord | None:
    codes = {getattr(impl.function, "__code__", None): impl.plugin_name for impl in caller.get_hookimpls()}
    codes.pop(None, None)
    tb = exc.__traceback__
    while tb is not None:  # outermost first: the implementation pluggy called, not what it called
        name = codes.get(tb.tb_frame.f_code)
        if name is not None:
            return next((r for r in registry.plugins if r.manager_name == name), None) or _unknown(name)
        tb = tb.tb_next
    return None


def _unknown(manager_name: str) -> PluginRecord:
    dist, _, name = manager_name.partition(":")
    return PluginRecord(name or dist, "", "", dist if name else "unknown", "")
