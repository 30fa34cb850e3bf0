"""Youtu-LLM (ms-swift model type ``youtu_llm``): Tencent Youtu Lab's 1.96B dense model with
multi-head latent attention (MLA), 128K context; base and instruct.

transformers names the architecture ``youtu`` (``YoutuForCausalLM``, documented with
``tencent/Youtu-LLM-2B``); that native class is what swiftkit loads and tests.
"""

from __future__ import annotations

FAMILIES = {
    "youtu_llm": {
        "name": "Youtu-LLM",
        "architecture": "YoutuForCausalLM",
        "hf_model_type": "youtu",
        "template": "youtu_llm",
        "decoder_layer_cls": "YoutuDecoderLayer",
        # MLA projections (low-rank q and kv) and the MLP
        "lora_target_modules": [
            "q_a_proj",
            "q_b_proj",
            "kv_a_proj_with_mqa",
            "kv_b_proj",
            "o_proj",
            "gate_proj",
            "up_proj",
            "down_proj",
        ],
        "loader": "swiftkit.plugins.models.tencent.loader:YoutuLoader",
        "requires": ["transformers>=4.56"],
        "support": "tested",
        "support_note": "YoutuForCausalLM is native in transformers 5.19; a tiny model (MLA with q/kv LoRA ranks "
        "32/16) passes the family test matrix (LoRA, full, resume, export, pt infer)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("youtu_llm", "youtu-llm-2b", "Tencent-YouTu-Research/Youtu-LLM-2B", "tencent/Youtu-LLM-2B", 1.96, 131072,
     "instruct", "long-context"),
    ("youtu_llm", "youtu-llm-2b-base", "Tencent-YouTu-Research/Youtu-LLM-2B-Base", "tencent/Youtu-LLM-2B-Base", 1.96,
     131072, "base", "long-context"),
]
# fmt: on
