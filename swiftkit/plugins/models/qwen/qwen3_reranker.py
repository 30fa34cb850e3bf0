"""Qwen3-Reranker (``model_type`` ``qwen3_reranker`` in ms-swift): relevance scored from a Qwen3
causal LM's "yes"/"no" logits (config.json: Qwen3ForCausalLM, ``model_type`` ``qwen3``; 32K context).

The architecture is native; the checkpoints run as ``--task_type generative_reranker`` (the
objective plugin scores the judging prompt by the "yes"/"no" logits), their default task for
``swift infer`` / ``deploy``. ``untested``: the real
checkpoints are not run by the test suite (the causal-LM training matrix does not cover task models).
"""

from __future__ import annotations

FAMILIES = {
    "qwen3_reranker": {
        "name": "Qwen3-Reranker",
        "architecture": "Qwen3ForCausalLM",
        "hf_model_type": "qwen3",
        "template": "qwen3_reranker",
        "decoder_layer_cls": "Qwen3DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "requires": ["transformers>=4.51"],
        "task": "generative_reranker",
        "support": "untested",
        "support_note": "a generative reranker: train it with --task_type generative_reranker, serve it on /v1/rerank",
    },
}

# fmt: off
CHECKPOINTS = [
    ("qwen3_reranker", "qwen3-reranker-0.6b", "Qwen/Qwen3-Reranker-0.6B", "=", 0.6, 32768, "reranker"),
    ("qwen3_reranker", "qwen3-reranker-4b", "Qwen/Qwen3-Reranker-4B", "=", 4.0, 32768, "reranker"),
    ("qwen3_reranker", "qwen3-reranker-8b", "Qwen/Qwen3-Reranker-8B", "=", 8.2, 32768, "reranker"),
]
# fmt: on
