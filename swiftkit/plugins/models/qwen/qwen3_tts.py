"""``qwen3_tts``: Qwen3-TTS (4 checkpoints, issue 14).

unsupported: Qwen3TTSForConditionalGeneration comes from the qwen-tts package (not the checkpoint, not transformers) and needs transformers<5; speech generation is not a task swiftkit trains.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen3_tts': {'name': 'Qwen3-TTS',
               'architecture': 'Qwen3TTSForConditionalGeneration',
               'hf_model_type': 'qwen3_tts',
               'template': 'qwen3_tts',
               'support': 'unsupported',
               'support_note': 'Qwen3TTSForConditionalGeneration comes from the qwen-tts package (not the '
                               'checkpoint, not transformers) and needs transformers<5; speech generation is not a '
                               'task swiftkit trains',
               'modalities': ['audio'],
               'requires': ['qwen-tts', 'transformers<5']}}

# fmt: off
CHECKPOINTS = [
    ('qwen3_tts', 'qwen3-tts-12hz-1.7b-base', 'Qwen/Qwen3-TTS-12Hz-1.7B-Base', '=', 1.7, 32768, 'base'),
    ('qwen3_tts', 'qwen3-tts-12hz-1.7b-customvoice', 'Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice', '=', 1.7, 32768, 'instruct'),
    ('qwen3_tts', 'qwen3-tts-12hz-0.6b-base', 'Qwen/Qwen3-TTS-12Hz-0.6B-Base', '=', 0.6, 32768, 'base'),
    ('qwen3_tts', 'qwen3-tts-12hz-0.6b-customvoice', 'Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice', '=', 0.6, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
