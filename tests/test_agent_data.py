"""Agent rows in training (issue 13): ms-swift's and OpenAI's shapes read into one canonical
form, written by the agent template into the chat template's turns, labelled on the assistant's
calls and replies and never on tool output; malformed rows name file, row and field."""

from __future__ import annotations

import json

import pytest

from swiftkit.core.errors import RowError
from swiftkit.core.registry import get_registry

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]

MS_SWIFT = {"tools": json.dumps(TOOLS), "messages": [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "tool_call", "content": json.dumps({"name": "get_weather", "arguments": {"city": "Paris"}})},
    {"role": "tool_response", "content": '{"temp": 21}'},
    {"role": "assistant", "content": "Paris: 21 degrees."}]}

OPENAI = {"tools": TOOLS, "messages": [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21}'},
    {"role": "assistant", "content": "Paris: 21 degrees."}]}


@pytest.fixture(scope="module")
def converter():
    return get_registry().converter("messages")


def _strip_ids(row):
    for m in row["messages"]:
        for c in m.get("tool_calls") or []:
            c.pop("id", None)
        m.pop("tool_call_id", None)
    return row


def test_both_shapes_read_into_the_same_canonical_row(converter):
    ours, theirs = _strip_ids(converter.convert(MS_SWIFT)), _strip_ids(converter.convert(OPENAI))
    assert ours == theirs
    assert ours["tools"] == TOOLS
    assert ours["messages"][1] == {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}
    assert ours["messages"][2] == {"role": "tool", "content": '{"temp": 21}'}


def test_sharegpt_agent_rows(converter):
    row = {"tools": json.dumps(TOOLS), "conversations": [
        {"from": "human", "value": "Weather in Paris?"},
        {"from": "function_call", "value": json.dumps({"name": "get_weather", "arguments": {"city": "Paris"}})},
        {"from": "observation", "value": '{"temp": 21}'},
        {"from": "gpt", "value": "Paris: 21 degrees."}]}
    got = get_registry().converter("sharegpt").convert(row)
    assert _strip_ids(got) == _strip_ids(converter.convert(MS_SWIFT))


@pytest.mark.parametrize("row,field,reason", [
    ({"tools": "[{not json", "messages": OPENAI["messages"]}, "tools", "not valid JSON"),
    ({"tools": [{"type": "function", "function": {"description": "x"}}], "messages": OPENAI["messages"]},
     "tools[0].function.name", "missing"),
    ({"tools": TOOLS, "messages": [OPENAI["messages"][0], {"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": "{'city': 1"}}]}]},
     "messages[1].tool_calls[0].function.arguments", "not valid JSON"),
    ({"tools": TOOLS, "messages": [OPENAI["messages"][0], {"role": "tool_response", "content": "x"},
                                   {"role": "assistant", "content": "y"}]},
     "messages[1].role", "must follow an assistant turn that calls"),
    ({"tools": TOOLS, "messages": [OPENAI["messages"][0], {"role": "tool_call", "content": '{"arguments": {}}'}]},
     "messages[1].content.name", "missing"),
])
def test_malformed_agent_rows_name_the_field(converter, row, field, reason):
    with pytest.raises(RowError) as info:
        converter.convert(row)
    assert info.value.field == field and reason in info.value.reason


def test_loss_on_calls_and_replies_none_on_tool_output():
    """The exact labelled spans of an encoded agent row (qwen2_5 + its qwen agent template)."""
    from swiftkit.core.templates.interface import IGNORE_INDEX
    from swiftkit.data.layouts import agent_column, agent_messages
    from swiftkit.testing.tokenizer import build_tokenizer

    registry = get_registry()
    tokenizer = build_tokenizer("qwen2_5")
    template = registry.template("qwen2_5")
    template = template.configure(agent_template=registry.agent_template(template=template.spec))
    canonical = get_registry().converter("messages").convert(MS_SWIFT)
    row = {"messages": [], "agent": agent_column(canonical)}
    enc = template.encode(tokenizer, agent_messages(row, template))
    spans, current = [], []
    for tok, lab in zip(enc["input_ids"], enc["labels"], strict=True):
        if lab != IGNORE_INDEX:
            current.append(tok)
        elif current:
            spans.append(tokenizer.decode(current))
            current = []
    if current:
        spans.append(tokenizer.decode(current))
    assert spans == ['<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n',
                     "Paris: 21 degrees.<|im_end|>\n"]
    text = tokenizer.decode(enc["input_ids"])
    assert "<tool_response>\n{\"temp\": 21}\n</tool_response>" in text and "<tools>" in text


def test_pipeline_errors_name_file_row_and_field(tmp_path):
    from swiftkit.core.data.errors import DatasetRowError
    from swiftkit.data.pipeline import prepare_datasets
    from swiftkit.testing.tokenizer import build_tokenizer

    bad = {"tools": TOOLS, "messages": [OPENAI["messages"][0], {"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": "{oops"}}]}]}
    path = tmp_path / "agent.jsonl"
    path.write_text(json.dumps(OPENAI) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    registry = get_registry()
    template = registry.template("qwen2_5")
    template = template.configure(agent_template=registry.agent_template(template=template.spec))
    with pytest.raises(DatasetRowError) as info:
        prepare_datasets(dataset=[str(path)], registry=registry, template=template,
                         tokenizer=build_tokenizer("qwen2_5"), cache_dir=str(tmp_path / "cache"))
    message = str(info.value)
    assert "agent.jsonl" in message and "row 2" in message and "messages[1].tool_calls[0].function.arguments" in message
