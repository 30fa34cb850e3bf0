"""``llava_next_qwen``: LLaVA-NeXT (Qwen, original) (11 checkpoints, issue 14).

unsupported: LlavaQwenForCausalLM comes from the LLaVA-NeXT GitHub repository's llava package (not the checkpoint, not transformers); the llava-hf conversions are the llava_next_qwen_hf family.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'llava_next_qwen': {'name': 'LLaVA-NeXT (Qwen, original)',
                     'architecture': 'LlavaQwenForCausalLM',
                     'hf_model_type': 'llava_qwen',
                     'template': 'llava_next_qwen',
                     'support': 'unsupported',
                     'support_note': "LlavaQwenForCausalLM comes from the LLaVA-NeXT GitHub repository's llava "
                                     'package (not the checkpoint, not transformers); the llava-hf conversions are '
                                     'the llava_next_qwen_hf family',
                     'modalities': ['image'],
                     'requires': ['transformers>=4.42', 'av']}}

# fmt: off
CHECKPOINTS = [
    ('llava_next_qwen', 'llava-next-72b', 'AI-ModelScope/llava-next-72b', 'lmms-lab/llava-next-72b', 72.0, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-next-110b', 'AI-ModelScope/llava-next-110b', 'lmms-lab/llava-next-110b', 110.0, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-next-qwen-32b', None, 'lmms-lab/llava-next-qwen-32b', 32.0, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-onevision-qwen2-0.5b-ov', None, 'lmms-lab/llava-onevision-qwen2-0.5b-ov', 0.5, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-onevision-qwen2-7b-ov', None, 'lmms-lab/llava-onevision-qwen2-7b-ov', 7.0, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-onevision-qwen2-0.5b-si', None, 'lmms-lab/llava-onevision-qwen2-0.5b-si', 0.5, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-onevision-qwen2-7b-si', None, 'lmms-lab/llava-onevision-qwen2-7b-si', 7.0, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-onevision-qwen2-72b-si', None, 'lmms-lab/llava-onevision-qwen2-72b-si', 72.0, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-onevision-qwen2-72b-ov-sft', None, 'lmms-lab/llava-onevision-qwen2-72b-ov-sft', 72.0, 32768, 'instruct'),
    ('llava_next_qwen', 'llava-video-7b-qwen2', None, 'lmms-lab/LLaVA-Video-7B-Qwen2', 7.0, 32768, 'instruct', {'modalities': ['image', 'video']}),
    ('llava_next_qwen', 'llava-video-72b-qwen2', None, 'lmms-lab/LLaVA-Video-72B-Qwen2', 72.0, 32768, 'instruct', {'modalities': ['image', 'video']}),
]
# fmt: on
SHAPES: dict = {}
