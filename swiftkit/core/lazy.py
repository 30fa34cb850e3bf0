"""Lazy references: ``"package.module:attr"`` strings resolved on first use.

Discovery only checks a reference *statically* (the module can be found and defines the
name at top level), so that listing plugins imports none of their behaviour modules; the
real import and the type check happen on first use, or in ``swift plugins check``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
from functools import cache
from typing import Any

from swiftkit.core.errors import LazyReferenceError


def split_ref(ref: str) -> tuple[str, str]:
    module, sep, attr = ref.partition(":")
    if not sep or not module or not attr:
        raise LazyReferenceError(f"{ref!r} is not a 'package.module:attr' reference")
    return module, attr


@cache
def _import_attr(ref: str) -> Any:
    module_name, attr = split_ref(ref)
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # a broken behaviour module must not take the caller down
        raise LazyReferenceError(f"cannot import module {module_name!r} of {ref!r}: {type(exc).__name__}: {exc}") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise LazyReferenceError(f"module {module_name!r} has no attribute {attr!r} (from {ref!r})") from None
    return obj


def resolve(ref: str, expected: str | type | None = None) -> Any:
    """Import and return the object ``ref`` names, checking it against ``expected``.

    ``expected`` is a class or a ``"module:Class"`` reference to one: a class must subclass it,
    any other object must be an instance of it. ``None`` accepts anything.
    """
    obj = _import_attr(ref)
    if expected is None:
        return obj
    base = _import_attr(expected) if isinstance(expected, str) else expected
    ok = issubclass(obj, base) if inspect.isclass(obj) else isinstance(obj, base)
    if not ok:
        raise LazyReferenceError(
            f"{ref!r} resolves to {obj!r}, which is not a {base.__module__}.{base.__qualname__}"
        )
    return obj


def _bound_names(body: list[ast.stmt], names: set[str]) -> None:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.If):  # both branches: TYPE_CHECKING blocks, version switches
            _bound_names(node.body, names)
            _bound_names(node.orelse, names)
        elif isinstance(node, ast.Try):
            for part in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                _bound_names(part, names)


@cache
def _top_level_names(origin: str) -> frozenset[str]:
    with open(origin, "rb") as fh:
        tree = ast.parse(fh.read(), filename=origin)
    names: set[str] = set()
    _bound_names(tree.body, names)
    if any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in tree.body):
        names.add("*")  # PEP 562 module __getattr__: any name may exist
    return frozenset(names)


@cache  # one discovery checks the same loader reference for every checkpoint; discover() clears it
def check_static(ref: str) -> str | None:
    """Check ``ref`` without running its module; return a reason when it cannot resolve.

    Finds the module's file (importing only its parent packages, which for plugins are the
    light registration packages) and looks for the first attribute among its top-level names.
    """
    try:
        module_name, attr = split_ref(ref)
    except LazyReferenceError as exc:
        return str(exc)
    try:
        spec = importlib.util.find_spec(module_name)
    except Exception as exc:
        return f"cannot locate module {module_name!r}: {type(exc).__name__}: {exc}"
    if spec is None:
        return f"module {module_name!r} not found"
    origin = spec.origin
    if not origin or not origin.endswith(".py"):
        return None  # extension or namespace module: only a real import can tell
    try:
        names = _top_level_names(origin)
    except (OSError, SyntaxError) as exc:
        return f"cannot read module {module_name!r}: {type(exc).__name__}: {exc}"
    head = attr.split(".")[0]
    if "*" in names or head in names:
        return None
    return f"module {module_name!r} defines no {head!r}"
