"""GLM-4V / GLM-4.1V / GLM-4.5V checkpoints (issue 14; filled by the mm-vision branch)."""

from __future__ import annotations

from typing import Any

FAMILIES: dict[str, dict[str, Any]] = {}
CHECKPOINTS: list[tuple[Any, ...]] = []
