"""SeqGPT (``model_type`` ``seggpt``, ms-swift's spelling): DAMO's 560M model for open-domain
extraction and classification, fine-tuned from BLOOMZ-560M.

BloomForCausalLM is native in transformers: ALiBi positions (no position embeddings), fused
``query_key_value`` projection, a 4x GELU MLP and a 250K vocabulary.
"""

from __future__ import annotations

FAMILIES = {
    "seggpt": {
        "name": "SeqGPT",
        "architecture": "BloomForCausalLM",
        "hf_model_type": "bloom",
        "template": "default",
        "decoder_layer_cls": "BloomBlock",
        "lora_target_modules": ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"],
        "support": "tested",
        "support_note": "BloomForCausalLM native in transformers; a tiny model is trained (LoRA, full), resumed, "
        "exported and served by swiftkit's family check",
    },
}

# fmt: off
CHECKPOINTS = [
    ("seggpt", "seqgpt-560m", "damo/nlp_seqgpt-560m", "DAMO-NLP/SeqGPT-560M", 0.56, 2048, "instruct"),
]
# fmt: on
