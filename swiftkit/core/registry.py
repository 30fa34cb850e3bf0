"""The merged view of every plugin's specs: lookup by id, alias or hub id, filters, behaviour.

Entries keep the spec as the JSON dict from the index and build the dataclass on first use,
so listing hundreds of specs costs no validation and no import beyond the standard library.
"""

from __future__ import annotations

import difflib
import json
import os
from typing import Any

from swiftkit.core.errors import NotFoundError
from swiftkit.core.plugins import Discovery, PluginRecord


class Entry:
    """One registered spec and the plugin it came from."""

    __slots__ = ("kind", "data", "plugin", "_spec")

    def __init__(self, kind: str, data: dict[str, Any], plugin: PluginRecord):
        self.kind = kind
        self.data = data
        self.plugin = plugin
        self._spec: Any = None

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def spec(self) -> Any:
        """The spec dataclass (:mod:`swiftkit.core.specs`), built on first access."""
        if self._spec is None:
            from swiftkit.core.specs import SPEC_CLASSES

            self._spec = SPEC_CLASSES[self.kind].from_dict(self.data)
        return self._spec

    def names(self) -> list[str]:
        from swiftkit.core.specs import spec_names

        return spec_names(self.data)

    def __repr__(self) -> str:
        return f"<{self.kind} {self.id!r} from {self.plugin.name}>"


