"""Plugin discovery: entry points, allow/deny lists, broken-plugin isolation and the index cache.

Discovery imports every plugin's light registration module, calls its ``swift_register_*``
hooks and validates what they return. The result is written to one index file keyed by what
is installed, so a warm ``swift list`` reads JSON and imports no plugin module at all.

A plugin that fails any check (import error, wrong plugin API version, raising hook, invalid
spec, duplicate id, lazy reference that does not resolve) is skipped with its reason; the rest
keep working. ``SWIFTKIT_STRICT_PLUGINS=1`` turns the first failure into an error.

The cold path (``discover``) may import pluggy, jsonschema and importlib.metadata; the warm
path (``load_index``) uses only the standard library's cheapest modules.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from swiftkit import __version__
from swiftkit.core.commands import CORE_COMMANDS
from swiftkit.core.errors import PluginError

GROUPS = (
    "swiftkit.models",
    "swiftkit.templates",
    "swiftkit.datasets",
    "swiftkit.methods",
    "swiftkit.engines",
    "swiftkit.parallel",
    "swiftkit.rewards",
    "swiftkit.eval",
    "swiftkit.export",
    "swiftkit.plugins",
)
#: spec kind -> the group whose plugins mainly contribute it (a plugin may implement any hook)
KIND_GROUPS = {
    "model": "swiftkit.models",
    "template": "swiftkit.templates",
    "agent_template": "swiftkit.templates",
    "format": "swiftkit.datasets",
    "dataset": "swiftkit.datasets",
    "method": "swiftkit.methods",
    "engine": "swiftkit.engines",
    "strategy": "swiftkit.parallel",
    "reward": "swiftkit.rewards",
    "eval_backend": "swiftkit.eval",
    "exporter": "swiftkit.export",
}
BUILTIN_DIST = "swiftkit"
INDEX_FORMAT = 3

ENV_ALLOW = "SWIFTKIT_PLUGINS_ALLOW"
ENV_DENY = "SWIFTKIT_PLUGINS_DENY"
ENV_STRICT = "SWIFTKIT_STRICT_PLUGINS"
ENV_NO_INDEX = "SWIFTKIT_NO_INDEX"
ENV_CACHE_DIR = "SWIFTKIT_CACHE_DIR"
#: plugin files to load besides the entry points (``--external_plugins``), separated by ``os.pathsep``
ENV_EXTERNAL = "SWIFTKIT_EXTERNAL_PLUGINS"
#: the distribution name ``swift plugins`` shows for a plugin loaded from a file
EXTERNAL_DIST = "external-file"

@dataclass
class PluginSource:
    """One entry point to load: ``name = value`` in ``group`` of distribution ``dist``.

    ``obj`` may hold an already imported module or object (the testing kit registers plugins
    this way without installing a distribution).
    """

    name: str
    group: str
    value: str
    dist: str
    version: str
    obj: Any = None
    #: a Python file imported as the plugin module (``--external_plugins``), instead of ``value``
    path: str | None = None


@dataclass
class PluginRecord:
    """What ``swift plugins`` shows for one plugin."""

    name: str
    group: str
    module: str
    dist: str
    version: str
    status: str = "ok"  # ok | error | blocked
    reason: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    #: a failed plugin's spec ids by kind, when its hooks ran (``--train_type X`` names it)
    declared: dict[str, list[str]] = field(default_factory=dict)
    entry: str = ""  # the entry point's value, "module" or "module:attr"
    hooks: list[str] = field(default_factory=list)  # the runtime hooks it implements

    @property
    def manager_name(self) -> str:
        """The name it is registered under in the plugin manager."""
        return f"{self.dist}:{self.name}"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def label(self) -> str:
        return f"plugin {self.name!r} (distribution {self.dist} {self.version})"


@dataclass
class Discovery:
    """The outcome of loading all plugins: records, and accepted specs as JSON-ready dicts."""

    plugins: list[PluginRecord]
    specs: dict[str, list[tuple[dict[str, Any], str]]]  # kind -> [(spec dict, plugin name)]
    modules: dict[str, Any] = field(default_factory=dict, repr=False)  # plugin name -> module (cold path only)

    def to_json(self) -> dict[str, Any]:
        return {
            "plugins": [asdict(p) for p in self.plugins],
            "specs": {k: [[d, p] for d, p in v] for k, v in self.specs.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Discovery:
        return cls(
            plugins=[PluginRecord(**p) for p in data["plugins"]],
            specs={k: [(d, p) for d, p in v] for k, v in data["specs"].items()},
        )


# ---------------------------------------------------------------------------- sources


def entry_point_sources() -> list[PluginSource]:
    """Every entry point in the swiftkit groups, built-ins first, then by distribution name."""
    from importlib.metadata import entry_points

    everything = entry_points()  # one scan of every distribution's entry_points.txt
    dist_info: dict[int, tuple[str, str]] = {}
    seen: set[tuple[str, str, str]] = set()
    sources: list[PluginSource] = []
    for group in GROUPS:
        for ep in everything.select(group=group):
            if ep.dist is None:
                dist, version = "unknown", "0"
            else:
                if id(ep.dist) not in dist_info:
                    dist_info[id(ep.dist)] = (ep.dist.metadata["Name"], ep.dist.version)
                dist, version = dist_info[id(ep.dist)]
            key = (group, ep.name, dist)
            if key in seen:  # the same distribution reachable twice on sys.path
                continue
            seen.add(key)
            sources.append(PluginSource(ep.name, group, ep.value, dist, version))
    sources.sort(key=lambda s: (s.dist != BUILTIN_DIST, s.dist.lower(), GROUPS.index(s.group), s.name))
    return sources


def external_paths() -> list[str]:
    """The plugin files of :data:`ENV_EXTERNAL`, as absolute paths."""
    return [os.path.abspath(p) for p in os.environ.get(ENV_EXTERNAL, "").split(os.pathsep) if p.strip()]


def external_sources(paths: list[str]) -> list[PluginSource]:
    """One plugin per Python file, named after the file (``my_rewards.py`` -> ``my_rewards``) and
    imported as a module of that name, in the general group: it registers through the same hooks,
    validation and isolation as an entry point's module. A missing file is a :class:`PluginError`."""
    out = []
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        if not os.path.isfile(path):
            raise PluginError(name, f"external plugin file not found: {path} (--external_plugins / ${ENV_EXTERNAL})")
        if not path.endswith(".py") or not name.isidentifier():
            raise PluginError(name, f"external plugin {path}: must be a .py file whose name is a Python identifier")
        out.append(PluginSource(name, "swiftkit.plugins", name, EXTERNAL_DIST, "", path=path))
    return out


