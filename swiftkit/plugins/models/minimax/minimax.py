"""MiniMax-Text-01 (ms-swift model type ``minimax``): 456B mixture-of-experts (45.9B active,
32 experts, top-2) with hybrid attention: seven lightning (linear) attention layers for every
softmax attention layer; 1M-token training context.

The listing's checkpoint (``MiniMaxAI/MiniMax-Text-01``) ships its own code
(``MiniMaxText01ForCausalLM``, config model type ``minimax_text_01``, which transformers does
not map). transformers' native ``MiniMaxForCausalLM`` is the same architecture, published in
its weight layout as ``MiniMaxAI/MiniMax-Text-01-hf`` (the checkpoint transformers' MiniMax
documentation names); that one is registered too and is the one swiftkit tests.
"""

from __future__ import annotations

FAMILIES = {
    "minimax": {
        "name": "MiniMax-Text-01",
        "architecture": "MiniMaxForCausalLM",
        "hf_model_type": "minimax",
        "template": "minimax",
        "decoder_layer_cls": "MiniMaxDecoderLayer",
        # softmax-attention and lightning-attention projections (the experts are fused 3-D parameters)
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "out_proj"],
        "loader": "swiftkit.plugins.models.minimax.loader:MiniMaxLoader",
        "support": "tested",
        "support_note": "MiniMaxForCausalLM is native in transformers 5.19; a tiny model (one lightning-attention "
        "and one softmax-attention layer, 4 experts, top-2) passes the family test matrix (LoRA, full, resume, export, "
        "pt infer)",
    },
}

_REMOTE = {
    "architecture": "MiniMaxText01ForCausalLM",
    "hf_model_type": "minimax_text_01",
    "decoder_layer_cls": "MiniMaxText01DecoderLayer",
    "lora_target_modules": ["qkv_proj", "out_proj", "output_gate", "q_proj", "k_proj", "v_proj", "o_proj"],
    "loader": "swiftkit.models.hf:HFCausalLMLoader",
    "support": "remote_code",
    "support_note": "MiniMaxText01ForCausalLM from the checkpoint's modeling_minimax_text_01.py (config model type "
    "minimax_text_01, not in transformers 5.19); the same architecture is native as MiniMaxForCausalLM in "
    "MiniMaxAI/MiniMax-Text-01-hf",
}

# fmt: off
CHECKPOINTS = [
    ("minimax", "minimax-text-01", "MiniMax/MiniMax-Text-01", "MiniMaxAI/MiniMax-Text-01", 456.0, 1000000, "instruct",
     "moe", "long-context", _REMOTE),
    # not in the listing: the transformers-layout conversion named by transformers' documentation
    ("minimax", "minimax-text-01-hf", None, "MiniMaxAI/MiniMax-Text-01-hf", 456.0, 1000000, "instruct", "moe",
     "long-context"),
]
# fmt: on
