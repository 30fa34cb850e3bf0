"""``florence``: Florence-2 (8 checkpoints, issue 14).

remote_code: Florence2ForConditionalGeneration from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'florence': {'name': 'Florence-2',
              'architecture': 'Florence2ForConditionalGeneration',
              'hf_model_type': 'florence2',
              'template': 'florence',
              'support': 'remote_code',
              'support_note': "Florence2ForConditionalGeneration from the checkpoint's own modeling code "
                              '(--trust_remote_code true); swiftkit has no media processor for it yet, so only '
                              'text is encoded',
              'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('florence', 'florence-2-base-ft', 'AI-ModelScope/Florence-2-base-ft', 'microsoft/Florence-2-base-ft', 0.23, 1024, 'base'),
    ('florence', 'florence-2-base', 'AI-ModelScope/Florence-2-base', 'microsoft/Florence-2-base', 0.23, 1024, 'base'),
    ('florence', 'florence-2-large', 'AI-ModelScope/Florence-2-large', 'microsoft/Florence-2-large', 0.77, 1024, 'instruct'),
    ('florence', 'florence-2-large-ft', 'AI-ModelScope/Florence-2-large-ft', 'microsoft/Florence-2-large-ft', 0.77, 1024, 'instruct'),
    ('florence', 'florence-community-florence-2-base', None, 'florence-community/Florence-2-base', 0.23, 1024, 'base', {'architecture': 'Florence2ForConditionalGeneration', 'hf_model_type': 'florence2', 'support': 'unsupported', 'support_note': 'Florence2ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for florence yet (its template renders text only)'}),
    ('florence', 'florence-community-florence-2-large', None, 'florence-community/Florence-2-large', 0.77, 1024, 'instruct', {'architecture': 'Florence2ForConditionalGeneration', 'hf_model_type': 'florence2', 'support': 'unsupported', 'support_note': 'Florence2ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for florence yet (its template renders text only)'}),
    ('florence', 'florence-community-florence-2-base-ft', None, 'florence-community/Florence-2-base-ft', 0.23, 1024, 'base', {'architecture': 'Florence2ForConditionalGeneration', 'hf_model_type': 'florence2', 'support': 'unsupported', 'support_note': 'Florence2ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for florence yet (its template renders text only)'}),
    ('florence', 'florence-community-florence-2-large-ft', None, 'florence-community/Florence-2-large-ft', 0.77, 1024, 'instruct', {'architecture': 'Florence2ForConditionalGeneration', 'hf_model_type': 'florence2', 'support': 'unsupported', 'support_note': 'Florence2ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for florence yet (its template renders text only)'}),
]
# fmt: on
SHAPES: dict = {}
