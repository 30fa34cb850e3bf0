"""A command's form, composed from the run-config JSON Schema the CLI validates against.

:func:`compose_form` takes the values typed so far, lets them choose plugins exactly as
:func:`swiftkit.core.config.build_config` does (``--train_type`` -> a tuner, ``--infer_backend``
-> an engine, ``--eval_backend``, ``--quant_method`` -> an exporter ...), and returns one
:class:`Field` per key of the resulting schema, grouped: the command's main keys first, then the
options of the chosen plugins, then the rest by subject. Nothing here imports gradio.

Values are kept as command-line text (what a user would type after ``--key``), so the form, the
``swift ...`` command and the validation all read the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core import run_keys
from swiftkit.core.config import OPTION_KINDS, SELECTORS, compose_schema, parse_cli_args, selected_plugins
from swiftkit.core.errors import ConfigError

#: the commands the board builds runs of, in tab order
COMMANDS = ("sft", "rlhf", "infer", "deploy", "eval", "export")

#: the keys shown first on each command's form (those the schema lacks are skipped)
MAIN_KEYS: dict[str, tuple[str, ...]] = {
    "sft": ("model", "dataset", "train_type", "output_dir", "max_steps", "num_train_epochs", "learning_rate",
            "per_device_train_batch_size", "gradient_accumulation_steps", "max_length", "logging_steps", "save_steps",
            "val_dataset", "template", "torch_dtype", "strategy"),
    "rlhf": ("rlhf_type", "model", "dataset", "train_type", "output_dir", "max_steps", "num_train_epochs",
             "learning_rate", "per_device_train_batch_size", "gradient_accumulation_steps", "max_length",
             "logging_steps", "save_steps", "template", "torch_dtype", "strategy"),
    "infer": ("model", "adapters", "infer_backend", "val_dataset", "max_new_tokens", "temperature", "result_path",
              "template", "system", "torch_dtype"),
    "deploy": ("model", "adapters", "infer_backend", "host", "port", "served_model_name", "api_key", "max_new_tokens",
               "template", "torch_dtype"),
    "eval": ("model", "adapters", "eval_backend", "eval_dataset", "eval_limit", "eval_output_dir", "eval_url",
             "infer_backend", "template"),
    "export": ("model", "adapters", "merge_lora", "quant_method", "output_dir", "dataset", "push_to_hub",
               "hub_model_id", "overwrite", "template", "torch_dtype"),
}

MAIN = "Main options"
OTHER = "Other"

#: core key blocks of :mod:`swiftkit.core.run_keys` -> their section, and the commands it is shown for
_BLOCKS: tuple[tuple[str, dict[str, Any], tuple[str, ...]], ...] = (
    ("Data", run_keys.DATA_PROPERTIES, ("sft", "rlhf", "infer", "eval", "export")),
    ("Images, video, audio", run_keys.MEDIA_PROPERTIES, ("sft", "rlhf", "infer", "deploy", "eval", "export")),
    ("Serving limits", run_keys.SERVE_MEDIA_PROPERTIES, ("deploy",)),
    ("Evaluation", run_keys.EVAL_PROPERTIES, ("sft", "rlhf", "eval")),
    ("Export and quantization", run_keys.EXPORT_PROPERTIES, ("export",)),
    ("Sampling", run_keys.SAMPLE_PROPERTIES, ()),
    ("Pages", run_keys.APP_PROPERTIES, ()),
)

#: the other core keys by subject: first pattern that matches the key wins
_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("Model and template", r"^(model|template|agent_template|system|enable_thinking|add_non_thinking|attn_impl|"
     r"experts_impl|rope_scaling|torch_dtype|use_hf|hub_token|task_type|num_labels|max_length|truncation|padding)"),
    ("Optimizer and schedule", r"(learning_rate|^lr|optim|adam|weight_decay|warmup|scheduler|max_grad_norm|epoch|"
     r"max_steps|batch_size|gradient_|loss|seed|packing|neftune)"),
    ("Saving and logging", r"(save|logging|output_dir|report|checkpoint|resume|overwrite|hub|eval_|metric|"
     r"early_stop|create_checkpoint)"),
    ("Generation", r"(temperature|top_k|top_p|max_new_tokens|repetition|stop_words|stream|logprobs|num_beams|"
     r"result_path|max_batch_size)"),
    ("Serving", r"(host|^port|api_key|served_model|concurrency|max_tokens_limit|shutdown|control_tokens|request)"),
    ("Hardware and distribution", r"(nproc|nnodes|deepspeed|fsdp|ddp|device|strategy|auto|gpu|node_rank|master_)"),
)


@dataclass(frozen=True)
class Field:
    """One run-config key on a form."""

    key: str
    schema: dict[str, Any]
    group: str
    #: ``dropdown`` (choices), ``checkbox`` (a boolean with a default) or ``text``
    widget: str
    choices: tuple[str, ...] = ()
    #: the default as command-line text ("" when the key has none)
    default: str = ""
    description: str = ""
    #: the plugin that defines the key (``method:lora``), ``None`` for core keys
    plugin: str | None = None

    @property
    def is_list(self) -> bool:
        return _type(self.schema) == "array"


@dataclass
class Form:
    """The fields of ``command``'s form for the values given, and the plugins those values chose."""

    command: str
    selected: dict[str, list[str]]
    fields: dict[str, Field] = field(default_factory=dict)
    #: the sections of the plugins the values chose (shown open; they change with the choice)
    chosen: list[str] = field(default_factory=list)

    def groups(self) -> dict[str, list[Field]]:
        """Section title -> its fields, in display order (main, chosen plugins, the rest)."""
        out: dict[str, list[Field]] = {}
        for f in self.fields.values():
            out.setdefault(f.group, []).append(f)
        return out

    def plugin_groups(self) -> dict[str, list[Field]]:
        """The sections of the plugins the values chose (their options change with the choice)."""
        return {g: fs for g, fs in self.groups().items() if g in self.chosen}

    def more_groups(self) -> dict[str, list[Field]]:
        """The sections below the main options and the chosen plugins' (collapsed on the page)."""
        chosen = set(self.plugin_groups())
        return {g: fs for g, fs in self.groups().items() if g != MAIN and g not in chosen}

    def search(self, query: str, limit: int = 40) -> list[Field]:
        """Fields whose key or description contains every word of ``query`` (case-insensitive);
        key matches first."""
        words = [w for w in query.lower().split() if w]
        if not words:
            return []
        hits = [f for f in self.fields.values() if all(w in f"{f.key} {f.description}".lower() for w in words)]
        hits.sort(key=lambda f: (not all(w in f.key for w in words), f.key))
        return hits[:limit]


