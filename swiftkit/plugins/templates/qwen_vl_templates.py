"""Chat templates of Qwen2-VL / Qwen2.5-VL / Qwen3-VL (issue 14; filled by the mm-qwen branch)."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return []
