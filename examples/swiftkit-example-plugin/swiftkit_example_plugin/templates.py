"""The chat template ``example-chatml`` used by the SmolLM models.

Light registration module (entry point ``example-templates`` in group ``swiftkit.templates``).
SmolLM's chat format is ChatML (``<|im_start|>role\\n...<|im_end|>\\n``). This template differs from
swiftkit's built-in ``chatml`` by a default system prompt, used when a conversation has no
system message, and by SmolLM's special tokens. It is pure data: the behaviour is swiftkit's
generic :class:`swiftkit.templates.base.FormatTemplate`, which encodes conversations for
training (loss on the assistant turns only), renders prompts for inference and generates the
exported Jinja ``chat_template`` from the same fields.
"""

from __future__ import annotations

from swiftkit.core import TemplateSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.0"

TEMPLATE_ID = "example-chatml"
DEFAULT_SYSTEM = "You are a helpful, concise assistant."


@hookimpl
def swift_register_templates() -> list[TemplateSpec]:
    return [
        TemplateSpec(
            id=TEMPLATE_ID,
            description="ChatML with a default system prompt (the example plugin's template for SmolLM)",
            system="<|im_start|>system\n{content}<|im_end|>\n",
            user="<|im_start|>user\n{content}<|im_end|>\n",
            assistant_prefix="<|im_start|>assistant\n",
            assistant_suffix="<|im_end|>\n",
            default_system=DEFAULT_SYSTEM,
            stop_words=["<|im_end|>", "<|endoftext|>"],
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            behaviour="swiftkit.templates.base:FormatTemplate",
        )
    ]
