"""Model specs from two tables: what a family shares, and one row per checkpoint.

Every model-family plugin has that shape, built-in or third-party::

    FAMILIES = {"yi": {"name": "Yi", "architecture": "LlamaForCausalLM", "hf_model_type": "llama", ...}}
    CHECKPOINTS = [("yi", "yi-6b", "01ai/Yi-6B", "01-ai/Yi-6B", 6.06, 4096, "base")]

    @hookimpl
    def swift_register_models():
        return checkpoint_specs(FAMILIES, CHECKPOINTS)

Light: imported during discovery.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from swiftkit.core.specs import ModelSpec

#: checkpoint kind -> the words its description uses; the kind is also a tag
KINDS = {
    "base": "pre-trained base model",
    "instruct": "instruction-tuned chat model",
    "chat": "chat model",
    "reward": "reward model",
    "embedding": "embedding model",
    "reranker": "reranker",
}

#: the tag of a checkpoint whose architecture is tested but whose template could not be checked
#: against the real chat template (its level is then ``untested``); the family matrix still
#: trains these architectures
TEMPLATE_UNVERIFIED = "template-unverified"

#: hub-name markers of pre-quantized checkpoints -> (quant_method, bits); checked in order
_QUANT_MARKERS: tuple[tuple[str, str, int | None], ...] = (
    (r"gptq[-_]?int4|gptq[-_]?4bit", "gptq", 4),
    (r"gptq[-_]?int8|gptq[-_]?8bit", "gptq", 8),
    (r"gptq", "gptq", 4),
    (r"awq", "awq", 4),
    (r"fp8", "fp8", 8),
    (r"bnb[-_]?4bit", "bnb", 4),
    (r"bnb[-_]?8bit", "bnb", 8),
    (r"aqlm", "aqlm", 2),
)


def quantization_of(hub_name: str) -> tuple[str, int | None] | None:
    """``"Qwen2.5-7B-Instruct-GPTQ-Int4"`` -> ``("gptq", 4)``; ``None`` for an unquantized name.

    Only what the repository name says is read; a family whose plain ``-Int4`` names mean GPTQ
    (Qwen-1) passes ``quant_method``/``quant_bits`` in the row's overrides instead.
    """
    name = hub_name.split("/")[-1].lower()
    for pattern, method, bits in _QUANT_MARKERS:
        if re.search(rf"(^|[-_.]){pattern}($|[-_.])", name):
            return method, bits
    return None


def context_label(tokens: int) -> str:
    """131072 -> "128K", 200000 -> "200K", 4096 -> "4K"."""
    return f"{tokens // 1000}K" if tokens % 1000 == 0 else f"{tokens // 1024}K"


def checkpoint_specs(
    families: Mapping[str, Mapping[str, Any]],
    rows: Iterable[Sequence[Any]],
    shapes: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[ModelSpec]:
    """One :class:`ModelSpec` per row ``(family, id, ms_id, hf_id, params_billion, max_length,
    kind, *extra_tags)``; ``params_billion`` may be ``None`` where no public source gives the size.

    ``hf_id`` may be ``"="`` when it equals the ModelScope id, and ``None`` for a checkpoint
    published on one hub only (``ms_id`` likewise). A family entry holds the ``ModelSpec``
    fields its checkpoints share plus ``"name"`` (its display name). A ``dict`` among the extra
    tags overrides fields for that row alone (``{"template": "qwen3_thinking"}``). A hub name
    that marks a pre-quantized checkpoint (``-AWQ``, ``-GPTQ-Int4``, ``-FP8``, ``-bnb-4bit``) sets
    ``quant_method``/``quant_bits`` and the ``quantized`` tag. The lowercased hub repository
    name becomes an alias when it differs from the id. ``shapes`` maps checkpoint ids to their
    :attr:`ModelSpec.shape` (see :func:`model_shape`); checkpoints left out have none.
    """
    shapes = shapes or {}
    specs = []
    for family, id_, ms_id, hf_id, params, max_length, kind, *extra in rows:
        shared = {k: list(v) if isinstance(v, list) else v for k, v in families[family].items() if k != "name"}
        overrides: dict[str, Any] = {}
        tags: list[str] = []
        for item in extra:
            if isinstance(item, Mapping):
                overrides.update(item)
            else:
                tags.append(item)
        hf_id = ms_id if hf_id == "=" else hf_id
        name = (hf_id or ms_id).split("/")[-1]
        quant = quantization_of(name)
        if quant and "quant_method" not in overrides:
            overrides["quant_method"], overrides["quant_bits"] = quant
        if overrides.get("quant_method"):
            tags.append("quantized")
        fields = {**shared, **overrides}
        # a repository subfolder (``repo:folder``) cannot be part of a registry name
        alias = name.lower().replace(":", "-")
        size = f"{params:g}B parameters, " if params else ""
        specs.append(
            ModelSpec(
                id=id_,
                family=family,
                description=f"{name}: {KINDS[kind]}, {size}{context_label(max_length)} context "
                f"({families[family]['name']} family)",
                aliases=[alias] if alias != id_ else [],
                tags=["text", kind, *dict.fromkeys(tags)],
                hf_id=hf_id,
                ms_id=ms_id,
                params_billion=params,
                max_length=max_length,
                shape=dict(shapes[id_]) if id_ in shapes else None,
                **fields,
            )
        )
    return specs


def model_shape(
    hidden: int,
    layers: int,
    heads: int,
    kv_heads: int,
    intermediate: int,
    vocab: int,
    *,
    tied: bool,
    head_dim: int | None = None,
    attention_bias: bool = False,
) -> dict[str, Any]:
    """A :attr:`ModelSpec.shape` in ``config.json``'s names, written compactly in a family table:
    ``model_shape(3584, 28, 28, 4, 18944, 152064, tied=False, attention_bias=True)``."""
    shape: dict[str, Any] = {
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "intermediate_size": intermediate,
        "vocab_size": vocab,
        "tie_word_embeddings": tied,
        "attention_bias": attention_bias,
    }
    if head_dim is not None:
        shape["head_dim"] = head_dim
    return shape
