"""LongLoRA tuner: registration module (light: imports nothing heavy).

LongLoRA (https://arxiv.org/abs/2309.12307) extends the context a model is fine-tuned on
cheaply: LoRA adapters, plus trainable embeddings and normalization layers, trained with
shifted sparse attention (S²-attn): during training, attention runs within groups of
``longlora_group_size_ratio`` of the sequence, half the heads on groups shifted by half a group
so information flows between groups. Inference uses full attention. ms-swift's
``--train_type longlora`` takes the LoRA options; ``longlora_group_size_ratio`` and
``longlora_s2_attn`` are swiftkit's own keys (ms-swift fixes the ratio at 1/4).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import LORA, option_schema

SWIFTKIT_PLUGIN_API = "1.5"

LONGLORA_OPTIONS = option_schema(
    LORA,
    own={
        "longlora_group_size_ratio": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 0.5,
            "default": 0.25,
            "description": "S²-attn group size as a fraction of the training sequence length (LongLoRA's 1/4). A "
            "batch whose length is not a multiple of the group size attends in full.",
        },
        "longlora_s2_attn": {
            "type": "boolean",
            "default": True,
            "description": "Train with shifted sparse attention (models using transformers' attention functions: "
            "llama, qwen2, mistral ...). False: only LongLoRA's trainable parameters (LoRA + embeddings + norms).",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="longlora",
            kind="tuner",
            aliases=["long_lora"],
            description="LongLoRA: LoRA adapters plus trainable embeddings and norms, trained with shifted sparse "
            "attention (S²-attn) for long contexts; full attention at inference.",
            tags=["peft", "adapter", "long-context"],
            requires=["peft>=0.17"],
            options=LONGLORA_OPTIONS,
            trains={"weights": "adapters", "rank_option": "lora_rank"},
            recommend={"label": "LongLoRA"},
            impl="swiftkit.plugins.methods.longlora.tuner:LongLoraTuner",
        )
    ]
