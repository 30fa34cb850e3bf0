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

Nothing a row carries is dropped silently. A message key other than ``role`` / ``content``
(``from`` / ``value`` in ShareGPT) that holds a value is an error naming it, except the
metadata of :data:`METADATA_KEYS` that no chat template renders. Per-message loss switches
(``loss``, ``weight``) and OpenAI's legacy ``function_call`` are refused.

Agent rows (a ``tools`` column, assistant ``tool_calls``, ms-swift's ``tool_call`` /
``tool_response`` roles; ShareGPT's ``function_call`` / ``observation`` with a ``tools`` column)
are read by :mod:`swiftkit.templates.tools` into the canonical tool form: ``{"messages": [...
with tool_calls and tool results], "tools": [...]}``; the run's agent template writes them into
the chat template's turns when the row is encoded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from swiftkit.core.data.interface import RowConverter
from swiftkit.core.errors import RowError
from swiftkit.templates.tools import has_tool_data, normalize_conversation, normalize_tools

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


#: message keys ignored: metadata no chat template renders (a participant's or function's
#: name, the id linking a tool result to its call)
METADATA_KEYS = frozenset({"name", "tool_call_id"})

#: message keys refused with a specific reason (others holding a value are "unknown")
_UNSUPPORTED_KEYS = {
    "function_call": "OpenAI's legacy function_call is not read; write the call as tool_calls "
                     "([{'type': 'function', 'function': {'name', 'arguments'}}]) or as a tool_call message",
    "loss": "a per-message loss switch is not supported yet; choose what is trained with --loss_scale "
            "(default: every assistant reply; last_round: the last one) and remove the key",
    "weight": "a per-message weight is not supported yet; choose what is trained with --loss_scale "
              "(default: every assistant reply; last_round: the last one) and remove the key",
}

#: row columns that hold content the chat formats cannot train on yet (refused when not empty)
_UNSUPPORTED_COLUMNS = {
    "images": "images are not supported yet (text-only training)",
    "videos": "videos are not supported yet (text-only training)",
    "audios": "audio is not supported yet (text-only training)",
}


def _empty(value: Any) -> bool:
    """No content: null, or an empty string, list or dict (arrow fills keys a row lacks with null)."""
    return value is None or (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


def check_extra_keys(message: Mapping[str, Any], path: str, known: tuple[str, ...]) -> None:
    """Raise on a key of ``message`` besides ``known`` and :data:`METADATA_KEYS` that holds a
    value: the canonical message keeps only role and content, so it would be lost."""
    for key, value in message.items():
        if key in known or key in METADATA_KEYS or _empty(value):
            continue
        reason = _UNSUPPORTED_KEYS.get(key) or (
            f"unknown message key with a value; only {' and '.join(map(repr, known))} are trained on "
            f"({', '.join(sorted(METADATA_KEYS))} are ignored), so remove it"
        )
        raise RowError(f"{path}.{key}", reason)


def check_columns(row: Mapping[str, Any]) -> None:
    """Raise on a column of :data:`_UNSUPPORTED_COLUMNS` that holds a value."""
    for column, reason in _UNSUPPORTED_COLUMNS.items():
        if not _empty(row.get(column)):
            raise RowError(column, reason)


def _show(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: an error echoes a bad value, not a megabyte of it."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


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


def agent_row(row: Mapping[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The canonical agent row: ``messages`` (canonical tool form) with the row's ``system``
    column put first and its ``tools`` read."""
    system = optional_str(row, "system")
    if system is not None:
        if messages[0]["role"] == "system":
            raise RowError("system", "given both as the 'system' column and as a leading system message")
        messages = [{"role": "system", "content": system}, *messages]
    return {"messages": messages, "tools": normalize_tools(row.get("tools"))}


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

    Of the other keys of a message only :data:`METADATA_KEYS` may hold a value (they are not
    carried over); any other is an error, never dropped silently.
    """

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        field = "messages"
        if field not in row:
            raise RowError(field, "missing")
        check_columns(row)
        if has_tool_data(row, field):
            return agent_row(row, normalize_conversation(row[field], field, require_response=self.require_response))
        return self.finish(_parse_messages(row[field], field), field=field, system=optional_str(row, "system"))


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
        check_columns(row)
        if not _empty(row.get("tools")):
            return agent_row(row, normalize_conversation(conversation, field, require_response=self.require_response,
                                                         role_key="from", content_key="value"))
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
                    f"{path}.from", f"unknown role {_show(source)}; expected one of {', '.join(SHAREGPT_ROLES)}"
                )
            value = turn.get("value")
            if value is None and role != "system":
                raise RowError(f"{path}.value", "missing")
            if value is not None and not isinstance(value, str):
                raise RowError(f"{path}.value", f"must be a string, got {_type(value)}")
            check_extra_keys(turn, path, ("from", "value"))
            turns.append((role, value or "", f"{path}.value", f"{path}.from"))
        return self.finish(turns, field=field, system=optional_str(row, "system"))


class AlpacaConverter(ChatConverter):
    """``{"instruction", "input"?, "output", "system"?, "history"?}``: the user message is the
    instruction, then a newline and the input when there is one (as ms-swift does)."""

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        check_columns(row)
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
        check_columns(row)
        query = required_str(row, "query")
        response = required_str(row, "response")
        turns = self.history(row) + [("user", query, "query", "query"), ("assistant", response, "response", "response")]
        return self.finish(turns, field="query", system=optional_str(row, "system"))


class TextConverter(RowConverter):
    """``{"text"}`` for pre-training: returns ``{"text": ...}``; blank text is an error."""

    #: the data layouts this format feeds (plain text: pre-training only)
    modes: tuple[str, ...] = ("pt",)

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        text = required_str(row, "text")
        if not text.strip():
            raise RowError("text", "empty text")
        return {"text": text}


# ------------------------------------------------------------------------------ preference data
#
# Converters for preference training (DPO/ORPO/SimPO/CPO: pairs; KTO: labelled completions;
# GRPO/PPO: prompts). Their ``modes`` name the data layouts they feed (see
# swiftkit.core.data.layout); the plain layouts (``sft``/``pt``) never pick them. Canonical forms (the prompt always ends
# with a user message):
#
# - pairs: ``{"messages": prompt, "chosen": str, "rejected": str}``
# - KTO: ``{"messages": prompt, "completion": str, "label": bool}``
# - prompts: ``{"messages": prompt, "solution": str | None}`` (the pipeline keeps other columns)


def _parse_messages(value: Any, field: str) -> list[tuple[str, str, str, str]]:
    """A ``[{"role", "content"}, ...]`` value as turns ``(role, content, content path, role path)``."""
    if value is None:
        raise RowError(field, "is null")
    if not _is_list(value):
        raise RowError(field, f"must be a list of messages, got {_type(value)}")
    turns = []
    for i, m in enumerate(value):
        path = f"{field}[{i}]"
        if not isinstance(m, Mapping):
            raise RowError(path, f"must be a dict with 'role' and 'content', got {_type(m)}")
        role = m.get("role")
        if role is None:
            raise RowError(f"{path}.role", "missing")
        if role not in ROLES:
            raise RowError(f"{path}.role", f"unknown role {_show(role)}; expected one of {', '.join(ROLES)}")
        check_extra_keys(m, path, ("role", "content"))  # before content: a tool call has content null
        content = m.get("content")
        if content is None and role != "system":
            raise RowError(f"{path}.content", "missing")
        if content is not None and not isinstance(content, str):
            raise RowError(f"{path}.content", f"must be a string, got {_type(content)}")
        turns.append((role, content or "", f"{path}.content", f"{path}.role"))
    return turns


class PreferenceConverter(ChatConverter):
    """Shared checks of the preference converters (prompt, response, label)."""

    #: the ids of the data layouts this format feeds
    modes: tuple[str, ...] = ("preference",)
    require_response = False

    def required(self, row: Mapping[str, Any], field: str) -> Any:
        if field not in row or row[field] is None:
            raise RowError(field, "missing" if field not in row else "is null")
        return row[field]

    def prompt(self, turns: list[tuple[str, str, str, str]], *, field: str, system: str | None) -> list[dict[str, str]]:
        """Checked prompt messages: a conversation that ends with a user message."""
        messages = self.finish(turns, field=field, system=system)["messages"]
        body = [t for t in turns if not (t[0] == "system" and not t[1])]
        if messages[-1]["role"] != "user":
            raise RowError(body[-1][3], f"the prompt must end with a user message, not {messages[-1]['role']!r}")
        return messages

    def prompt_value(self, row: Mapping[str, Any], field: str = "prompt") -> list[dict[str, str]]:
        """A ``prompt`` column: a string (one user message) or a list of messages."""
        value = self.required(row, field)
        if isinstance(value, str):
            turns = [("user", value, field, field)]
        elif _is_list(value):
            turns = _parse_messages(value, field)
        else:
            raise RowError(field, f"must be a string or a list of messages, got {_type(value)}")
        return self.prompt(turns, field=field, system=optional_str(row, "system"))

    def response(self, row: Mapping[str, Any], field: str) -> str:
        """A response column: a non-blank string or a list holding one assistant message."""
        value = self.required(row, field)
        path = field
        if _is_list(value):
            turns = _parse_messages(value, field)
            if len(turns) != 1 or turns[0][0] != "assistant":
                raise RowError(field, "must be a string or a list holding one assistant message")
            value, path = turns[0][1], turns[0][2]
        elif not isinstance(value, str):
            raise RowError(field, f"must be a string or a list holding one assistant message, got {_type(value)}")
        if not value.strip():
            raise RowError(path, "empty response")
        return value

    def conversation(self, row: Mapping[str, Any], field: str, *, system: str | None = None) -> tuple[list[dict[str, str]], str]:
        """A full conversation column ending with an assistant reply: ``(prompt, reply)``."""
        turns = _parse_messages(self.required(row, field), field)
        messages = self.finish(turns, field=field, system=system)["messages"]
        body = [t for t in turns if not (t[0] == "system" and not t[1])]
        if messages[-1]["role"] != "assistant":
            raise RowError(body[-1][3], f"the conversation must end with an assistant reply, not {messages[-1]['role']!r}")
        prompt = messages[:-1]
        if prompt[-1]["role"] != "user":
            raise RowError(body[-2][3], f"the prompt must end with a user message, not {prompt[-1]['role']!r}")
        return prompt, messages[-1]["content"]


class MessagesRejectedConverter(PreferenceConverter):
    """ms-swift's ``{"messages": [..., assistant (chosen)], "rejected_response": str, "system"?}``."""

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        check_columns(row)
        prompt, chosen = self.conversation(row, "messages", system=optional_str(row, "system"))
        rejected = self.response(row, "rejected_response")
        return {"messages": prompt, "chosen": chosen, "rejected": rejected}


class PromptChosenRejectedConverter(PreferenceConverter):
    """``{"prompt": str | messages, "chosen": str | [assistant], "rejected": str | [assistant], "system"?}``."""

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        check_columns(row)
        prompt = self.prompt_value(row)
        return {"messages": prompt, "chosen": self.response(row, "chosen"), "rejected": self.response(row, "rejected")}


class ChosenRejectedConversationsConverter(PreferenceConverter):
    """``{"chosen": messages, "rejected": messages}``: two full conversations that share every
    message but the final assistant reply (as HH-RLHF style data); ``system``? column."""

    def matches(self, columns) -> bool:  # a 'prompt' column means prompt/chosen/rejected
        cols = set(columns)
        return {"chosen", "rejected"} <= cols and "prompt" not in cols

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        check_columns(row)
        system = optional_str(row, "system")
        for field in ("chosen", "rejected"):
            value = self.required(row, field)
            if not _is_list(value):
                raise RowError(field, f"must be a list of messages (a full conversation), got {_type(value)}")
        chosen_prompt, chosen = self.conversation(row, "chosen", system=system)
        rejected_prompt, rejected = self.conversation(row, "rejected", system=system)
        if chosen_prompt != rejected_prompt:
            offset = 1 if system is not None else 0  # the system column is message 0 of both
            for i in range(max(len(chosen_prompt), len(rejected_prompt))):
                a = chosen_prompt[i] if i < len(chosen_prompt) else None
                b = rejected_prompt[i] if i < len(rejected_prompt) else None
                if a != b:
                    j = i - offset
                    if b is None:
                        reason = f"has fewer prompt messages than 'chosen' (chosen[{j}] has no counterpart)"
                    elif a is None:
                        reason = f"has more prompt messages than 'chosen' (no chosen[{j}])"
                    else:
                        what = "role" if a["role"] != b["role"] else "content"
                        reason = f"differs from chosen[{j}] ({what}); both conversations must share the prompt"
                    raise RowError(f"rejected[{j}]", reason)
        return {"messages": chosen_prompt, "chosen": chosen, "rejected": rejected}


class KTOConverter(PreferenceConverter):
    """KTO: ``{"prompt", "completion", "label": bool}`` or ``{"messages": [..., assistant], "label": bool}``."""

    modes = ("kto",)

    def matches(self, columns) -> bool:
        cols = set(columns)
        return "label" in cols and ({"prompt", "completion"} <= cols or "messages" in cols)

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        check_columns(row)
        if "prompt" in row and "completion" in row:
            prompt = self.prompt_value(row)
            completion = self.response(row, "completion")
        else:
            prompt, completion = self.conversation(row, "messages", system=optional_str(row, "system"))
        label = self.required(row, "label")
        if not isinstance(label, bool):
            raise RowError("label", f"must be a boolean (true: desirable, false: undesirable), got {_type(label)}")
        return {"messages": prompt, "completion": completion, "label": label}


class PromptOnlyConverter(PreferenceConverter):
    """Prompts for online RL (GRPO): ``{"prompt": str | messages}`` or ``{"messages": [...]}``,
    optional ``solution`` (or ``answer``) reference for reward functions. A final assistant
    message in ``messages`` is taken as the reference when there is no solution column.
    Numbers as solutions are turned into strings."""

    modes = ("prompt",)

    def matches(self, columns) -> bool:
        cols = set(columns)
        return "prompt" in cols or "messages" in cols

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        reference = None
        if "prompt" in row and row.get("prompt") is not None or "messages" not in row:
            prompt = self.prompt_value(row)
        else:
            turns = _parse_messages(self.required(row, "messages"), "messages")
            body = [t for t in turns if not (t[0] == "system" and not t[1])]
            if body and body[-1][0] == "assistant":
                reference = body[-1][1]
                turns = turns[: turns.index(body[-1])]
                if not [t for t in turns if t[0] != "system"]:
                    raise RowError(body[-1][3], "the conversation must start with a user message, not 'assistant'")
            prompt = self.prompt(turns, field="messages", system=optional_str(row, "system"))
        field = "solution" if "solution" in row else "answer" if "answer" in row else None
        solution = reference
        if field is not None and row[field] is not None:
            value = row[field]
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise RowError(field, f"must be a string (or a number), got {_type(value)}")
            solution = value if isinstance(value, str) else str(value)
        return {"messages": prompt, "solution": solution}
