"""The ``modern_bert_gte`` family: GTE-ModernBERT (Alibaba NLP), a text-embedding model.

A ModernBERT encoder whose CLS hidden state is the embedding. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "modern_bert_gte": {
        "name": "GTE-ModernBERT (Alibaba NLP), a text-embedding model",
        "architecture": "ModernBertModel",
        "hf_model_type": "modernbert",
        "template": "dummy",
        "decoder_layer_cls": "ModernBertEncoderLayer",
        "lora_target_modules": ["Wqkv", "Wo", "Wi"],
        "task": "embedding",
        "support": "unsupported",
        "support_note": "embedding model (ModernBertModel, task embedding): swiftkit does not train --task_type embedding yet (issue 13)",
        "requires": ["transformers>=4.48"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("modern_bert_gte", "gte-modernbert-base", "iic/gte-modernbert-base", "Alibaba-NLP/gte-modernbert-base", 0.149, 8192, "embedding"),
]
# fmt: on
SHAPES: dict = {}
