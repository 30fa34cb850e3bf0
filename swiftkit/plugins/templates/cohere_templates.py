"""Cohere chat templates (data only): Command-R / Command-R+ and Aya Expanse.

``<BOS_TOKEN><|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>...<|END_OF_TURN_TOKEN|>`` turns with
``USER``/``CHATBOT`` roles. Both official templates carry a default preamble in a branch that
never runs (``elif false == true``), so neither renders a default system prompt; ``aya`` is the
same format (ms-swift keeps two names with their preambles as defaults).
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return [
        TemplateSpec(
            id="c4ai",
            aliases=["aya"],
            description="Cohere Command-R / Aya (<|START_OF_TURN_TOKEN|><|USER_TOKEN|>...<|END_OF_TURN_TOKEN|>)",
            prefix="<BOS_TOKEN>",
            system="<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>{content}<|END_OF_TURN_TOKEN|>",
            user="<|START_OF_TURN_TOKEN|><|USER_TOKEN|>{content}<|END_OF_TURN_TOKEN|>",
            assistant_prefix="<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>",
            assistant_suffix="<|END_OF_TURN_TOKEN|>",
            stop_words=["<|END_OF_TURN_TOKEN|>", "<EOS_TOKEN>"],
            special_tokens=["<BOS_TOKEN>", "<EOS_TOKEN>", "<|START_OF_TURN_TOKEN|>", "<|END_OF_TURN_TOKEN|>",
                            "<|SYSTEM_TOKEN|>", "<|USER_TOKEN|>", "<|CHATBOT_TOKEN|>"],
        ),
    ]
