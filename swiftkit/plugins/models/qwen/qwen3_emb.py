"""Qwen3-Embedding (``model_type`` ``qwen3_emb`` in ms-swift): text embeddings from the last token's
hidden state of a Qwen3 model (config.json: Qwen3ForCausalLM, ``model_type`` ``qwen3``; 32K context).

The architecture is native; the checkpoints run as ``--task_type embedding`` (the embedding
objective plugin loads the bare backbone and pools the last token), which is their default task
for ``swift infer`` / ``deploy``; ``swift sft`` asks for the task to be named. ``untested``:
the real checkpoints are not run by the test suite (a tiny model of the family is served as an
embedding model in tests/test_tasks.py; the causal-LM training matrix does not cover task models).
"""

from __future__ import annotations

FAMILIES = {
    "qwen3_emb": {
        "name": "Qwen3-Embedding",
        "architecture": "Qwen3ForCausalLM",
        "hf_model_type": "qwen3",
        "template": "qwen3_emb",
        "decoder_layer_cls": "Qwen3DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "requires": ["transformers>=4.51"],
        "task": "embedding",
        "support": "untested",
        "support_note": "an embedding model: train it with --task_type embedding, serve it on /v1/embeddings",
    },
}

# fmt: off
CHECKPOINTS = [
    ("qwen3_emb", "qwen3-embedding-0.6b", "Qwen/Qwen3-Embedding-0.6B", "=", 0.6, 32768, "embedding"),
    ("qwen3_emb", "qwen3-embedding-4b", "Qwen/Qwen3-Embedding-4B", "=", 4.0, 32768, "embedding"),
    ("qwen3_emb", "qwen3-embedding-8b", "Qwen/Qwen3-Embedding-8B", "=", 8.0, 32768, "embedding"),
]
# fmt: on
