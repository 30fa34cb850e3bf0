"""Formats that number the rounds of a conversation (LongCat-Flash: `` [Round 0] USER:...``).

The spec's ``user`` format holds ``{round}`` as plain text next to ``{content}``; this behaviour
writes the 0-based index of the round there (the number of user messages before this one), in
``render`` and in the exported Jinja alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swiftkit.core.templates.interface import Message
from swiftkit.templates.base import FormatTemplate
from swiftkit.templates.jinja import fill, jinja_literal, split_format

if TYPE_CHECKING:
    from swiftkit.core.specs import TemplateSpec

ROUND = "{round}"
#: Jinja expression for the round of the message at ``loop.index0``
_ROUND_EXPR = "(messages[:loop.index0] | selectattr('role', 'equalto', 'user') | list | length)"


class RoundTemplate(FormatTemplate):
    """:class:`FormatTemplate` whose user turns carry their round number (``{round}`` in ``user``)."""

    def __init__(self, spec: TemplateSpec, tokenizer: Any = None):
        super().__init__(spec, tokenizer)
        if ROUND not in spec.user:
            raise ValueError(f"template {spec.id!r}: field 'user' must contain '{ROUND}'")

    def render_segments(self, messages: list[Message], *, add_generation_prompt: bool = False) -> list[tuple[str, bool]]:
        if self.spec.system_style == "merge_first_user":
            raise ValueError(f"template {self.spec.id!r}: numbered rounds need system_style 'role' or 'none'")
        segments = super().render_segments(messages, add_generation_prompt=add_generation_prompt)
        # Every user turn was rendered with `{round}` as text, in order, each inside one prompt
        # segment: find them one after the other and number them. Only the spec's text around a
        # message is rewritten, never a `{round}` the message itself contains.
        users = [m["content"] for m in messages if m.get("role") == "user"]
        out, k = [], 0
        for text, train in segments:
            if not train:
                pieces, pos = [], 0
                while k < len(users):
                    turn = fill(self.spec.user, content=users[k])
                    at = text.find(turn, pos)
                    if at < 0:
                        break
                    pieces += [text[pos:at], self._numbered(users[k], k)]
                    pos, k = at + len(turn), k + 1
                text = "".join(pieces) + text[pos:]
            out.append((text, train))
        return out

    def _numbered(self, content: str, k: int) -> str:
        before, _, after = self.spec.user.partition("{content}")
        return before.replace(ROUND, str(k)) + content + after.replace(ROUND, str(k))

    def chat_template(self, *, assistant_masks: bool = False) -> str:
        text = super().chat_template(assistant_masks=assistant_masks)
        user_line = "{{- " + " ~ ".join(
            "content" if is_var else jinja_literal(part) for is_var, part in split_format(self.spec.user)) + " -}}"
        if text.count(user_line) != 1:
            raise ValueError(f"template {self.spec.id!r}: the generated Jinja has no single user line to number")
        numbered = user_line.replace(ROUND, "' ~ " + _ROUND_EXPR + " ~ '")
        return text.replace(user_line, numbered)

