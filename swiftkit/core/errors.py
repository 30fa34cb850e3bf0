"""Errors the core raises. Each names what is wrong and where (plugin, file, row, key)."""

from __future__ import annotations


class SwiftkitError(Exception):
    """Base class: the CLI prints these as one clear message, without a traceback."""


class PluginError(SwiftkitError):
    """A plugin could not be loaded or is inconsistent (raised in strict mode, or by ``plugins check``)."""

    def __init__(self, plugin: str, reason: str, *, dist: str = "", version: str = ""):
        where = f" [distribution {' '.join(x for x in (dist, version) if x)}]" if dist else ""
        super().__init__(f"plugin {plugin!r}: {reason}{where}")
        self.plugin = plugin
        self.reason = reason
        self.dist = dist


class PluginHookError(PluginError):
    """A plugin's runtime hook (:data:`swiftkit.core.hookspecs.RUNTIME_HOOKS`) raised or
    returned something it must not; names the hook, the plugin and its distribution."""

    def __init__(self, plugin: str, hook: str, reason: str, *, dist: str = "", version: str = ""):
        super().__init__(plugin, f"{hook}: {reason}", dist=dist, version=version)
        self.hook = hook


class LazyReferenceError(SwiftkitError):
    """A ``"module:attr"`` reference does not resolve, or resolves to the wrong type."""


class NotFoundError(SwiftkitError, LookupError):
    """A registry lookup missed; the message carries the "did you mean" suggestions."""

    def __init__(self, kind: str, name: str, suggestions: list[str], note: str = ""):
        msg = f"no {kind} named {name!r}"
        if suggestions:
            msg += "; did you mean " + ", ".join(repr(s) for s in suggestions) + "?"
        elif not note:
            msg += f"; see `swift list {kind if kind.endswith('s') else kind + 's'}`"
        super().__init__(msg + (f" ({note})" if note else ""))
        self.kind = kind
        self.name = name
        self.suggestions = suggestions
        #: why the name may be missing: a plugin that provides it failed to load (see ``Registry.broken_note``)
        self.note = note


class ConfigError(SwiftkitError):
    """The run configuration does not validate against the composed schema."""


class RowError(SwiftkitError):
    """One dataset row is malformed: names the field and why (the pipeline adds file and row)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"field {field!r}: {reason}")
        self.field = field
        self.reason = reason


class ChatTemplateError(SwiftkitError):
    """A chat template itself is broken (e.g. its Jinja breaks the sandbox): the error names the
    template, and the data pipeline does not blame the row being rendered."""
