"""Row converters for the built-in dataset formats (see :mod:`swiftkit.plugins.datasets.formats`).

Every chat converter returns the canonical ``{"messages": [{"role", "content"}, ...]}`` with
roles ``system``, ``user``, ``assistant`` and ``tool``; :class:`TextConverter` returns
``{"text": ...}`` for pre-training. A malformed row raises
:class:`~swiftkit.core.errors.RowError` naming the field (``conversations[2].from``); no row
is dropped or repaired silently.

Error policy for conversations (one place: :meth:`ChatConverter.finish`):

- the conversation must not be empty; a system message may only come first, and the first
  other message must be a user message;
- user and assistant contents must be non-blank strings: an empty (or whitespace-only)
  assistant reply is an error, it would teach the model to stop at once;
- an empty system prompt (``""`` or ``None``, as in many datasets) means "no system prompt" and
  is dropped; tool results may be empty;
- a system prompt given both as a ``system`` column and as a leading system message is an error;
- for training (``require_response``, the default) the conversation must end with an assistant
  reply; set ``converter.require_response = False`` to convert prompts for inference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from swiftkit.core.data.interface import RowConverter
from swiftkit.core.errors import RowError

ROLES = ("system", "user", "assistant", "tool")

#: ShareGPT ``from`` values -> canonical roles (function calls are the assistant's reply,
#: observations are tool results).
SHAREGPT_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "function_call": "assistant",
    "observation": "tool",
    "tool": "tool",
}


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def required_str(row: Mapping[str, Any], field: str) -> str:
    """``row[field]`` as a string; missing, null or non-string values raise."""
    if field not in row or row[field] is None:
        raise RowError(field, "missing" if field not in row else "is null")
    value = row[field]
    if not isinstance(value, str):
        raise RowError(field, f"must be a string, got {_type(value)}")
    return value


def optional_str(row: Mapping[str, Any], field: str) -> str | None:
    """``row[field]`` as a string, or ``None`` when missing, null or empty."""
    value = row.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(field, f"must be a string, got {_type(value)}")
    return value or None


class ChatConverter(RowConverter):
    """Base of the converters producing conversations: the shared checks."""

    #: Whether a row must end with an assistant reply (training); ``False`` for inference prompts.
    require_response: bool = True

    def finish(
        self,
        turns: list[tuple[str, str, str, str]],
        *,
        field: str,
        system: str | None = None,
    ) -> dict[str, Any]:
        """Check ``turns`` (``(role, content, content field, role field)``) and return the
        canonical row; the fields are the paths errors name (``messages[2].content``).

        ``field`` names the whole conversation (for an empty one); ``system`` is the prompt
        from a ``system`` column, if any.
        """
        turns = [t for t in turns if not (t[0] == "system" and not t[1])]  # "" system = none
        if system is not None:
            if turns and turns[0][0] == "system":
                raise RowError("system", "given both as the 'system' column and as a leading system message")
            turns.insert(0, ("system", system, "system", "system"))
        body = turns[1:] if turns and turns[0][0] == "system" else turns
        if not body:
            raise RowError(field, "empty conversation" if not turns else "no message besides the system prompt")
        for role, content, path, role_path in body:
            if role == "system":
                raise RowError(role_path, "a system message is only allowed as the first message")
            if role in ("user", "assistant") and not content.strip():
                raise RowError(path, "empty assistant reply" if role == "assistant" else "empty user message")
        if body[0][0] != "user":
            raise RowError(body[0][3], f"the conversation must start with a user message, not {body[0][0]!r}")
        if self.require_response and body[-1][0] != "assistant":
            raise RowError(body[-1][3], f"the conversation must end with an assistant reply, not {body[-1][0]!r}")
        return {"messages": [{"role": t[0], "content": t[1]} for t in turns]}

    def history(self, row: Mapping[str, Any], field: str = "history") -> list[tuple[str, str, str, str]]:
        """Turns from an optional ``[[query, response], ...]`` column."""
        value = row.get(field)
        if value is None:
            return []
        if not _is_list(value):
            raise RowError(field, f"must be a list of [query, response] pairs, got {_type(value)}")
        turns = []
        for i, pair in enumerate(value):
            if not _is_list(pair) or len(pair) != 2:
                raise RowError(f"{field}[{i}]", "must be a [query, response] pair")
            for j, role in enumerate(("user", "assistant")):
                if not isinstance(pair[j], str):
                    raise RowError(f"{field}[{i}][{j}]", f"must be a string, got {_type(pair[j])}")
                turns.append((role, pair[j], f"{field}[{i}][{j}]", f"{field}[{i}][{j}]"))
        return turns


class MessagesConverter(ChatConverter):
    """``{"messages": [{"role", "content"}, ...], "system"?: str}`` (the canonical form itself).

    Other keys of a message (``name``, ``loss``, ...) are not carried over.
    """

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        field = "messages"
        if field not in row or row[field] is None:
            raise RowError(field, "missing" if field not in row else "is null")
        messages = row[field]
        if not _is_list(messages):
            raise RowError(field, f"must be a list of messages, got {_type(messages)}")
        turns = []
        for i, m in enumerate(messages):
            path = f"{field}[{i}]"
            if not isinstance(m, Mapping):
                raise RowError(path, f"must be a dict with 'role' and 'content', got {_type(m)}")
            role = m.get("role")
            if role is None:
                raise RowError(f"{path}.role", "missing")
            if role not in ROLES:
                raise RowError(f"{path}.role", f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
            content = m.get("content")
            if content is None and role != "system":
                raise RowError(f"{path}.content", "missing")
            if content is not None and not isinstance(content, str):
                raise RowError(f"{path}.content", f"must be a string, got {_type(content)}")
            turns.append((role, content or "", f"{path}.content", f"{path}.role"))
        return self.finish(turns, field=field, system=optional_str(row, "system"))


class ShareGPTConverter(ChatConverter):
    """``{"conversations": [{"from", "value"}, ...], "system"?: str}``; ``from`` values are
    mapped with :data:`SHAREGPT_ROLES`."""

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        field = "conversations"
        if field not in row or row[field] is None:
            raise RowError(field, "missing" if field not in row else "is null")
        conversation = row[field]
        if not _is_list(conversation):
            raise RowError(field, f"must be a list of turns, got {_type(conversation)}")
        turns = []
        for i, turn in enumerate(conversation):
            path = f"{field}[{i}]"
            if not isinstance(turn, Mapping):
                raise RowError(path, f"must be a dict with 'from' and 'value', got {_type(turn)}")
            source = turn.get("from")
            if source is None:
                raise RowError(f"{path}.from", "missing")
            role = SHAREGPT_ROLES.get(str(source).lower()) if isinstance(source, str) else None
            if role is None:
                raise RowError(
                    f"{path}.from", f"unknown role {source!r}; expected one of {', '.join(SHAREGPT_ROLES)}"
                )
            value = turn.get("value")
            if value is None and role != "system":
                raise RowError(f"{path}.value", "missing")
            if value is not None and not isinstance(value, str):
                raise RowError(f"{path}.value", f"must be a string, got {_type(value)}")
            turns.append((role, value or "", f"{path}.value", f"{path}.from"))
        return self.finish(turns, field=field, system=optional_str(row, "system"))


class AlpacaConverter(ChatConverter):
    """``{"instruction", "input"?, "output", "system"?, "history"?}``: the user message is the
    instruction, then a newline and the input when there is one (as ms-swift does)."""

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        instruction = required_str(row, "instruction")
        extra = optional_str(row, "input")
        query = "\n".join(p for p in (instruction, extra) if p)
        output = required_str(row, "output")
        turns = self.history(row)
        # an empty instruction with no input is reported on "instruction"
        turns += [("user", query, "instruction", "instruction"), ("assistant", output, "output", "output")]
        return self.finish(turns, field="instruction", system=optional_str(row, "system"))


class QueryResponseConverter(ChatConverter):
    """ms-swift's ``{"query", "response", "history"?: [[q, a], ...], "system"?}``."""

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        query = required_str(row, "query")
        response = required_str(row, "response")
        turns = self.history(row) + [("user", query, "query", "query"), ("assistant", response, "response", "response")]
        return self.finish(turns, field="query", system=optional_str(row, "system"))


class TextConverter(RowConverter):
    """``{"text"}`` for pre-training: returns ``{"text": ...}``; blank text is an error."""

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        text = required_str(row, "text")
        if not text.strip():
            raise RowError("text", "empty text")
        return {"text": text}
