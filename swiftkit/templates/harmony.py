"""gpt-oss's "harmony" format: replies on the ``final`` channel.

The spec renders the turns; this behaviour adds what its text form cannot say: each reply is
``<|channel|>final<|message|>`` + text (trained: the model chooses the channel after
``<|start|>assistant``), and the conversation's last message, when it is a reply and no
generation prompt follows, ends with ``<|return|>`` (what the model emits to stop) instead of
``<|end|>``. The exported Jinja is the generated one with the same two rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from swiftkit.core.templates.interface import Message
from swiftkit.templates.base import FormatTemplate
from swiftkit.templates.jinja import jinja_literal

CHANNEL = "<|channel|>final<|message|>"
RETURN = "<|return|>"


class HarmonyTemplate(FormatTemplate):
    """:class:`FormatTemplate` with replies on the final channel, the last one ended by ``<|return|>``."""

    def _segments(self, messages: Sequence[Message], add_generation_prompt: bool,
                  loss_scale: str | None) -> list[tuple[str, bool]]:
        # both views (the prompt and the training text) go through here
        segments = super()._segments(messages, add_generation_prompt, loss_scale)
        suffix = self.spec.assistant_suffix
        trainable = [i for i, (_, train) in enumerate(segments) if train]
        ends_with_reply = messages[-1].get("role") == "assistant" and not add_generation_prompt
        out = []
        for i, (text, train) in enumerate(segments):
            if train:
                text = CHANNEL + text
                if ends_with_reply and i == trainable[-1] and text.endswith(suffix):
                    text = text[: len(text) - len(suffix)] + RETURN
            out.append((text, train))
        return out

    def chat_template(self, *, assistant_masks: bool = False) -> str:
        text = super().chat_template(assistant_masks=assistant_masks)
        body = "{{- content ~ " + jinja_literal(self.spec.assistant_suffix) + " -}}"
        if text.count(body) != 1:
            raise ValueError(f"template {self.spec.id!r}: the generated Jinja has no single reply line to extend")
        ending = (f"({jinja_literal(RETURN)} if loop.last and not add_generation_prompt "
                  f"else {jinja_literal(self.spec.assistant_suffix)})")
        return text.replace(body, "{{- " + jinja_literal(CHANNEL) + " ~ content ~ " + ending + " -}}")
