"""``tools`` / ``tool_choice`` in ``POST /v1/chat/completions`` for every built-in agent template,
driven by the official ``openai`` client against a scripted engine (what the model "writes" is
the agent template's own call text), plain and streamed in small pieces; and what reaches the
engine (the tools in the prompt, the forced call opening)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

openai = pytest.importorskip("openai")
pytest.importorskip("fastapi")
pytest.importorskip("sse_starlette")

from swiftkit.core.engines.interface import ChatResponse, InferEngine, StreamChunk  # noqa: E402
from swiftkit.core.registry import get_registry  # noqa: E402
from swiftkit.core.specs import EngineSpec  # noqa: E402
from swiftkit.core.templates.agent import ToolCall  # noqa: E402
from swiftkit.infer.factory import ResolvedModel  # noqa: E402
from swiftkit.serve.server import create_app, run_in_thread  # noqa: E402

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
         {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}]
ASK = [{"role": "user", "content": "Weather in Paris?"}]
AGENTS = ["hermes", "qwen", "llama3", "mistral", "glm4", "glm4_5", "glm4_7", "react_en"]
#: the chat template each is served with (the family's own; chatml for the others)
CHAT = {"llama3": "llama3_2", "mistral": "mistral_nemo", "glm4": "glm4", "glm4_5": "glm4_5", "glm4_7": "glm4_7"}


class ReplyEngine(InferEngine):
    """Answers every chat request with ``self.reply``, streamed three characters at a time;
    keeps each request and the prompt it rendered."""

    def __init__(self, template: Any) -> None:
        super().__init__(EngineSpec(id="reply", impl="tests.test_tool_serving:ReplyEngine"), "/models/reply", template)
        self.reply = ""
        self.seen: list[tuple[Any, str]] = []

    def infer(self, requests: list[Any]) -> list[ChatResponse]:
        for r in requests:
            self.seen.append((r, self.render(r)))
        return [ChatResponse(self.reply, "stop", 10, 5) for _ in requests]

    def stream(self, request: Any) -> Iterator[StreamChunk]:
        self.seen.append((request, self.render(request)))
        pieces = [self.reply[i:i + 3] for i in range(0, len(self.reply), 3)] or [""]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            yield StreamChunk(piece, "stop" if last else None, 10 if last else None, 5 if last else None)


@pytest.fixture(scope="module", params=AGENTS)
def served(request):
    registry = get_registry()
    agent = registry.agent_template(request.param)
    chat = CHAT.get(request.param, "chatml")
    engine = ReplyEngine(registry.template(chat).configure(agent_template=agent))
    resolved = ResolvedModel(model_dir="/models/reply", model_id="m", template=chat)
    with run_in_thread(create_app(engine, resolved, max_tokens_limit=64)) as srv:
        yield agent, engine, openai.OpenAI(base_url=srv.base_url, api_key="none", max_retries=0)


def _streamed(stream) -> tuple[str, list[tuple[str, Any]], str | None]:
    content, calls, finish = "", {}, None
    for chunk in stream:
        choice = chunk.choices[0]
        content += choice.delta.content or ""
        for d in choice.delta.tool_calls or []:
            entry = calls.setdefault(d.index, ["", ""])
            entry[0] += d.function.name or ""
            entry[1] += d.function.arguments or ""
        finish = choice.finish_reason or finish
    return content, [(n, json.loads(a)) for n, a in calls.values()], finish


def test_calls_come_back_as_tool_calls_plain_and_streamed(served):
    agent, engine, client = served
    engine.reply = agent.format_calls("", [ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_time", {})])
    answer = client.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert [(c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls] == [
        ("get_weather", {"city": "Paris"}), ("get_time", {})]
    assert all(c.id and c.type == "function" for c in choice.message.tool_calls)
    content, calls, finish = _streamed(client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, stream=True))
    assert finish == "tool_calls" and calls == [("get_weather", {"city": "Paris"}), ("get_time", {})]
    # the tools reached the prompt, written by the agent template
    request, prompt = engine.seen[-1]
    assert "get_weather" in prompt and request.prefill == ""
    # parallel_tool_calls: false keeps the first call
    one = client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, parallel_tool_calls=False).choices[0]
    assert [c.function.name for c in one.message.tool_calls] == ["get_weather"]
    _, calls, _ = _streamed(client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, stream=True,
                                                           parallel_tool_calls=False))
    assert calls == [("get_weather", {"city": "Paris"})]


def test_plain_replies_stay_content(served):
    agent, engine, client = served
    engine.reply = "It is sunny in Paris today."
    choice = client.chat.completions.create(model="m", messages=ASK, tools=TOOLS).choices[0]
    assert choice.finish_reason == "stop" and choice.message.content == engine.reply and not choice.message.tool_calls
    content, calls, finish = _streamed(client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, stream=True))
    assert (content, calls, finish) == (engine.reply, [], "stop")


def test_history_with_calls_and_results_is_rendered(served):
    agent, engine, client = served
    engine.reply = "Sunny."
    messages = [*ASK, {"role": "assistant", "content": None, "tool_calls": [{"id": "abc123XYZ", "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
                {"role": "tool", "tool_call_id": "abc123XYZ", "content": "sunny, 21 C"}]
    choice = client.chat.completions.create(model="m", messages=messages, tools=TOOLS).choices[0]
    assert choice.message.content == "Sunny."
    _, prompt = engine.seen[-1]
    assert "sunny, 21 C" in prompt and "Paris" in prompt


def test_tool_choice_none_required_and_named(served):
    agent, engine, client = served
    engine.reply = agent.format_calls("", [ToolCall("get_weather", {"city": "Paris"})])
    choice = client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, tool_choice="none").choices[0]
    assert not choice.message.tool_calls and choice.finish_reason == "stop"
    request, prompt = engine.seen[-1]
    assert "get_weather" not in prompt  # no tools written
    named = {"type": "function", "function": {"name": "get_weather"}}
    prefix = agent.call_prefix("get_weather")
    written = agent.format_calls("", [ToolCall("get_weather", {"city": "Oslo"})])
    engine.reply = written[written.index(prefix) + len(prefix):]  # what the model writes after the opening
    choice = client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, tool_choice=named).choices[0]
    request, prompt = engine.seen[-1]
    assert request.prefill == prefix and prompt.endswith(prefix)
    assert [(c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls] == [
        ("get_weather", {"city": "Oslo"})]
    with pytest.raises(openai.BadRequestError, match="not among the tools"):
        client.chat.completions.create(model="m", messages=ASK, tools=TOOLS,
                                       tool_choice={"type": "function", "function": {"name": "nope"}})
    if agent.spec.id == "glm4":
        return  # GLM calls have no opening text: only a named function can be forced
    prefix = agent.call_prefix()
    written = agent.format_calls("", [ToolCall("get_time", {})])
    engine.reply = written[written.index(prefix) + len(prefix):]
    content, calls, finish = _streamed(client.chat.completions.create(model="m", messages=ASK, tools=TOOLS,
                                                                      tool_choice="required", stream=True))
    assert engine.seen[-1][0].prefill == prefix
    assert calls == [("get_time", {})] and finish == "tool_calls"


def test_malformed_tool_messages_are_400_naming_the_field(served):
    _, _, client = served
    bad = [*ASK, {"role": "assistant", "content": None, "tool_calls": [{"type": "function",
                                                                        "function": {"name": "f", "arguments": "{x"}}]}]
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="m", messages=bad, tools=TOOLS)
    assert info.value.body["param"] == "messages.1.tool_calls.0.function.arguments"