def _import_file(source: PluginSource) -> Any:
    """Import ``source.path`` as the module ``source.name`` (its folder joins ``sys.path``, as a
    script's would, so it can import files beside it and worker processes can import it)."""
    import importlib.util

    path = source.path or ""
    loaded = sys.modules.get(source.name)
    if loaded is not None:
        if os.path.abspath(getattr(loaded, "__file__", "") or "") == path:
            return loaded
        raise _Broken(f"external plugin {path}: a module named {source.name!r} is already imported from "
                      f"{getattr(loaded, '__file__', None) or 'elsewhere'}; rename the file")
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.append(folder)
    spec = importlib.util.spec_from_file_location(source.name, path)
    if spec is None or spec.loader is None:
        raise _Broken(f"external plugin {path}: not importable as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[source.name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(source.name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _Broken(f"import of external plugin file {path} failed: {type(exc).__name__}: {exc}") from exc
    return module


def _patterns(var: str) -> list[str]:
    return [p.strip() for p in os.environ.get(var, "").split(",") if p.strip()]


def _blocked_reason(source: PluginSource) -> str | None:
    names = (source.name, source.dist, f"{source.dist}:{source.name}")
    deny, allow = _patterns(ENV_DENY), _patterns(ENV_ALLOW)
    if any(fnmatch.fnmatch(n, p) for p in deny for n in names):
        return f"blocked by {ENV_DENY}={os.environ[ENV_DENY]}"
    if allow and not any(fnmatch.fnmatch(n, p) for p in allow for n in names):
        return f"not in {ENV_ALLOW}={os.environ[ENV_ALLOW]}"
    return None


def strict_mode() -> bool:
    return os.environ.get(ENV_STRICT, "").lower() in {"1", "true", "yes", "on"}


# ---------------------------------------------------------------------------- loading


class _Broken(Exception):
    """Internal: the plugin being loaded is skipped with this reason."""


def _api_compatible(declared: Any) -> str | None:
    from swiftkit.core.specs import PLUGIN_API_VERSION

    if declared is None:
        return f"declares no SWIFTKIT_PLUGIN_API (the core speaks {PLUGIN_API_VERSION})"
    if not isinstance(declared, str):  # 1.10 would read as 1.1: a version is text
        text = f"{declared}.0" if isinstance(declared, int) and not isinstance(declared, bool) else str(declared)
        return f'SWIFTKIT_PLUGIN_API = {declared!r} is a {type(declared).__name__}; write it as the string "{text}"'
    try:
        major, minor = (int(x) for x in str(declared).split(".")[:2])
    except ValueError:
        return f"SWIFTKIT_PLUGIN_API={declared!r} is not a 'MAJOR.MINOR' version"
    core_major, core_minor = (int(x) for x in PLUGIN_API_VERSION.split("."))
    if major != core_major or minor > core_minor:
        return f"written for plugin API {declared}, but this swiftkit speaks {PLUGIN_API_VERSION}"
    return None


def _load_object(source: PluginSource) -> Any:
    if source.obj is not None:
        return source.obj
    if source.path:
        return _import_file(source)
    import importlib

    module_name, _, attr = source.value.partition(":")
    try:
        obj = importlib.import_module(module_name.strip())
        for part in filter(None, attr.strip().split(".")):
            obj = getattr(obj, part)
    except BaseException as exc:  # SystemExit/KeyboardInterrupt-free: a plugin must not kill the CLI
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _Broken(f"import of {source.value!r} failed: {type(exc).__name__}: {exc}") from exc
    return obj


def _collect(pm: Any, plugin: Any, source: PluginSource) -> dict[str, list[Any]]:
    """Call this plugin's registration hooks (and only its), returning raw results by kind.
    Runtime hooks are only checked here (pluggy validated their signatures), never called."""
    from swiftkit.core.hookspecs import RUNTIME_HOOKS
    from swiftkit.core.specs import KIND_HOOKS

    hook_kind = {h: k for k, h in KIND_HOOKS.items()}
    unmarked = [n for n in dir(plugin) if n.startswith("swift_") and callable(getattr(plugin, n, None))]
    results: dict[str, list[Any]] = {}
    for caller in pm.get_hookcallers(plugin) or []:
        if not caller.has_spec():
            raise _Broken(f"hook {caller.name!r} is not part of the swiftkit plugin API (see swiftkit.core.hookspecs)")
        for impl in caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            if impl.function.__name__ in unmarked:
                unmarked.remove(impl.function.__name__)
            if caller.name in RUNTIME_HOOKS:
                continue
            try:
                value = impl.function()
            except Exception as exc:
                raise _Broken(f"hook {caller.name} raised {type(exc).__name__}: {exc}") from exc
            if value is None:
                continue
            if not isinstance(value, (list, tuple)):
                raise _Broken(f"hook {caller.name} returned {type(value).__name__}, expected a list of specs")
            results.setdefault(hook_kind[caller.name], []).extend(value)
    if unmarked:
        raise _Broken(f"function(s) {', '.join(unmarked)} look like hooks but are not marked with @hookimpl")
    return results


def _schema_error(kind: str, schema: dict[str, Any], data: dict[str, Any], validators: dict[str, Any]) -> str | None:
    """Why ``data`` does not match ``schema`` (``at <path>: <message>``), or ``None``.

    A catalogue registers a thousand specs: fastjsonschema's compiled check passes them in
    microseconds each, and only a failure is explained by jsonschema (the reference
    implementation, whose messages name the path)."""
    import fastjsonschema

    if kind not in validators:
        validators[kind] = fastjsonschema.compile(schema)
    try:
        validators[kind](data)
        return None
    except fastjsonschema.JsonSchemaException:
        pass
    import jsonschema

    slow = f"{kind}:jsonschema"
    if slow not in validators:
        validators[slow] = jsonschema.Draft202012Validator(schema)
    error = next(iter(sorted(validators[slow].iter_errors(data), key=lambda e: e.path)), None)
    if error is None:
        return None  # the reference implementation accepts it
    path = "/".join(str(p) for p in error.absolute_path) or "(spec)"
    return f"at {path}: {error.message}"


def _validate(kind: str, raw: list[Any], validators: dict[str, Any]) -> list[dict[str, Any]]:
    from swiftkit.core.lazy import check_static
    from swiftkit.core.specs import SPEC_CLASSES

    cls = SPEC_CLASSES[kind]
    out: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        if isinstance(item, cls):
            data = item.to_dict()
        elif isinstance(item, dict):
            data = {**cls.defaults(), **item}
        else:
            raise _Broken(f"{kind} #{i} is a {type(item).__name__}, expected {cls.__name__} or dict")
        where = f"{kind} {data.get('id', f'#{i}')!r}"
        error = _schema_error(kind, cls.SCHEMA, data, validators)
        if error is not None:
            raise _Broken(f"invalid {where}: {error}")
        try:
            spec = cls.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise _Broken(f"invalid {where}: {exc}") from exc
        data = spec.to_dict()  # defaults filled in, so the index is self-contained
        for fname, ref in spec.refs().items():
            reason = check_static(ref)
            if reason:
                raise _Broken(f"{where}: lazy reference {fname}={ref!r} does not resolve: {reason}")
        out.append(data)
    return out


@dataclass(frozen=True)
class _Claim:
    """A name a spec answers to, as its author wrote it: ``hf_id 'Qwen/Qwen2.5-7B'`` of model ``my-qwen``."""

    kind: str
    spec_id: str
    field: str
    value: str

    def __str__(self) -> str:
        if self.field == "id":
            return f"{self.kind} {self.spec_id!r}"
        return f"{self.field} {self.value!r} of {self.kind} {self.spec_id!r}"


def _claims(kind: str, data: dict[str, Any]) -> dict[str, _Claim]:
    """Lower-cased name -> the first field of ``data`` that claims it (lookups ignore case)."""
    from swiftkit.core.specs import spec_name_fields

    if kind == "options":  # option groups are merged by key, not looked up by name
        return {}
    out: dict[str, _Claim] = {}
    for field_name, value in spec_name_fields(data):
        out.setdefault(str(value).lower(), _Claim(kind, data["id"], field_name, str(value)))
    return out


def _clash(mine: _Claim, theirs: _Claim, where: str) -> str:
    case = " (names match ignoring case)" if mine.value != theirs.value else ""
    return f"duplicate {mine.kind} name: {mine} clashes with {theirs}{where}{case}"


def _declared(raw: dict[str, list[Any]]) -> dict[str, list[str]]:
    """The ids a plugin's hooks returned, valid or not (named when a lookup misses them)."""
    out: dict[str, list[str]] = {}
    for kind, items in raw.items():
        for item in items:
            spec_id = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
            if isinstance(spec_id, str) and spec_id:
                out.setdefault(kind, []).append(spec_id)
    return out


def discover(sources: list[PluginSource] | None = None, *, strict: bool | None = None) -> Discovery:
    """Load every plugin in ``sources`` (default: installed entry points) and validate it."""
    import pluggy

    from swiftkit.core import hookspecs
    from swiftkit.core.lazy import check_static

    check_static.cache_clear()  # files may have changed since the last discovery in this process
    sources = entry_point_sources() if sources is None else sources
    strict = strict_mode() if strict is None else strict
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    validators: dict[str, Any] = {}
    owners: dict[tuple[str, str], tuple[PluginRecord, _Claim]] = {}  # (kind, lowercased name) -> owner
    records: list[PluginRecord] = []
    specs: dict[str, list[tuple[dict[str, Any], str]]] = {}
    modules: dict[str, Any] = {}
    taken_names: set[str] = set()
    option_owners: dict[str, tuple[dict[str, Any], str]] = {}  # run-config key -> (schema, owner label)

    for source in sources:
        module_name = source.path or source.value.partition(":")[0].strip()
        record = PluginRecord(source.name, source.group, module_name, source.dist, source.version, entry=source.value)
        if source.name in taken_names:
            record.name = f"{source.dist}:{source.name}"
        taken_names.add(record.name)
        records.append(record)
        blocked = _blocked_reason(source)
        if blocked:
            record.status, record.reason = "blocked", blocked
            continue
        try:
            before = set(sys.modules)
            plugin = _load_object(source)
            # the module and every module its import pulled in (shared option tables ...) guard the index
            loaded = [sys.modules[n] for n in set(sys.modules) - before if n in sys.modules]
            record.files = sorted(
                {f for m in [plugin, *loaded] if (f := getattr(m, "__file__", None)) and not f.startswith(sys.base_prefix)}
            )
            reason = _api_compatible(getattr(plugin, "SWIFTKIT_PLUGIN_API", None))
            if reason:
                raise _Broken(reason)
            try:
                pm.register(plugin, name=record.manager_name)
            except Exception as exc:  # pluggy's PluginValidationError, or a module registered twice
                raise _Broken(f"invalid hook implementation: {exc}") from exc
            record.hooks = _runtime_hooks(pm, plugin)
            try:
                raw = _collect(pm, plugin, source)
                # modules the hooks imported (a vendor package's per-family data modules) guard it too
                loaded = [sys.modules[n] for n in set(sys.modules) - before if n in sys.modules]
                record.files = sorted(
                    {f for m in [plugin, *loaded] if (f := getattr(m, "__file__", None)) and not f.startswith(sys.base_prefix)}
                )
                record.declared = _declared(raw)
                accepted = {kind: _validate(kind, items, validators) for kind, items in raw.items()}
            except BaseException:
                pm.unregister(plugin)
                raise
            claimed: dict[tuple[str, str], _Claim] = {}
            for kind, items in accepted.items():
                for data in items:
                    for name, claim in _claims(kind, data).items():
                        key = (kind, name)
                        if key in owners:
                            pm.unregister(plugin)
                            other, theirs = owners[key]
                            raise _Broken(f"{_clash(claim, theirs, f', registered by {other.label()}')}; "
                                          f"this is {record.label()}")
                        if key in claimed:
                            pm.unregister(plugin)
                            raise _Broken(_clash(claim, claimed[key], f", also in {record.label()}"))
                        claimed[key] = claim
                    if kind == "command" and data["id"] in CORE_COMMANDS:  # swift's own commands
                        pm.unregister(plugin)
                        raise _Broken(f"command {data['id']!r} is a core command")
                    problem = _option_conflict(kind, data, option_owners, record)
                    if problem:
                        pm.unregister(plugin)
                        raise _Broken(problem)
        except _Broken as exc:
            record.status, record.reason = "error", str(exc)
            if strict:
                raise PluginError(record.name, f"{exc} [{record.label()}; strict mode, {ENV_STRICT}=1]") from None
            continue
        record.declared = {}  # kept for failed plugins only: the index stays small
        for key, claim in claimed.items():
            owners[key] = (record, claim)
        for kind, items in accepted.items():
            for data in items:
                for key, sub in _options_of(data).items():
                    option_owners.setdefault(key, (sub, f"{kind} {data['id']!r} of {record.label()}"))
                for name, target in (data.get("flag_aliases") or {}).items():
                    option_owners.setdefault(f"\0alias:{name}", ({"x-swiftkit-alias-of": target}, f"{kind} {data['id']!r} of {record.label()}"))
        for kind, items in accepted.items():
            record.counts[kind] = len(items)
            specs.setdefault(kind, []).extend((d, record.name) for d in items)
            for d in items:
                for ref in _refs_of(kind, d):
                    origin = _module_file(ref)
                    if origin and origin not in record.files:
                        record.files.append(origin)
        modules[record.name] = plugin
    return Discovery(records, specs, modules)


def _runtime_hooks(pm: Any, plugin: Any) -> list[str]:
    from swiftkit.core.hookspecs import RUNTIME_HOOKS

    return sorted(c.name for c in pm.get_hookcallers(plugin) or [] if c.name in RUNTIME_HOOKS)


def _options_of(data: dict[str, Any]) -> dict[str, Any]:
    return (data.get("options") or {}).get("properties") or {}


def _option_conflict(kind: str, data: dict[str, Any], owners: dict[str, tuple[dict[str, Any], str]], record: PluginRecord) -> str | None:
    """Run-config keys are one flat namespace: see :func:`swiftkit.core.options.option_clash`."""
    from swiftkit.core.options import option_clash
    from swiftkit.core.run_keys import CORE_PROPERTIES

    where = f"{kind} {data['id']!r} of {record.label()}"
    for key, sub in _options_of(data).items():
        problem = option_clash(key, sub, where, owners)
        if problem:
            return problem
    # aliases and refusals yield to plugin options of the same name (see compose_schema); they
    # must spare the core's keys, and two aliases of one name must agree
    for name, target in (data.get("flag_aliases") or {}).items():
        if name in CORE_PROPERTIES:
            return f"flag alias {name!r} of {where} is a core option"
        claim = f"\0alias:{name}"  # a namespace of its own beside the option keys
        if claim in owners and owners[claim][0]["x-swiftkit-alias-of"] != target:
            return (f"flag alias {name!r} means --{owners[claim][0]['x-swiftkit-alias-of']} for {owners[claim][1]} "
                    f"but --{target} for {where}")
    for name in data.get("refused_flags") or {}:
        if name in CORE_PROPERTIES:
            return f"refused flag {name!r} of {where} is a core option"
    return None


def _refs_of(kind: str, data: dict[str, Any]) -> list[str]:
    from swiftkit.core.specs import SPEC_CLASSES

    return [data[f] for f in SPEC_CLASSES[kind].REFS if data.get(f)]


def _module_file(ref: str) -> str | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(ref.partition(":")[0])
    except Exception:
        return None
    return spec.origin if spec is not None and spec.origin and os.path.exists(spec.origin) else None


# ---------------------------------------------------------------------------- index cache


def cache_dir() -> str:
    if os.environ.get(ENV_CACHE_DIR):
        return os.environ[ENV_CACHE_DIR]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "swiftkit")


