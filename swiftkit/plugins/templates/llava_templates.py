"""Chat templates of LLaVA, Idefics3 / SmolVLM, PaliGemma (issue 14; filled by the mm-llava branch)."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return []
