"""Formats whose system turn is always there, with the system prompt wrapped only when there is one.

ERNIE-4.5-Thinking opens every conversation with a system turn holding its think-mode setting;
a system prompt, when given, goes into that turn inside ``<system_setting>...</system_setting>``.
Ling 2.0 likewise always writes ``detailed thinking off``, after the system prompt and a newline
when there is one. The spec says so with data: ``default_system=""`` (the turn is always
rendered; a non-empty default is wrapped like a given prompt), ``system`` (the turn) and ``placeholders["system"]``, the wrapper a non-empty system
prompt is put in (``{content}``); an empty one stays empty. ``render`` and the exported Jinja
apply the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from swiftkit.core.templates.interface import Message
from swiftkit.templates.base import FormatTemplate
from swiftkit.templates.jinja import _expr, fill

if TYPE_CHECKING:
    from swiftkit.core.specs import TemplateSpec


class WrappedSystemTemplate(FormatTemplate):
    """:class:`FormatTemplate` that wraps a non-empty system prompt in ``placeholders["system"]``."""

    def __init__(self, spec: TemplateSpec, tokenizer: Any = None):
        super().__init__(spec, tokenizer)
        wrap = spec.placeholders.get("system")
        if wrap is None or "{content}" not in wrap:
            raise ValueError(f"template {spec.id!r}: placeholders['system'] must hold the wrapper, with '{{content}}'")
        if spec.system_style != "role":
            raise ValueError(f"template {spec.id!r}: a wrapped system prompt needs system_style 'role'")
        self.wrap = wrap

    def _wrapped(self, text: str) -> str:
        return fill(self.wrap, content=text) if text else ""

    def _segments(self, messages: Sequence[Message], add_generation_prompt: bool,
                  loss_scale: str | None) -> list[tuple[str, bool]]:
        # both views (the prompt and the training text) go through here
        self.validate(messages)  # malformed conversations fail as they do unwrapped
        wrapped = [{**m, "content": self._wrapped(m["content"])} if m["role"] == "system" else m for m in messages]
        if messages[0]["role"] != "system" and self.spec.default_system:
            wrapped.insert(0, {"role": "system", "content": self._wrapped(self.spec.default_system)})
        return super()._segments(wrapped, add_generation_prompt, loss_scale)

    def chat_template(self, *, assistant_masks: bool = False) -> str:
        text = super().chat_template(assistant_masks=assistant_masks)
        for var in ("ns.system", "content"):
            plain = "{{- " + _expr(self.spec.system, {"content": var}) + " -}}"
            if text.count(plain) != 1:
                raise ValueError(f"template {self.spec.id!r}: the generated Jinja has no single system line for {var}")
            guarded = "((" + _expr(self.wrap, {"content": var}) + ") if " + var + " else '')"
            text = text.replace(plain, "{{- " + _expr(self.spec.system, {"content": guarded}) + " -}}")
        return text
