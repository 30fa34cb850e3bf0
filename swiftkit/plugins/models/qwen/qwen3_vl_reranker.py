"""``qwen3_vl_reranker``: Qwen3-VL-Reranker (2 checkpoints, issue 14).

unsupported: Qwen3VLForConditionalGeneration is native in transformers 5.19, but swiftkit's reranker task scores text pairs only: multimodal reranking is not implemented.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen3_vl_reranker': {'name': 'Qwen3-VL-Reranker',
                       'architecture': 'Qwen3VLForConditionalGeneration',
                       'hf_model_type': 'qwen3_vl',
                       'template': 'qwen3_vl_reranker',
                       'support': 'unsupported',
                       'support_note': 'Qwen3VLForConditionalGeneration is native in transformers 5.19, but '
                                       "swiftkit's reranker task scores text pairs only: multimodal reranking is "
                                       'not implemented',
                       'modalities': ['image', 'video'],
                       'task': 'reranker',
                       'requires': ['transformers>=4.57', 'qwen_vl_utils>=0.0.14', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('qwen3_vl_reranker', 'qwen3-vl-reranker-2b', 'Qwen/Qwen3-VL-Reranker-2B', '=', 2.0, 262144, 'reranker'),
    ('qwen3_vl_reranker', 'qwen3-vl-reranker-8b', 'Qwen/Qwen3-VL-Reranker-8B', '=', 8.0, 262144, 'reranker'),
]
# fmt: on
SHAPES: dict = {}
