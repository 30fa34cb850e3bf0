"""gte-Qwen2 (``model_type`` ``qwen2_gte`` in ms-swift): Alibaba-NLP's embedding models on Qwen2
(config.json: Qwen2ForCausalLM, ``model_type`` ``qwen2``; 32K input), pooled from the last token.

Unsupported: the checkpoints' own code switches attention to bidirectional for embedding, which the
embedding task's native Qwen2 load (causal attention) does not reproduce; refused rather than served wrong.
"""

from __future__ import annotations

FAMILIES = {
    "qwen2_gte": {
        "name": "gte-Qwen2",
        "architecture": "Qwen2ForCausalLM",
        "hf_model_type": "qwen2",
        "template": "dummy",
        "decoder_layer_cls": "Qwen2DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "requires": ["transformers>=4.37"],
        "task": "embedding",
        "support": "unsupported",
        "support_note": "an embedding model whose bidirectional attention comes from the checkpoint's own modeling "
        "code; transformers' Qwen2 has no bidirectional mode, and --task_type embedding loads that native, causal "
        "Qwen2 backbone, whose vectors would not be gte-Qwen2's",
    },
}

# fmt: off
CHECKPOINTS = [
    ("qwen2_gte", "gte-qwen2-1.5b-instruct", "iic/gte_Qwen2-1.5B-instruct", "Alibaba-NLP/gte-Qwen2-1.5B-instruct",
     1.78, 32768, "embedding"),
    ("qwen2_gte", "gte-qwen2-7b-instruct", "iic/gte_Qwen2-7B-instruct", "Alibaba-NLP/gte-Qwen2-7B-instruct",
     7.61, 32768, "embedding"),
]
# fmt: on
