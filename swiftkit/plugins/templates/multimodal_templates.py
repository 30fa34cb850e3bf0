"""Chat templates of the other multimodal families of the listing (issue 14; filled by the mm-catalogue branch)."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec


def swift_register_templates() -> list[TemplateSpec]:
    return []
