"""Hunyuan-A13B (ms-swift model type ``hunyuan``): a fine-grained mixture-of-experts model,
80B parameters of which 13B are active, with hybrid fast/slow thinking and a 256K context.

The checkpoint was first published with custom code; transformers now ships its class
(``HunYuanMoEV1ForCausalLM``, model type ``hunyuan_v1_moe``, whose tests load this very
checkpoint), and the native class is what swiftkit loads and tests.
"""

from __future__ import annotations

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "hunyuan": {
        "name": "Hunyuan MoE",
        "architecture": "HunYuanMoEV1ForCausalLM",
        "hf_model_type": "hunyuan_v1_moe",
        "template": "hunyuan_moe",
        "decoder_layer_cls": "HunYuanMoEV1DecoderLayer",
        # the experts are fused 3-D parameters: LoRA adapts attention and the shared expert
        "lora_target_modules": _LORA,
        "loader": "swiftkit.plugins.models.tencent.loader:HunyuanMoELoader",
        "support": "tested",
        "support_note": "HunYuanMoEV1ForCausalLM is native in transformers 5.19; a tiny model (4 experts, top-2) "
        "passes the family test matrix (LoRA, full, resume, export, pt infer)",
    },
}

# family, id, ModelScope id, Hugging Face id, parameters (billions, total), context, kind, tags
# fmt: off
CHECKPOINTS = [
    ("hunyuan", "hunyuan-a13b-instruct", "Tencent-Hunyuan/Hunyuan-A13B-Instruct", "tencent/Hunyuan-A13B-Instruct",
     80.0, 262144, "instruct", "moe", "thinking", "long-context"),
]
# fmt: on
