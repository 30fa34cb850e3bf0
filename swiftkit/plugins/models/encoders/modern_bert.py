"""The ``modern_bert`` family: ModernBERT (Answer.AI / LightOn), an 8K-context encoder.

ModernBERT (rotary embeddings, alternating local/global attention, GeGLU); ms-swift fine-tunes it for sequence classification. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "modern_bert": {
        "name": "ModernBERT (Answer.AI / LightOn), an 8K-context encoder",
        "architecture": "ModernBertForMaskedLM",
        "hf_model_type": "modernbert",
        "template": "dummy",
        "decoder_layer_cls": "ModernBertEncoderLayer",
        "lora_target_modules": ["Wqkv", "Wo", "Wi"],
        "task": "seq_cls",
        "support": "unsupported",
        "support_note": "ModernBERT encoder for sequence classification (task seq_cls): swiftkit does not train --task_type seq_cls yet (issue 13)",
        "requires": ["transformers>=4.48"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("modern_bert", "modernbert-base", "answerdotai/ModernBERT-base", "=", 0.149, 8192, "base"),
    ("modern_bert", "modernbert-large", "answerdotai/ModernBERT-large", "=", 0.395, 8192, "base"),
]
# fmt: on
SHAPES: dict = {}
