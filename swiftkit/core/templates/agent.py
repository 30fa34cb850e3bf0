"""What an agent template's ``impl`` must implement: one family's tool-calling format.

An agent template (``swift list agent-templates``; ms-swift's ``--agent_template``) is combined
with any chat template. The chat template delimits turns; the agent template decides what goes
*inside* them when a conversation carries tools:

- :meth:`AgentTemplate.render_messages` turns a conversation in the canonical tool form (below)
  and its ``tools`` list into plain ``{"role", "content"}`` messages that the chat template
  renders as usual: the tools written into the system prompt (or wherever the family's real chat
  template puts them), each assistant turn's calls written into its content, tool results written
  as ``tool`` or ``user`` turns. Training therefore labels the calls (assistant content) and never
  the tool output (not an assistant turn), with no change to the chat template;
- :meth:`AgentTemplate.parse` reads a generated reply back into content and :class:`ToolCall`\\ s,
  and :meth:`AgentTemplate.stream_parser` does it incrementally for streaming;
- :meth:`AgentTemplate.call_prefix` is the text that opens a call, which a server appends to
  the generation prompt to force one (``tool_choice: "required"`` or a named function).

The canonical tool form (OpenAI's, with arguments decoded)::

    tools:      [{"type": "function", "function": {"name", "description"?, "parameters"?}}, ...]
    assistant:  {"role": "assistant", "content": str, "tool_calls": [
                    {"id"?: str, "type": "function", "function": {"name": str, "arguments": <JSON value>}}]}
    tool:       {"role": "tool", "content": str, "tool_call_id"?: str, "name"?: str}

``swiftkit.templates.tools`` converts ms-swift's shape (``tool_call`` / ``tool_response`` roles)
and OpenAI's (``arguments`` as a JSON string) into it.

Rules for an implementation: it holds no state between calls (one object serves concurrent
requests; a stream parser is a fresh object per stream); rendering is deterministic (it is
part of the training data's cache key); :meth:`parse` never raises on model output (text it
cannot read as a call is content).
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from swiftkit.core.specs import AgentTemplateSpec, TemplateSpec

Message = dict


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON as Hugging Face chat templates write it (Jinja's ``tojson``: non-ASCII kept, ``", "``/``": "``)."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


def new_call_id() -> str:
    """An id for a tool call the model did not name (OpenAI's ``call_`` + 24 characters)."""
    return "call_" + uuid.uuid4().hex[:24]


@dataclass
class ToolCall:
    """One call a reply makes: the function's ``name`` and its ``arguments`` (decoded JSON;
    a string when the model wrote arguments that are not JSON)."""

    name: str
    arguments: Any = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else dumps(self.arguments)

    def to_openai(self) -> dict[str, Any]:
        """The call as OpenAI's API returns it (``arguments`` a JSON string; an id made up when none)."""
        return {"id": self.id or new_call_id(), "type": "function",
                "function": {"name": self.name, "arguments": self.arguments_json()}}


@dataclass
class ParsedReply:
    """A generated reply split into its text and its calls (in order)."""

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)


def calls_of(message: Message) -> list[ToolCall]:
    """The :class:`ToolCall`\\ s of a canonical assistant message (none: ``[]``)."""
    out = []
    for call in message.get("tool_calls") or []:
        fn = call.get("function", call)
        out.append(ToolCall(fn["name"], fn.get("arguments", {}), call.get("id")))
    return out


class StreamParser:
    """Reads a streamed reply piece by piece: :meth:`feed` returns the events the new text
    completes, :meth:`finish` the rest. Events are ``("content", text)`` and
    ``("tool_call", ToolCall)``; content is passed on as soon as it cannot be the start of a
    call, and each call as soon as :meth:`AgentTemplate.parse` reads it complete (at the end
    for a template whose :attr:`AgentTemplate.incremental` is false).

    The default works for every format whose calls begin with a marker
    (:attr:`AgentTemplate.call_start`); a format without one sends its content at the end.
    """

    def __init__(self, agent: AgentTemplate, tools: list[dict[str, Any]] | None = None, prefix: str = ""):
        self.agent, self.tools = agent, tools
        self.text = prefix  # the reply so far (a forced call prefix included)
        self.sent = 0  # characters of content passed on
        self.calls = 0  # calls passed on
        self.in_calls = False

    def _content_limit(self) -> int:
        """How much of the reply is surely content: up to the call marker, less any tail that may begin it."""
        marker = self.agent.call_start
        if not marker:
            return 0
        at = self.text.find(marker)
        if at >= 0:
            self.in_calls = True
            return at
        for k in range(min(len(marker) - 1, len(self.text)), 0, -1):
            if marker.startswith(self.text[-k:]):
                return len(self.text) - k
        return len(self.text)

    def feed(self, delta: str) -> list[tuple[str, Any]]:
        self.text += delta
        events: list[tuple[str, Any]] = []
        if not self.in_calls:
            limit = self._content_limit()
            if limit > self.sent:
                events.append(("content", self.text[self.sent:limit]))
                self.sent = limit
        if self.in_calls and self.agent.incremental:
            calls = self.agent.parse(self.text, self.tools).tool_calls
            events += [("tool_call", c) for c in calls[self.calls:]]
            self.calls = max(self.calls, len(calls))
        return events

    def finish(self) -> list[tuple[str, Any]]:
        parsed = self.agent.parse(self.text, self.tools)
        events: list[tuple[str, Any]] = []
        sent = self.text[: self.sent]
        if parsed.tool_calls and parsed.content.startswith(sent):
            rest = parsed.content[len(sent):]
        elif parsed.tool_calls:
            rest = ""  # the content sent already holds what the calls' parse keeps
        else:
            rest = self.text[self.sent:]
        if rest:
            events.append(("content", rest))
        events += [("tool_call", c) for c in parsed.tool_calls[self.calls:]]
        return events


