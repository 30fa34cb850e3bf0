"""Self-cognition data: who-am-I rows whose answers name the model through placeholders.

A dataset tagged ``self-cognition`` (the bundled one, and ms-swift's hub one) writes the model's
name as ``{{NAME}}`` and its author as ``{{AUTHOR}}``, and each row's ``tag`` column says its
language (``zh`` or ``en``). ``--model_name`` / ``--model_author`` give each value in Chinese then
English (one value serves both), as ms-swift's flags do; a row takes the value of its language.
A placeholder whose value is not given stays as it is, as in ms-swift (the rows then teach the
literal placeholder: give both flags when training on this data).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: the tag that marks a dataset spec as self-cognition data
TAG = "self-cognition"
PLACEHOLDERS = {"name": "{{NAME}}", "author": "{{AUTHOR}}"}


def applies(spec: Any) -> bool:
    """Whether a source's dataset spec holds self-cognition placeholders."""
    return spec is not None and TAG in (getattr(spec, "tags", None) or [])


def _pair(value: str | Sequence[str] | None) -> tuple[str, str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else [v for v in value if v is not None]
    if not values:
        return None
    return (values[0], values[1] if len(values) > 1 else values[0])


def names(model_name: str | Sequence[str] | None, model_author: str | Sequence[str] | None) -> dict[str, tuple[str, str]]:
    """``{"name": (zh, en), "author": (zh, en)}`` for the values given (empty: nothing to do)."""
    out = {}
    for key, value in (("name", model_name), ("author", model_author)):
        pair = _pair(value)
        if pair is not None:
            out[key] = pair
    return out


class Substitute:
    """A ``datasets.map`` step: every string of a row (queries, responses, messages, history)
    gets the placeholders replaced by the value in the row's language (``tag`` ``zh``: the
    Chinese value; anything else: the English one)."""

    def __init__(self, values: dict[str, tuple[str, str]]):
        self.values = values

    def _replace(self, value: Any, language: int) -> Any:
        if isinstance(value, str):
            for key, pair in self.values.items():
                value = value.replace(PLACEHOLDERS[key], pair[language])
            return value
        if isinstance(value, list):
            return [self._replace(v, language) for v in value]
        if isinstance(value, dict):
            return {k: self._replace(v, language) for k, v in value.items()}
        return value

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        n = len(next(iter(batch.values()))) if batch else 0
        tags = batch.get("tag") or [None] * n
        languages = [0 if str(t).lower() == "zh" else 1 for t in tags]
        return {col: [self._replace(v, languages[i]) for i, v in enumerate(values)] if col != "tag" else values
                for col, values in batch.items()}
