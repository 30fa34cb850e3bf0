"""A model's shape: the sizes the memory estimate needs.

Read from a local folder's ``config.json``, from a registered :class:`ModelSpec`'s ``shape``
(filled in by the model plugins from the checkpoints' public ``config.json``), or — when a
spec has neither — approximated from its ``params_billion`` (``approximate=True``, and every
output says so). Pure Python: nothing heavy is imported.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import SwiftkitError

if TYPE_CHECKING:
    from swiftkit.core.registry import Registry


@dataclass(frozen=True)
class ModelShape:
    """Sizes of a decoder-only transformer, in ``config.json``'s names.

    Dense models leave ``num_experts`` at 0; a mixture-of-experts model has ``num_experts``
    feed-forward experts of ``moe_intermediate_size`` per layer, ``num_experts_per_tok`` of them
    active per token, plus an optional always-on shared expert.
    """

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool = False
    head_dim: int = 0
    attention_bias: bool = False
    num_experts: int = 0
    num_experts_per_tok: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int = 0
    #: a multimodal model's vision tower (``vision_config``): its blocks, width, MLP width and MLP
    #: matrices (3 for a gated MLP), and its parameters and the aligner's (projector / merger)
    vision_layers: int = 0
    vision_hidden_size: int = 0
    vision_intermediate_size: int = 0
    vision_mlp_matrices: int = 2
    vision_params: int = 0
    aligner_params: int = 0
    #: the aligner's linear layers as ``(in, out)``
    aligner_linears: tuple[tuple[int, int], ...] = ()
    #: True when the sizes were guessed from a parameter count
    approximate: bool = False
    #: where the sizes came from, for the output
    source: str = ""

    def __post_init__(self) -> None:
        if not self.head_dim:
            object.__setattr__(self, "head_dim", self.hidden_size // max(self.num_attention_heads, 1))

    # -- sizes ---------------------------------------------------------------------------------

    @property
    def q_dim(self) -> int:
        return self.num_attention_heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        return self.num_key_value_heads * self.head_dim

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    def linears(self) -> list[tuple[str, int, int, int]]:
        """The linear layers of one decoder layer as ``(name, in, out, copies)``: what LoRA
        adapts (``all-linear``) and what a 4-bit base quantizes. An MoE layer lists each expert
        projection with ``copies = num_experts``."""
        h, q, kv = self.hidden_size, self.q_dim, self.kv_dim
        out = [("q_proj", h, q, 1), ("k_proj", h, kv, 1), ("v_proj", h, kv, 1), ("o_proj", q, h, 1)]
        if self.is_moe:
            i = self.moe_intermediate_size or self.intermediate_size
            out += [("gate_proj", h, i, self.num_experts), ("up_proj", h, i, self.num_experts), ("down_proj", i, h, self.num_experts)]
            if self.shared_expert_intermediate_size:
                s = self.shared_expert_intermediate_size
                out += [("shared_gate_proj", h, s, 1), ("shared_up_proj", h, s, 1), ("shared_down_proj", s, h, 1)]
        else:
            i = self.intermediate_size
            out += [("gate_proj", h, i, 1), ("up_proj", h, i, 1), ("down_proj", i, h, 1)]
        return out

    def linear_params_per_layer(self) -> int:
        """Weights of one layer's linear layers (the router of an MoE layer included)."""
        n = sum(i * o * c for _, i, o, c in self.linears())
        if self.is_moe:
            n += self.hidden_size * self.num_experts
        return n

    def small_params_per_layer(self) -> int:
        """Norm weights and q/k/v biases of one layer: what stays unquantized in a 4-bit base."""
        n = 2 * self.hidden_size
        if self.attention_bias:
            n += self.q_dim + 2 * self.kv_dim
        return n

    @property
    def norm_params(self) -> int:
        """Weights of the normalization layers: two per decoder layer and the final norm (what
        the qlora tuner's ``--qlora_upcast norms`` keeps in float32)."""
        return (2 * self.num_hidden_layers + 1) * self.hidden_size

    def layer_params(self) -> int:
        return self.linear_params_per_layer() + self.small_params_per_layer()

    @property
    def embedding_params(self) -> int:
        return self.vocab_size * self.hidden_size

    @property
    def head_params(self) -> int:
        """The output head's own weights (0 when tied to the input embedding)."""
        return 0 if self.tie_word_embeddings else self.vocab_size * self.hidden_size

    def language_params(self) -> int:
        """The language model's parameters: layers, embedding, untied head and the final norm."""
        return self.num_hidden_layers * self.layer_params() + self.embedding_params + self.head_params + self.hidden_size

    def num_params(self) -> int:
        """Every parameter: the language model's, and a multimodal model's vision tower and aligner."""
        return self.language_params() + self.vision_params + self.aligner_params

    def vision_lora_params(self, rank: int) -> int:
        """LoRA parameters on the vision tower's linear layers (qkv, output projection, MLP)."""
        w, i = self.vision_hidden_size, self.vision_intermediate_size
        per_layer = rank * ((w + 3 * w) + (w + w) + (self.vision_mlp_matrices - 1) * (w + i) + (i + w))
        return self.vision_layers * per_layer if w else 0

    def aligner_lora_params(self, rank: int) -> int:
        """LoRA parameters on the aligner's linear layers."""
        return sum(rank * (i + o) for i, o in self.aligner_linears)

    def lora_params(self, rank: int) -> int:
        """Trainable parameters of LoRA on every linear layer of every decoder layer
        (``target_modules all-linear``): ``rank * (in + out)`` per adapted linear."""
        return self.num_hidden_layers * sum(rank * (i + o) * c for _, i, o, c in self.linears())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_CONFIG_KEYS = {
    # ours <- config.json names, first present wins
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "num_hidden_layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "num_attention_heads": ("num_attention_heads", "n_head"),
    "intermediate_size": ("intermediate_size", "n_inner", "ffn_hidden_size"),
    "vocab_size": ("vocab_size",),
    "num_experts": ("num_experts", "num_local_experts", "n_routed_experts"),
}


