"""OpenAI gpt-oss (the "harmony" format), data plus a small behaviour.

Every conversation opens with the fixed system turn (identity, knowledge cutoff, date,
reasoning effort, channels); a system message becomes the developer turn's instructions. A
reply is written on the ``final`` channel: ``<|start|>assistant<|channel|>final<|message|>...``,
ended by ``<|end|>``, or ``<|return|>`` when it is the conversation's last message (what the model
emits at the end of generation). The generation prompt is ``<|start|>assistant``: the channel
header is part of the trained reply (:class:`swiftkit.templates.harmony.HarmonyTemplate`).
The official template stamps today's date; it is pinned here (``GPT_OSS_DATE``).
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

GPT_OSS_DATE = "2025-08-05"

GPT_OSS_SYSTEM_TURN = (
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
    f"Knowledge cutoff: 2024-06\nCurrent date: {GPT_OSS_DATE}\n\n"
    "Reasoning: medium\n\n"
    "# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>"
)


def swift_register_templates() -> list[TemplateSpec]:
    return [
        TemplateSpec(
            id="gpt_oss",
            description="gpt-oss harmony format (system + developer turns, replies on the final channel)",
            tags=["reasoning"],
            prefix=GPT_OSS_SYSTEM_TURN,
            system="<|start|>developer<|message|># Instructions\n\n{content}\n\n<|end|>",
            user="<|start|>user<|message|>{content}<|end|>",
            assistant_prefix="<|start|>assistant",
            assistant_suffix="<|end|>",
            stop_words=["<|return|>", "<|call|>", "<|end|>"],
            special_tokens=["<|start|>", "<|message|>", "<|channel|>", "<|end|>", "<|return|>", "<|call|>",
                            "<|constrain|>", "<|endoftext|>"],
            behaviour="swiftkit.templates.harmony:HarmonyTemplate",
        ),
    ]
