"""GLM-4.5 / 4.6 / 4.7's XML tool calls.

As their chat templates write them (parity-checked): the tools form a system turn of their own
before the conversation's system prompt, one JSON object per line inside ``<tools></tools>``; a
call is ``<tool_call>NAME`` followed by one ``<arg_key>``/``<arg_value>`` pair per argument (a
string value written as it is, any other as JSON) and ``</tool_call>``; consecutive results form
one observation turn, each inside ``<tool_response>`` tags. GLM-4.5/4.6 put each part on its
own line, GLM-4.7 writes them without newlines (but for the line after its tools turn's tag).
"""

from __future__ import annotations

import re
from typing import Any

from swiftkit.core.templates.agent import AgentTemplate, Message, ParsedReply, ToolCall, dumps
from swiftkit.plugins.templates.agents._calls import function_of, loads

_CALL = re.compile(r"<tool_call>\s*([^\s<]+)\s*(.*?)</tool_call>", re.DOTALL)
_ARG = re.compile(r"<arg_key>(.*?)</arg_key>\s*<arg_value>(.*?)</arg_value>", re.DOTALL)


class GLM45AgentTemplate(AgentTemplate):
    call_start = "<tool_call>"
    #: the separator between the parts of a call and of the format description
    sep = "\n"

    def format_tools(self, tools: list[dict[str, Any]], text: str | None) -> str:
        n = self.sep
        pairs = n.join(f"<arg_key>{{arg-key-{k}}}</arg_key>{n}<arg_value>{{arg-value-{k}}}</arg_value>" for k in (1, 2))
        # the tools turn opens with a newline in both revisions (GLM-4.7's other turns do not)
        return ("\n"[: len(self.sep) ^ 1] + "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "".join(dumps(t) + "\n" for t in tools)
                + "</tools>\n\nFor each function call, output the function name and arguments within the following "
                f"XML format:\n<tool_call>{{function-name}}{n}{pairs}{n}...{n}</tool_call>")

    def render_messages(self, messages: list[Message], tools: list[dict[str, Any]] | None = None, *,
                        template: Any = None) -> list[Message]:
        out = super().render_messages(messages, None, template=template)
        if tools:  # a system turn of their own, before the conversation's system prompt
            out = [{"role": "system", "content": self.format_tools(tools, None)}, *out]
        return out

    def format_calls(self, content: str, calls: list[ToolCall]) -> str:
        n = self.sep
        written = []
        for c in calls:
            args = c.arguments if isinstance(c.arguments, dict) else {}
            pairs = "".join(f"{n}<arg_key>{k}</arg_key>{n}<arg_value>{v if isinstance(v, str) else dumps(v)}</arg_value>"
                            for k, v in args.items())
            written.append(f"<tool_call>{c.name}{pairs}{n}</tool_call>")
        text = content.strip()
        return (f"{text}{n}" if text else "") + "".join(("\n" if k and n else "") + w for k, w in enumerate(written))

    def format_results(self, results: list[Message], calls: list[ToolCall], template: Any) -> list[Message]:
        role = "tool" if template is None or template.tool is not None else "user"
        n = self.sep
        body = n.join(f"<tool_response>{n}{r['content']}{n}</tool_response>" for r in results)
        return [{"role": role, "content": body}]

    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedReply:
        schemas = {function_of(t).get("name"): (function_of(t).get("parameters") or {}).get("properties", {})
                   for t in tools or []}
        calls = []
        for m in _CALL.finditer(text):
            props = schemas.get(m.group(1), {})
            args = {}
            for key, value in _ARG.findall(m.group(2)):
                key = key.strip()
                wants_string = (props.get(key) or {}).get("type") == "string"
                decoded = None if wants_string else loads(value)
                args[key] = value if decoded is None else decoded
            calls.append(ToolCall(m.group(1), args))
        if not calls:
            return ParsedReply(text)
        return ParsedReply(_CALL.sub("", text).strip(), calls)

    def call_prefix(self, name: str | None = None) -> str:
        return f"<tool_call>{name}" if name else "<tool_call>"


class GLM47AgentTemplate(GLM45AgentTemplate):
    sep = ""
