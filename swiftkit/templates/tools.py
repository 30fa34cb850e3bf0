"""Tool data in, canonical tool form out (see :mod:`swiftkit.core.templates.agent`).

Two shapes are read, in dataset rows and in server requests alike:

- ms-swift's: a ``tools`` column (a list, or a JSON string of one) and ``tool_call`` messages
  whose content is ``{"name", "arguments"}`` JSON (consecutive ones belong to one assistant turn,
  together with an assistant message just before them: its text), answered by
  ``tool_response`` (or ``tool``) messages;
- OpenAI's: an assistant message with ``tool_calls`` (``{"id", "type": "function", "function":
  {"name", "arguments": <JSON string>}}``), answered by ``tool`` messages with ``tool_call_id``.

Errors are :class:`~swiftkit.core.errors.RowError`\\ s naming the field as the row spells it
(``messages[2].tool_calls[0].function.arguments``); the data pipeline adds the file and row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from swiftkit.core.errors import RowError

#: roles of ms-swift's agent rows, besides the canonical ones
CALL_ROLES = ("tool_call", "function_call")
RESULT_ROLES = ("tool_response", "observation", "tool")


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _json(value: Any, path: str, what: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise RowError(path, f"not valid JSON: {what} ({exc.msg} at character {exc.pos})") from None


def normalize_tools(value: Any, field: str = "tools") -> list[dict[str, Any]]:
    """A ``tools`` value (list, JSON string, or list of JSON strings) as canonical tools;
    ``None`` / empty: ``[]``."""
    if value is None or value == "" or value == []:
        return []
    value = _json(value, field, "the tools list")
    if not _is_list(value):
        raise RowError(field, f"must be a list of tools, got {type(value).__name__}")
    out = []
    for i, tool in enumerate(value):
        path = f"{field}[{i}]"
        tool = _json(tool, path, "the tool")
        if not isinstance(tool, Mapping):
            raise RowError(path, f"must be a tool object, got {type(tool).__name__}")
        fn = tool.get("function", tool) if tool.get("type", "function") == "function" else None
        if not isinstance(fn, Mapping):
            raise RowError(path, "must be {'type': 'function', 'function': {'name', 'description', 'parameters'}}")
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            raise RowError(f"{path}.function.name" if "function" in tool else f"{path}.name", "missing or not a string")
        out.append({"type": "function", "function": dict(fn)})
    return out


def _call(value: Any, path: str) -> dict[str, Any]:
    """One call, OpenAI-shaped or flat ``{"name", "arguments"}``, as a canonical call."""
    if not isinstance(value, Mapping):
        raise RowError(path, f"must be a call object, got {type(value).__name__}")
    fn, fpath = (value["function"], f"{path}.function") if "function" in value else (value, path)
    if not isinstance(fn, Mapping):
        raise RowError(fpath, "must be {'name', 'arguments'}")
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise RowError(f"{fpath}.name", "missing or not a string")
    arguments = fn.get("arguments", fn.get("parameters", {}))
    arguments = _json(arguments, f"{fpath}.arguments", "the call's arguments")
    if arguments is None:
        arguments = {}
    call: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if value.get("id"):
        call["id"] = str(value["id"])
    return call


def _text(value: Any, path: str, *, required: bool) -> str:
    if value is None:
        if required:
            raise RowError(path, "missing")
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (Mapping, list, int, float, bool)):
        return json.dumps(value, ensure_ascii=False)  # a tool result given as JSON
    raise RowError(path, f"must be a string, got {type(value).__name__}")


def has_tool_data(row: Mapping[str, Any], field: str = "messages") -> bool:
    """Whether a row carries tools, tool calls or ms-swift's tool roles."""
    tools = row.get("tools")
    if tools not in (None, "", []):
        return True
    messages = row.get(field)
    if not _is_list(messages):
        return False
    return any(isinstance(m, Mapping) and (m.get("tool_calls") or m.get("role") in CALL_ROLES + ("tool_response",))
               for m in messages)


def normalize_conversation(messages: Any, field: str = "messages", *, require_response: bool = True,
                           role_key: str = "role", content_key: str = "content") -> list[dict[str, Any]]:
    """A conversation with tool calls and results in either shape as canonical messages.

    Checks: the first message after an optional system prompt is a user message; a tool result
    follows a turn that calls (or another result); a call names a function and its arguments are
    JSON; an assistant turn says something or calls; with ``require_response`` the last message is
    an assistant reply (a final answer or a call). ``role_key`` / ``content_key`` read ShareGPT's
    ``from`` / ``value``."""
    if messages is None:
        raise RowError(field, "is null")
    if not _is_list(messages):
        raise RowError(field, f"must be a list of messages, got {type(messages).__name__}")
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        path = f"{field}[{i}]"
        if not isinstance(m, Mapping):
            raise RowError(path, f"must be a dict with {role_key!r} and {content_key!r}")
        role = m.get(role_key)
        role = {"human": "user", "gpt": "assistant"}.get(role, role)
        content_path = f"{path}.{content_key}"
        if role in CALL_ROLES:
            call = _call(_json(m.get(content_key), content_path, "the call"), content_path)
            if out and out[-1]["role"] == "assistant":
                out[-1].setdefault("tool_calls", []).append(call)
            else:
                out.append({"role": "assistant", "content": "", "tool_calls": [call]})
            continue
        if role in RESULT_ROLES:
            if not out or out[-1]["role"] not in ("tool", "assistant"):
                raise RowError(f"{path}.{role_key}", "a tool result must follow an assistant turn that calls a tool")
            result = {"role": "tool", "content": _text(m.get(content_key), content_path, required=False)}
            if m.get("tool_call_id"):
                result["tool_call_id"] = str(m["tool_call_id"])
            if m.get("name"):
                result["name"] = str(m["name"])
            out.append(result)
            continue
        if role not in ("system", "user", "assistant"):
            raise RowError(f"{path}.{role_key}", f"unknown role {role!r}; expected system, user, assistant, tool, "
                                                 "tool_call or tool_response")
        message: dict[str, Any] = {"role": role, "content": _text(m.get(content_key), content_path,
                                                                  required=role != "assistant" or not m.get("tool_calls"))}
        if role == "assistant" and m.get("tool_calls"):
            calls = m["tool_calls"]
            if not _is_list(calls):
                raise RowError(f"{path}.tool_calls", "must be a list of calls")
            message["tool_calls"] = [_call(c, f"{path}.tool_calls[{k}]") for k, c in enumerate(calls)]
        elif m.get("tool_calls"):
            raise RowError(f"{path}.tool_calls", f"only assistant messages make tool calls, not {role!r}")
        if role == "system" and i:
            raise RowError(f"{path}.{role_key}", "a system message is only allowed as the first message")
        if role == "system" and not message["content"]:
            continue  # an empty system prompt means none
        out.append(message)
    body = out[1:] if out and out[0]["role"] == "system" else out
    if not body:
        raise RowError(field, "no message besides the system prompt")
    if body[0]["role"] != "user":
        raise RowError(field, f"the conversation must start with a user message, not {body[0]['role']!r}")
    for k, m in enumerate(out):
        if m["role"] in ("user",) and not m["content"].strip():
            raise RowError(field, f"message {k}: empty user message")
        if m["role"] == "assistant" and not m["content"].strip() and not m.get("tool_calls"):
            raise RowError(field, f"message {k}: empty assistant reply")
    if require_response and out[-1]["role"] != "assistant":
        raise RowError(field, f"the conversation must end with an assistant reply, not {out[-1]['role']!r}")
    return out
