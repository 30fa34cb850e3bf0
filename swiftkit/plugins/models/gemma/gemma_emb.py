"""The ``gemma_emb`` family (Google): EmbeddingGemma-300M, a text-embedding model.

A bidirectional Gemma 3 encoder (``Gemma3TextModel``, ``model_type: gemma3_text``) with mean
pooling and dense projections (sentence-transformers modules). Its task is ``embedding``, which
swiftkit does not train yet (``--task_type embedding`` arrives with issue 13). Data only.
"""

from __future__ import annotations

FAMILIES = {
    "gemma_emb": {
        "name": "EmbeddingGemma",
        "architecture": "Gemma3TextModel",
        "hf_model_type": "gemma3_text",
        "template": "dummy",
        "decoder_layer_cls": "Gemma3DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "task": "embedding",
        "support": "unsupported",
        "support_note": "embedding model (Gemma3TextModel + sentence-transformers pooling, task embedding): "
        "swiftkit does not train --task_type embedding yet (issue 13)",
        "requires": ["transformers>=4.56"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("gemma_emb", "embeddinggemma-300m", "google/embeddinggemma-300m", "=", 0.308, 2048, "embedding"),
]
# fmt: on
SHAPES: dict = {}