class Registry:
    """Lookup over the specs of every healthy plugin."""

    def __init__(self, discovery: Discovery):
        self.discovery = discovery
        by_name = {p.name: p for p in discovery.plugins}
        self._entries: dict[str, list[Entry]] = {
            kind: [Entry(kind, data, by_name[plugin]) for data, plugin in items]
            for kind, items in discovery.specs.items()
        }
        self._index: dict[str, dict[str, Entry]] = {}
        self._manager: Any = None

    @property
    def plugins(self) -> list[PluginRecord]:
        return self.discovery.plugins

    def plugin_manager(self) -> Any:
        """The pluggy manager for runtime hooks, built on first use from this registry's
        discovery (:func:`swiftkit.core.plugins.plugin_manager`) and kept: one per process for
        the process-wide registry. Call hooks with :mod:`swiftkit.core.hookcall`."""
        if self._manager is None:
            from swiftkit.core.plugins import plugin_manager

            self._manager = plugin_manager(self.discovery)
        return self._manager

    def entries(self, kind: str) -> list[Entry]:
        return list(self._entries.get(kind, []))

    def _names(self, kind: str) -> dict[str, Entry]:
        index = self._index.get(kind)
        if index is None:
            index = {}
            for entry in self._entries.get(kind, []):
                for name in entry.names():
                    index.setdefault(name.lower(), entry)
            self._index[kind] = index
        return index

    def get(self, kind: str, name: str) -> Entry:
        """The entry named ``name`` (id, alias, Hugging Face or ModelScope id; any case)."""
        entry = self._names(kind).get(name.strip().lower())
        if entry is None:
            raise NotFoundError(kind, name, self.suggest(kind, name), note=self.broken_note(kind, name))
        return entry

    def broken(self, kind: str, name: str | None = None) -> tuple[list[PluginRecord], bool]:
        """Plugins that failed to load and provide ``kind`` ``name``: ``(records, True)`` when
        their hooks ran and returned that id (or, without ``name``, any spec of ``kind``);
        else ``(records, False)``: failed plugins whose hooks never ran, from the group of
        ``kind`` or the general group, that may provide it."""
        from swiftkit.core.plugins import KIND_GROUPS

        failed = [p for p in self.plugins if p.status == "error"]
        key = name.strip().lower() if name else None
        sure = [p for p in failed if (ids := p.declared.get(kind)) and (key is None or key in {i.lower() for i in ids})]
        if sure:
            return sure, True
        groups = {KIND_GROUPS.get(kind), "swiftkit.plugins"}
        return [p for p in failed if not p.declared and p.group in groups], False

    def broken_note(self, kind: str, name: str | None = None) -> str:
        """A sentence naming the failed plugins of :meth:`broken` and their reasons ("" if none),
        for errors that would otherwise only say that ``name`` is not one of the known ids."""
        records, sure = self.broken(kind, name)
        if not records:
            return ""
        if not sure:
            what = f"{kind} {name!r}" if name else f"a {kind}"
            return "; ".join(f"{p.label()} failed to load and may provide {what}: {p.reason}" for p in records)
        notes = []
        for p in records:  # the id as the plugin wrote it
            written = next((i for i in p.declared[kind] if name and i.lower() == name.strip().lower()), None)
            what = f"{kind} {written!r}" if written else f"a {kind}"
            notes.append(f"{what} is provided by {p.label()}, which failed to load: {p.reason}")
        return "; ".join(notes)

    def __contains__(self, key: tuple[str, str]) -> bool:
        kind, name = key
        return name.strip().lower() in self._names(kind)

    def suggest(self, kind: str, name: str, n: int = 3) -> list[str]:
        """Close names for a miss: similar spellings first, then names containing it."""
        key = name.strip().lower()
        index = self._names(kind)
        close = difflib.get_close_matches(key, list(index), n=n, cutoff=0.6)
        close += [k for k in index if key and key in k and k not in close]
        seen, out = set(), []
        for k in close:
            entry_id = index[k].id
            label = entry_id if k == entry_id.lower() else next(x for x in index[k].names() if x.lower() == k)
            if label not in seen:
                seen.add(label)
                out.append(label)
        return out[:n]

    def find(
        self,
        kind: str,
        *,
        family: str | None = None,
        tag: str | None = None,
        plugin: str | None = None,
        search: str | None = None,
    ) -> list[Entry]:
        """Entries matching every given filter (case-insensitive); ``plugin`` matches the plugin
        or its distribution name, ``search`` any name, the family or the description."""
        out = []
        for e in self._entries.get(kind, []):
            d = e.data
            if family and str(d.get("family", "")).lower() != family.lower():
                continue
            if tag and tag.lower() not in [t.lower() for t in d.get("tags", [])]:
                continue
            if plugin and plugin.lower() not in (e.plugin.name.lower(), e.plugin.dist.lower()):
                continue
            if search:
                hay = " ".join([*e.names(), str(d.get("family", "")), d.get("description", "")]).lower()
                if search.lower() not in hay:
                    continue
            out.append(e)
        return out

    def families(self) -> dict[str, list[Entry]]:
        out: dict[str, list[Entry]] = {}
        for e in self._entries.get("model", []):
            out.setdefault(e.data["family"], []).append(e)
        return out

    # -------------------------------------------------------------- models and local folders

    def resolve_model(self, name_or_path: str) -> Entry:
        """A model by registered name, by family (its first model), or by local folder, whose
        family is found from ``config.json`` (``model_type`` and ``architectures``)."""
        if os.path.isdir(name_or_path):
            return self._model_for_folder(name_or_path)
        try:
            return self.get("model", name_or_path)
        except NotFoundError:
            members = self.families().get(name_or_path.strip().lower())
            if members:
                return members[0]
            raise

    def _model_for_folder(self, folder: str) -> Entry:
        for run_args in (os.path.join(folder, "args.json"), os.path.join(os.path.dirname(os.path.normpath(folder)), "args.json")):
            try:  # a swiftkit run or checkpoint records the model it was trained from
                with open(run_args, encoding="utf-8") as fh:
                    recorded = json.load(fh).get("model_id")
            except (OSError, ValueError, AttributeError):
                continue
            if recorded and ("model", recorded) in self:
                return self.get("model", recorded)
        path = os.path.join(folder, "config.json")
        try:
            with open(path, encoding="utf-8") as fh:
                config = json.load(fh)
        except (OSError, ValueError) as exc:
            raise NotFoundError("model", folder, []) from exc
        model_type = config.get("model_type", "")
        archs = config.get("architectures") or []
        candidates = [e for e in self._entries.get("model", []) if e.data.get("hf_model_type") == model_type]
        if archs:
            candidates = [e for e in candidates if e.data.get("architecture") in archs] or candidates
        # specs sharing an architecture: prefer one swiftkit runs (a tested family over a re-upload
        # registered as remote_code / unsupported, e.g. a fine-tune kept in a repository subfolder)
        rank = {"tested": 0, "untested": 1, "remote_code": 2, "unsupported": 3}
        candidates.sort(key=lambda e: rank.get(e.data.get("support", "untested"), 1))
        if not candidates:
            known = sorted({e.data.get("hf_model_type", "") for e in self._entries.get("model", [])})
            raise NotFoundError(
                "model",
                f"{folder} (config.json model_type={model_type!r})",
                difflib.get_close_matches(model_type, known, n=3),
                note=_unknown_family_note(config, model_type),
            )
        base = os.path.basename(os.path.normpath(folder)).lower()
        for e in candidates:  # a folder named after a checkpoint picks that checkpoint's spec
            if base in [n.lower().rsplit("/", 1)[-1] for n in e.names()]:
                return e
        if len({e.data.get("template") for e in candidates}) > 1:
            # families sharing an architecture (Qwen2 / Qwen2.5, Llama 3 / 3.1) differ in their
            # template: a tokenizer carrying one of ours names the family
            saved = _saved_chat_template(folder)
            if saved:
                for e in candidates:
                    try:
                        if self.template(e.data["template"]).chat_template() == saved:
                            return e
                    except Exception:  # a template that cannot render without a tokenizer
                        continue
        return candidates[0]

    # -------------------------------------------------------------- behaviour

    def _behaviour(self, kind: str, name: str, field: str) -> Any:
        from swiftkit.core.lazy import resolve

        entry = self.get(kind, name)
        spec = entry.spec
        cls = resolve(getattr(spec, field), spec.REFS[field])
        return cls(spec)

    def model_loader(self, name: str) -> Any:
        """A :class:`~swiftkit.core.models.interface.ModelLoader` for the model ``name``."""
        from swiftkit.core.lazy import resolve

        spec = self.resolve_model(name).spec
        return resolve(spec.loader, spec.REFS["loader"])(spec)

    def template(self, name: str, tokenizer: Any = None) -> Any:
        """A :class:`~swiftkit.core.templates.interface.Template` for the template ``name``;
        ``tokenizer`` binds templates that need one (the generic ``tokenizer`` template)."""
        from swiftkit.core.lazy import resolve

        spec = self.get("template", name).spec
        template = resolve(spec.behaviour, spec.REFS["behaviour"])(spec)
        return template if tokenizer is None else template.bind(tokenizer)

    def agent_template(self, name: str | None = None, *, template: Any = None) -> Any:
        """An :class:`~swiftkit.core.templates.agent.AgentTemplate`: the one named ``name``
        (``--agent_template``), else the default of ``template`` (a template id or a
        :class:`~swiftkit.core.specs.TemplateSpec`), else ``react_en``."""
        from swiftkit.core.lazy import resolve
        from swiftkit.core.specs import DEFAULT_AGENT_TEMPLATE

        if not name and template is not None:
            spec = self.get("template", template).spec if isinstance(template, str) else template
            name = getattr(spec, "agent_template", None)
        spec = self.get("agent_template", name or DEFAULT_AGENT_TEMPLATE).spec
        return resolve(spec.impl, spec.REFS["impl"])(spec)

    def converter(self, name: str) -> Any:
        """A :class:`~swiftkit.core.data.interface.RowConverter` for the format ``name``."""
        return self._behaviour("format", name, "converter")

    def impl(self, kind: str, name: str) -> Any:
        """The class behind a method, engine or strategy (not instantiated: it takes options)."""
        from swiftkit.core.lazy import resolve

        spec = self.get(kind, name).spec
        return resolve(spec.impl, spec.REFS["impl"])


