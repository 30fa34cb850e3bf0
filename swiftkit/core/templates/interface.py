"""What a template's ``behaviour`` reference must implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.specs import TemplateSpec

Message = dict  # {"role": "system"|"user"|"assistant"|"tool", "content": str}


class Template(ABC):
    """Renders conversations in one chat format.

    The same object renders the text a model is trained on, the prompt it is asked at
    inference, and the Jinja ``chat_template`` exported with its tokenizer, so the three
    cannot drift apart.
    """

    def __init__(self, spec: TemplateSpec):
        self.spec = spec

    @abstractmethod
    def render_segments(self, messages: list[Message], *, add_generation_prompt: bool = False) -> list[tuple[str, bool]]:
        """Return the conversation as ``(text, trainable)`` segments in order; concatenated they
        are the rendered text, and ``trainable`` marks the assistant replies with their
        end-of-turn text (what the loss covers)."""

    def render(self, messages: list[Message], *, add_generation_prompt: bool = False) -> str:
        """Return the conversation as text (with the assistant prefix appended on request)."""
        return "".join(t for t, _ in self.render_segments(messages, add_generation_prompt=add_generation_prompt))

    @abstractmethod
    def chat_template(self) -> str:
        """Return the Jinja chat template that renders exactly like :meth:`render`."""

    @property
    def stop_words(self) -> list[str]:
        return list(self.spec.stop_words)

    def encode(self, tokenizer: Any, messages: list[Message], *, loss_scale: str = "default") -> dict[str, list[int]]:
        """Tokenize a conversation for training: ``{"input_ids": [...], "labels": [...]}`` with
        ``labels`` equal to ``input_ids`` on trainable tokens and -100 elsewhere.

        ``loss_scale``: ``"default"`` every assistant reply with its end-of-turn text,
        ``"last_round"`` only the final one, ``"all"`` every token. Not truncated: the data
        pipeline applies ``max_length`` with the run's truncation strategy.
        """
        raise NotImplementedError(f"{type(self).__name__} does not encode for training")

    def encode_prompt(self, tokenizer: Any, messages: list[Message]) -> list[int]:
        """Token ids of the inference prompt (the conversation plus the assistant prefix)."""
        raise NotImplementedError(f"{type(self).__name__} does not encode prompts")
