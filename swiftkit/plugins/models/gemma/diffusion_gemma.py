"""``diffusion_gemma``: DiffusionGemma (1 checkpoints, issue 14).

unsupported: DiffusionGemmaForBlockDiffusion is native in transformers 5.19, but it generates by block diffusion: swiftkit trains causal language models only, and has no media processor for it.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'diffusion_gemma': {'name': 'DiffusionGemma',
                     'architecture': 'DiffusionGemmaForBlockDiffusion',
                     'hf_model_type': 'diffusion_gemma',
                     'template': 'diffusion_gemma',
                     'support': 'unsupported',
                     'support_note': 'DiffusionGemmaForBlockDiffusion is native in transformers 5.19, but it '
                                     'generates by block diffusion: swiftkit trains causal language models only, '
                                     'and has no media processor for it',
                     'modalities': ['image'],
                     'requires': ['transformers>=5.11']}}

# fmt: off
CHECKPOINTS = [
    ('diffusion_gemma', 'diffusiongemma-26b-a4b-it', 'google/diffusiongemma-26B-A4B-it', '=', 26.0, 131072, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
