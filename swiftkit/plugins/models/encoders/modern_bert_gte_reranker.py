"""The ``modern_bert_gte_reranker`` family: GTE-reranker-ModernBERT (Alibaba NLP), a cross-encoder reranker.

A ModernBERT cross-encoder that scores a (query, document) pair, read as the tokenizer's text pair
(``[CLS] query [SEP] document [SEP]``), with its own one-output head. Data only.
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
        "support": "tested",
        "support_note": "cross-encoder reranker (--task_type reranker; ModernBertForSequenceClassification's own "
        "head on the tokenizer's text pair, no chat template): a tiny random one learns a pairing task in tests/test_task_encoders.py",
        "requires": ["transformers>=4.48"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("modern_bert_gte_reranker", "gte-reranker-modernbert-base", "iic/gte-reranker-modernbert-base", "Alibaba-NLP/gte-reranker-modernbert-base", 0.149, 8192, "reranker"),
]
# fmt: on
SHAPES: dict = {}
