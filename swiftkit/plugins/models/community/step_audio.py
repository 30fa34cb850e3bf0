"""``step_audio``: Step-Audio (1 checkpoints, issue 14).

unsupported: Step1ForCausalLM's audio tokenizer and encoder come from the Step-Audio GitHub repository (not the checkpoint) and need funasr, sox, conformer and openai-whisper (ms-swift's requires).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'step_audio': {'name': 'Step-Audio',
                'architecture': 'Step1ForCausalLM',
                'hf_model_type': 'step1',
                'template': 'step_audio',
                'support': 'unsupported',
                'support_note': "Step1ForCausalLM's audio tokenizer and encoder come from the Step-Audio GitHub "
                                'repository (not the checkpoint) and need funasr, sox, conformer and '
                                "openai-whisper (ms-swift's requires)",
                'modalities': ['audio'],
                'requires': ['funasr', 'sox', 'conformer', 'openai-whisper', 'librosa']}}

# fmt: off
CHECKPOINTS = [
    ('step_audio', 'step-audio-chat', 'stepfun-ai/Step-Audio-Chat', '=', 130, 32768, 'chat'),
]
# fmt: on
SHAPES: dict = {}
