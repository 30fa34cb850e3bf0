"""LLaMA-Pro block expansion (https://arxiv.org/abs/2401.02415).

A copy of a pre-norm decoder block whose attention and MLP *output* projections are zero adds
nothing to the residual stream: it is the identity. Inserting such copies leaves the model's
function unchanged; training only them adds capacity without disturbing what the original
blocks know.

:meth:`LlamaProTuner.prepare` edits the model in place and returns it:

* splits the ``L`` decoder blocks into ``G`` contiguous groups of nearly equal size and inserts
  ``N / G`` deep copies of each group's last block after it (``N`` new blocks in all);
* zeroes, in every copy, each parameter under an output projection (``o_proj``, ``down_proj``,
  the experts' ``down_proj`` of MoE blocks, ``out_proj``, ``w2``, ``c_proj`` ...) and refuses a
  block type where it cannot find one under attention *and* one under the MLP;
* renumbers ``layer_idx`` (which indexes the KV cache) and updates ``config.num_hidden_layers``
  and the per-layer ``config.layer_types``, so generation with a cache and
  ``save_pretrained`` / ``from_pretrained`` work on the expanded model;
* freezes everything but the new blocks.

The trained model is a plain checkpoint of the expanded architecture: ``save_pretrained`` writes
all weights (there is no adapter to merge) and any loader reads it back.
"""

from __future__ import annotations

import copy
from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    find_decoder_layers,
    floating_point_check,
    refuse_peft_model,
    set_trainable,
)

#: names of the modules (or fused expert parameters) that write a block's output into the residual stream
OUTPUT_PROJECTIONS = frozenset({"o_proj", "down_proj", "out_proj", "w2", "c_proj", "fc2", "dense_4h_to_h", "wo"})
_ATTENTION_PARTS = ("attn", "attention")
_MLP_PARTS = ("mlp", "feed_forward", "ffn", "moe", "experts", "block_sparse_moe")
#: per-layer config lists that follow the blocks when they are copied
_PER_LAYER_CONFIG = ("layer_types", "no_rope_layers")


def group_ends(num_layers: int, num_groups: int) -> list[int]:
    """Index of the last block of each of ``num_groups`` contiguous, nearly equal groups."""
    return [int((g + 1) * num_layers / num_groups + 0.5) - 1 for g in range(num_groups)]


def zero_output_projections(block: Any) -> list[str]:
    """Zero the output projections of a decoder block; return the names of the zeroed parameters."""
    import torch

    zeroed = []
    with torch.no_grad():
        for name, param in block.named_parameters():
            parts = name.split(".")
            if any(p in OUTPUT_PROJECTIONS for p in parts):
                param.zero_()
                zeroed.append(name)
    attention = any(any(a in part for part in n.split(".") for a in _ATTENTION_PARTS) for n in zeroed)
    mlp = any(any(m in part for part in n.split(".") for m in _MLP_PARTS) for n in zeroed)
    if not (attention and mlp):
        raise ValueError(
            f"llamapro: cannot find the attention and MLP output projections of {type(block).__name__} "
            f"(looked for {', '.join(sorted(OUTPUT_PROJECTIONS))}; zeroed: {zeroed or 'none'}); "
            "block expansion supports llama/qwen2/mistral-style decoders"
        )
    return zeroed


def expand_blocks(model: Any, num_new_blocks: int, num_groups: int = 0) -> list[int]:
    """Insert the identity blocks into ``model`` in place; return the indices of the new blocks."""
    import torch

    list_name, layers = find_decoder_layers(model)
    num_layers = len(layers)
    groups = num_groups or num_new_blocks
    if groups > num_layers:
        raise ValueError(
            f"llamapro: {groups} groups but the model has only {num_layers} decoder layers; "
            "lower llamapro_num_groups (or llamapro_num_new_blocks)"
        )
    if num_new_blocks % groups:
        raise ValueError(
            f"llamapro: llamapro_num_new_blocks ({num_new_blocks}) must be a multiple of "
            f"llamapro_num_groups ({groups})"
        )
    per_group = num_new_blocks // groups
    ends = set(group_ends(num_layers, groups))

    new_layers: list[Any] = []
    source: list[int] = []  # original index each block of the expanded list comes from
    new_indices: list[int] = []
    for i, block in enumerate(layers):
        new_layers.append(block)
        source.append(i)
        if i in ends:
            for _ in range(per_group):
                clone = copy.deepcopy(block)
                zero_output_projections(clone)
                new_indices.append(len(new_layers))
                new_layers.append(clone)
                source.append(i)

    for idx, block in enumerate(new_layers):
        for module in block.modules():
            if isinstance(getattr(module, "layer_idx", None), int):
                module.layer_idx = idx
    parent_name, _, attr = list_name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, attr, torch.nn.ModuleList(new_layers))

    config = model.config
    for key in _PER_LAYER_CONFIG:
        values = getattr(config, key, None)
        if isinstance(values, (list, tuple)) and len(values) == num_layers:
            setattr(config, key, [values[s] for s in source])
    config.num_hidden_layers = len(new_layers)
    return new_indices


class LlamaProTuner(OptionTuner):
    """Expands the model with identity blocks and trains only them."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        #: indices of the inserted blocks in the expanded model (after :meth:`prepare`)
        self.new_layer_indices: list[int] = []

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        refuse_peft_model(model, "llamapro")
        floating_point_check(model, "llamapro")
        self.new_layer_indices = expand_blocks(
            model, int(self.option("llamapro_num_new_blocks")), int(self.option("llamapro_num_groups"))
        )
        list_name, _ = find_decoder_layers(model)
        prefixes = tuple(f"{list_name}.{i}." for i in self.new_layer_indices)
        set_trainable(model, lambda name: name.startswith(prefixes))
        return model