def _first(config: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if config.get(name) is not None:
            return config[name]
    return None


def vision_sizes(config: dict[str, Any], text_hidden: int) -> dict[str, Any]:
    """The vision tower's and aligner's sizes from a multimodal ``config.json``'s ``vision_config``
    (ViT blocks of 4 w^2 attention and a 2- or 3-matrix MLP, with biases; a patch embedding of
    ``in_channels x patch^2 x temporal_patch`` per output channel; an aligner that is Qwen-VL's
    patch merger (``spatial_merge_size``: LayerNorm, then w m^2 -> w m^2 -> out) or else a
    two-layer projector w -> out -> out). ``{}`` for a text model. Approximate: within a few
    percent of the families checked (Qwen2-VL, Qwen2.5-VL)."""
    vision = config.get("vision_config")
    if not isinstance(vision, dict):
        return {}
    width = int(vision.get("embed_dim") or vision.get("hidden_size") or 0)
    layers = int(vision.get("depth") or vision.get("num_hidden_layers") or 0)
    if not width or not layers:
        return {}
    inter = int(vision.get("intermediate_size") or (vision.get("mlp_ratio") or 4) * width)
    mats = 3 if str(vision.get("hidden_act", "")) in ("silu", "swiglu") else 2
    per_layer = 4 * width * width + 4 * width + mats * width * inter + (mats - 1) * inter + width + 4 * width
    patch = int(vision.get("patch_size") or 14)
    embed = int(vision.get("in_channels") or vision.get("num_channels") or 3) * patch * patch \
        * int(vision.get("temporal_patch_size") or 1) * width
    out = int(vision.get("out_hidden_size") or (vision.get("hidden_size") if vision.get("embed_dim") else 0)
              or text_hidden)
    merge = int(vision.get("spatial_merge_size") or 0)
    if merge:
        wide = width * merge * merge
        linears = ((wide, wide), (wide, out))
        aligner = wide * wide + wide + wide * out + out + 2 * width
    else:
        linears = ((width, out), (out, out))
        aligner = width * out + out + out * out + out
    return {"vision_layers": layers, "vision_hidden_size": width, "vision_intermediate_size": inter,
            "vision_mlp_matrices": mats, "vision_params": layers * per_layer + embed, "aligner_params": aligner,
            "aligner_linears": linears}


def shape_from_config(config: dict[str, Any], *, source: str = "config.json") -> ModelShape:
    """The shape of a transformers ``config.json`` (a dict). A multimodal config's language
    model (``text_config``) is used when the top level has no ``hidden_size``, and its vision
    tower and aligner are counted (:func:`vision_sizes`)."""
    outer = config
    if _first(config, _CONFIG_KEYS["hidden_size"]) is None and isinstance(config.get("text_config"), dict):
        outer_tied = config.get("tie_word_embeddings")
        config = {**config["text_config"]}
        config.setdefault("tie_word_embeddings", outer_tied)
    values = {key: _first(config, names) for key, names in _CONFIG_KEYS.items()}
    missing = [k for k in ("hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size") if not values[k]]
    if missing:
        raise SwiftkitError(f"{source}: cannot read the model's {', '.join(missing)} from its configuration")
    hidden = int(values["hidden_size"])
    heads = int(values["num_attention_heads"])
    experts = int(values["num_experts"] or 0)
    return ModelShape(
        hidden_size=hidden,
        num_hidden_layers=int(values["num_hidden_layers"]),
        num_attention_heads=heads,
        num_key_value_heads=int(config.get("num_key_value_heads") or heads),
        intermediate_size=int(values["intermediate_size"] or 4 * hidden),
        vocab_size=int(values["vocab_size"]),
        tie_word_embeddings=bool(config.get("tie_word_embeddings") or False),
        head_dim=int(config.get("head_dim") or 0),
        attention_bias=bool(config.get("attention_bias") or config.get("qkv_bias") or False),
        num_experts=experts,
        num_experts_per_tok=int(config.get("num_experts_per_tok") or (2 if experts else 0)),
        moe_intermediate_size=int(config.get("moe_intermediate_size") or 0),
        shared_expert_intermediate_size=int(config.get("shared_expert_intermediate_size") or 0),
        source=source,
        **vision_sizes(outer, hidden),
    )


def shape_from_folder(folder: str | os.PathLike[str]) -> ModelShape:
    path = os.path.join(folder, "config.json")
    try:
        with open(path, encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError) as exc:
        raise SwiftkitError(f"cannot read {path}: {exc}") from exc
    return shape_from_config(config, source=path)


#: (parameters in billions, hidden size) of common dense decoder sizes, to guess a shape from
_LADDER = [(0.03, 512), (0.1, 768), (0.3, 1024), (0.5, 896), (1.5, 1536), (3.0, 2560), (7.0, 4096), (14.0, 5120), (32.0, 6656), (70.0, 8192), (180.0, 12288), (400.0, 16384)]


def shape_from_params(params_billion: float, *, source: str = "") -> ModelShape:
    """A rough Llama-3-like shape with ``params_billion`` parameters: hidden size from the
    nearest common size, feed-forward width 3.5x hidden, 128-dim heads with 8 key/value heads,
    a 128k vocabulary (32k under 0.3B parameters), untied head, and as many layers as make
    up the count. Marked ``approximate``."""
    if params_billion <= 0:
        raise SwiftkitError(f"cannot guess a shape for {params_billion}B parameters")
    hidden = min(_LADDER, key=lambda row: abs(math.log(row[0] / params_billion)))[1]
    vocab = 32000 if params_billion < 0.3 else 128256
    heads = max(hidden // 128, 1)
    inter = int(round(3.5 * hidden / 256)) * 256
    probe = ModelShape(hidden, 1, heads, min(8, heads), inter, vocab)
    layers = max(1, round((params_billion * 1e9 - 2 * probe.embedding_params) / probe.layer_params()))
    return ModelShape(
        hidden, layers, heads, min(8, heads), inter, vocab,
        approximate=True,
        source=source or f"approximated from {params_billion:g}B parameters",
    )


def shape_of_spec(spec: Any) -> ModelShape:
    """A registered model's shape: its ``shape`` field, else a guess from ``params_billion``."""
    if spec.shape:
        fields = {k: v for k, v in spec.shape.items() if k in ModelShape.__dataclass_fields__}
        return ModelShape(**fields, source=f"registered for {spec.id}, from its config.json")
    if spec.params_billion:
        return shape_from_params(spec.params_billion, source=f"approximated from {spec.id}'s {spec.params_billion:g}B parameters")
    raise SwiftkitError(f"model {spec.id!r} registers neither a shape nor a parameter count; pass a local folder with its config.json")


def shape_of_model(model: str, registry: Registry | None = None) -> tuple[ModelShape, str]:
    """The shape of ``model`` (a local folder, or a registered id / hub id / family) and the
    name to show for it."""
    if os.path.isdir(model):
        return shape_from_folder(model), os.path.basename(os.path.normpath(model))
    if registry is None:
        from swiftkit.core.registry import get_registry

        registry = get_registry()
    entry = registry.resolve_model(model)
    return shape_of_spec(entry.spec), entry.id
