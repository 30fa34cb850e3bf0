"""``midashenglm``: MiDashengLM (1 checkpoints, issue 14).

remote_code: MiDashengLMModel from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs soundfile; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'midashenglm': {'name': 'MiDashengLM',
                 'architecture': 'MiDashengLMModel',
                 'hf_model_type': 'midashenglm',
                 'template': 'midashenglm',
                 'support': 'remote_code',
                 'support_note': "MiDashengLMModel from the checkpoint's own modeling code (--trust_remote_code "
                                 'true); ms-swift also needs soundfile; swiftkit has no media processor for it '
                                 'yet, so only text is encoded',
                 'modalities': ['audio'],
                 'requires': ['transformers>=4.52', 'soundfile']}}

# fmt: off
CHECKPOINTS = [
    ('midashenglm', 'midashenglm-7b', 'mispeech/midashenglm-7b', '=', 7.0, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
