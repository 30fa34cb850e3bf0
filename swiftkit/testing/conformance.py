"""Conformance checks a plugin package runs in its own CI::

    from swiftkit.testing.conformance import assert_plugin_conformant

    def test_conformance():
        assert_plugin_conformant("my-swiftkit-plugin")   # distribution or entry-point name

They load the installed plugin the way ``swift`` does, then go further than discovery: the
checks of ``swift plugins check`` (every lazy reference imported and type-checked, references to
other specs, a registration module that imports nothing heavy, in a clean subprocess), and each
template and format behaviour exercised on a sample conversation.
"""

from __future__ import annotations

from swiftkit.core.checks import HEAVY_MODULES, CheckResult, check_plugin
from swiftkit.core.plugins import Discovery, discover

__all__ = ["HEAVY_MODULES", "assert_plugin_conformant", "check_plugin_conformance"]

SAMPLE = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello."},
    {"role": "user", "content": "Bye"},
    {"role": "assistant", "content": "Goodbye."},
]


def check_plugin_conformance(name: str, discovery: Discovery | None = None) -> list[CheckResult]:
    """All checks for the plugin(s) of entry-point or distribution ``name``."""
    from swiftkit.core.registry import Registry

    discovery = discovery or discover(strict=False)
    results = check_plugin(name, discovery)
    registry = Registry(discovery)
    records = [p for p in discovery.plugins if name in (p.name, p.dist) and p.ok]
    for record in records:
        for kind, items in discovery.specs.items():
            for data, owner in items:
                if owner != record.name:
                    continue
                where = f"{kind} {data['id']!r}"
                try:
                    if kind == "template":
                        template = registry.template(data["id"])
                        if getattr(template, "requires_tokenizer", False):
                            from swiftkit.testing.tokenizer import build_tokenizer

                            template = template.bind(build_tokenizer("chatml", registry=registry))
                        text = template.render(SAMPLE, add_generation_prompt=False)
                        segments = template.render_segments(SAMPLE)
                        ok = "Hello." in text and "".join(t for t, _ in segments) == text and isinstance(template.chat_template(), str)
                        results.append(CheckResult(where, "renders a conversation", ok, repr(text[:80])))
                    elif kind == "format":
                        registry.converter(data["id"])
                        results.append(CheckResult(where, "converter instantiates", True))
                except Exception as exc:  # report, do not raise: the author wants the whole list
                    results.append(CheckResult(where, "behaviour", False, f"{type(exc).__name__}: {exc}"))
    return results


def assert_plugin_conformant(name: str) -> list[CheckResult]:
    """Raise ``AssertionError`` listing every failed check; return all results otherwise."""
    results = check_plugin_conformance(name)
    failed = [r for r in results if not r.ok]
    if failed:
        lines = "\n".join(f"  {r.subject}: {r.check}: {r.detail}" for r in failed)
        raise AssertionError(f"plugin {name!r} fails {len(failed)} of {len(results)} conformance checks:\n{lines}")
    return results
