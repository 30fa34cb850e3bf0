"""Agent templates against the REAL chat templates' tool rendering (issue 13).

A conversation with tools, a tool call, its result and a final answer (and a prompt that ends
after the result) is rendered twice: through the registered chat template with the family's
default agent template (``Template.with_tools``), and through the stored real Jinja
(``tests/data/chat_templates``) as ``transformers.apply_chat_template(tools=...)`` renders it.
Where a family's real template writes text a chat template's fixed turn text cannot hold,
:data:`KNOWN` names the one transformation that makes ours theirs, and the test applies exactly
it (so any other difference still fails).
"""

from __future__ import annotations

import copy

import pytest

from swiftkit.core.registry import get_registry
from tests.test_template_parity import _real

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Current weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}},
                   "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "description": "Local time in a city",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def _call(name, args, id="abc123XYZ"):
    return {"id": id, "type": "function", "function": {"name": name, "arguments": args}}


CASES = {
    "call_result_answer": ([
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [_call("get_weather", {"city": "Paris"})]},
        {"role": "tool", "content": '{"temp": 21, "sky": "clear"}', "tool_call_id": "abc123XYZ"},
        {"role": "assistant", "content": "It is 21 degrees and clear in Paris."}], False),
    "system_prompt_after_result": ([
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [_call("get_weather", {"city": "Oslo"})]},
        {"role": "tool", "content": '{"temp": -3}', "tool_call_id": "abc123XYZ"}], True),
    "prompt_after_result": ([
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [_call("get_weather", {"city": "Oslo"})]},
        {"role": "tool", "content": '{"temp": -3}', "tool_call_id": "abc123XYZ"}], True),
    "two_calls_text_before": ([
        {"role": "user", "content": "Weather and time in Rome?"},
        {"role": "assistant", "content": "Let me look both up.",
         "tool_calls": [_call("get_weather", {"city": "Rome"}), _call("get_time", {"city": "Rome"}, "def456UVW")]},
        {"role": "tool", "content": '{"temp": 25}', "tool_call_id": "abc123XYZ"},
        {"role": "tool", "content": '{"time": "14:02"}', "tool_call_id": "def456UVW"},
        {"role": "assistant", "content": "25 degrees, 14:02."}], False),
}


def _llama_env(ours: str) -> str:
    return ours.replace("<|end_header_id|>\n\nCutting Knowledge", "<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge", 1)


def _mistral_tools_outside(ours: str) -> str:
    start, end = ours.index("[AVAILABLE_TOOLS]"), ours.index("[/AVAILABLE_TOOLS]") + len("[/AVAILABLE_TOOLS]")
    block, ours = ours[start:end], ours[:start] + ours[end:]
    inst = ours.rindex("[INST]", 0, start)
    return ours[:inst] + block + ours[inst:]


#: chat template -> (the cases it is checked on, the transformation the known difference needs, why)
CHECKED = {
    "qwen2_5": (list(CASES), None, ""),
    "qwen3": (["call_result_answer", "prompt_after_result", "two_calls_text_before"], None, ""),
    "llama3_2": (["call_result_answer", "system_prompt_after_result", "prompt_after_result"], _llama_env,
                 "Llama 3.1+ adds 'Environment: ipython' to its system header when tools are given; the header is "
                 "the chat template's fixed text"),
    "glm4_5": (list(CASES), None, ""),
    "glm4_7": (list(CASES), None, ""),
    "mistral_nemo": (["call_result_answer", "prompt_after_result"], _mistral_tools_outside,
                     "Mistral writes [AVAILABLE_TOOLS] before the last [INST]; the agent template writes it at the start "
                     "of that user message"),
}
PARAMS = [(t, c) for t, (cases, _, _) in CHECKED.items() for c in cases]


def _for_jinja(messages):
    """What transformers' chat templates read: the same messages (Llama's template reads
    ``arguments`` as a mapping; Mistral's real template drops the text of a calling turn)."""
    out = copy.deepcopy(messages)
    for m in out:
        if m["role"] == "assistant" and m.get("tool_calls"):
            m.setdefault("content", "")
    return out


@pytest.mark.parametrize("template_id,case", PARAMS)
def test_tools_render_like_the_real_chat_template(template_id, case):
    registry = get_registry()
    messages, agp = CASES[case]
    template = registry.template(template_id)
    agent = registry.agent_template(template=template.spec)
    template = template.configure(agent_template=agent)
    if template_id == "llama3_2" and any(len(m.get("tool_calls") or []) > 1 for m in messages):
        pytest.skip("Llama 3.1+ writes one call per turn")
    ours = template.render(template.with_tools(messages, TOOLS), add_generation_prompt=agp)
    theirs = _real(template_id, _for_jinja(messages), agp, {"tools": TOOLS, "date_string": "26 Jul 2024"})
    _, transform, _ = CHECKED[template_id]
    if transform is not None:
        assert ours != theirs, "listed as a known difference but renders the same: remove the transformation"
        ours = transform(ours)
    assert ours == theirs


@pytest.mark.parametrize("template_id", list(CHECKED))
def test_the_default_agent_template_reads_back_its_own_calls(template_id):
    """What an agent template writes for a call, its parser reads back as the same call."""
    registry = get_registry()
    agent = registry.agent_template(template=template_id)
    from swiftkit.core.templates.agent import ToolCall

    calls = [ToolCall("get_weather", {"city": "Paris"})]
    parsed = agent.parse(agent.format_calls("", calls), TOOLS)
    assert [(c.name, c.arguments) for c in parsed.tool_calls] == [("get_weather", {"city": "Paris"})]
    assert parsed.content == ""
