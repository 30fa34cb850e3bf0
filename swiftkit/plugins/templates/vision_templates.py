"""Chat templates of Gemma 3, Llama 3.2 Vision, Mistral 3 / Pixtral, InternVL, GLM-4V (issue 14; filled by the mm-vision branch)."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return []
