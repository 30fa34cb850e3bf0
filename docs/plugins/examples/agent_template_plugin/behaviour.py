"""The ``xml_calls`` format (behaviour; the standard library is all it needs)."""

from __future__ import annotations

import json
import re
from typing import Any

from swiftkit.core.templates.agent import AgentTemplate, ParsedReply, ToolCall, dumps

CALL = re.compile(r'<call name="([^"]+)">(.*?)</call>', re.DOTALL)


class XmlCallsAgentTemplate(AgentTemplate):
    call_start = "<call "  # what the stream parser watches for, and what forces a call

    def format_tools(self, tools: list[dict[str, Any]], text: str | None) -> str:
        listed = "\n".join(dumps(t["function"]) for t in tools)
        return (f"{text}\n\n" if text else "") + f"Tools:\n{listed}\nCall one as <call name=\"NAME\">ARGUMENTS</call>."

    def format_calls(self, content: str, calls: list[ToolCall]) -> str:
        written = "".join(f'<call name="{c.name}">{c.arguments_json()}</call>' for c in calls)
        return content + written

    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedReply:
        calls = []
        for m in CALL.finditer(text):
            try:
                calls.append(ToolCall(m.group(1), json.loads(m.group(2))))
            except ValueError:
                continue  # not JSON: stays content
        if not calls:
            return ParsedReply(text)
        return ParsedReply(CALL.sub("", text).strip(), calls)

    def call_prefix(self, name: str | None = None) -> str:
        return f'<call name="{name}">' if name else self.call_start
