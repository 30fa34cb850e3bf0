"""The data each plugin kind contributes.

A spec is plain data: ids, display metadata, requirements, option schemas and *lazy references*
(``"package.module:attr"``) to the code that does the work. Registering a spec imports nothing
heavy; the reference is resolved on first use (see :mod:`swiftkit.core.lazy`).

Each spec class carries a JSON Schema (``SCHEMA``) that the core validates when a plugin
registers it (fastjsonschema for speed, jsonschema to explain a failure), and a ``REFS`` table
naming which fields are lazy references and which interface the referenced object must
implement.

This module must stay import-light: it is on the discovery path.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar

#: Version of the plugin API. A plugin declares the version it was written against in its
#: module attribute ``SWIFTKIT_PLUGIN_API``; the core accepts the same major version with a
#: minor version not newer than its own.
PLUGIN_API_VERSION = "1.5"

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+\-]*$"
REF_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"

_STR_LIST = {"type": "array", "items": {"type": "string"}}
_ID = {"type": "string", "pattern": ID_PATTERN}
_REF = {"type": "string", "pattern": REF_PATTERN}
_OPTIONS = {
    # An option schema is a JSON Schema object whose properties are flat run-config keys
    # (``lora_rank``), merged into the run configuration schema when the plugin is chosen.
    "type": "object",
    "required": ["type", "properties"],
    "properties": {"type": {"const": "object"}, "properties": {"type": "object"}},
}

_COMMON_PROPS: dict[str, Any] = {
    "id": _ID,
    "description": {"type": "string"},
    "aliases": {"type": "array", "items": _ID},
    "tags": _STR_LIST,
    "requires": _STR_LIST,
}


def _schema(title: str, required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "required": ["id", *required],
        "properties": {**_COMMON_PROPS, **props},
        "additionalProperties": False,
    }


def _plain(value: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, tuples as lists); other values as they are."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass
class Spec:
    """Fields every kind shares.

    ``requires`` holds PEP 508 requirement strings (``"vllm>=0.10"``) and the special
    requirement ``"gpu"``; ``swift info`` reports whether each is met.
    """

    KIND: ClassVar[str] = ""
    SCHEMA: ClassVar[dict[str, Any]] = {}
    #: field name -> dotted path of the interface the referenced object must implement
    REFS: ClassVar[dict[str, str]] = {}

    id: str
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``None`` fields are left out."""
        # spec fields hold plain JSON data: a copy by type is ~10x faster than dataclasses.asdict,
        # which matters when a catalogue registers a thousand checkpoints
        return {f.name: _plain(v) for f in fields(self) if (v := getattr(self, f.name)) is not None}

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every field that has a default, with it (``None`` defaults left out)."""
        out: dict[str, Any] = {}
        for f in fields(cls):
            if f.default is not MISSING:
                value = f.default
            elif f.default_factory is not MISSING:
                value = f.default_factory()
            else:
                continue
            if value is not None and value != "":  # "" marks a required field placed after defaults
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spec:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown field(s) for {cls.__name__}: {', '.join(unknown)}")
        return cls(**{k: _plain(v) for k, v in data.items()})

    def refs(self) -> dict[str, str]:
        """The lazy references this spec carries, by field name (unset ones left out)."""
        return {name: getattr(self, name) for name in self.REFS if getattr(self, name, None)}

    def names(self) -> list[str]:
        """Every name this spec answers to in the registry (id and aliases)."""
        return [self.id, *self.aliases]


#: ModelSpec.support values, with what each promises
SUPPORT_LEVELS: dict[str, str] = {
    "tested": "architecture native in the installed transformers; a tiny model of it is trained (LoRA and full), "
    "resumed, exported and served in swiftkit's test suite, and its template matches the real chat template; a task "
    "checkpoint (task other than causal_lm): a tiny model of its architecture is trained (LoRA and full) and "
    "served as its task, with the family's verified template (an encoder reads no chat template)",
    "remote_code": "the architecture needs the checkpoint's own Python code: loads only with --trust_remote_code true; "
    "not tested by swiftkit",
    "unsupported": "cannot run with what is installed (a newer transformers, a package or hardware): refused with the reason",
    "untested": "not proven by swiftkit's tests: a plugin declared no level, or the note says which half is unproven "
    "(a built-in checkpoint whose template could not be checked against its real chat template); loads through "
    "transformers, nothing is promised",
}
#: pre-quantized checkpoint formats a ModelSpec may carry (``quant_method``)
QUANT_METHODS: dict[str, str] = {
    "awq": "AWQ (activation-aware weight quantization)",
    "gptq": "GPTQ",
    "fp8": "FP8 (block-wise float8 weights)",
    "bnb": "bitsandbytes (nf4 / int8)",
    "aqlm": "AQLM (additive quantization)",
}
#: ms-swift's --task_type names
MODEL_TASKS: dict[str, str] = {
    "causal_lm": "text generation (causal language model)",
    "seq_cls": "sequence classification / reward model",
    "embedding": "text embedding",
    "reranker": "cross-encoder reranker",
    "generative_reranker": "reranker scored by a causal LM's yes/no logits",
    "prm": "process reward model",
}


@dataclass
class ModelSpec(Spec):
    """One model checkpoint of a family.

    ``family`` is the model type users pass as ``--model_type`` (ms-swift's names);
    ``hf_model_type`` is the ``model_type`` in the checkpoint's ``config.json`` and is how a
    local folder is matched to a family; ``loader`` implements
    :class:`swiftkit.core.models.interface.ModelLoader`.
    """

    KIND: ClassVar[str] = "model"
    REFS: ClassVar[dict[str, str]] = {"loader": "swiftkit.core.models.interface:ModelLoader"}

    family: str = ""
    architecture: str = ""
    hf_model_type: str = ""
    template: str = ""
    hf_id: str | None = None
    ms_id: str | None = None
    params_billion: float | None = None
    max_length: int | None = None
    lora_target_modules: list[str] = field(default_factory=list)
    decoder_layer_cls: str | None = None
    #: the architecture's sizes (``hidden_size``, ``num_hidden_layers``, ``vocab_size`` ...,
    #: named as in ``config.json``), read by the memory estimator (``swift recommend``)
    shape: dict[str, Any] | None = None
    loader: str = "swiftkit.models.hf:HFCausalLMLoader"
    #: how far swiftkit vouches for this checkpoint, one of :data:`SUPPORT_LEVELS` (API 1.2)
    support: str = "untested"
    #: why: the custom class a ``remote_code`` checkpoint needs, the requirement an
    #: ``unsupported`` one misses, what a ``tested`` one was tested with (API 1.2)
    support_note: str | None = None
    #: a pre-quantized checkpoint's method (``awq``, ``gptq``, ``fp8``, ``bnb``) and bits (API 1.2)
    quant_method: str | None = None
    quant_bits: int | None = None
    #: what the checkpoint is for, ms-swift's ``--task_type`` names (:data:`MODEL_TASKS`; API 1.2)
    task: str = "causal_lm"
    #: the media kinds the model reads besides text (``image``, ``video``, ``audio``; API 1.4)
    modalities: list[str] = field(default_factory=list)
    #: a multimodal model's parts as module-name prefixes of the loaded model, ms-swift's
    #: ``vision_tower`` / ``aligner`` / ``language_model`` (and ``generator`` for omni models'
    #: speech heads): what ``--freeze_vit`` / ``--freeze_aligner`` / ``--freeze_llm`` / ``--vit_lr``
    #: / ``--aligner_lr`` select (API 1.4)
    model_parts: dict[str, list[str]] | None = None

    def names(self) -> list[str]:
        return [self.id, *self.aliases, *(h for h in (self.hf_id, self.ms_id) if h)]


ModelSpec.SCHEMA = _schema(
    "ModelSpec",
    ["family", "architecture", "hf_model_type", "template", "loader"],
    {
        "family": _ID,
        "architecture": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
        "hf_model_type": {"type": "string", "minLength": 1},
        "template": _ID,
        # ``owner/name``, or ``owner/name:subfolder`` for weights in a folder of a repository (ms-swift's
        # notation: OpenGVLab/InternVL2-Pretrain-Models:InternVL2-1B-Pretrain)
        "hf_id": {"type": "string", "pattern": r"^[\w.\-]+/[\w.\-]+(:[\w.\-]+)?$"},
        "ms_id": {"type": "string", "pattern": r"^[\w.\-]+/[\w.\-]+(:[\w.\-]+)?$"},
        "params_billion": {"type": "number", "exclusiveMinimum": 0},
        "max_length": {"type": "integer", "minimum": 1},
        "lora_target_modules": _STR_LIST,
        "decoder_layer_cls": {"type": "string"},
        "shape": {
            "type": "object",
            "required": ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size"],
            "additionalProperties": {"type": ["integer", "boolean"]},
        },
        "loader": _REF,
        "support": {"enum": list(SUPPORT_LEVELS)},
        "support_note": {"type": "string"},
        "quant_method": {"enum": list(QUANT_METHODS)},
        "quant_bits": {"type": "integer", "minimum": 1, "maximum": 16},
        "task": {"enum": list(MODEL_TASKS)},
        "modalities": {"type": "array", "items": {"enum": ["image", "video", "audio"]}, "uniqueItems": True},
        "model_parts": {
            "type": "object",
            "propertyNames": {"enum": ["vision_tower", "aligner", "language_model", "generator"]},
            "additionalProperties": _STR_LIST,
        },
    },
)


@dataclass
class TemplateSpec(Spec):
    """A chat template in text form.

    Each role format holds ``{content}``. The assistant turn is split into ``assistant_prefix``
    (the generation prompt) and ``assistant_suffix`` (the end-of-turn text, part of the
    labels). With ``system_style="merge_first_user"`` the system text is rendered with
    ``system_in_user`` and prepended to the first user message (Llama 2, Mistral, Gemma have
    no system role). ``behaviour`` implements :class:`swiftkit.core.templates.interface.Template`;
    the same object encodes conversations for training and renders the exported
    ``chat_template``.

    ``user`` may also hold ``{round}``, the 1-based number of the user turn (ChatGLM2's
    ``[Round 1]``). ``reply_prefix`` is written before every reply's content but is not part of
    the generation prompt (GLM writes ``<|assistant|>`` as the prompt and ``\n`` + reply in a
    turn): it is learned with the reply. ``train_reply_end`` is for formats that write no
    end-of-turn text (GLM stops on the next ``<|user|>``): in training each reply is labelled
    together with it (the start of the next user turn, or appended after the last reply).

    Reasoning models (``is_thinking``, ms-swift's names): ``thinking_prefix`` ends the generation
    prompt in thinking mode (``<think>\n`` for QwQ and DeepSeek-R1), ``non_thinking_prefix`` in
    non-thinking mode (Qwen3's empty ``<think>\n\n</think>\n\n``) and is put before replies
    without a thinking block; ``strip_thinking`` says which earlier replies lose their reasoning in
    the rendered prompt (``"history"``: those before the last user message, as Qwen3's template;
    ``"all"``: every reply, as DeepSeek-R1's), each then starting with ``history_thinking_prefix``
    and keeping what follows ``</think>`` (without its leading newlines, unless
    ``history_thinking_lstrip`` is false, as in DeepSeek's templates).
    ``thinking_default`` is the mode when ``--enable_thinking`` is not given, and
    ``thinking_kwarg`` the Jinja variable the real chat template reads (``enable_thinking``;
    ``thinking`` for DeepSeek-V3.1). A model that cannot switch thinking off has an empty
    ``non_thinking_prefix`` or ``thinking_switch=False`` (Qwen3-Thinking-2507 still writes the empty
    block before a last reply without reasoning): ``--enable_thinking false`` changes nothing for it.
    """

    KIND: ClassVar[str] = "template"
    REFS: ClassVar[dict[str, str]] = {"behaviour": "swiftkit.core.templates.interface:Template",
                                      "media": "swiftkit.core.templates.media:MediaProcessor"}

    prefix: str = ""
    system: str = "{content}"
    user: str = "{content}"
    assistant_prefix: str = ""
    assistant_suffix: str = ""
    tool: str | None = None
    system_style: str = "role"
    system_in_user: str = "{system}\n\n{content}"
    default_system: str | None = None
    stop_words: list[str] = field(default_factory=list)
    special_tokens: list[str] = field(default_factory=list)
    placeholders: dict[str, str] = field(default_factory=dict)
    behaviour: str = "swiftkit.templates.base:FormatTemplate"
    reply_prefix: str = ""
    train_reply_end: str = ""
    is_thinking: bool = False
    thinking_prefix: str = ""
    non_thinking_prefix: str = ""
    history_thinking_prefix: str = ""
    history_thinking_lstrip: bool = True
    strip_thinking: str = "history"
    thinking_default: bool = True
    thinking_switch: bool = True
    thinking_kwarg: str = "enable_thinking"
    #: the agent template (tool-calling format, :class:`AgentTemplateSpec` id) this chat format's
    #: models were trained with; ``--agent_template`` overrides it; ``None``: ``react_en`` (API 1.3)
    agent_template: str | None = None
    #: the family's :class:`~swiftkit.core.templates.media.MediaProcessor` (``"module:Class"``,
    #: resolved lazily) for conversations with ``<image>`` / ``<video>`` / ``<audio>`` tags;
    #: ``None``: a text template, which refuses media (API 1.4)
    media: str | None = None


TemplateSpec.SCHEMA = _schema(
    "TemplateSpec",
    ["user", "assistant_prefix", "assistant_suffix", "behaviour"],
    {
        "prefix": {"type": "string"},
        "system": {"type": "string", "pattern": r"\{content\}"},
        "user": {"type": "string", "pattern": r"\{content\}"},
        "assistant_prefix": {"type": "string"},
        "assistant_suffix": {"type": "string"},
        "tool": {"type": "string", "pattern": r"\{content\}"},
        "system_style": {"enum": ["role", "merge_first_user", "none"]},
        "system_in_user": {"type": "string", "pattern": r"\{system\}[\s\S]*\{content\}"},
        "default_system": {"type": "string"},
        "stop_words": _STR_LIST,
        "special_tokens": _STR_LIST,
        "placeholders": {"type": "object", "additionalProperties": {"type": "string"}},
        "behaviour": _REF,
        "reply_prefix": {"type": "string"},
        "train_reply_end": {"type": "string"},
        "is_thinking": {"type": "boolean"},
        "thinking_prefix": {"type": "string"},
        "non_thinking_prefix": {"type": "string"},
        "history_thinking_prefix": {"type": "string"},
        "history_thinking_lstrip": {"type": "boolean"},
        "strip_thinking": {"enum": ["none", "history", "all"]},
        "thinking_default": {"type": "boolean"},
        "thinking_switch": {"type": "boolean"},
        "thinking_kwarg": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
        "agent_template": _ID,
        "media": _REF,
    },
)


#: the agent template a chat template without ``agent_template`` gets (ms-swift's default)
DEFAULT_AGENT_TEMPLATE = "react_en"


@dataclass
class AgentTemplateSpec(Spec):
    """A tool-calling format (ms-swift's ``--agent_template``: hermes, llama3, react_en ...).

    Independent of the chat template it is combined with: the chat template says how turns are
    delimited, the agent template how the ``tools`` list, the assistant's tool calls and the tool
    results are written inside those turns, and how a reply is parsed back into OpenAI
    ``tool_calls``. ``impl`` implements :class:`swiftkit.core.templates.agent.AgentTemplate`.
    ``stop_words`` end a reply that calls a tool in this format (ReAct's ``Observation:``), on
    top of the chat template's own. (API 1.3)
    """

    KIND: ClassVar[str] = "agent_template"
    REFS: ClassVar[dict[str, str]] = {"impl": "swiftkit.core.templates.agent:AgentTemplate"}

    impl: str = ""
    stop_words: list[str] = field(default_factory=list)


AgentTemplateSpec.SCHEMA = _schema("AgentTemplateSpec", ["impl"], {"impl": _REF, "stop_words": _STR_LIST})


@dataclass
class FormatSpec(Spec):
    """A dataset row format (messages, sharegpt, alpaca, ...).

    ``columns`` are the columns whose presence identifies the format; ``converter``
    implements :class:`swiftkit.core.data.interface.RowConverter`, turning one row into the
    canonical conversation (a list of ``{"role", "content"}`` messages).
    """

    KIND: ClassVar[str] = "format"
    REFS: ClassVar[dict[str, str]] = {"converter": "swiftkit.core.data.interface:RowConverter"}

    columns: list[str] = field(default_factory=list)
    converter: str = ""


FormatSpec.SCHEMA = _schema(
    "FormatSpec",
    ["columns", "converter"],
    {"columns": {**_STR_LIST, "minItems": 1}, "converter": _REF},
)


@dataclass
class DatasetSpec(Spec):
    """A registered dataset: on a hub (``hf_id`` / ``ms_id``), bundled with the plugin
    (``path`` as ``"package:relative/file.jsonl"``) or made on the spot by ``generator``, in a
    registered ``format``.

    ``generator`` (API 1.4, for synthetic data such as generated images): a lazy reference to a
    callable ``generator(folder: str, subset: str) -> str`` called when a run names the dataset,
    with a folder of its own under swiftkit's cache (``$SWIFTKIT_CACHE_DIR/datasets/<id>``) and
    the subset asked for (the first of ``subsets`` by default, ``""`` without subsets). It writes
    the rows (and any files they reference, by paths relative to the data file) and returns the
    data file's path (``.jsonl``, ``.json``, ``.csv``, ``.parquet``). It must be deterministic
    and may return an existing file without writing it again; it runs in the main process.
    """

    KIND: ClassVar[str] = "dataset"
    REFS: ClassVar[dict[str, str]] = {"generator": "collections.abc:Callable"}

    format: str = "messages"
    hf_id: str | None = None
    ms_id: str | None = None
    path: str | None = None
    subsets: list[str] = field(default_factory=list)
    split: str = "train"
    columns: dict[str, str] = field(default_factory=dict)
    num_rows: int | None = None
    generator: str | None = None

    def names(self) -> list[str]:
        return [self.id, *self.aliases, *(h for h in (self.hf_id, self.ms_id) if h)]


DatasetSpec.SCHEMA = _schema(
    "DatasetSpec",
    ["format"],
    {
        "format": _ID,
        "hf_id": {"type": "string", "pattern": r"^[\w.\-]+/[\w.\-]+$"},
        "ms_id": {"type": "string", "pattern": r"^[\w.\-]+/[\w.\-]+$"},
        "path": {"type": "string", "pattern": r"^[A-Za-z_][\w.]*:[^:]+$"},
        "subsets": _STR_LIST,
        "split": {"type": "string"},
        "columns": {"type": "object", "additionalProperties": {"type": "string"}},
        "num_rows": {"type": "integer", "minimum": 0},
        "generator": _REF,
    },
)
DatasetSpec.SCHEMA["anyOf"] = [{"required": ["hf_id"]}, {"required": ["ms_id"]}, {"required": ["path"]},
                               {"required": ["generator"]}]


#: what a tuner trains, in the terms the memory estimator models (``MethodSpec.trains``)
_TRAINS = {
    "type": "object",
    "required": ["weights"],
    "additionalProperties": False,
    "properties": {
        "weights": {"enum": ["all", "fraction", "norms", "adapters"]},
        "rank_option": {"type": "string", "minLength": 1},
        "quantized": {
            "type": "object",
            "additionalProperties": False,
            "required": ["bits_option"],
            "properties": {
                "bits_option": {"type": "string", "minLength": 1},
                "double_quant_option": {"type": "string", "minLength": 1},
                "upcast_option": {"type": "string", "minLength": 1},
                "storage_option": {"type": "string", "minLength": 1},
            },
        },
    },
}
#: how ``swift recommend`` proposes a tuner (``MethodSpec.recommend``)
_RECOMMEND = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"order": {"type": "integer"}, "label": {"type": "string", "minLength": 1}},
}


@dataclass
class MethodSpec(Spec):
    """A training method: a *tuner* (what is trainable: lora, full, ...) or an *objective*
    (what is optimised: sft, pt, dpo, ...).

    ``options`` is the JSON Schema of the flat run-config keys the method adds (``lora_rank``).
    ``command`` names the CLI command that selects an objective (``sft``, ``pt``, ``rlhf``).
    ``impl`` implements :class:`swiftkit.core.methods.interface.Tuner` or ``Objective``.

    Tuners also say what ``swift recommend``, ``--auto`` and the memory estimator
    (:mod:`swiftkit.resources.estimate`) need to know about them; all optional:

    ``trains`` -- what the tuner trains, as the estimator models it:

    * ``weights``: ``"all"`` (every weight of the model), ``"fraction"`` (a share of the base
      weights; the estimate takes the share from its caller, 1.0 -- an upper bound -- when
      unknown), ``"norms"`` (only the normalization weights) or ``"adapters"`` (low-rank
      adapters on every linear layer, kept in float32 as peft does; the base is frozen);
    * ``rank_option``: for adapters, the run-config key of their rank (``"lora_rank"``); without
      it the estimate assumes rank 8;
    * ``quantized``: the frozen base is quantized by bitsandbytes while it loads; the run-config
      keys of its settings: ``bits_option`` (4 or 8), ``double_quant_option`` (bool),
      ``upcast_option`` (``"norms"``: only the norms in float32, or ``"all"``: every
      unquantized weight) and ``storage_option`` (the packed weights' dtype, which
      ``swift recommend`` sets to the compute dtype under strategies that shard parameters).

    A tuner without ``trains`` is estimated like rank-8 LoRA adapters, with a note saying so.

    ``recommend`` -- ``order``: where the tuner comes in ``swift recommend``'s search when the
    user fixes none (lower first: the better-quality tuners; the built-ins use full 10, lora 20,
    qlora 30); a tuner without it is estimated only when asked for (``--train_type``).
    ``label``: its name in the recommendation's one-line description (default: its id).

    ``default_learning_rate`` -- the learning rate of a run that gives none (``None``: 1e-4).

    ``task`` -- objectives only: the ``--task_type`` the objective trains (``seq_cls``,
    ``embedding``, ``reranker``, ``generative_reranker``: ms-swift's names, :data:`MODEL_TASKS`);
    ``None`` for the causal-LM objectives. ``swift sft --task_type T`` runs the objective whose
    ``task`` is ``T`` instead of ``sft``, and ``swift infer`` / ``deploy`` of a model of task ``T``
    ask that objective for the model and its predictor (API 1.3).
    """

    KIND: ClassVar[str] = "method"
    REFS: ClassVar[dict[str, str]] = {"impl": "swiftkit.core.methods.interface:Method"}

    kind: str = "tuner"
    options: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    command: str | None = None
    compatible_objectives: list[str] | None = None
    compatible_strategies: list[str] | None = None
    trains: dict[str, Any] | None = None
    recommend: dict[str, Any] | None = None
    default_learning_rate: float | None = None
    task: str | None = None
    impl: str = ""


MethodSpec.SCHEMA = _schema(
    "MethodSpec",
    ["kind", "impl"],
    {
        "kind": {"enum": ["tuner", "objective"]},
        "options": _OPTIONS,
        "command": {"type": "string"},
        "compatible_objectives": _STR_LIST,
        "compatible_strategies": _STR_LIST,
        "trains": _TRAINS,
        "recommend": _RECOMMEND,
        "default_learning_rate": {"type": "number", "exclusiveMinimum": 0},
        "task": {"anyOf": [{"enum": [t for t in MODEL_TASKS if t != "causal_lm"]}, {"type": "null"}]},
        "impl": _REF,
    },
)


@dataclass
class EngineSpec(Spec):
    """An inference engine; ``impl`` implements :class:`swiftkit.core.engines.interface.InferEngine`."""

    KIND: ClassVar[str] = "engine"
    REFS: ClassVar[dict[str, str]] = {"impl": "swiftkit.core.engines.interface:InferEngine"}

    options: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    capabilities: list[str] = field(default_factory=list)
    impl: str = ""


EngineSpec.SCHEMA = _schema(
    "EngineSpec",
    ["impl"],
    {
        "options": _OPTIONS,
        "capabilities": {"type": "array", "items": {"enum": ["stream", "batch", "lora", "logprobs", "chat", "completion"]}},
        "impl": _REF,
    },
)


#: one named configuration of a strategy, as the memory estimator and ``swift recommend`` see it
_PRESET = {
    "type": "object",
    "required": ["shards", "memory_model"],
    "additionalProperties": False,
    "properties": {
        "shards": {"enum": ["none", "optimizer", "gradients", "parameters"]},
        "offload": {"type": "boolean"},
        "memory_model": {"enum": ["replicated", "zero", "fsdp"]},
        "select": {"type": "object"},
        "order": {"type": "integer"},
        "single_device": {"type": "boolean"},
    },
}


@dataclass
class StrategySpec(Spec):
    """A parallel strategy; ``impl`` implements :class:`swiftkit.core.parallel.interface.Strategy`.

    ``selected_by`` names option keys that choose this strategy when a run gives them without
    ``--strategy`` (``--deepspeed zero3`` selects ``deepspeed``); ``launcher`` is the launcher
    it needs by default.

    ``presets`` tells ``swift recommend``, ``--auto`` and the memory estimator
    (:mod:`swiftkit.resources.estimate`) what the strategy does to memory, by named
    configuration (``zero1`` ... ``zero3_offload`` are presets of ``deepspeed``; a strategy with
    one configuration names its single preset after itself). Preset names are what
    ``swift recommend --strategy`` takes, so they should not clash with another plugin's. Each:

    * ``shards``: what is partitioned over the devices, cumulatively as in ZeRO's stages:
      ``"none"``, ``"optimizer"`` (optimizer states), ``"gradients"`` (+ gradients) or
      ``"parameters"`` (+ the weights themselves);
    * ``offload``: optimizer states (and sharded parameters) live in host memory (``false``);
    * ``memory_model``: which accounting the estimator applies: ``"replicated"`` (each process
      holds the weights, gradients and ``torch.optim.AdamW`` states in the weights' dtype,
      plus gradient buckets for the all-reduce), ``"zero"`` (DeepSpeed ZeRO's mixed precision:
      compute-dtype weights and gradients, 12 bytes of fp32 master weights and moments per
      trained weight, a fused optimizer, communication buckets) or ``"fsdp"`` (float32 sharded
      weights and moments, the root unit and two layers gathered);
    * ``select``: the run-config keys (and values) that choose the preset, which
      ``swift recommend`` prints and ``--auto`` sets (``{"deepspeed": "zero3"}``); default
      ``{"strategy": <id>}``; ``{}`` for the strategy the core uses on several processes
      when none is named;
    * ``order``: where the preset comes in ``swift recommend``'s search over several devices
      when the user fixes no strategy (lower first: less engineering; offload presets are
      tried after all others whatever their order); without it, only when asked for;
    * ``single_device``: also tried on a single device (``false``).

    ``default_preset`` is the preset a run that names the strategy but none of its presets
    gets. A strategy without presets is not modelled: ``--auto`` leaves the search
    unconstrained by it. When a run's options match no preset's ``select`` exactly (a
    DeepSpeed JSON file), :meth:`~swiftkit.core.parallel.interface.Strategy.memory_preset`
    names the preset they amount to.
    """

    KIND: ClassVar[str] = "strategy"
    REFS: ClassVar[dict[str, str]] = {"impl": "swiftkit.core.parallel.interface:Strategy"}

    options: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    launcher: str = "none"
    selected_by: list[str] = field(default_factory=list)
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_preset: str | None = None
    impl: str = ""


StrategySpec.SCHEMA = _schema(
    "StrategySpec",
    ["impl"],
    {
        "options": _OPTIONS,
        "launcher": {"enum": ["none", "torchrun", "deepspeed"]},
        "selected_by": _STR_LIST,
        "presets": {"type": "object", "propertyNames": {"pattern": ID_PATTERN}, "additionalProperties": _PRESET},
        "default_preset": _ID,
        "impl": _REF,
    },
)


@dataclass
class RewardSpec(Spec):
    """A reward function for online RL (GRPO, PPO): ``impl`` implements
    :class:`swiftkit.core.methods.interface.RewardFunction`; ``options`` are its run-config keys.

    ``columns`` names the dataset columns the function reads (a reference ``solution`` ...):
    a run whose training rows lack one stops before its first step, naming the reward, the
    column and the dataset, instead of failing (or scoring nothing) mid-run.
    """

    KIND: ClassVar[str] = "reward"
    REFS: ClassVar[dict[str, str]] = {"impl": "swiftkit.core.methods.interface:RewardFunction"}

    options: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    impl: str = ""
    columns: list[str] = field(default_factory=list)


RewardSpec.SCHEMA = _schema(
    "RewardSpec", ["impl"], {"options": _OPTIONS, "impl": _REF, "columns": {"type": "array", "items": {"type": "string", "minLength": 1}}}
)


@dataclass
class EvalBackendSpec(Spec):
    """An evaluation backend of ``swift eval`` (ms-swift's ``--eval_backend``: EvalScope's
    ``Native``, lm-evaluation-harness ...): ``impl`` implements
    :class:`swiftkit.core.eval.interface.EvalBackend`; ``options`` are its run-config keys.

    ``targets`` says what it can evaluate: ``"model"`` (a local folder or hub id, with adapters,
    loaded in-process) and/or ``"url"`` (a running OpenAI-compatible server, ``--eval_url``).
    ``local_formats`` names the local evaluation-file formats it reads (shown by ``swift info``;
    ``"mcq"``: multiple choice, ``"qa"``: open question with a reference answer). (API 1.5)
    """

    KIND: ClassVar[str] = "eval_backend"
    REFS: ClassVar[dict[str, str]] = {"impl": "swiftkit.core.eval.interface:EvalBackend"}

    impl: str = ""
    options: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    targets: list[str] = field(default_factory=lambda: ["model", "url"])
    local_formats: list[str] = field(default_factory=list)


EvalBackendSpec.SCHEMA = _schema(
    "EvalBackendSpec",
    ["impl"],
    {"impl": _REF, "options": _OPTIONS,
     "targets": {"type": "array", "minItems": 1, "items": {"enum": ["model", "url"]}},
     "local_formats": _STR_LIST},
)

#: the order ``swift export`` runs exporters in: a converter writes a new model folder (quantized
#: weights, a GGUF file), a packager adds to the folder it gets (an Ollama Modelfile), a publisher
#: sends the final folder somewhere (a hub)
EXPORT_STAGES = ("convert", "package", "publish")


@dataclass
class ExporterSpec(Spec):
    """One step of ``swift export`` (a quantization method, GGUF, an Ollama Modelfile, a hub
    upload): ``impl`` implements :class:`swiftkit.core.export.interface.Exporter`; ``options``
    are its run-config keys.

    ``selected_by`` maps a run-config key to the values that choose this exporter
    (``{"quant_method": ["gptq", "awq"]}``; ``{"to_gguf": [true]}``); a run may choose several
    exporters, which run in ``stage`` order (see :data:`EXPORT_STAGES`), each on the folder the
    previous one wrote, after the LoRA merge. Two exporters of the ``convert`` stage in one run
    are refused unless the later one's ``accepts`` names the earlier one's id. (API 1.5)
    """

    KIND: ClassVar[str] = "exporter"
    REFS: ClassVar[dict[str, str]] = {"impl": "swiftkit.core.export.interface:Exporter"}

    impl: str = ""
    options: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    selected_by: dict[str, list[Any]] = field(default_factory=dict)
    stage: str = "convert"
    accepts: list[str] = field(default_factory=list)


ExporterSpec.SCHEMA = _schema(
    "ExporterSpec",
    ["impl", "selected_by"],
    {"impl": _REF, "options": _OPTIONS,
     "selected_by": {"type": "object", "minProperties": 1, "propertyNames": {"pattern": r"^[a-z][a-z0-9_]*$"},
                     "additionalProperties": {"type": "array", "minItems": 1}},
     "stage": {"enum": list(EXPORT_STAGES)},
     "accepts": {"type": "array", "items": _ID}},
)


@dataclass
class CommandSpec(Spec):
    """A CLI command a plugin adds: ``swift <id>``; ``impl`` is a ``click.Command``, imported
    only when the command runs (its ``description`` is the one-line help)."""

    KIND: ClassVar[str] = "command"
    REFS: ClassVar[dict[str, str]] = {"impl": "click:Command"}

    impl: str = ""


CommandSpec.SCHEMA = _schema("CommandSpec", ["impl"], {"impl": _REF})


@dataclass
class OptionsSpec(Spec):
    """Run-config keys a plugin adds outside any model/method/engine (logging, callbacks ...).

    ``commands`` limits them to some commands (``["sft", "pt"]``); empty means every command.
    """

    KIND: ClassVar[str] = "options"

    options: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    commands: list[str] = field(default_factory=list)
    #: other flag name -> the run-config key it means (a peer's renamed flag: ``tuner_type`` ->
    #: ``train_type``); both spellings are accepted and the run records the key (API 1.3)
    flag_aliases: dict[str, str] = field(default_factory=dict)
    #: flag name -> why it is refused and what to use instead (a peer's flag that has no meaning
    #: here, e.g. Megatron- or NPU-only). A refusal yields to any plugin that defines the name as
    #: an option, so a plugin can add what another refuses (API 1.3)
    refused_flags: dict[str, str] = field(default_factory=dict)


_FLAG_MAP = {"type": "object", "propertyNames": {"pattern": r"^[a-z][a-z0-9_]*$"}, "additionalProperties": {"type": "string", "minLength": 1}}
OptionsSpec.SCHEMA = _schema("OptionsSpec", ["options"], {"options": _OPTIONS, "commands": _STR_LIST,
                                                           "flag_aliases": _FLAG_MAP, "refused_flags": _FLAG_MAP})


def spec_name_fields(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every name a spec (as its dict) answers to, with the field holding it: ``("id", ...)``,
    ``("alias", ...)`` per alias and, where present, ``("hf_id", ...)`` and ``("ms_id", ...)``."""
    return [("id", data["id"]), *(("alias", a) for a in data.get("aliases", [])),
            *((k, data[k]) for k in ("hf_id", "ms_id") if data.get(k))]


def spec_names(data: dict[str, Any]) -> list[str]:
    """Every name a spec (as its dict) answers to: id, aliases and, where present, hub ids."""
    return [name for _, name in spec_name_fields(data)]


#: kind name -> spec class; the order is the order of ``swift list`` and ``swift plugins``.
SPEC_CLASSES: dict[str, type[Spec]] = {
    cls.KIND: cls
    for cls in (
        ModelSpec,
        TemplateSpec,
        AgentTemplateSpec,
        DatasetSpec,
        FormatSpec,
        MethodSpec,
        EngineSpec,
        StrategySpec,
        RewardSpec,
        EvalBackendSpec,
        ExporterSpec,
        CommandSpec,
        OptionsSpec,
    )
}

#: kind name -> registering hook (see :mod:`swiftkit.core.hookspecs`)
KIND_HOOKS: dict[str, str] = {
    "model": "swift_register_models",
    "template": "swift_register_templates",
    "agent_template": "swift_register_agent_templates",
    "dataset": "swift_register_datasets",
    "format": "swift_register_formats",
    "method": "swift_register_methods",
    "engine": "swift_register_engines",
    "strategy": "swift_register_strategies",
    "reward": "swift_register_rewards",
    "eval_backend": "swift_register_eval_backends",
    "exporter": "swift_register_exporters",
    "command": "swift_register_commands",
    "options": "swift_register_options",
}

#: plural CLI names (``swift list models``) -> kind
PLURALS: dict[str, str] = {
    "models": "model",
    "templates": "template",
    "agent-templates": "agent_template",
    "datasets": "dataset",
    "formats": "format",
    "methods": "method",
    "engines": "engine",
    "strategies": "strategy",
    "rewards": "reward",
    "eval-backends": "eval_backend",
    "exporters": "exporter",
    "commands": "command",
}
