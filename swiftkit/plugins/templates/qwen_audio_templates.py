"""Chat templates of Qwen2-Audio / Qwen2.5-Omni (issue 14; filled by the mm-audio branch)."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return []
