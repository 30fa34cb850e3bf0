"""Dataset row formats: each built-in converter on good rows and on every kind of bad row."""

from __future__ import annotations

import jsonschema
import pytest

from swiftkit.core.data.interface import RowConverter
from swiftkit.core.errors import RowError
from swiftkit.core.registry import get_registry
from swiftkit.core.specs import FormatSpec
from swiftkit.plugins.datasets import formats
from swiftkit.plugins.datasets.converters import ChatConverter

BUILTIN = [s.id for s in formats.swift_register_formats()]


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


def T(c):
    return {"role": "tool", "content": c}


@pytest.fixture(scope="module")
def registry():
    return get_registry()


def conv(registry, name):
    converter = registry.converter(name)
    assert isinstance(converter, RowConverter)
    return converter


def test_builtins_are_registered(registry):
    assert BUILTIN == ["messages", "sharegpt", "alpaca", "query_response", "text"]
    for name in BUILTIN:
        spec = registry.get("format", name).spec
        jsonschema.validate(spec.to_dict(), FormatSpec.SCHEMA)
        assert conv(registry, name).spec.id == name


@pytest.mark.parametrize(
    "name,columns,expected",
    [
        ("messages", ["messages", "id"], True),
        ("sharegpt", ["conversations", "system"], True),
        ("alpaca", ["instruction", "input", "output"], True),
        ("alpaca", ["instruction", "input"], False),
        ("query_response", ["query", "response", "history"], True),
        ("text", ["text"], True),
        ("text", ["messages"], False),
    ],
)
def test_matches(registry, name, columns, expected):
    assert conv(registry, name).matches(columns) is expected


# ---------------------------------------------------------------------------------------- good rows

GOOD = [
    ("messages", {"messages": [U("Hi"), A("Hello")]}, [U("Hi"), A("Hello")]),
    (
        "messages",
        {"messages": [S("Be nice."), U("Hi"), A("Hello"), U("Bye"), A("See you")], "extra": 1},
        [S("Be nice."), U("Hi"), A("Hello"), U("Bye"), A("See you")],
    ),
    (  # system column; metadata message keys (name, tool_call_id) and keys without a value are dropped
        "messages",
        {"messages": [{"role": "user", "content": "Hi", "name": "x"}, {**A("Hello"), "tool_calls": None, "loss": None}],
         "system": "Sys", "tools": None},
        [S("Sys"), U("Hi"), A("Hello")],
    ),
    (  # a tool result (the template's tool format renders it) keeps its content
        "messages",
        {"messages": [U("Weather?"), A("I will ask."), {"role": "tool", "content": "sun", "tool_call_id": "c1"},
                      A("Sunny"), {"role": "user", "content": "ok", "tool_calls": [], "extra": {}}, A("Bye")]},
        [U("Weather?"), A("I will ask."), T("sun"), A("Sunny"), U("ok"), A("Bye")],
    ),
    (  # an empty system message / null system column mean "no system prompt"
        "messages",
        {"messages": [S(""), U("Hi"), A("Hello")], "system": None},
        [U("Hi"), A("Hello")],
    ),
    (
        "messages",
        {"messages": [U("Weather?"), A("call weather()"), T(""), A("Sunny")]},
        [U("Weather?"), A("call weather()"), T(""), A("Sunny")],
    ),
    (
        "sharegpt",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
        [U("Hi"), A("Hello")],
    ),
    (
        "sharegpt",
        {
            "conversations": [
                {"from": "system", "value": "Sys"},
                {"from": "human", "value": "Weather?"},
                {"from": "function_call", "value": '{"name": "weather"}'},
                {"from": "observation", "value": "sunny"},
                {"from": "GPT", "value": "It is sunny."},
            ]
        },
        [S("Sys"), U("Weather?"), A('{"name": "weather"}'), T("sunny"), A("It is sunny.")],
    ),
    (
        "sharegpt",
        {"conversations": [{"from": "user", "value": "Hi"}, {"from": "assistant", "value": "Yo"}], "system": "S"},
        [S("S"), U("Hi"), A("Yo")],
    ),
    ("alpaca", {"instruction": "Add", "input": "1 and 2", "output": "3"}, [U("Add\n1 and 2"), A("3")]),
    ("alpaca", {"instruction": "Say hi", "input": "", "output": "hi"}, [U("Say hi"), A("hi")]),
    ("alpaca", {"instruction": "", "input": "only input", "output": "ok"}, [U("only input"), A("ok")]),
    (
        "alpaca",
        {"instruction": "Q2", "output": "A2", "system": "S", "history": [["Q1", "A1"]]},
        [S("S"), U("Q1"), A("A1"), U("Q2"), A("A2")],
    ),
    ("query_response", {"query": "Q", "response": "R"}, [U("Q"), A("R")]),
    (
        "query_response",
        {"query": "Q3", "response": "R3", "history": [["Q1", "R1"], ("Q2", "R2")], "system": "S"},
        [S("S"), U("Q1"), A("R1"), U("Q2"), A("R2"), U("Q3"), A("R3")],
    ),
    ("query_response", {"query": "Q", "response": "R", "history": None, "system": ""}, [U("Q"), A("R")]),
]


