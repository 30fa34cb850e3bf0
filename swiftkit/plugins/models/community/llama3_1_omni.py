"""``llama3_1_omni``: LLaMA-Omni (1 checkpoints, issue 14).

unsupported: OmniSpeech2SLlamaForCausalLM comes from the LLaMA-Omni GitHub repository (not the checkpoint) and needs openai-whisper.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'llama3_1_omni': {'name': 'LLaMA-Omni',
                   'architecture': 'OmniSpeech2SLlamaForCausalLM',
                   'hf_model_type': 'omni_speech2s_llama',
                   'template': 'llama3_1_omni',
                   'support': 'unsupported',
                   'support_note': 'OmniSpeech2SLlamaForCausalLM comes from the LLaMA-Omni GitHub repository (not '
                                   'the checkpoint) and needs openai-whisper',
                   'modalities': ['audio'],
                   'requires': ['openai-whisper']}}

# fmt: off
CHECKPOINTS = [
    ('llama3_1_omni', 'llama-3.1-8b-omni', 'ICTNLP/Llama-3.1-8B-Omni', '=', 8.0, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
