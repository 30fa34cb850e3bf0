"""``jina_reranker_m0``: jina-reranker-m0 (1 checkpoints, issue 14).

unsupported: a multimodal reranker (JinaRerankerM0ForConditionalGeneration from the checkpoint's own code): swiftkit's reranker task scores text pairs only.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'jina_reranker_m0': {'name': 'jina-reranker-m0',
                      'architecture': 'JinaRerankerM0ForConditionalGeneration',
                      'hf_model_type': 'qwen2_vl',
                      'template': 'jina_reranker_m0',
                      'support': 'unsupported',
                      'support_note': 'a multimodal reranker (JinaRerankerM0ForConditionalGeneration from the '
                                      "checkpoint's own code): swiftkit's reranker task scores text pairs only",
                      'modalities': ['image'],
                      'task': 'reranker'}}

# fmt: off
CHECKPOINTS = [
    ('jina_reranker_m0', 'jina-reranker-m0', 'JinaAI/jina-reranker-m0', '=', 2.4, 10240, 'reranker'),
]
# fmt: on
SHAPES: dict = {}
