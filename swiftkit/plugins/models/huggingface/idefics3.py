"""Idefics3 / SmolVLM checkpoints (issue 14; filled by the mm-llava branch)."""

from __future__ import annotations

from typing import Any

FAMILIES: dict[str, dict[str, Any]] = {}
CHECKPOINTS: list[tuple[Any, ...]] = []
