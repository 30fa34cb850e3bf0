"""FSDP strategy (PyTorch FSDP2 through the HF Trainer): registration module (light).

``--fsdp "full_shard auto_wrap"`` (ms-swift's and transformers' flag) selects it. Every decoder
layer of the model becomes one FSDP unit: the layer class comes from the model plugin's
``decoder_layer_cls``. Behaviour: :mod:`swiftkit.plugins.parallel.fsdp.strategy`.
"""

from __future__ import annotations

from swiftkit.core import StrategySpec, hookimpl
from swiftkit.core.options import DISTRIBUTED, option_properties

SWIFTKIT_PLUGIN_API = "1.5"

#: ``fsdp`` tokens: sharding strategies (FSDP2 names them by what is resharded) and modifiers
SHARDING = ("full_shard", "shard_grad_op", "hybrid_shard", "hybrid_shard_zero2")
MODIFIERS = ("auto_wrap", "offload")

FSDP_OPTIONS = {
    "type": "object",
    "properties": {
        "fsdp": {
            "anyOf": [
                {"type": "boolean"},
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
                {"type": "null"},
            ],
            "default": None,
            "description": "What FSDP shards, as transformers' tokens: full_shard (parameters, gradients and "
            "optimizer states; parameters re-gathered for backward), shard_grad_op (parameters kept gathered "
            "between forward and backward: faster, more memory), hybrid_shard / hybrid_shard_zero2 (shard "
            "inside each machine, replicate across machines: needs --nnodes > 1), plus 'offload' (parameters "
            "and gradients in CPU memory) and 'auto_wrap' (accepted; wrapping by decoder layer is always on). "
            "true or an empty value: full_shard.",
        },
        "fsdp_config": {
            "anyOf": [{"type": "object"}, {"type": "string"}, {"type": "null"}],
            "default": None,
            "description": "transformers' fsdp_config (a dict, or the path of a JSON file) merged over the "
            "generated one: version 2, reshard_after_forward, cpu_offload, activation_checkpointing, "
            "transformer_layer_cls_to_wrap, state_dict_type, cpu_ram_efficient_loading, auto_wrap_policy, "
            "min_num_params.",
        },
        "fsdp_activation_checkpointing": {
            "type": "boolean",
            "default": False,
            "description": "Recompute each decoder layer's activations in backward (FSDP's own checkpointing; "
            "prefer it to --gradient_checkpointing under FSDP, which costs an extra all-gather).",
        },
        **option_properties(DISTRIBUTED),
    },
}


@hookimpl
def swift_register_strategies():
    return [
        StrategySpec(
            id="fsdp",
            description="Fully sharded data parallel (PyTorch FSDP2) through the HF Trainer; needs CUDA GPUs.",
            tags=["sharded", "fsdp2"],
            requires=["gpu"],
            options=FSDP_OPTIONS,
            launcher="torchrun",
            selected_by=["fsdp"],
            presets={"fsdp": {"shards": "parameters", "memory_model": "fsdp", "select": {"fsdp": "full_shard"}, "order": 40}},
            default_preset="fsdp",
            impl="swiftkit.plugins.parallel.fsdp.strategy:FSDPStrategy",
        )
    ]
