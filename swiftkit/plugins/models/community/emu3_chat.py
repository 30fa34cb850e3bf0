"""``emu3_chat``: Emu3-Chat (2 checkpoints, issue 14).

remote_code: Emu3ForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'emu3_chat': {'name': 'Emu3-Chat',
               'architecture': 'Emu3ForCausalLM',
               'hf_model_type': 'Emu3',
               'template': 'emu3_chat',
               'support': 'remote_code',
               'support_note': "Emu3ForCausalLM from the checkpoint's own modeling code (--trust_remote_code "
                               'true); swiftkit has no media processor for it yet, so only text is encoded',
               'modalities': ['image'],
               'requires': ['transformers>=4.44.0']}}

# fmt: off
CHECKPOINTS = [
    ('emu3_chat', 'emu3-chat', 'BAAI/Emu3-Chat', '=', 8.5, 131072, 'chat'),
    ('emu3_chat', 'emu3-chat-hf', None, 'BAAI/Emu3-Chat-hf', 8.5, 131072, 'chat', {'architecture': 'Emu3ForConditionalGeneration', 'hf_model_type': 'emu3', 'support': 'unsupported', 'support_note': 'Emu3ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for emu3_chat yet (its template renders text only)', 'requires': []}),
]
# fmt: on
SHAPES: dict = {}