def _env_tag() -> str:
    return hashlib.sha1(sys.prefix.encode()).hexdigest()[:10]


def index_path(key: str | None = None) -> str:
    """The index file for the current installation state. Named after the key, so that
    states that alternate (another working directory on ``sys.path``, another interpreter
    of the same environment) each keep a valid index instead of overwriting one."""
    key = key or installed_key()
    return os.path.join(cache_dir(), f"plugin-index-{_env_tag()}-{key[:20]}.json")


def installed_key() -> str:
    """A digest of what is installed: every distribution's metadata folder on ``sys.path``
    (its name carries the version, its modification time changes on reinstall), the
    environment switches and the interpreter.

    Costs one ``scandir`` per ``sys.path`` entry and one ``stat`` per distribution; no
    metadata file is read.
    """
    h = hashlib.sha1()
    h.update(f"{INDEX_FORMAT}|{__version__}|{sys.version}|{sys.prefix}|".encode())
    for var in (ENV_ALLOW, ENV_DENY, ENV_STRICT):
        h.update(f"{var}={os.environ.get(var, '')}|".encode())
    for entry in sys.path:
        h.update(f"\n{entry}:".encode())
        try:
            with os.scandir(entry or ".") as it:
                found = sorted(
                    (e.name, e.stat().st_mtime_ns)
                    for e in it
                    if e.name.endswith((".dist-info", ".egg-info", ".egg-link", ".pth"))
                )
        except OSError:
            continue
        h.update(repr(found).encode())
    return h.hexdigest()


