"""The tree shows the architecture: the arrows between swiftkit's packages point one way.

``swiftkit.core`` is the contract and imports nothing of swiftkit but itself; the machinery
packages beside it (cli, data, train, infer, serve, export, parallel, resources, models,
templates) import the core and each other but never a plugin; plugins import the core and the
machinery's public helpers; nothing imports ``swiftkit.testing`` but tests; and no two modules
import each other, directly or around a circle. Imports inside functions count: a lazy import
is still an arrow.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "swiftkit"


def _modules() -> dict[str, pathlib.Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _target(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: pathlib.Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module for a in node.names]
        else:
            continue
        out.update(t for n in names if n.startswith("swiftkit") and (t := _target(n)))
    return out


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _in(m, "swiftkit.core")))
def test_core_imports_only_the_core(module):
    outside = sorted(t for t in GRAPH[module] if not _in(t, "swiftkit.core") and t != "swiftkit")
    assert not outside, f"{module} imports {outside}: the contract may name machinery only in lazy 'module:attr' strings"


def test_nothing_outside_plugins_imports_a_plugin():
    bad = {m: sorted(t for t in ts if _in(t, "swiftkit.plugins")) for m, ts in GRAPH.items() if not _in(m, "swiftkit.plugins")}
    assert not {m: ts for m, ts in bad.items() if ts}


def test_only_the_testing_kit_imports_the_testing_kit():
    bad = {m: sorted(t for t in ts if _in(t, "swiftkit.testing")) for m, ts in GRAPH.items() if not _in(m, "swiftkit.testing")}
    assert not {m: ts for m, ts in bad.items() if ts}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
