"""Formats that number the rounds of a conversation (LongCat-Flash: `` [Round 0] USER:...``).

The spec's ``user`` format holds ``{round}`` next to ``{content}``; this behaviour numbers the
rounds from 0 (the number of user messages before this one), in ``render`` and in the exported
Jinja alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swiftkit.templates.base import FormatTemplate

if TYPE_CHECKING:
    from swiftkit.core.specs import TemplateSpec

ROUND = "{round}"


class RoundTemplate(FormatTemplate):
    """:class:`FormatTemplate` whose user turns carry their 0-based round number (``{round}`` in
    ``user``; the generic behaviour fills it too, counting from 1 as ChatGLM2 does)."""

    FIRST_ROUND = 0

    def __init__(self, spec: TemplateSpec, tokenizer: Any = None):
        super().__init__(spec, tokenizer)
        if ROUND not in spec.user:
            raise ValueError(f"template {spec.id!r}: field 'user' must contain '{ROUND}'")
