"""Run configuration: the core schema, plus the option schemas the chosen plugins contribute.

Keys are flat and follow ms-swift's flag names (``--lora_rank``), so a config file, the
command line and the composed JSON Schema all speak the same names. Everything is validated
with jsonschema before any model is loaded; an error names the key, the allowed values and
the nearest valid name.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.options import option_clash
from swiftkit.core.run_keys import CORE_PROPERTIES

if TYPE_CHECKING:
    from swiftkit.core.registry import Entry, Registry

#: core key -> (kind, method kind or None): its allowed values come from the registry
_REGISTRY_ENUMS = {
    "train_type": ("method", "tuner"),
    "rlhf_type": ("method", "objective"),
    "infer_backend": ("engine", None),
    "template": ("template", None),
    "agent_template": ("agent_template", None),
    "strategy": ("strategy", None),
}

#: which run-config keys select which plugin (so their options join the schema)
SELECTORS = {"train_type": "method", "rlhf_type": "method", "infer_backend": "engine", "strategy": "strategy",
             "eval_backend": "eval_backend"}
#: kinds whose specs carry run-config ``options``
OPTION_KINDS = ("method", "engine", "strategy", "reward", "eval_backend", "exporter")


def _provenance(entry: Entry) -> str:
    return f"{entry.kind} {entry.id!r} of {entry.plugin.label()}"


def _option_sources(registry: Registry, selected: dict[str, list[str]] | None, command: str | None) -> list[Entry]:
    if selected is None:
        entries = [e for k in OPTION_KINDS for e in registry.entries(k)]
    else:
        entries = [registry.get(kind, name) for kind, names in selected.items() for name in names]
    for e in registry.entries("options"):
        if not e.data.get("commands") or command is None or command in e.data["commands"]:
            entries.append(e)
    return entries


def compose_schema(
    registry: Registry,
    *,
    selected: dict[str, list[str]] | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """The run-config JSON Schema: core keys plus the options of the ``selected`` plugins
    (``{"method": ["lora", "sft"]}``; ``None`` merges every installed plugin's options).

    A plugin option that redefines a core key, or one key defined differently by two
    plugins, raises :class:`ConfigError` naming both sides.
    """
    props = copy.deepcopy(CORE_PROPERTIES)
    for key, (kind, method_kind) in _REGISTRY_ENUMS.items():
        ids = [e.id for e in registry.entries(kind) if method_kind is None or e.data.get("kind") == method_kind]
        if ids and key != "template":  # templates also accept a tokenizer's own chat_template
            props[key]["enum"] = sorted(ids)
    props["task_type"]["enum"] = [CAUSAL_LM, *sorted(task_objectives(registry))]
    owners: dict[str, tuple[dict[str, Any], str]] = {}
    for entry in _option_sources(registry, selected, command):
        options = entry.data.get("options") or {}
        for key, sub in (options.get("properties") or {}).items():
            problem = option_clash(key, sub, _provenance(entry), owners)
            if problem:
                raise ConfigError(problem)
            if key in owners:
                if props[key].get("default") != sub.get("default"):
                    props[key].pop("default", None)  # plugins disagree: each applies its own
                continue
            owners[key] = (sub, _provenance(entry))
            props[key] = {**copy.deepcopy(sub), "x-swiftkit-plugin": f"{entry.kind}:{entry.id}"}
    _add_flag_aliases_and_refusals(registry, props, command)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"swiftkit run configuration{f' ({command})' if command else ''}",
        "type": "object",
        "properties": props,
        "additionalProperties": False,
    }


def _add_flag_aliases_and_refusals(registry: Registry, props: dict[str, Any], command: str | None) -> None:
    """Options specs' other spellings (``tuner_type`` -> ``train_type``) and refused flags join
    the schema as marked properties. An alias yields to a plugin option of the same name in the
    schema (so it applies to runs that do not choose that plugin); a refusal yields to a name any
    installed plugin defines as an option (chosen for this run or not), so a plugin can provide
    what another refuses."""
    defined = {key for kind in (*OPTION_KINDS, "options")
               for e in registry.entries(kind) for key in ((e.data.get("options") or {}).get("properties") or {})}
    for entry in registry.entries("options"):
        if entry.data.get("commands") and command is not None and command not in entry.data["commands"]:
            continue
        who = f"{entry.kind}:{entry.id}"
        for name, target in (entry.data.get("flag_aliases") or {}).items():
            if name not in props:
                props[name] = {"description": f"Another spelling of --{target}.", "x-swiftkit-alias-of": target,
                               "x-swiftkit-plugin": who}
        for name, reason in (entry.data.get("refused_flags") or {}).items():
            if name not in props and name not in defined:
                props[name] = {"description": f"Refused: {reason}", "x-swiftkit-refused": reason, "x-swiftkit-plugin": who}


def resolve_flag_aliases(config: dict[str, Any], props: dict[str, Any], *, where: str = "") -> dict[str, Any]:
    """``config`` with other spellings replaced by the keys they mean; both spellings given with
    different values is an error naming the two."""
    out = dict(config)
    for name in list(out):
        target = (props.get(name) or {}).get("x-swiftkit-alias-of")
        if not target:
            continue
        value = out.pop(name)
        if target in out and out[target] != value:
            raise ConfigError(f"invalid configuration{where}:\n  --{name} ({value!r}) and --{target} ({out[target]!r}) "
                              f"are the same option spelled two ways; give one")
        out[target] = value
    return out


#: the ``task_type`` of text generation: the objectives without a ``task`` (sft, pt, dpo ...)
CAUSAL_LM = "causal_lm"


def task_objectives(registry: Registry) -> dict[str, str]:
    """``task_type`` -> the id of the objective that trains it (``MethodSpec.task``); the first
    one discovered wins a task two plugins claim."""
    out: dict[str, str] = {}
    for entry in registry.entries("method"):
        task = entry.data.get("task")
        if entry.data.get("kind") == "objective" and task and task != CAUSAL_LM:
            out.setdefault(task, entry.id)
    return out


def selected_plugins(config: dict[str, Any], registry: Registry, command: str | None = None) -> dict[str, list[str]]:
    """The plugins a config chooses, by kind: through its selector keys, and the objective a
    command implies when exactly one objective declares that command (``swift sft`` -> sft).
    Unknown ids are left for validation to report."""
    out: dict[str, list[str]] = {}
    for key, kind in SELECTORS.items():
        value = config.get(key)
        if isinstance(value, str) and (kind, value) in registry:
            out.setdefault(kind, []).append(registry.get(kind, value).id)
    if "strategy" not in out and not config.get("strategy"):
        implied_strategy = implied_strategies(config, registry)
        if len(implied_strategy) == 1:
            out["strategy"] = implied_strategy
    if command in (None, "export"):  # --push_to_hub also means "push checkpoints" while training
        for name in selected_exporters(config, registry):
            out.setdefault("exporter", []).append(name)
    # a chosen reward function brings its options (GRPO's --reward_funcs, swift sample's --orm_model)
    for name in [*(config.get("reward_funcs") or []), config.get("orm_model")]:
        if isinstance(name, str) and ":" not in name and ("reward", name) in registry:
            out.setdefault("reward", []).append(registry.get("reward", name).id)
    task = config.get("task_type")
    task_objective = task_objectives(registry).get(task) if isinstance(task, str) and task != CAUSAL_LM else None
    if task_objective:  # --task_type chooses its objective for every command (its serving options too)
        out.setdefault("method", []).append(task_objective)
    elif command and not config.get("rlhf_type"):
        implied = [e.id for e in registry.entries("method") if e.data.get("kind") == "objective"
                   and e.data.get("command") == command and not e.data.get("task")]
        if len(implied) == 1 and implied[0] not in out.get("method", []):
            out.setdefault("method", []).append(implied[0])
    return out


def spec_options(registry: Registry, kind: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
    """What a plugin built as ``impl(spec, options)`` gets: every key of its option schema, the
    config's value where given (not ``None``), else the schema's default (``None`` without one)."""
    props = (registry.get(kind, name).data.get("options") or {}).get("properties") or {}
    return {k: config[k] if config.get(k) is not None else sub.get("default") for k, sub in props.items()}


def selected_exporters(config: dict[str, Any], registry: Registry) -> list[str]:
    """The exporters a config chooses through their ``selected_by`` keys (``--quant_method gptq``,
    ``--to_gguf true``), in run order: by stage (:data:`~swiftkit.core.specs.EXPORT_STAGES`), then
    by registration order. A value matches when it equals one the spec lists (strings compared
    case-insensitively)."""
    from swiftkit.core.specs import EXPORT_STAGES

    def _match(value: Any, wanted: list[Any]) -> bool:
        if isinstance(value, str):
            return any(isinstance(w, str) and w.lower() == value.lower() for w in wanted)
        return value is not None and any(type(w) is type(value) and w == value for w in wanted)

    chosen = [e for e in registry.entries("exporter")
              if any(_match(config.get(key), list(values)) for key, values in (e.data.get("selected_by") or {}).items())]
    stages = {name: i for i, name in enumerate(EXPORT_STAGES)}
    return [e.id for e in sorted(chosen, key=lambda e: stages.get(e.data.get("stage", "convert"), 0))]


def implied_strategies(config: dict[str, Any], registry: Registry) -> list[str]:
    """Strategies a config chooses through their ``selected_by`` keys (``--deepspeed zero3``):
    a key selects when it is given with a value other than its default, ``None`` or ``False``.

    A strategy that also takes another one's selecting keys as options is built on it and wins:
    ``--deepspeed zero3 --sequence_parallel_size 2`` is sequence parallelism over ZeRO-3, since the
    sequence-parallel strategy takes ``deepspeed`` too (and not the other way round)."""
    found: dict[str, tuple[set[str], set[str]]] = {}  # id -> (keys that selected it, its option keys)
    for entry in registry.entries("strategy"):
        props = (entry.data.get("options") or {}).get("properties", {})
        keys = {key for key in entry.data.get("selected_by") or []
                if config.get(key) is not None and config.get(key) is not False
                and config.get(key) != props.get(key, {}).get("default")}
        if keys:
            found[entry.id] = (keys, set(props))
    return [name for name, (keys, _) in found.items()
            if not any(other != name and keys <= found[other][1] and not found[other][0] <= found[name][1]
                       for other in found)]


def normalize_keys(config: dict[str, Any]) -> dict[str, Any]:
    """``lora-rank`` and ``lora_rank`` are the same key."""
    return {k.replace("-", "_"): v for k, v in config.items()}


def load_config_file(path: str) -> dict[str, Any]:
    """Read a YAML or JSON config file into a flat dict of run-config keys."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        if path.endswith(".json"):
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:
        raise ConfigError(f"config file {path} is not valid {'JSON' if path.endswith('.json') else 'YAML'}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of options, not {type(data).__name__}")
    return normalize_keys(data)


def _schema_type(schema: dict[str, Any]) -> Any:
    """The schema's ``type``, a nullable one (``["integer", "null"]``) read as its other type."""
    kind = schema.get("type")
    if isinstance(kind, list):
        others = [k for k in kind if k != "null"]
        return others[0] if len(others) == 1 else None
    return kind


def _coerce(key: str, values: list[str], schema: dict[str, Any]) -> Any:
    """Turn command-line strings into the type the schema asks for (validation reports misfits)."""
    kind = _schema_type(schema)
    if isinstance(schema.get("type"), list) and "null" in schema["type"] and len(values) == 1 and values[0].lower() in {"null", "none"}:
        return None
    if kind == "array":
        return [_coerce(key, [v], schema.get("items", {})) for v in values]
    if kind == "boolean" and not values:
        return True
    raw = " ".join(values)
    if kind == "object":  # JSON on the command line: --lr_scheduler_kwargs '{"min_lr": 1e-6}'
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # validation names the key and says it is not an object
    if kind == "boolean":
        low = raw.lower()
        return True if low in {"true", "1", "yes"} else False if low in {"false", "0", "no"} else raw
    if kind in ("integer", "number"):
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if kind == "integer" and number.is_integer() else number
    if "enum" in schema and raw.lower() in {"true", "false"}:
        return raw.lower() == "true" if raw.lower() in {str(x).lower() for x in schema["enum"]} else raw
    if kind is None and ("anyOf" in schema or "oneOf" in schema):
        if len(values) > 1:
            return values
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def parse_cli_args(args: list[str], schema: dict[str, Any]) -> dict[str, Any]:
    """Parse ``--key value``, ``--key=value``, ``--dashed-key value``, ``--flag`` and
    ``--list a b c`` into run-config values typed by ``schema``."""
    props = schema.get("properties", {})
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or arg == "--":
            raise ConfigError(f"unexpected argument {arg!r}: options are written --name value")
        name, eq, inline = arg[2:].partition("=")
        key = name.replace("-", "_")
        values: list[str] = [inline] if eq else []
        i += 1
        if not eq:
            while i < len(args) and not (args[i].startswith("--") and len(args[i]) > 2 and not _is_number(args[i])):
                values.append(args[i])
                i += 1
        sub = props.get(key, {})
        if "x-swiftkit-alias-of" in sub:  # typed as the key it means
            sub = props.get(sub["x-swiftkit-alias-of"], {})
        if sub and _schema_type(sub) != "array" and "anyOf" not in sub and len(values) > 1:
            raise ConfigError(f"option --{name} takes one value, got {len(values)}: {' '.join(values)}")
        if not values and _schema_type(sub) not in ("boolean", None):
            raise ConfigError(f"option --{name} needs a value")
        out[key] = _coerce(key, values, sub) if sub else (values[0] if len(values) == 1 else (values or True))
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def validate(
    config: dict[str, Any],
    schema: dict[str, Any],
    *,
    suggest_from: dict[str, Any] | None = None,
    explain: Callable[[str, Any], str] | None = None,
) -> dict[str, Any]:
    """Validate ``config`` against ``schema``; return it with schema defaults filled in.

    Every problem is reported at once, each naming the key, what is allowed and the nearest
    valid name. ``explain(key, value)`` may add why a value is not among a key's allowed ones
    (a plugin that would provide it failed to load).
    """
    import jsonschema

    props = schema.get("properties", {})
    problems: list[str] = []
    everything = {**(suggest_from or {}), **props}  # names of plugins not chosen help a typo too
    for key in config:
        reason = (props.get(key) or {}).get("x-swiftkit-refused")
        if reason:
            problems.append(f"option {key!r} is not supported: {reason} (refused by {props[key].get('x-swiftkit-plugin')})")
            continue
        if key not in props:
            near = difflib.get_close_matches(key, list(everything), n=1, cutoff=0.6)
            hint = ""
            if near:
                owner = everything[near[0]].get("x-swiftkit-plugin")
                hint = f"; did you mean {near[0]!r}" + (f" (option of {owner})" if owner and near[0] not in props else "") + "?"
            problems.append(f"unknown option {key!r}{hint}")
    known = {k: v for k, v in config.items() if k in props and "x-swiftkit-refused" not in props[k]}
    validator = jsonschema.Draft202012Validator({**schema, "additionalProperties": True})
    for error in sorted(validator.iter_errors(known), key=lambda e: list(e.absolute_path)):
        path = list(error.absolute_path)
        key = str(path[0]) if path else "(config)"
        where = "/".join(str(p) for p in path) or key
        sub = props.get(key, {})
        msg = f"option {where!r}: {error.message}"
        allowed = sub.get("enum") or sub.get("items", {}).get("enum")
        if error.validator == "enum" and allowed:
            near = difflib.get_close_matches(str(error.instance), [str(a) for a in allowed], n=1, cutoff=0.5)
            msg = f"option {where!r}: {error.instance!r} is not one of {', '.join(map(str, allowed))}"
            if near:
                msg += f"; did you mean {near[0]!r}?"
            note = explain(key, error.instance) if explain else ""
            if note:
                msg += f" ({note})"
        if sub.get("x-swiftkit-plugin"):
            msg += f" (defined by {sub['x-swiftkit-plugin']})"
        problems.append(msg)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    filled = dict(config)
    for key, sub in props.items():
        if key not in filled and "default" in sub:
            filled[key] = copy.deepcopy(sub["default"])
    return filled


def build_config(
    registry: Registry,
    *,
    command: str,
    cli_args: list[str] | None = None,
    config_file: str | None = None,
    overrides: dict[str, Any] | None = None,
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Compose a run config: ``base`` (a previous run's args), then the file, then the command
    line, then ``overrides``; validated against the schema of the plugins the result selects.
    Keys of ``base`` that are not run options (bookkeeping a run recorded) are ignored.
    A plugin file of ``--external_plugins`` that failed to load is an error naming the file."""
    _check_external_plugins(registry)
    config: dict[str, Any] = {}
    full = compose_schema(registry, command=command)  # every plugin's keys: what any layer may name
    known = full["properties"]
    if base:
        config.update({k: v for k, v in resolve_flag_aliases(normalize_keys(base), known).items() if k in known and v is not None})
    if config_file:
        config.update(resolve_flag_aliases(load_config_file(config_file), known, where=f" in {config_file}"))
    if cli_args:
        config.update(resolve_flag_aliases(parse_cli_args(cli_args, full), full["properties"]))
    config.update(normalize_keys(overrides or {}))
    config = resolve_flag_aliases(config, full["properties"])
    # selector keys left out take their schema default (train_type -> lora) before choosing plugins
    with_defaults = {**{k: full["properties"][k]["default"] for k in SELECTORS if "default" in full["properties"].get(k, {})}, **config}
    implied = [] if config.get("strategy") else implied_strategies(config, registry)
    if len(implied) > 1:
        raise ConfigError(f"invalid configuration:\n  options of several strategies are given ({', '.join(implied)}); "
                          "choose one, or name it with --strategy")
    if implied:
        config["strategy"] = implied[0]
        with_defaults["strategy"] = implied[0]
    elif not config.get("strategy") and ("strategy", "ddp") in registry:
        from swiftkit.core.parallel.env import ParallelEnv

        if ParallelEnv.from_config(config).distributed:  # several processes, none named: DDP's options apply
            with_defaults["strategy"] = "ddp"
    schema = compose_schema(registry, selected=selected_plugins(with_defaults, registry, command), command=command)
    # an alias whose name a plugin not chosen defines as its own option means the alias here
    # (--init_weights: Bone's option, else LoRA's init_lora_weights)
    config = resolve_flag_aliases(config, schema["properties"])
    # Options of plugins not chosen are named as such rather than as unknown.
    stray = [k for k in config if k not in schema["properties"] and k in full["properties"]]
    if stray:
        owners = ", ".join(f"{k!r} ({full['properties'][k].get('x-swiftkit-plugin')})" for k in stray)
        raise ConfigError(f"invalid configuration:\n  option(s) {owners} belong to plugins this run does not use")
    return validate(config, schema, suggest_from=full["properties"], explain=lambda key, value: _broken_note(registry, key, value))


def _check_external_plugins(registry: Registry) -> None:
    """The user named these files for this run: one that failed to load stops it (an installed
    plugin that fails is skipped, as ``swift plugins`` shows)."""
    from swiftkit.core.plugins import EXTERNAL_DIST

    failed = [p for p in registry.plugins if p.dist == EXTERNAL_DIST and p.status == "error"]
    if failed:
        raise ConfigError("--external_plugins: " + "; ".join(f"{p.module}: {p.reason}" for p in failed))


def _broken_note(registry: Registry, key: str, value: Any) -> str:
    """For a registry-backed key (``--train_type X``): the failed plugins that provide ``X``."""
    target = _REGISTRY_ENUMS.get(key)
    return registry.broken_note(target[0], value) if target and isinstance(value, str) else ""

