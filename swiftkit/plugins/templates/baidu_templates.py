"""Baidu ERNIE 4.5 chat templates (data only).

``ernie``: ``<|begin_of_sentence|>`` once, a system message as a plain line, ``User: ...\\n``,
``Assistant: ...<|end_of_sentence|>``. ``ernie_thinking`` (ERNIE-4.5-*-Thinking) is ChatML-like
whose every conversation opens with a system turn carrying the ``think_mode=True`` global
setting, and the system prompt in ``<system_setting>`` when there is one.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

THINK_MODE = "<global_setting>\nthink_mode=True\n</global_setting>"
WRAPPED_SYSTEM = "swiftkit.templates.system_wrap:WrappedSystemTemplate"


def swift_register_templates() -> list[TemplateSpec]:
    return [
        TemplateSpec(
            id="ernie",
            description="ERNIE 4.5 (User: ...\\nAssistant: ...<|end_of_sentence|>)",
            prefix="<|begin_of_sentence|>",
            system="{content}\n",
            user="User: {content}\n",
            assistant_prefix="Assistant: ",
            assistant_suffix="<|end_of_sentence|>",
            stop_words=["<|end_of_sentence|>", "</s>"],
            special_tokens=["<|begin_of_sentence|>", "<|end_of_sentence|>", "</s>"],
        ),
        # Every conversation opens with the think-mode system turn; a system prompt goes into it
        # inside <system_setting> (swiftkit.templates.system_wrap).
        TemplateSpec(
            id="ernie_thinking",
            description="ERNIE 4.5 Thinking (<|im_start|>role ... <|im_end|>\\n\\n, think_mode=True)",
            tags=["reasoning"],
            system="<|im_start|>system\n{content}" + THINK_MODE + "<|im_end|>\n\n",
            user="<|im_start|>user\n{content}<|im_end|>\n\n",
            assistant_prefix="<|im_start|>assistant\n",
            assistant_suffix="<|im_end|>\n\n",
            default_system="",
            placeholders={"system": "<system_setting>\n{content}\n</system_setting>\n\n"},
            stop_words=["<|im_end|>", "</s>"],
            special_tokens=["<|im_start|>", "<|im_end|>", "</s>", "<think>", "</think>", "<response>", "</response>"],
            behaviour=WRAPPED_SYSTEM,
        ),
    ]
