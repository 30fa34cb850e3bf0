"""Deep checks of one plugin: what ``swift plugins check`` and the testing kit's conformance
checks run. Unlike discovery, these import behaviour modules and check types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from swiftkit.core.errors import LazyReferenceError, NotFoundError

if TYPE_CHECKING:
    from swiftkit.core.plugins import Discovery

#: spec field -> the kind its value must name in the registry
CROSS_REFERENCES = {("model", "template"): "template", ("dataset", "format"): "format"}

#: what a registration module may not import (discovery must stay fast): they belong in the
#: behaviour modules its specs reference lazily
HEAVY_MODULES = ("torch", "transformers", "peft", "datasets", "deepspeed", "vllm", "accelerate")


@dataclass
class CheckResult:
    subject: str  # "plugin", "model 'qwen2-7b'", ...
    check: str
    ok: bool
    detail: str = ""


def _bundled_file(where: str, path: str) -> CheckResult:
    """A bundled dataset's ``"package:relative/path"`` must ship with the package."""
    from importlib.resources import files

    package, _, relative = path.partition(":")
    try:
        ok = files(package).joinpath(relative).is_file()
        detail = f"{path} ships with the package" if ok else f"{path} is not in the installed package (package data missing?)"
    except Exception as exc:
        ok, detail = False, f"{path}: {type(exc).__name__}: {exc}"
    return CheckResult(where, "bundled file exists", ok, detail)


def check_light_import(module: str) -> CheckResult | None:
    """Import the registration module ``module`` in a fresh interpreter and report any of
    :data:`HEAVY_MODULES` it pulls in (this process has imported too much to tell). ``None``
    for a module no fresh interpreter can import (one built in memory by the testing kit)."""
    import importlib.util
    import json
    import subprocess
    import sys

    try:
        if importlib.util.find_spec(module) is None:
            return None
    except (ImportError, ValueError):
        return None
    code = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))"
    )
    subject = f"module {module!r}"
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return CheckResult(subject, "imports light", False, "importing it took over 120 s")
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["failed"]
        return CheckResult(subject, "imports light", False, last[0])
    heavy = json.loads(proc.stdout.strip().splitlines()[-1])
    detail = (f"registration imports {', '.join(heavy)}: import them inside the behaviour modules its specs "
              "reference" if heavy else "no heavy import")
    return CheckResult(subject, "imports light", not heavy, detail)


def check_plugin(name: str, discovery: Discovery | None = None) -> list[CheckResult]:
    """Validate plugin ``name`` (entry-point name or distribution) against a fresh discovery:
    its load status, that its registration module imports nothing heavy, every spec's lazy
    references (imported and type-checked) and its references to other specs (a model's
    template, a dataset's format)."""
    from swiftkit.core import plugins
    from swiftkit.core.lazy import resolve
    from swiftkit.core.registry import Registry

    discovery = discovery or plugins.discover(strict=False)
    records = [p for p in discovery.plugins if name in (p.name, p.dist)]
    if not records:
        known = ", ".join(sorted({p.name for p in discovery.plugins}))
        raise NotFoundError("plugin", name, [k for k in known.split(", ") if name.lower() in k.lower()][:3])
    registry = Registry(discovery)
    results: list[CheckResult] = []
    for record in records:
        subject = f"plugin {record.name!r}"
        results.append(CheckResult(subject, "loads and registers", record.ok, record.reason or record.label()))
        if not record.ok:
            continue
        light = check_light_import(record.module)
        if light is not None:
            results.append(light)
        for kind, items in discovery.specs.items():
            for data, owner in items:
                if owner != record.name:
                    continue
                entry = registry.get(kind, data["id"])
                spec = entry.spec
                where = f"{kind} {spec.id!r}"
                results.append(CheckResult(where, "schema", True, "valid"))
                for field, ref in spec.refs().items():
                    try:
                        obj = resolve(ref, spec.REFS[field])
                        results.append(CheckResult(where, f"{field} -> {ref}", True, f"resolves to {obj!r}"))
                    except LazyReferenceError as exc:
                        results.append(CheckResult(where, f"{field} -> {ref}", False, str(exc)))
                if kind == "dataset" and data.get("path"):
                    results.append(_bundled_file(where, data["path"]))
                for (k, field), target in CROSS_REFERENCES.items():
                    if k == kind and data.get(field):
                        ok = (target, data[field]) in registry
                        detail = f"{target} {data[field]!r} " + ("is registered" if ok else "is not registered by any plugin")
                        results.append(CheckResult(where, f"{field} exists", ok, detail))
    return results
