"""ReAct in English: the model reasons (``Thought:``), names a tool (``Action:``) and its input
(``Action Input:``), and reads the tool's output as ``Observation:``, which is a stop word, so
generation pauses for the tool. It needs nothing from the chat template, so it is the format of
every chat template that names no other (ms-swift's default too).

A training turn that calls writes ``Action`` / ``Action Input`` after the assistant's text (its
thought), ending with ``Observation:`` when the call's result follows, so the model learns to
stop there; the result continues the assistant's turn in ms-swift's layout, here it is a user
turn (``Observation: <result>``) so that it is never trained on.
"""

from __future__ import annotations

import re
from typing import Any

from swiftkit.core.templates.agent import AgentTemplate, Message, ParsedReply, ToolCall, dumps
from swiftkit.plugins.templates.agents._calls import decode_arguments, function_of, json_objects

_ACTION = re.compile(r"Action:[ \t]*([^\n]+?)[ \t]*\nAction Input:[ \t]*")


class ReactEnAgentTemplate(AgentTemplate):
    call_start = "Action:"
    incremental = False

    def format_tools(self, tools: list[dict[str, Any]], text: str | None) -> str:
        lines = []
        for t in tools:
            fn = function_of(t)
            lines.append(f"{fn.get('name')}: {fn.get('description', '')} Parameters: {dumps(fn.get('parameters', {}))}")
        names = ", ".join(function_of(t).get("name", "") for t in tools)
        body = ("Answer the following questions as best you can. You have access to the following tools:\n\n"
                + "\n\n".join(lines)
                + "\n\nUse the following format:\n\nThought: what to do next\nAction: the tool to use, one of "
                f"[{names}]\nAction Input: the tool's input as JSON\nObservation: the tool's output\n... (Thought / "
                "Action / Action Input / Observation may repeat)\nThought: I now know the final answer\n"
                "Final Answer: the answer to the question\n\nBegin!")
        return (f"{text}\n\n" if text else "") + body

    def format_calls(self, content: str, calls: list[ToolCall]) -> str:
        steps = "\n".join(f"Action: {c.name}\nAction Input: {c.arguments_json()}" for c in calls)
        head = content if content else "Thought:"
        return f"{head}\n{steps}\nObservation:"

    def format_results(self, results: list[Message], calls: list[ToolCall], template: Any) -> list[Message]:
        return [{"role": "user", "content": "\n".join(f"Observation: {r['content']}" for r in results)}]

    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedReply:
        calls, kept, pos = [], [], 0
        for m in _ACTION.finditer(text):
            if m.start() < pos:
                continue
            rest = text[m.end():]
            found = json_objects(rest)
            if found and found[0][0] == 0:
                arguments, end = found[0][2], m.end() + found[0][1]
            else:
                line = rest.split("\n", 1)[0]
                arguments, end = decode_arguments(line.strip()), m.end() + len(line)
            kept.append(text[pos:m.start()])
            pos = end
            calls.append(ToolCall(m.group(1).strip(), arguments))
        if not calls:
            return ParsedReply(text)
        kept.append(re.sub(r"^\s*Observation:\s*$", "", text[pos:]))
        content = "".join(kept).strip()
        return ParsedReply(content, calls)

    def call_prefix(self, name: str | None = None) -> str:
        return f"Action: {name}\nAction Input:" if name else "Action:"
