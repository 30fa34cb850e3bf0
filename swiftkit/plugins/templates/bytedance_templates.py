"""ByteDance Seed-OSS chat template (data only).

``<seed:bos>role\\n...<seed:eos>`` turns; a system turn only when the conversation has a system
message. Thinking (``<seed:think>``) and thinking budgets are rendered by the reasoning options,
not by this plain format.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return [
        TemplateSpec(
            id="seed_oss",
            description="Seed-OSS (<seed:bos>role\\n...<seed:eos>)",
            tags=["reasoning"],
            system="<seed:bos>system\n{content}<seed:eos>",
            user="<seed:bos>user\n{content}<seed:eos>",
            assistant_prefix="<seed:bos>assistant\n",
            assistant_suffix="<seed:eos>",
            tool="<seed:bos>tool\n{content}<seed:eos>",
            stop_words=["<seed:eos>"],
            special_tokens=["<seed:bos>", "<seed:eos>", "<seed:pad>", "<seed:think>", "</seed:think>",
                            "<seed:cot_budget_reflect>", "</seed:cot_budget_reflect>", "<seed:tool_call>",
                            "</seed:tool_call>"],
        ),
    ]
