"""The ``bge_reranker`` family: BGE rerankers (BAAI), XLM-RoBERTa cross-encoders.

Cross-encoders that score a (query, document) pair, read as the tokenizer's text pair
(``<s> query </s></s> document </s>``) with XLM-R's own one-output head; v2-m3 extends the context to 8K. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "bge_reranker": {
        "name": "BGE rerankers (BAAI), XLM-RoBERTa cross-encoders",
        "architecture": "XLMRobertaForSequenceClassification",
        "hf_model_type": "xlm-roberta",
        "template": "bge_reranker",
        "decoder_layer_cls": "XLMRobertaLayer",
        "lora_target_modules": ["query", "key", "value", "dense"],
        "task": "reranker",
        "support": "tested",
        "support_note": "cross-encoder reranker (--task_type reranker; XLMRobertaForSequenceClassification's own head "
        "on the tokenizer's text pair, no chat template): a tiny random one trained through swift sft (listwise) "
        "learns a pairing task and answers /v1/rerank in tests/test_task_encoders.py",
        "requires": [],
    },
}

# fmt: off
CHECKPOINTS = [
    ("bge_reranker", "bge-reranker-base", "BAAI/bge-reranker-base", "=", 0.278, 512, "reranker"),
    ("bge_reranker", "bge-reranker-v2-m3", "BAAI/bge-reranker-v2-m3", "=", 0.568, 8192, "reranker"),
    ("bge_reranker", "bge-reranker-large", "BAAI/bge-reranker-large", "=", 0.56, 512, "reranker"),
]
# fmt: on
SHAPES: dict = {}
