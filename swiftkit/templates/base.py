"""The generic chat template: behaviour driven purely by :class:`~swiftkit.core.specs.TemplateSpec` data.

How a conversation is rendered (``render`` and the generated Jinja agree on every rule):

- ``prefix`` once at the start (``<|begin_of_text|>``, ``<bos>``).
- The system prompt is the content of a leading ``system`` message, else ``default_system``
  (when the spec has one). By ``system_style``:

  - ``"role"``: rendered with the ``system`` format right after the prefix; a later system
    message is rendered in place with the same format;
  - ``"merge_first_user"``: substituted with ``content`` into ``system_in_user`` and the result
    used as the content of the first user message, which must follow directly; a later
    system message is an error;
  - ``"none"``: the template has no system prompt; any system message is an error.

- ``user`` and ``tool`` messages with their formats (a template without ``tool`` rejects tool
  messages); an ``assistant`` message as ``assistant_prefix + content + assistant_suffix``.
- With ``add_generation_prompt`` the ``assistant_prefix`` is appended.
- ``user`` may hold ``{round}`` (the user turn's number); ``reply_prefix`` goes before every
  reply's content (not into the generation prompt).
- Reasoning templates (``is_thinking``): in the prompt view (``render``, ``render_segments``, the
  Jinja) replies before the last user message (every reply with ``strip_thinking="all"``) keep
  only what follows ``</think>``, after ``history_thinking_prefix``; a later reply without a
  thinking block gets ``non_thinking_prefix``; the generation prompt ends with
  ``thinking_prefix`` or, with ``enable_thinking`` false, ``reply_prefix + non_thinking_prefix``.
  The training view (``training_segments``, ms-swift's) puts ``non_thinking_prefix`` before every
  reply without a thinking block and drops earlier reasoning only for ``last_round`` loss scales.

Contents are inserted verbatim (no stripping), so what is trained on is exactly what is
rendered. Segments: the assistant content with its ``assistant_suffix`` (the end-of-turn text
the model must learn to produce, e.g. ``<|im_end|>\n``) is trainable; everything else,
including ``assistant_prefix`` and a ``thinking_prefix`` the prompt already ends with, is not;
``train_reply_end`` (GLM's ``<|user|>``) is labelled with the reply in training. Encoding for
training and inference prompts are the shared logic of :class:`~swiftkit.core.templates.interface.Template`; a tokenizer is not
needed to render (one passed to the constructor or :meth:`bind` is only kept).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from swiftkit.core.templates.interface import Message, Template
from swiftkit.templates.jinja import ROLES, fill, generate_chat_template

if TYPE_CHECKING:
    from swiftkit.core.specs import TemplateSpec

_STYLES = ("role", "merge_first_user", "none")
_STRIP = ("none", "history", "all")


class FormatTemplate(Template):
    """A :class:`Template` whose behaviour is entirely the spec's text formats."""

    #: the number ``{round}`` in ``user`` takes in the first user turn (ChatGLM2 counts from 1)
    FIRST_ROUND: int = 1

    def __init__(self, spec: TemplateSpec, tokenizer: Any = None):
        super().__init__(spec, tokenizer)
        if spec.system_style not in _STYLES:
            raise ValueError(
                f"template {spec.id!r}: system_style must be one of {', '.join(map(repr, _STYLES))}, "
                f"not {spec.system_style!r}"
            )
        if spec.system_style == "none" and spec.default_system is not None:
            raise ValueError(f"template {spec.id!r}: default_system is set but system_style is 'none'")
        if spec.strip_thinking not in _STRIP:
            raise ValueError(
                f"template {spec.id!r}: strip_thinking must be one of {', '.join(map(repr, _STRIP))}, "
                f"not {spec.strip_thinking!r}"
            )
        if not spec.is_thinking:
            for fname in ("thinking_prefix", "non_thinking_prefix", "history_thinking_prefix"):
                if getattr(spec, fname):
                    raise ValueError(f"template {spec.id!r}: field {fname!r} is set but is_thinking is false")
        for fname in ("system", "user", "tool"):
            value = getattr(spec, fname)
            if value is not None and "{content}" not in value:
                raise ValueError(f"template {spec.id!r}: field {fname!r} must contain '{{content}}'")
        if spec.system_style == "merge_first_user" and not (
            "{system}" in spec.system_in_user and "{content}" in spec.system_in_user
        ):
            raise ValueError(f"template {spec.id!r}: field 'system_in_user' must contain '{{system}}' and '{{content}}'")

    # ------------------------------------------------------------------ validation

    @staticmethod
    def validate(messages: Sequence[Message]) -> list[tuple[str, str]]:
        """Check the conversation's shape and return it as ``(role, content)`` pairs.

        Raises :class:`ValueError` naming the message index and the field.
        """
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or len(messages) == 0:
            raise ValueError("the conversation must be a non-empty list of messages")
        out = []
        for i, m in enumerate(messages):
            if not isinstance(m, Mapping):
                raise ValueError(f"message {i}: must be a dict with 'role' and 'content' (got {type(m).__name__})")
            if "role" not in m:
                raise ValueError(f"message {i}: missing field 'role'")
            role = m["role"]
            if role not in ROLES:
                raise ValueError(f"message {i}: field 'role' must be one of {', '.join(map(repr, ROLES))} (got {role!r})")
            if "content" not in m:
                raise ValueError(f"message {i}: missing field 'content'")
            content = m["content"]
            if not isinstance(content, str):
                raise ValueError(f"message {i}: field 'content' must be a string (got {type(content).__name__})")
            out.append((role, content))
        return out

    # ------------------------------------------------------------------ rendering

    @property
    def thinking_on(self) -> bool:
        """Whether the generation prompt opens a thinking block (``enable_thinking``, else the
        spec's default; always for a model that cannot switch thinking off)."""
        spec = self.spec
        if not spec.non_thinking_prefix or not spec.thinking_switch:
            return True
        return spec.thinking_default if self.enable_thinking is None else bool(self.enable_thinking)

    def generation_prompt(self) -> str:
        """The text that opens the reply to be generated."""
        spec = self.spec
        if not spec.is_thinking:
            return spec.assistant_prefix
        if self.thinking_on:
            return spec.assistant_prefix + spec.thinking_prefix
        return spec.assistant_prefix + spec.reply_prefix + spec.non_thinking_prefix

    def _reply(self, content: str, *, stripped: bool, add_non_thinking: bool) -> str:
        """A reply's content as the format writes it: reasoning dropped from earlier replies,
        the non-thinking prefix put before replies without a thinking block."""
        spec = self.spec
        if not spec.is_thinking:
            return content
        history = spec.history_thinking_prefix
        if stripped:
            if "</think>" in content:
                after = content.split("</think>")[-1]
                return history + (after.lstrip("\n") if spec.history_thinking_lstrip else after)
            if history and not content.startswith(history):
                return history + content
            return content
        ntp = spec.non_thinking_prefix
        if ntp and add_non_thinking and not content.startswith(("<think>", ntp)):
            return ntp + content
        return content

    def _segments(self, messages: Sequence[Message], add_generation_prompt: bool,
                  loss_scale: str | None) -> list[tuple[str, bool]]:
        """The segments of the prompt view (``loss_scale=None``: what the model is prompted with,
        as the real chat template renders it) or of the training view for ``loss_scale``."""
        spec = self.spec
        style = spec.system_style
        msgs = self.validate(messages)
        segments: list[tuple[str, bool]] = []
        last_user = max((i for i, (role, _) in enumerate(msgs) if role == "user"), default=-1)
        training = loss_scale is not None
        strip_history = training and loss_scale.startswith("last_round")

        def emit(text: str, trainable: bool) -> None:
            if not text:
                return
            if not trainable and segments and not segments[-1][1]:
                segments[-1] = (segments[-1][0] + text, False)  # merge neighbouring prompt text
            else:
                segments.append((text, trainable))

        start = 0
        rounds = self.FIRST_ROUND - 1
        system = spec.default_system if style != "none" else None
        if msgs[0][0] == "system":
            if style == "none":
                raise ValueError(f"message 0: template {spec.id!r} has no system prompt (system_style='none')")
            system, start = msgs[0][1], 1
        emit(spec.prefix, False)
        if style == "role" and system is not None:
            emit(fill(spec.system, content=system), False)
            system = None
        for i in range(start, len(msgs)):
            role, content = msgs[i]
            if style == "merge_first_user" and system is not None:
                if role != "user":
                    raise ValueError(
                        f"message {i}: template {spec.id!r} puts the system prompt into the first user message, "
                        f"but this message is not a user message (role {role!r})"
                    )
                content = fill(spec.system_in_user, system=system, content=content)
                system = None
            if role == "user":
                rounds += 1
                emit(fill(spec.user, content=content, round=str(rounds)), False)
            elif role == "assistant":
                if training:  # only earlier replies lose their reasoning: the last one is what is trained
                    stripped = strip_history and spec.strip_thinking != "none" and i < last_user
                else:
                    stripped = spec.strip_thinking == "all" or (spec.strip_thinking == "history" and i < last_user)
                content = self._reply(content, stripped=stripped,
                                      add_non_thinking=self.add_non_thinking_prefix if training else i > last_user)
                emit(spec.assistant_prefix, False)
                prefix = spec.thinking_prefix
                if spec.is_thinking and prefix and not spec.reply_prefix and self.thinking_on \
                        and content.startswith(prefix):
                    emit(prefix, False)  # the generation prompt ended with it
                    content = content[len(prefix) :]
                emit(spec.reply_prefix + content + spec.assistant_suffix, True)
            elif role == "system":
                if style != "role":
                    raise ValueError(
                        f"message {i}: template {spec.id!r} allows a system message only as the first message"
                    )
                emit(fill(spec.system, content=content), False)
            else:  # tool
                if spec.tool is None:
                    raise ValueError(f"message {i}: template {spec.id!r} has no tool role")
                emit(fill(spec.tool, content=content), False)
        if style == "merge_first_user" and system is not None:
            raise ValueError(
                f"message {start - 1}: template {spec.id!r} puts the system prompt into the first user message, "
                "but no user message follows"
            )
        if add_generation_prompt:
            emit(self.generation_prompt(), False)
        return segments

    def render_segments(self, messages: list[Message], *, add_generation_prompt: bool = False) -> list[tuple[str, bool]]:
        return self._segments(messages, add_generation_prompt, None)

    def training_segments(self, messages: list[Message], *, loss_scale: str = "default") -> list[tuple[str, bool]]:
        """The training view (ms-swift's): every reply without a thinking block gets the
        non-thinking prefix, earlier replies keep their reasoning unless ``loss_scale`` is a
        ``last_round`` variant; with ``train_reply_end`` each reply is labelled with it."""
        segments = self._segments(messages, False, loss_scale)
        end = self.spec.train_reply_end
        if not end:
            return segments
        out: list[tuple[str, bool]] = []
        for k, (text, train) in enumerate(segments):
            if not train:
                if out and out[-1][1] and text.startswith(end) and k > 0 and segments[k - 1][1]:
                    out[-1] = (out[-1][0] + end, True)  # the next turn's opening ends the reply
                    text = text[len(end) :]
                if text:
                    out.append((text, False))
                continue
            out.append((text, True))
        if out and out[-1][1]:
            out[-1] = (out[-1][0] + end, True)  # nothing follows the last reply: the stop text is added
        return out

    def chat_template(self, *, assistant_masks: bool = False) -> str:
        """The generated Jinja template (see :func:`swiftkit.templates.jinja.generate_chat_template`)."""
        return generate_chat_template(self.spec, assistant_masks=assistant_masks, first_round=self.FIRST_ROUND)
