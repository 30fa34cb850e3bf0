"""ERNIE 4.5 MoE (ms-swift model type ``ernie4_5_moe``): 21B-A3B and 300B-A47B text
mixture-of-experts models (base and post-trained, PyTorch weights) and the 21B-A3B thinking
model; 128K context.
"""

from __future__ import annotations

FAMILIES = {
    "ernie4_5_moe": {
        "name": "ERNIE 4.5 MoE",
        "architecture": "Ernie4_5_MoeForCausalLM",
        "hf_model_type": "ernie4_5_moe",
        "template": "ernie",
        "decoder_layer_cls": "Ernie4_5_MoeDecoderLayer",
        # routed experts are fused 3-D parameters: LoRA adapts attention, dense layers and shared experts
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.baidu.loader:Ernie45MoeLoader",
        "requires": ["transformers>=4.54"],
        "support": "tested",
        "support_note": "Ernie4_5_MoeForCausalLM is native in transformers 5.19; a tiny model (4 experts, top-2, a "
        "dense first layer, shared experts) passes the family test matrix (LoRA, full, resume, export, pt infer)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("ernie4_5_moe", "ernie-4.5-21b-a3b-base-pt", "PaddlePaddle/ERNIE-4.5-21B-A3B-Base-PT",
     "baidu/ERNIE-4.5-21B-A3B-Base-PT", 21.0, 131072, "base", "moe", "long-context"),
    ("ernie4_5_moe", "ernie-4.5-21b-a3b-pt", "PaddlePaddle/ERNIE-4.5-21B-A3B-PT", "baidu/ERNIE-4.5-21B-A3B-PT", 21.0,
     131072, "instruct", "moe", "long-context"),
    ("ernie4_5_moe", "ernie-4.5-300b-a47b-base-pt", "PaddlePaddle/ERNIE-4.5-300B-A47B-Base-PT",
     "baidu/ERNIE-4.5-300B-A47B-Base-PT", 300.0, 131072, "base", "moe", "long-context"),
    ("ernie4_5_moe", "ernie-4.5-300b-a47b-pt", "PaddlePaddle/ERNIE-4.5-300B-A47B-PT", "baidu/ERNIE-4.5-300B-A47B-PT",
     300.0, 131072, "instruct", "moe", "long-context"),
    ("ernie4_5_moe", "ernie-4.5-21b-a3b-thinking", "PaddlePaddle/ERNIE-4.5-21B-A3B-Thinking",
     "baidu/ERNIE-4.5-21B-A3B-Thinking", 21.0, 131072, "instruct", "moe", "thinking", "long-context",
     {"template": "ernie_thinking"}),
]
# fmt: on
