"""MiniMax-M1 (ms-swift model type ``minimax_m1``): the reasoning model built on MiniMax-Text-01's
456B hybrid-attention MoE, with 40K and 80K thinking budgets; 1M-token context.

Its class is custom code (``MiniMaxM1ForCausalLM``, config model type ``minimax_m1``), which
transformers does not map.
"""

from __future__ import annotations

FAMILIES = {
    "minimax_m1": {
        "name": "MiniMax-M1",
        "architecture": "MiniMaxM1ForCausalLM",
        "hf_model_type": "minimax_m1",
        "template": "minimax_m1",
        "decoder_layer_cls": "MiniMaxM1DecoderLayer",
        "lora_target_modules": [
            "qkv_proj",
            "out_proj",
            "output_gate",
            "q_proj",
            "k_proj",
            "v_proj",
            "o_proj",
        ],
        "support": "remote_code",
        "support_note": "MiniMaxM1ForCausalLM from the checkpoint's modeling_minimax_m1.py (config model type "
        "minimax_m1, not in transformers 5.19)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("minimax_m1", "minimax-m1-40k", "MiniMax/MiniMax-M1-40k", "MiniMaxAI/MiniMax-M1-40k", 456.0, 1000000, "instruct",
     "moe", "reasoning", "long-context"),
    ("minimax_m1", "minimax-m1-80k", "MiniMax/MiniMax-M1-80k", "MiniMaxAI/MiniMax-M1-80k", 456.0, 1000000, "instruct",
     "moe", "reasoning", "long-context"),
]
# fmt: on