def _file_times(paths: list[str]) -> list[list[Any]]:
    out = []
    for p in paths:
        try:
            out.append([p, os.stat(p).st_mtime_ns])
        except OSError:
            out.append([p, None])
    return out


def load_index() -> Discovery | None:
    """Return the cached discovery if it still matches what is installed, else ``None``."""
    if os.environ.get(ENV_NO_INDEX):
        return None
    key = installed_key()
    try:
        with open(index_path(key), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if data.get("format") != INDEX_FORMAT or data.get("key") != key:
        return None
    for path, mtime in data.get("files", []):
        try:
            if os.stat(path).st_mtime_ns != mtime:
                return None
        except OSError:
            if mtime is not None:
                return None
    return Discovery.from_json(data["discovery"])


#: index files kept per environment (older states are removed when a new one is written)
KEEP_INDEXES = 4


def save_index(discovery: Discovery) -> None:
    """Write the index atomically; a read-only cache directory only costs speed."""
    # Plugin files, and the core modules discovery ran (spec builders, schemas): editing either
    # in a source checkout changes what discovery would produce.
    core = [getattr(m, "__file__", None) for n, m in list(sys.modules.items()) if n.startswith("swiftkit.core")]
    files = sorted({f for p in discovery.plugins for f in p.files} | {f for f in core if f})
    key = installed_key()
    payload = {"format": INDEX_FORMAT, "key": key, "files": _file_times(files), "discovery": discovery.to_json()}
    path = index_path(key)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(payload, separators=(",", ":")))  # dumps uses the C encoder, dump does not
        os.replace(tmp, path)
        prefix = f"plugin-index-{_env_tag()}-"
        mine = sorted(
            (os.path.join(cache_dir(), n) for n in os.listdir(cache_dir()) if n.startswith(prefix) and n.endswith(".json")),
            key=lambda p: os.stat(p).st_mtime_ns,
            reverse=True,
        )
        for stale in mine[KEEP_INDEXES:]:
            os.unlink(stale)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def load(*, use_index: bool = True) -> Discovery:
    """The installed plugins: from the index when it is current, else discovered and indexed.

    In strict mode the index is bypassed so that every failure is raised. Plugin files named by
    :data:`ENV_EXTERNAL` (``--external_plugins``) are discovered with the installed plugins
    every time, and such a discovery is not indexed.
    """
    external = external_paths()
    if external:
        return discover([*entry_point_sources(), *external_sources(external)])
    if use_index and not strict_mode():
        cached = load_index()
        if cached is not None:
            return cached
    discovery = discover()
    if use_index:
        save_index(discovery)
    return discovery


