"""The hermes format: calls as ``{"name", "arguments"}`` JSON inside ``<tool_call>`` tags.

Written as Qwen2.5's and Qwen3's chat templates write it (checked against them by
``tests/test_agent_template_parity.py``): the tools, one JSON object per line inside
``<tools></tools>``, close the system prompt (the chat template's default system prompt kept
before them); an assistant turn is its text, then each call on its own lines; consecutive tool
results form one user turn, each inside ``<tool_response>`` tags.
"""

from __future__ import annotations

import re
from typing import Any

from swiftkit.core.templates.agent import AgentTemplate, Message, ParsedReply, ToolCall, dumps
from swiftkit.plugins.templates.agents._calls import decode_arguments, loads

_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)

_INTRO = ("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
          "You are provided with function signatures within <tools></tools> XML tags:\n<tools>")
_OUTRO = ("\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
          "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
          "<args-json-object>}\n</tool_call>")


class HermesAgentTemplate(AgentTemplate):
    call_start = "<tool_call>"

    def format_tools(self, tools: list[dict[str, Any]], text: str | None) -> str:
        listed = "".join("\n" + dumps(t) for t in tools)
        return (f"{text}\n\n" if text else "") + _INTRO + listed + _OUTRO

    def format_calls(self, content: str, calls: list[ToolCall]) -> str:
        parts = [content] if content else []
        parts += [f'<tool_call>\n{{"name": "{c.name}", "arguments": {c.arguments_json()}}}\n</tool_call>' for c in calls]
        return "\n".join(parts)

    def format_results(self, results: list[Message], calls: list[ToolCall], template: Any) -> list[Message]:
        return [{"role": "user", "content": "\n".join(f"<tool_response>\n{r['content']}\n</tool_response>"
                                                      for r in results)}]

    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedReply:
        calls, kept, pos = [], [], 0
        for m in _CALL.finditer(text):
            value = loads(m.group(1))
            if not (isinstance(value, dict) and isinstance(value.get("name"), str)):
                continue  # not a call: stays content
            kept.append(text[pos:m.start()])
            pos = m.end()
            calls.append(ToolCall(value["name"], decode_arguments(value.get("arguments", {}))))
        if not calls:
            return ParsedReply(text)
        kept.append(text[pos:])
        return ParsedReply("".join(kept).strip(), calls)

    def call_prefix(self, name: str | None = None) -> str:
        # no trailing space: byte-level BPE joins a space to the word after it, so a prompt that
        # ends in one is tokenized unlike the training text
        return "<tool_call>\n" + (f'{{"name": "{name}", "arguments":' if name else "")


class QwenAgentTemplate(HermesAgentTemplate):
    """Qwen2.5 / Qwen3: the hermes format, with the wording and layout of their chat templates
    (which is :class:`HermesAgentTemplate`'s: both ids exist so that a Qwen model's default
    stays Qwen's if the generic hermes format is changed for other models)."""
