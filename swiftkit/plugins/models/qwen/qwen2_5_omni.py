"""Qwen2.5-Omni checkpoints (issue 14; filled by the mm-audio branch)."""

from __future__ import annotations

from typing import Any

FAMILIES: dict[str, dict[str, Any]] = {}
CHECKPOINTS: list[tuple[Any, ...]] = []
