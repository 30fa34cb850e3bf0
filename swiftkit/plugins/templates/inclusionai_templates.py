"""inclusionAI Ling / Ring chat templates (data only).

``<role>HUMAN</role>...<role>ASSISTANT</role>...`` turns. Ling 2.0 closes every turn with
``<|role_end|>`` and always has a system turn ending in ``detailed thinking off`` (after the
system prompt and a newline when there is one: swiftkit.templates.system_wrap). Ring 2.0 is
Ling 1's format (the thinking prefix is the reasoning options' business); Ring 2.5 puts newlines
around every role.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

ROLE_TOKENS = ["<role>", "</role>", "<|endoftext|>", "<|role_end|>"]


def _ling(id: str, description: str, tags: list[str]) -> TemplateSpec:
    return TemplateSpec(
        id=id,
        description=description,
        tags=tags,
        system="<role>SYSTEM</role>{content}",
        user="<role>HUMAN</role>{content}",
        assistant_prefix="<role>ASSISTANT</role>",
        assistant_suffix="<|endoftext|>",
        stop_words=["<|endoftext|>"],
        special_tokens=ROLE_TOKENS,
    )


def swift_register_templates() -> list[TemplateSpec]:
    return [
        _ling("ling", "Ling (<role>HUMAN</role>...<role>ASSISTANT</role>...<|endoftext|>)", []),
        _ling("ring2", "Ring 2.0 (Ling format, a reasoning model)", ["reasoning"]),
        TemplateSpec(
            id="ling2",
            description="Ling 2.0 (<role>...</role>...<|role_end|>, 'detailed thinking off' system turn)",
            system="<role>SYSTEM</role>{content}detailed thinking off<|role_end|>",
            placeholders={"system": "{content}\n"},  # a system prompt, then a newline (none without one)
            behaviour="swiftkit.templates.system_wrap:WrappedSystemTemplate",
            user="<role>HUMAN</role>{content}<|role_end|>",
            assistant_prefix="<role>ASSISTANT</role>",
            assistant_suffix="<|role_end|>",
            default_system="",
            stop_words=["<|role_end|>", "<|endoftext|>"],
            special_tokens=ROLE_TOKENS,
        ),
        TemplateSpec(
            id="ring2_5",
            description="Ring 2.5 (<role>ROLE</role>\\n...<|role_end|>\\n\\n)",
            tags=["reasoning"],
            system="<role>SYSTEM</role>\n{content}\n\n",
            user="<role>HUMAN</role>\n{content}<|role_end|>\n\n",
            assistant_prefix="<role>ASSISTANT</role>\n",
            assistant_suffix="<|role_end|>\n\n",
            stop_words=["<|role_end|>", "<|endoftext|>"],
            special_tokens=ROLE_TOKENS,
        ),
    ]
