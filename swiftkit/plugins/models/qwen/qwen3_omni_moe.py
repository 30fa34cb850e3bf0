"""``qwen3_omni_moe``: Qwen3-Omni (3 checkpoints, issue 14).

unsupported: Qwen3OmniMoeForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for qwen3_omni_moe yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen3_omni_moe': {'name': 'Qwen3-Omni',
                    'architecture': 'Qwen3OmniMoeForConditionalGeneration',
                    'hf_model_type': 'qwen3_omni_moe',
                    'template': 'qwen3_omni',
                    'support': 'unsupported',
                    'support_note': 'Qwen3OmniMoeForConditionalGeneration is native in transformers 5.19, but '
                                    'swiftkit has no media processor for qwen3_omni_moe yet (its template renders '
                                    'text only)',
                    'modalities': ['image', 'video', 'audio'],
                    'requires': ['transformers>=4.57.dev0', 'soundfile', 'decord', 'qwen_omni_utils>=0.0.9']}}

# fmt: off
CHECKPOINTS = [
    ('qwen3_omni_moe', 'qwen3-omni-30b-a3b-instruct', 'Qwen/Qwen3-Omni-30B-A3B-Instruct', '=', 30.0, 65536, 'instruct', 'moe'),
    ('qwen3_omni_moe', 'qwen3-omni-30b-a3b-thinking', 'Qwen/Qwen3-Omni-30B-A3B-Thinking', '=', 30.0, 65536, 'instruct', 'moe', 'thinking'),
    ('qwen3_omni_moe', 'qwen3-omni-30b-a3b-captioner', 'Qwen/Qwen3-Omni-30B-A3B-Captioner', '=', 30.0, 65536, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
