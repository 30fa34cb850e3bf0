"""GLM-4's tool format (GLM-4-9B-chat, GLM-4-0414).

The tools close the system prompt under a ``# Available tools`` heading, one ``## name`` section
each with the function as indented JSON; a call is the function's name on its own line followed
by its arguments as JSON (the reply holds nothing else); a result is an observation turn (the
chat template's tool role). Several calls are written one after another. No real chat template
of this family is stored in the repository, so this format is not parity-checked.
"""

from __future__ import annotations

import re
from typing import Any

from swiftkit.core.templates.agent import AgentTemplate, ParsedReply, StreamParser, ToolCall, dumps
from swiftkit.plugins.templates.agents._calls import decode_arguments, function_of, json_objects, tool_names

_NAME = re.compile(r"^([A-Za-z_][\w.\-]*)\n")


class _WholeReply(StreamParser):
    """A GLM call has no marker: the reply is held back until its first line shows whether it
    names a function; then content streams, or the calls come at the end."""

    def feed(self, delta: str) -> list[tuple[str, Any]]:
        self.text += delta
        if self.in_calls or "\n" not in self.text:
            return []
        first = self.text.split("\n", 1)[0].strip()
        if _NAME.match(first + "\n") and (not self.tools or first in tool_names(self.tools)):
            self.in_calls = True
            return []
        self.in_calls, self.sent = False, len(self.text)
        return [("content", self.text)] if self.text else []

    def finish(self) -> list[tuple[str, Any]]:
        if not self.in_calls and self.sent:
            rest = self.text[self.sent:]
            return [("content", rest)] if rest else []
        return super().finish()


class GLM4AgentTemplate(AgentTemplate):
    incremental = False

    def format_tools(self, tools: list[dict[str, Any]], text: str | None) -> str:
        sections = "".join(f"\n\n## {function_of(t).get('name')}\n\n{dumps(function_of(t), indent=4)}\n"
                           "When calling the function above, write its arguments as JSON." for t in tools)
        return (f"{text}\n\n" if text else "") + "# Available tools" + sections

    def format_calls(self, content: str, calls: list[ToolCall]) -> str:
        written = "\n".join(f"{c.name}\n{c.arguments_json()}" for c in calls)
        return f"{content}\n{written}" if content else written

    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedReply:
        names = tool_names(tools)
        calls, kept, pos = [], [], 0
        for m in re.finditer(r"(?m)^([A-Za-z_][\w.\-]*)[ \t]*\n(?=[{\[])", text):
            if m.start() < pos or (names and m.group(1) not in names):
                continue
            found = json_objects(text[m.end():])
            if not found or found[0][0] != 0:
                continue
            kept.append(text[pos:m.start()])
            pos = m.end() + found[0][1]
            calls.append(ToolCall(m.group(1), decode_arguments(found[0][2])))
        if not calls:
            return ParsedReply(text)
        kept.append(text[pos:])
        return ParsedReply("".join(kept).strip(), calls)

    def stream_parser(self, tools: list[dict[str, Any]] | None = None, prefix: str = "") -> StreamParser:
        return _WholeReply(self, tools, prefix)

    def call_prefix(self, name: str | None = None) -> str:
        if not name:
            raise ValueError("agent template 'glm4' can force a named function only (its calls have no opening text)")
        return f"{name}\n"
