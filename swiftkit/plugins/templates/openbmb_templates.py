"""OpenBMB MiniCPM chat templates (ms-swift's ids): data only."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # MiniCPM-2B/1B (v1): <s>{system}<用户>q<AI>a</s>
        TemplateSpec(
            id="minicpm",
            description="MiniCPM v1 (<用户> ... <AI> ... </s>)",
            prefix="<s>",
            system="{content}",
            user="<用户>{content}<AI>",
            assistant_suffix="</s>",
            stop_words=["</s>"],
            special_tokens=["<s>", "</s>", "<用户>", "<AI>"],
        ),
    ]
