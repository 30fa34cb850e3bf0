"""``cogvlm2_video``: CogVLM2-Video (1 checkpoints, issue 14).

unsupported: CogVLMVideoForCausalLM (the checkpoint's own code) reads video through pytorchvideo, which needs torchvision: no torchvision build matches the pinned torch on this machine.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'cogvlm2_video': {'name': 'CogVLM2-Video',
                   'architecture': 'CogVLMVideoForCausalLM',
                   'hf_model_type': 'cogvlm2',
                   'template': 'cogvlm2_video',
                   'support': 'unsupported',
                   'support_note': "CogVLMVideoForCausalLM (the checkpoint's own code) reads video through "
                                   'pytorchvideo, which needs torchvision: no torchvision build matches the pinned '
                                   'torch on this machine',
                   'modalities': ['video'],
                   'requires': ['decord', 'pytorchvideo', 'transformers>=4.42']}}

# fmt: off
CHECKPOINTS = [
    ('cogvlm2_video', 'cogvlm2-video-llama3-chat', 'ZhipuAI/cogvlm2-video-llama3-chat', 'zai-org/cogvlm2-video-llama3-chat', 12, 2048, 'chat'),
]
# fmt: on
SHAPES: dict = {}
