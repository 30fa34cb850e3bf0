"""The generic template: a tokenizer's own ``chat_template``.

For a model whose family has no registered template (or ``--template tokenizer``), the
conversation is rendered with ``tokenizer.apply_chat_template``. Training needs to know which
text is the assistant's, which a Jinja template does not say; it is found by rendering
prefixes of the conversation. For the assistant message at index ``i``:

- ``P`` = the messages before it rendered with ``add_generation_prompt=True``: the reply starts
  at ``len(P)``;
- ``F`` = the messages up to and including it, rendered without a generation prompt: the reply
  with its end-of-turn text ends where ``F`` stops agreeing with the rendering of the whole
  conversation (normally at ``len(F)``; a template that appends an end-of-document token only
  after the last message, as Phi-3's official one does, differs there, and that token is
  labelled only after the last reply). The point of disagreement is moved back to the start of
  an added token it cuts through (``<|endoftext|>`` and ``<|user|>`` agree on ``<|``).

Every ``P`` must be a prefix of the whole rendering that starts at or after the end of the
previous reply, ``F`` must extend ``P``, and the reply's text must lie inside its span. A
chat template that renders earlier turns differently once later ones follow (Qwen3 drops the
``<think>`` block of earlier replies; a generation prompt that the rendered turns do not
contain) breaks this and gets a :class:`ValueError` saying so: register a
:class:`~swiftkit.core.specs.TemplateSpec` for such a model instead.

The template needs the tokenizer; bind it with ``registry.template("tokenizer",
tokenizer=tok)``, ``TokenizerTemplate(spec, tokenizer=tok)`` or ``template.bind(tok)``.
``encode``/``encode_prompt``/``stop_token_ids`` bind to the tokenizer they are given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import ChatTemplateError
from swiftkit.core.templates.interface import Message, Template

if TYPE_CHECKING:
    from swiftkit.core.specs import TemplateSpec

_PROBE = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]


def _common_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


class TokenizerTemplate(Template):
    """A :class:`Template` that renders with the bound tokenizer's own ``chat_template``.

    ``chat_template_kwargs`` are passed to every rendering (e.g. ``{"enable_thinking": False}``).
    Its :attr:`stop_words` are the spec's plus the end-of-turn token the chat template puts
    after a reply, when that is a special token.
    """

    requires_tokenizer = True

    def __init__(self, spec: TemplateSpec, tokenizer: Any = None, *, chat_template_kwargs: dict[str, Any] | None = None):
        super().__init__(spec, tokenizer)
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        self._stop_words: list[str] | None = None
        if tokenizer is not None:
            self._bound(tokenizer)

    def _bound(self, tokenizer: Any) -> None:
        self._stop_words = None
        if not callable(getattr(tokenizer, "apply_chat_template", None)):
            raise ValueError(f"template {self.spec.id!r}: {type(tokenizer).__name__} has no apply_chat_template")
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError(
                f"template {self.spec.id!r}: the tokenizer has no chat_template; "
                "choose a registered template with --template (swift list templates)"
            )

    def _tokenizer(self) -> Any:
        if self.tokenizer is None:
            raise ValueError(
                f"template {self.spec.id!r} renders with a tokenizer's own chat_template and has none bound: "
                f"use registry.template({self.spec.id!r}, tokenizer=tokenizer) or template.bind(tokenizer)"
            )
        return self.tokenizer

    # ------------------------------------------------------------------ rendering

    @staticmethod
    def _validate(messages: Sequence[Message]) -> None:
        """The shape every chat template expects; contents are left to the template."""
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or len(messages) == 0:
            raise ValueError("the conversation must be a non-empty list of messages")
        for i, m in enumerate(messages):
            if not isinstance(m, Mapping):
                raise ValueError(f"message {i}: must be a dict with 'role' and 'content' (got {type(m).__name__})")
            if "role" not in m:
                raise ValueError(f"message {i}: missing field 'role'")

    def _render(self, messages: Sequence[Message], add_generation_prompt: bool) -> str:
        from jinja2 import TemplateError
        from jinja2.exceptions import SecurityError

        kwargs = dict(self.chat_template_kwargs)
        if self.enable_thinking is not None:  # --enable_thinking: the variable Qwen3-style templates read
            kwargs.setdefault("enable_thinking", self.enable_thinking)
        try:
            text = self._tokenizer().apply_chat_template(
                list(messages), tokenize=False, add_generation_prompt=add_generation_prompt, **kwargs
            )
        except SecurityError as exc:  # the template's own code, whatever the row holds
            source = getattr(self._tokenizer(), "name_or_path", "") or "the tokenizer"
            raise ChatTemplateError(
                f"template {self.spec.id!r}: the chat_template of {source} does something the Jinja sandbox forbids "
                f"({exc}); fix that chat_template or choose a registered template with --template"
            ) from exc
        except TemplateError as exc:
            raise ValueError(f"the tokenizer's chat_template rejects the conversation: {exc}") from exc
        if not isinstance(text, str):  # a batch of one
            text = text[0]
        return text

    def render(self, messages: list[Message], *, add_generation_prompt: bool = False) -> str:
        self._validate(messages)
        return self._render(messages, add_generation_prompt)

    def render_segments(self, messages: list[Message], *, add_generation_prompt: bool = False) -> list[tuple[str, bool]]:
        self._validate(messages)
        full = self._render(messages, add_generation_prompt)
        segments: list[tuple[str, bool]] = []
        pos = 0

        def stable_error(i: int, what: str) -> ValueError:
            return ValueError(
                f"message {i}: the tokenizer's chat_template is not prefix-stable: {what}, so the assistant "
                "replies cannot be located for the loss mask (a template that renders earlier turns "
                "differently once later ones follow, e.g. one that drops reasoning from past replies); "
                "register a TemplateSpec for this model and pass it with --template"
            )

        for i, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            try:
                prompt = self._render(messages[:i], True) if i else self._render([], True)
            except Exception as exc:
                if i or isinstance(exc, ChatTemplateError):
                    raise
                raise ValueError(
                    "message 0: the tokenizer's chat_template cannot render the prompt of a conversation "
                    "that opens with an assistant message"
                ) from exc
            if not full.startswith(prompt) or len(prompt) < pos:
                raise stable_error(
                    i, f"the conversation up to message {i} with the generation prompt, {prompt[-60:]!r}, "
                    "is not how the whole conversation continues"
                )
            turn = self._render(messages[: i + 1], False)
            if not turn.startswith(prompt):
                raise stable_error(i, "rendering this reply changes the text before it")
            end = _common_prefix(turn, full)
            if end < len(turn):
                end = self._token_boundary(end, turn, full)
            reply = message.get("content")
            if isinstance(reply, str) and reply.strip() and reply.strip() not in full[len(prompt) : end]:
                raise stable_error(i, "the reply is rendered differently once later messages follow")
            if len(prompt) > pos:
                self._emit(segments, full[pos : len(prompt)], False)
            if end > len(prompt):
                self._emit(segments, full[len(prompt) : end], True)
            pos = max(pos, end)
        self._emit(segments, full[pos:], False)
        return segments

    def _token_boundary(self, end: int, *texts: str) -> int:
        """``end`` moved back to the start of any added token (``<|endoftext|>``) of ``texts`` it
        cuts through: strings that agree on ``<|`` do not agree on the token."""
        decoder = getattr(self.tokenizer, "added_tokens_decoder", None) or {}
        tokens = {getattr(t, "content", str(t)) for t in decoder.values()}
        moved = True
        while moved:
            moved = False
            for text in texts:
                for token in tokens:
                    if len(token) < 2:
                        continue
                    start = text.find(token, max(0, end - len(token) + 1), end + len(token) - 1)
                    if start != -1 and start < end < start + len(token):
                        end, moved = start, True
        return end

    @staticmethod
    def _emit(segments: list[tuple[str, bool]], text: str, trainable: bool) -> None:
        if not text:
            return
        if not trainable and segments and not segments[-1][1]:
            segments[-1] = (segments[-1][0] + text, False)
        else:
            segments.append((text, trainable))

    def chat_template(self) -> str:
        """The bound tokenizer's own chat template."""
        tokenizer = self._tokenizer()
        getter = getattr(tokenizer, "get_chat_template", None)
        return getter() if callable(getter) else tokenizer.chat_template

    # ------------------------------------------------------------------ stop words

    @property
    def stop_words(self) -> list[str]:
        """The spec's stop words, plus the special token that opens the end-of-turn text the
        chat template writes after a reply (``<|im_end|>``, ``<|eot_id|>``, ...), when the
        template is bound and has one."""
        words = list(self.spec.stop_words)
        if self.tokenizer is not None:
            if self._stop_words is None:
                self._stop_words = self._probe_end_token()
            words += [w for w in self._stop_words if w not in words]
        return words

    def _probe_end_token(self) -> list[str]:
        tokenizer = self.tokenizer
        try:
            trainable = [t for t, train in self.render_segments(_PROBE) if train]
        except ValueError:
            return []
        if len(trainable) != 1 or not trainable[0].startswith(_PROBE[1]["content"]):
            return []
        suffix = trainable[0][len(_PROBE[1]["content"]) :].lstrip(" ")
        ids = list(tokenizer(suffix, add_special_tokens=False)["input_ids"]) if suffix else []
        if not ids:
            return []
        added = (getattr(tokenizer, "added_tokens_decoder", None) or {}).get(ids[0])
        if added is None or not getattr(added, "special", False):
            return []
        return [getattr(added, "content", str(added))]