def plugin_manager(discovery: Discovery | None = None) -> Any:
    """A pluggy manager for the runtime hooks (:data:`swiftkit.core.hookspecs.RUNTIME_HOOKS`),
    holding every healthy plugin that implements at least one of them, under the name
    ``"<distribution>:<plugin>"``.

    Built from ``discovery`` (default: :func:`load`). On the warm path only the plugins the
    index records as implementing a runtime hook are imported, so a run pays nothing for the
    plugins that only register specs. Use
    :meth:`swiftkit.core.registry.Registry.plugin_manager`, which caches it per registry (and
    so per process), and :mod:`swiftkit.core.hookcall` to call hooks with errors that name
    the plugin.
    """
    import pluggy

    from swiftkit.core import hookspecs

    discovery = discovery or load()
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for record in discovery.plugins:
        if not record.ok or not record.hooks:
            continue
        plugin = discovery.modules.get(record.name)
        if plugin is None:
            source = PluginSource(record.name, record.group, record.entry or record.module, record.dist, record.version,
                                  path=record.module if record.dist == EXTERNAL_DIST else None)
            try:
                plugin = _load_object(source)
            except _Broken as exc:  # it loaded when the index was written
                raise PluginError(record.name, f"{exc} [{record.label()}]") from exc
        pm.register(plugin, name=record.manager_name)
    return pm
