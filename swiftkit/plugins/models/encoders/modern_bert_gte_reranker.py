"""The ``modern_bert_gte_reranker`` family: GTE-reranker-ModernBERT (Alibaba NLP), a cross-encoder reranker.

A ModernBERT cross-encoder that scores a (query, document) pair. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "modern_bert_gte_reranker": {
        "name": "GTE-reranker-ModernBERT (Alibaba NLP), a cross-encoder reranker",
        "architecture": "ModernBertForSequenceClassification",
        "hf_model_type": "modernbert",
        "template": "bert",
        "decoder_layer_cls": "ModernBertEncoderLayer",
        "lora_target_modules": ["Wqkv", "Wo", "Wi"],
        "task": "reranker",
        "support": "unsupported",
        "support_note": "reranker (ModernBertForSequenceClassification, task reranker): swiftkit does not train --task_type reranker yet (issue 13)",
        "requires": ["transformers>=4.48"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("modern_bert_gte_reranker", "gte-reranker-modernbert-base", "iic/gte-reranker-modernbert-base", "Alibaba-NLP/gte-reranker-modernbert-base", 0.149, 8192, "reranker"),
]
# fmt: on
SHAPES: dict = {}
