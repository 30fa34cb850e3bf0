"""``step_audio2_mini``: Step-Audio-2-mini (2 checkpoints, issue 14).

unsupported: StepAudio2ForCausalLM from the checkpoint's own modeling code needs transformers==4.53.3 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'step_audio2_mini': {'name': 'Step-Audio-2-mini',
                      'architecture': 'StepAudio2ForCausalLM',
                      'hf_model_type': 'step_audio_2',
                      'template': 'step_audio2_mini',
                      'support': 'unsupported',
                      'support_note': "StepAudio2ForCausalLM from the checkpoint's own modeling code needs "
                                      "transformers==4.53.3 (ms-swift's requirement); swiftkit pins transformers "
                                      '5.19',
                      'modalities': ['audio'],
                      'requires': ['transformers==4.53.3', 'torchaudio', 'librosa']}}

# fmt: off
CHECKPOINTS = [
    ('step_audio2_mini', 'step-audio-2-mini', 'stepfun-ai/Step-Audio-2-mini', '=', 8.3, 16384, 'instruct'),
    ('step_audio2_mini', 'step-audio-2-mini-base', None, 'stepfun-ai/Step-Audio-2-mini-Base', 8.3, 16384, 'base'),
]
# fmt: on
SHAPES: dict = {}
