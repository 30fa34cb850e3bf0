"""The ``modern_bert_gte`` family: GTE-ModernBERT (Alibaba NLP), a text-embedding model.

A ModernBERT encoder whose CLS hidden state is the embedding (``--task_type embedding`` pools ``[CLS]`` for an
encoder unless the checkpoint's sentence-transformers pooling or ``$SWIFTKIT_EMBEDDING_POOLING`` says ``mean``). Data only.
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
        "support": "tested",
        "support_note": "embedding model (--task_type embedding; ModernBertModel, [CLS] pooling, plain text with the "
        "tokenizer's special tokens, no chat template): a tiny random ModernBertModel trained with InfoNCE through "
        "swift sft ranks positives first and answers /v1/embeddings in tests/test_task_encoders.py",
        "requires": ["transformers>=4.48"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("modern_bert_gte", "gte-modernbert-base", "iic/gte-modernbert-base", "Alibaba-NLP/gte-modernbert-base", 0.149, 8192, "embedding"),
]
# fmt: on
SHAPES: dict = {}
