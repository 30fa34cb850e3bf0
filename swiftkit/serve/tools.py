"""Tool calling for ``POST /v1/chat/completions`` (OpenAI's ``tools`` / ``tool_choice``).

A request with ``tools``, or with earlier assistant ``tool_calls`` in its messages, is written
into the prompt by the served template's agent template (the one the model was trained with:
the run's ``--agent_template``, else the chat template's default) and the reply is parsed back
by the same agent template into OpenAI ``tool_calls``, with ``finish_reason: "tool_calls"``.

``parallel_tool_calls: false`` keeps a reply's first call only. ``tool_choice``: ``"auto"`` (the default) lets the model choose; ``"none"`` renders no tools and
parses nothing; ``"required"`` and ``{"type": "function", "function": {"name": ...}}`` start the
reply with the agent template's call opening (:meth:`AgentTemplate.call_prefix`, sent to the
engine as ``ChatRequest.prefill``), so the model writes a call (of that function). A named
function must be one of ``tools``. The agent template's stop words (ReAct's ``Observation:``)
join the request's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.errors import RowError
from swiftkit.core.templates.agent import ParsedReply, StreamParser


class ToolRequestError(ValueError):
    """A request's tools or tool messages are malformed: ``param`` names the field."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass
class ToolPlan:
    """How one request with tool data is sent and read back."""

    agent: Any
    messages: list[dict[str, Any]]  # plain messages for the engine
    tools: list[dict[str, Any]]
    prefill: str = ""
    parse: bool = True
    stops: list[str] = field(default_factory=list)
    #: ``parallel_tool_calls: false``: only a reply's first call is returned
    single_call: bool = False

    def read(self, text: str) -> ParsedReply:
        """The reply (with what the prompt forced) as content and calls."""
        if not self.parse:
            return ParsedReply(text)
        parsed = self.agent.parse(self.prefill + text, self.tools)
        if self.single_call:
            parsed.tool_calls = parsed.tool_calls[:1]
        return parsed

    def message(self, text: str, finish_reason: str) -> tuple[dict[str, Any], str]:
        """The OpenAI assistant message and finish reason for a finished reply."""
        parsed = self.read(text)
        if not parsed.tool_calls:
            return {"role": "assistant", "content": parsed.content}, finish_reason
        return ({"role": "assistant", "content": parsed.content or None,
                 "tool_calls": [c.to_openai() for c in parsed.tool_calls]}, "tool_calls")

    def stream(self) -> ToolStream:
        return ToolStream(self)


class ToolStream:
    """Turns streamed text into OpenAI delta dicts (content deltas, then one ``tool_calls``
    delta per call as soon as it is complete)."""

    def __init__(self, plan: ToolPlan):
        self.plan = plan
        self.parser: StreamParser | None = plan.agent.stream_parser(plan.tools, plan.prefill) if plan.parse else None
        self.calls = 0

    def _deltas(self, events: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for kind, value in events:
            if kind == "content":
                out.append({"content": value})
            elif self.plan.single_call and self.calls:
                continue
            else:
                call = value.to_openai()
                out.append({"tool_calls": [{"index": self.calls, **call}]})
                self.calls += 1
        return out

    def feed(self, delta: str) -> list[dict[str, Any]]:
        if self.parser is None:
            return [{"content": delta}] if delta else []
        return self._deltas(self.parser.feed(delta))

    def finish(self, finish_reason: str) -> tuple[list[dict[str, Any]], str]:
        if self.parser is None:
            return [], finish_reason
        deltas = self._deltas(self.parser.finish())
        return deltas, "tool_calls" if self.calls else finish_reason


def _choice_name(tool_choice: Any) -> str | None:
    if isinstance(tool_choice, dict):
        fn = tool_choice.get("function") if tool_choice.get("type", "function") == "function" else None
        name = fn.get("name") if isinstance(fn, dict) else None
        if not isinstance(name, str) or not name:
            raise ToolRequestError("tool_choice", "a named tool_choice is {'type': 'function', 'function': {'name': ...}}")
        return name
    if tool_choice not in (None, "auto", "none", "required"):
        raise ToolRequestError("tool_choice", f"tool_choice must be 'auto', 'none', 'required' or a named function, "
                                              f"not {tool_choice!r}")
    return None


def plan_tools(messages: list[dict[str, Any]], tools: Any, tool_choice: Any, template: Any,
               parallel_tool_calls: bool | None = None) -> ToolPlan | None:
    """The plan for a request, or ``None`` when it has no tool data (answered as plain chat).

    ``messages`` are the request's messages as dicts (roles as OpenAI's). Raises
    :class:`ToolRequestError` for malformed tools, calls, results or choices."""
    from swiftkit.templates.tools import normalize_conversation, normalize_tools

    has_calls = any(m.get("tool_calls") for m in messages)
    if not tools and not has_calls:
        if tool_choice not in (None, "auto", "none"):
            raise ToolRequestError("tool_choice", "tool_choice needs tools")
        return None
    agent = getattr(template, "agent_template", None)
    if agent is None:
        raise ToolRequestError("tools", "this server's template has no agent template, so it cannot write tools")
    try:
        tools = normalize_tools(tools, "tools")
        canonical = normalize_conversation(messages, "messages", require_response=False)
    except RowError as exc:  # OpenAI's parameter paths: tools.0.function.name
        param = re.sub(r"\[(\d+)\]", r".\1", exc.field)
        raise ToolRequestError(param, f"{param}: {exc.reason}") from None
    name = _choice_name(tool_choice)
    if name is not None:
        known = [t["function"]["name"] for t in tools]
        if name not in known:
            raise ToolRequestError("tool_choice", f"tool_choice names {name!r}, which is not among the tools "
                                                  f"({', '.join(map(repr, known)) or 'none given'})")
    if tool_choice in ("required",) or name is not None:
        if not tools:
            raise ToolRequestError("tool_choice", "tool_choice needs tools")
    use_tools = [] if tool_choice == "none" else tools
    try:
        prefill = agent.call_prefix(name) if (tool_choice == "required" or name is not None) else ""
    except ValueError as exc:
        raise ToolRequestError("tool_choice", str(exc)) from None
    plain = template.with_tools(canonical, use_tools)
    return ToolPlan(agent, plain, use_tools, prefill, parse=tool_choice != "none" and bool(use_tools),
                    stops=agent.stop_words if use_tools else [], single_call=parallel_tool_calls is False)


def request_messages(body_messages: list[Any]) -> list[dict[str, Any]]:
    """The request's messages as dicts (``developer`` read as ``system``), tool fields kept; a
    content list with media parts is kept as a list of part dicts (the server turns it into
    tags, :func:`swiftkit.serve.media.parse_messages`), any other content is text."""
    out = []
    for m in body_messages:
        content = [dict(p) for p in m.content] if m.has_media() else m.text()
        d: dict[str, Any] = {"role": "system" if m.role == "developer" else m.role, "content": content}
        if m.tool_calls:
            d["tool_calls"] = m.tool_calls
        if m.tool_call_id:
            d["tool_call_id"] = m.tool_call_id
        if m.name and m.role == "tool":
            d["name"] = m.name
        out.append(d)
    return out
