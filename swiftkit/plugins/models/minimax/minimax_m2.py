"""MiniMax-M2, M2.1, M2.5, M2.7 (ms-swift model type ``minimax_m2``): 230B mixture-of-experts
models (about 10B active; 256 experts, top-8) with interleaved thinking, for coding and agents.

The listing pins ``transformers==4.57.1`` for the checkpoints' own code; transformers 5.19
ships the class natively (``MiniMaxM2ForCausalLM``, model type ``minimax_m2``), and the native
class is what swiftkit loads and tests. Parameter count and context (196,608 tokens,
``max_position_embeddings``) are MiniMax-M2's; the later releases are assumed to keep them.
"""

from __future__ import annotations

FAMILIES = {
    "minimax_m2": {
        "name": "MiniMax-M2",
        "architecture": "MiniMaxM2ForCausalLM",
        "hf_model_type": "minimax_m2",
        "template": "minimax_m2",
        "decoder_layer_cls": "MiniMaxM2DecoderLayer",
        # the experts are fused 3-D parameters: LoRA adapts attention
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.minimax.loader:MiniMaxM2Loader",
        "support": "tested",
        "support_note": "MiniMaxM2ForCausalLM is native in transformers 5.19 (the listing's transformers==4.57.1 pin "
        "is for the checkpoint's own code); a tiny model (4 experts, top-2) passes the family test matrix (LoRA, full, "
        "resume, export, pt infer)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("minimax_m2", "minimax-m2", "MiniMax/MiniMax-M2", "MiniMaxAI/MiniMax-M2", 230.0, 196608, "instruct", "moe",
     "thinking", "code", "long-context"),
    ("minimax_m2", "minimax-m2.1", "MiniMax/MiniMax-M2.1", "MiniMaxAI/MiniMax-M2.1", 230.0, 196608, "instruct", "moe",
     "thinking", "code", "long-context", {"template": "minimax_m2_1"}),
    ("minimax_m2", "minimax-m2.5", "MiniMax/MiniMax-M2.5", "MiniMaxAI/MiniMax-M2.5", 230.0, 196608, "instruct", "moe",
     "thinking", "code", "long-context", {"template": "minimax_m2_5"}),
    ("minimax_m2", "minimax-m2.7", "MiniMax/MiniMax-M2.7", "MiniMaxAI/MiniMax-M2.7", 230.0, 196608, "instruct", "moe",
     "thinking", "code", "long-context", {"template": "minimax_m2_7"}),
]
# fmt: on