class AgentTemplate(ABC):
    """One tool-calling format. Created as ``impl(spec)`` (an
    :class:`~swiftkit.core.specs.AgentTemplateSpec`); see the module docstring for the rules.

    A subclass implements :meth:`format_tools`, :meth:`format_calls` and :meth:`parse`; the
    other members have defaults that fit most formats.
    """

    #: the text every call begins with (``<tool_call>``), used by the stream parser and
    #: :meth:`call_prefix`; ``""`` when calls have no marker
    call_start: ClassVar[str] = ""
    #: whether :meth:`parse` reads a call complete as soon as it is written (closing tag or
    #: complete JSON), so the stream parser passes calls on before the reply ends
    incremental: ClassVar[bool] = True
    #: where :meth:`render_messages` puts the tools text: ``"system"`` (the system prompt; the
    #: chat template's default system prompt is kept before it), ``"first_user"`` or ``"last_user"``
    tools_placement: ClassVar[str] = "system"

    def __init__(self, spec: AgentTemplateSpec):
        self.spec = spec

    @property
    def stop_words(self) -> list[str]:
        """Strings that end a reply in this format, on top of the chat template's."""
        return list(self.spec.stop_words)

    # ------------------------------------------------------------------ rendering

    @abstractmethod
    def format_tools(self, tools: list[dict[str, Any]], text: str | None) -> str:
        """The text that carries ``tools`` (canonical form), given the ``text`` of the message it
        goes into (the system prompt, or the user message for other placements; ``None``: none)."""

    @abstractmethod
    def format_calls(self, content: str, calls: list[ToolCall]) -> str:
        """The content of an assistant turn that says ``content`` and makes ``calls``."""

    def format_results(self, results: list[Message], calls: list[ToolCall], template: TemplateSpec | None) -> list[Message]:
        """Plain messages for consecutive tool results answering ``calls`` (the calls of the
        assistant turn before; may be fewer). Default: each result as a ``tool`` message when the
        chat template has a tool role, else as a ``user`` message."""
        role = "tool" if template is None or template.tool is not None else "user"
        return [{"role": role, "content": r["content"]} for r in results]

    def render_messages(self, messages: list[Message], tools: list[dict[str, Any]] | None = None, *,
                        template: TemplateSpec | None = None) -> list[Message]:
        """``messages`` (canonical tool form) with ``tools`` as plain ``{"role", "content"}``
        messages for the chat template ``template`` (whose ``default_system`` is kept before the
        tools text when the conversation has no system prompt). A conversation without tools and
        calls comes back as it was."""
        out: list[Message] = []
        last_calls: list[ToolCall] = []
        i = 0
        while i < len(messages):
            m = messages[i]
            role = m["role"]
            if role == "tool":
                j = i
                while j < len(messages) and messages[j]["role"] == "tool":
                    j += 1
                out += self.format_results(messages[i:j], last_calls, template)
                i = j
                continue
            if role == "assistant":
                last_calls = calls_of(m)
                content = m.get("content") or ""
                out.append({"role": "assistant", "content": self.format_calls(content, last_calls) if last_calls else content})
            else:
                out.append({"role": role, "content": m.get("content") or ""})
            i += 1
        if tools:
            out = self._place_tools(out, tools, template)
        return out

    def _place_tools(self, messages: list[Message], tools: list[dict[str, Any]], template: TemplateSpec | None) -> list[Message]:
        if self.tools_placement == "system":
            if messages and messages[0]["role"] == "system":
                return [{"role": "system", "content": self.format_tools(tools, messages[0]["content"])}, *messages[1:]]
            default = template.default_system if template is not None else None
            return [{"role": "system", "content": self.format_tools(tools, default)}, *messages]
        users = [k for k, m in enumerate(messages) if m["role"] == "user"]
        if not users:
            raise ValueError(f"agent template {self.spec.id!r} writes the tools into a user message, and there is none")
        k = users[0] if self.tools_placement == "first_user" else users[-1]
        messages = list(messages)
        messages[k] = {"role": "user", "content": self.format_tools(tools, messages[k]["content"])}
        return messages

    # ------------------------------------------------------------------ parsing

    @abstractmethod
    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedReply:
        """A generated reply as content and calls; text that is not a well-formed call stays
        content. ``tools`` (canonical form) are the request's, for formats that need the names."""

    def stream_parser(self, tools: list[dict[str, Any]] | None = None, prefix: str = "") -> StreamParser:
        """A fresh parser for one streamed reply; ``prefix`` is text the prompt forced (:meth:`call_prefix`)."""
        return StreamParser(self, tools, prefix)

    def call_prefix(self, name: str | None = None) -> str:
        """The text that opens a call (of the function ``name`` when given), which a reply then
        continues: appended to the generation prompt it forces a call. Default: :attr:`call_start`."""
        if not self.call_start:
            raise ValueError(f"agent template {self.spec.id!r} cannot force a tool call (its calls have no opening text)")
        return self.call_start
