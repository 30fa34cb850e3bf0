"""The ``gemma_emb`` family (Google): EmbeddingGemma-300M, a text-embedding model.

A bidirectional Gemma 3 encoder (``Gemma3TextModel``, ``model_type: gemma3_text``, its config's
``use_bidirectional_attention``, which transformers' own Gemma 3 honours) with mean pooling and two
dense projections (sentence-transformers modules ``2_Dense`` / ``3_Dense``). Unsupported: the
embedding task reads the backbone's pooled hidden state and neither loads, trains nor saves those
projections, so its vectors would not be the model's embeddings. Data only.
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
        "support_note": "embedding model (Gemma3TextModel with bidirectional attention, which transformers' Gemma 3 "
        "has, then mean pooling and two sentence-transformers Dense projections): --task_type embedding reads the "
        "backbone's pooled hidden state and does not load, train or save the 2_Dense/3_Dense projections, so its "
        "vectors would not be EmbeddingGemma's",
        "requires": ["transformers>=4.56"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("gemma_emb", "embeddinggemma-300m", "google/embeddinggemma-300m", "=", 0.308, 2048, "embedding"),
]
# fmt: on
SHAPES: dict = {}