def _type(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


def _chosen_kind(plugin: str) -> bool:
    return plugin.split(":", 1)[0] in OPTION_KINDS


#: commands that train: elsewhere a tuner's options (chosen by the default --train_type) are
#: not what the user came for, so they go below with the rest
TRAINING = ("sft", "pt", "rlhf")


def _shown_open(plugin: str, command: str, registry: Any) -> bool:
    kind, _, name = plugin.partition(":")
    if kind not in OPTION_KINDS:
        return False
    if kind == "method" and command not in TRAINING and (kind, name) in registry:
        return registry.get(kind, name).data.get("kind") != "tuner"
    return True


def as_text(value: Any) -> str:
    """A schema value as command-line text (``True`` -> ``true``, lists space-separated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " ".join(as_text(v) for v in value)
    if isinstance(value, dict):
        import json

        return json.dumps(value)
    return str(value)


def _core_group(key: str, command: str) -> str | None:
    """The section of a core key on ``command``'s form; ``None``: not shown there."""
    for title, block, commands in _BLOCKS:
        if key in block:
            return title if command in commands else None
    for title, pattern in _SUBJECTS:
        if re.search(pattern, key):
            return title
    return OTHER


def _plugin_group(plugin: str) -> str:
    kind, _, name = plugin.partition(":")
    if kind == "options":
        return f"{name} (plugin options)"
    return f"{name} ({kind} options)"


def _field(key: str, sub: dict[str, Any], group: str) -> Field:
    default = as_text(sub["default"]) if "default" in sub else ""
    description = sub.get("description", "")
    kind = _type(sub)
    if "enum" in sub:
        choices = tuple(as_text(v) for v in sub["enum"])
        return Field(key, sub, group, "dropdown", choices if default else ("", *choices), default, description,
                     sub.get("x-swiftkit-plugin"))
    if kind == "boolean":
        if default:
            return Field(key, sub, group, "checkbox", (), default, description, sub.get("x-swiftkit-plugin"))
        return Field(key, sub, group, "dropdown", ("", "true", "false"), "", description, sub.get("x-swiftkit-plugin"))
    return Field(key, sub, group, "text", (), default, description, sub.get("x-swiftkit-plugin"))


def typed_values(registry: Any, command: str, values: dict[str, str]) -> dict[str, Any]:
    """``values`` (command-line text) typed by the full schema of ``command``, as the CLI parses
    them; a value that does not parse is left as text (validation names it later)."""
    from swiftkit.ui.web_ui.command import option_args

    full = compose_schema(registry, command=command)
    try:
        return parse_cli_args(option_args(values, full["properties"]), full)
    except ConfigError:
        return dict(values)


def compose_form(registry: Any, command: str, values: dict[str, str] | None = None) -> Form:
    """``command``'s form for ``values`` (key -> command-line text; empty text: unset)."""
    values = {k: v for k, v in (values or {}).items() if v != ""}
    full = compose_schema(registry, command=command)["properties"]
    config = typed_values(registry, command, values)
    with_defaults = {**{k: full[k]["default"] for k in SELECTORS if "default" in full.get(k, {})}, **config}
    selected = selected_plugins(with_defaults, registry, command)
    props = compose_schema(registry, selected=selected, command=command)["properties"]
    form = Form(command=command, selected=selected)
    shown = {k: v for k, v in props.items() if "x-swiftkit-refused" not in v and "x-swiftkit-alias-of" not in v}
    for key in MAIN_KEYS.get(command, ()):
        if key in shown:
            form.fields[key] = _field(key, shown[key], MAIN)
    plugin_keys = [k for k, v in shown.items() if k not in form.fields and v.get("x-swiftkit-plugin")]
    chosen = [k for k in plugin_keys if _chosen_kind(shown[k]["x-swiftkit-plugin"])]
    for key in chosen + [k for k in plugin_keys if k not in chosen]:
        plugin = shown[key]["x-swiftkit-plugin"]
        group = _plugin_group(plugin)
        form.fields[key] = _field(key, shown[key], group)
        if key in chosen and _shown_open(plugin, command, registry) and group not in form.chosen:
            form.chosen.append(group)
    core = [(group, key) for key, sub in shown.items()
            if key not in form.fields and (group := _core_group(key, command)) is not None]
    order = [t for t, _, _ in _BLOCKS] + [t for t, _ in _SUBJECTS] + [OTHER]
    for group, key in sorted(core, key=lambda gk: order.index(gk[0])):
        form.fields[key] = _field(key, shown[key], group)
    return form