@pytest.mark.parametrize("name,row,expected", GOOD)
def test_good_rows(registry, name, row, expected):
    assert conv(registry, name).convert(row) == {"messages": expected}


def test_text(registry):
    assert conv(registry, "text").convert({"text": "Once upon a time.", "meta": 1}) == {"text": "Once upon a time."}


def test_require_response_can_be_turned_off(registry):
    converter = conv(registry, "messages")
    assert isinstance(converter, ChatConverter)
    with pytest.raises(RowError, match="end with an assistant reply"):
        converter.convert({"messages": [U("Hi")]})
    converter.require_response = False
    assert converter.convert({"messages": [U("Hi")]}) == {"messages": [U("Hi")]}


def test_converted_rows_render_with_every_template(registry):
    """The canonical form is what templates take."""
    row = conv(registry, "sharegpt").convert(
        {"conversations": [{"from": "system", "value": "S"}, {"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]}
    )
    from swiftkit.testing.tokenizer import build_tokenizer

    tokenizer = build_tokenizer("chatml", registry=registry)  # for the generic `tokenizer` template
    for entry in registry.entries("template"):
        template = registry.template(entry.id, tokenizer=tokenizer)
        # formats without a system prompt (`dummy`, `bert`, `yuan`, ...) take the row without it
        messages = row["messages"][1:] if template.spec.system_style == "none" else row["messages"]
        assert "Q" in template.render(messages)


# ---------------------------------------------------------------------------------------- bad rows

BAD = [
    # messages
    ("messages", {}, "messages", "missing"),
    ("messages", {"messages": None}, "messages", "null"),
    ("messages", {"messages": "Hi"}, "messages", "must be a list"),
    ("messages", {"messages": []}, "messages", "empty conversation"),
    ("messages", {"messages": [S("only system")]}, "messages", "no message besides"),
    ("messages", {"messages": [U("Hi"), "Hello"]}, "messages[1]", "must be a dict"),
    ("messages", {"messages": [U("Hi"), {"content": "x"}]}, "messages[1].role", "missing"),
    ("messages", {"messages": [U("Hi"), {"role": "bot", "content": "x"}]}, "messages[1].role", "unknown role 'bot'"),
    ("messages", {"messages": [U("Hi"), {"role": "bot" * 10**5, "content": "x"}]}, "messages[1].role",
     "unknown role 'botbot"),
    # nothing a message carries is dropped silently (issue 11 item 7)
    # tool calls are read since issue 13 (tests/test_agent_data.py); malformed ones name their field
    ("messages", {"messages": [U("Weather?"), {"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "weather", "arguments": "{city"}}]}, {"role": "tool", "content": "sun"},
        A("Sunny.")]}, "messages[1].tool_calls[0].function.arguments", "not valid JSON"),
    ("messages", {"messages": [U("Hi"), {"role": "assistant", "content": "Let me look.", "tool_calls": [{"id": "1"}]}]},
     "messages[1].tool_calls[0].name", "missing"),
    ("messages", {"messages": [U("Hi"), {"role": "assistant", "content": "x", "function_call": {"name": "f"}}]},
     "messages[1].function_call", "legacy function_call"),
    ("messages", {"messages": [U("Hi"), {**A("x"), "loss": False}]}, "messages[1].loss", "--loss_scale"),
    ("messages", {"messages": [U("Hi"), {**A("x"), "weight": 0}]}, "messages[1].weight", "--loss_scale"),
    ("messages", {"messages": [U("Hi"), {**A("x"), "reasoning_content": "think"}]}, "messages[1].reasoning_content",
     "unknown message key with a value"),
    ("messages", {"messages": [U("Hi"), A("x")], "tools": [{"type": "function"}]}, "tools[0].name", "missing"),
    ("messages", {"messages": [U("Hi"), {"role": "assistant"}]}, "messages[1].content", "missing"),
    ("messages", {"messages": [U("Hi"), {"role": "assistant", "content": 5}]}, "messages[1].content", "must be a string"),
    ("messages", {"messages": [U("Hi"), A("")]}, "messages[1].content", "empty assistant reply"),
    ("messages", {"messages": [U("Hi"), A("  \n")]}, "messages[1].content", "empty assistant reply"),
    ("messages", {"messages": [U(""), A("x")]}, "messages[0].content", "empty user message"),
    ("messages", {"messages": [U("Hi"), A("x"), U("more")]}, "messages[2].role", "end with an assistant reply"),
    ("messages", {"messages": [A("x"), U("Hi"), A("y")]}, "messages[0].role", "start with a user message"),
    ("messages", {"messages": [U("Hi"), S("late"), A("y")]}, "messages[1].role", "only allowed as the first"),
    ("messages", {"messages": [S("a"), U("Hi"), A("y")], "system": "b"}, "system", "given both"),
    ("messages", {"messages": [U("Hi"), A("y")], "system": 3}, "system", "must be a string"),
    # sharegpt
    ("sharegpt", {"messages": []}, "conversations", "missing"),
    ("sharegpt", {"conversations": {"from": "human"}}, "conversations", "must be a list"),
    ("sharegpt", {"conversations": [["human", "Hi"]]}, "conversations[0]", "must be a dict"),
    ("sharegpt", {"conversations": [{"value": "Hi"}]}, "conversations[0].from", "missing"),
    (
        "sharegpt",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "robot", "value": "x"}]},
        "conversations[1].from",
        "unknown role 'robot'",
    ),
    ("sharegpt", {"conversations": [{"from": 1, "value": "Hi"}]}, "conversations[0].from", "unknown role 1"),
    ("sharegpt", {"conversations": [{"from": "human"}]}, "conversations[0].value", "missing"),
    ("sharegpt", {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "x", "weight": 0}]},
     "conversations[1].weight", "--loss_scale"),
    ("sharegpt", {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "x"}], "tools": "[{}]"},
     "tools[0].name", "missing"),
    ("alpaca", {"instruction": "Q", "output": "x", "images": ["a.png"]}, "images", "images are not supported yet"),
    (
        "sharegpt",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": ["x"]}]},
        "conversations[1].value",
        "must be a string",
    ),
    (
        "sharegpt",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": ""}]},
        "conversations[1].value",
        "empty assistant reply",
    ),
    (
        "sharegpt",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "x"}, {"from": "human", "value": "y"}]},
        "conversations[2].from",
        "end with an assistant reply",
    ),
    (
        "sharegpt",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "observation", "value": "x"}]},
        "conversations[1].from",
        "end with an assistant reply, not 'tool'",
    ),
    # alpaca
    ("alpaca", {"output": "x"}, "instruction", "missing"),
    ("alpaca", {"instruction": None, "output": "x"}, "instruction", "null"),
    ("alpaca", {"instruction": 1, "output": "x"}, "instruction", "must be a string"),
    ("alpaca", {"instruction": "", "input": "", "output": "x"}, "instruction", "empty user message"),
    ("alpaca", {"instruction": "Q"}, "output", "missing"),
    ("alpaca", {"instruction": "Q", "output": ""}, "output", "empty assistant reply"),
    ("alpaca", {"instruction": "Q", "input": 3, "output": "x"}, "input", "must be a string"),
    ("alpaca", {"instruction": "Q", "output": "x", "system": ["s"]}, "system", "must be a string"),
    ("alpaca", {"instruction": "Q", "output": "x", "history": [["q"]]}, "history[0]", "pair"),
    # query_response
    ("query_response", {"response": "R"}, "query", "missing"),
    ("query_response", {"query": "Q"}, "response", "missing"),
    ("query_response", {"query": "Q", "response": 1.5}, "response", "must be a string, got float"),
    ("query_response", {"query": " ", "response": "R"}, "query", "empty user message"),
    ("query_response", {"query": "Q", "response": ""}, "response", "empty assistant reply"),
    ("query_response", {"query": "Q", "response": "R", "history": "Q1"}, "history", "list of [query, response]"),
    ("query_response", {"query": "Q", "response": "R", "history": ["Q1"]}, "history[0]", "pair"),
    ("query_response", {"query": "Q", "response": "R", "history": [["Q1", None]]}, "history[0][1]", "must be a string"),
    ("query_response", {"query": "Q", "response": "R", "history": [["Q1", ""]]}, "history[0][1]", "empty assistant"),
    ("query_response", {"query": "Q", "response": "R", "history": [["", "A"]]}, "history[0][0]", "empty user"),
    # text
    ("text", {}, "text", "missing"),
    ("text", {"text": None}, "text", "null"),
    ("text", {"text": 12}, "text", "must be a string"),
    ("text", {"text": "   "}, "text", "empty text"),
]


def test_every_format_has_bad_rows():
    assert {name for name, *_ in BAD} == set(BUILTIN)


@pytest.mark.parametrize("name,row,field,reason", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_rows_name_the_field(registry, name, row, field, reason):
    with pytest.raises(RowError) as info:
        conv(registry, name).convert(row)
    err = info.value
    assert err.field == field
    assert reason in err.reason
    assert len(err.reason) < 400  # a huge value is not echoed whole
    assert repr(field) in str(err)
