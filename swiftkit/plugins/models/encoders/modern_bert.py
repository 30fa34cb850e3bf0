"""The ``modern_bert`` family: ModernBERT (Answer.AI / LightOn), an 8K-context encoder.

ModernBERT (rotary embeddings, alternating local/global attention, GeGLU); ms-swift fine-tunes it for sequence classification.
``--task_type seq_cls`` loads ``ModernBertForSequenceClassification`` on its weights (a fresh head pooling as
its ``classifier_pooling`` says). Data only.
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
        "support": "tested",
        "support_note": "ModernBERT encoder for sequence classification (--task_type seq_cls; "
        "ModernBertForSequenceClassification on its weights, plain text with the tokenizer's special tokens, no chat "
        "template): a tiny random ModernBertForMaskedLM learns a classification task in tests/test_task_encoders.py",
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
