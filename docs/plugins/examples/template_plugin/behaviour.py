"""A template behaviour with its own ``encode``: the conversation is tokenized as one text.

The shared :meth:`~swiftkit.core.templates.interface.Template.encode` tokenizes the rendered
segments one by one, so a label boundary never falls inside a token, and the prompt part ends
exactly like the inference prompt. Some base-model tokenizers merge characters across the
boundary between a prompt and its reply; a plugin that wants the ids to equal
``tokenizer(text)`` exactly tokenizes the whole text once and labels the tokens that *start*
inside a trainable segment, using the fast tokenizer's character offsets.

Rendering and the exported ``chat_template`` stay the generic ones (the spec's text form).
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.templates.interface import IGNORE_INDEX, LOSS_SCALES, Message, apply_loss_scale
from swiftkit.templates.base import FormatTemplate


class WholeTextTemplate(FormatTemplate):
    """The spec's text form, encoded as one text with labels from character offsets."""

    def encode(self, tokenizer: Any, messages: list[Message], *, loss_scale: str = "default") -> dict[str, list[int]]:
        if loss_scale not in LOSS_SCALES:
            raise ValueError(f"unknown loss_scale {loss_scale!r}; expected one of: {', '.join(LOSS_SCALES)}")
        tokenizer = tokenizer if tokenizer is not None else self.tokenizer
        if tokenizer is None:
            raise ValueError(f"template {self.spec.id!r}: a tokenizer is needed")
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError(f"template {self.spec.id!r}: needs a fast tokenizer (character offsets), got {type(tokenizer).__name__}")
        if not messages or messages[-1].get("role") != "assistant":
            raise ValueError(f"message {len(messages) - 1}: a conversation for training must end with an assistant reply")
        segments = apply_loss_scale(self.render_segments(messages), loss_scale)
        spans, text = [], ""
        for piece, trainable in segments:
            if trainable:
                spans.append((len(text), len(text) + len(piece)))
            text += piece
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        labels = [
            token if any(start <= begin < end for start, end in spans) else IGNORE_INDEX
            for token, (begin, _) in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True)
        ]
        return {"input_ids": list(encoded["input_ids"]), "labels": labels}