def _unknown_family_note(config: dict[str, Any], model_type: str) -> str:
    """What to do about a folder whose ``model_type`` no registered family has."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        transformers = f"transformers {version('transformers')}"
    except PackageNotFoundError:
        transformers = "transformers"
    if config.get("auto_map"):
        return (f"its config.json maps model_type {model_type!r} to custom code (auto_map), which {transformers} "
                "runs only when trusted: pass --model_type with the registered id it resembles and --trust_remote_code true")
    return (f"no registered model family has model_type {model_type!r} (`swift list models`); if {transformers} does not "
            "support it either, the folder needs its own code (--trust_remote_code true) or a newer transformers")


def _saved_chat_template(folder: str) -> str | None:
    """The chat template a tokenizer folder carries (transformers 5 writes ``chat_template.jinja``)."""
    try:
        with open(os.path.join(folder, "chat_template.jinja"), encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        pass
    try:
        with open(os.path.join(folder, "tokenizer_config.json"), encoding="utf-8") as fh:
            template = json.load(fh).get("chat_template")
    except (OSError, ValueError):
        return None
    return template if isinstance(template, str) else None


_REGISTRY: Registry | None = None


def get_registry(*, refresh: bool = False) -> Registry:
    """The process-wide registry of installed plugins (from the index cache when current)."""
    global _REGISTRY
    if _REGISTRY is None or refresh:
        from swiftkit.core import plugins

        _REGISTRY = Registry(plugins.load())
    return _REGISTRY


def set_registry(registry: Registry | None) -> Registry | None:
    """Replace the process-wide registry (the testing kit isolates tests this way); returns the old one."""
    global _REGISTRY
    old, _REGISTRY = _REGISTRY, registry
    return old
