"""Microsoft chat templates (data only); ``phi3`` lives in :mod:`.chat`.

Phi-4 (14B) is ChatML with ``<|im_sep|>`` after the role and no newlines.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return [
        TemplateSpec(
            id="phi4",
            description="Phi-4 (<|im_start|>role<|im_sep|>...<|im_end|>, no newlines)",
            system="<|im_start|>system<|im_sep|>{content}<|im_end|>",
            user="<|im_start|>user<|im_sep|>{content}<|im_end|>",
            assistant_prefix="<|im_start|>assistant<|im_sep|>",
            assistant_suffix="<|im_end|>",
            stop_words=["<|im_end|>", "<|endoftext|>"],
            special_tokens=["<|im_start|>", "<|im_sep|>", "<|im_end|>", "<|endoftext|>"],
        ),
    ]
