"""The ``bge_reranker`` family: BGE rerankers (BAAI), XLM-RoBERTa cross-encoders.

Cross-encoders that score a (query, document) pair; v2-m3 extends the context to 8K. Data only.
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
        "support": "unsupported",
        "support_note": "reranker (XLMRobertaForSequenceClassification, task reranker): swiftkit does not train --task_type reranker yet (issue 13)",
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
