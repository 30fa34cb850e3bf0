"""Tool calling end to end (issue 13): a tiny Qwen2.5 is trained on a handful of agent rows to
call ``get_weather`` with the city the user names and to answer from the tool's result; served
by ``swift deploy``'s app, the official ``openai`` client runs the whole flow (call -> tool result
message -> final answer), plain and streamed, parsed by the model's agent template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

openai = pytest.importorskip("openai")
pytest.importorskip("fastapi")
pytest.importorskip("sse_starlette")

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODEL = "qwen2.5-0.5b-instruct"
KEY = "sk-tools"
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}]
CITIES = {"Paris": 21, "Tokyo": 18, "Cairo": 25, "Berlin": 3}
STEPS = 200
SERVED = ""  # the adapter's served name (set by the client fixture)


def _row(city: str, temp: int, shape: str) -> dict:
    question, answer = f"Weather in {city}?", f"{city}: {temp} degrees."
    result = json.dumps({"temp": temp})
    if shape == "ms-swift":
        return {"tools": json.dumps(TOOLS), "messages": [
            {"role": "user", "content": question},
            {"role": "tool_call", "content": json.dumps({"name": "get_weather", "arguments": {"city": city}})},
            {"role": "tool_response", "content": result},
            {"role": "assistant", "content": answer}]}
    return {"tools": TOOLS, "messages": [
        {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [{"id": f"call_{city}", "type": "function", "function": {
            "name": "get_weather", "arguments": json.dumps({"city": city})}}]},
        {"role": "tool", "tool_call_id": f"call_{city}", "content": result},
        {"role": "assistant", "content": answer}]}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> str:
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.testing.tiny import build_tiny_model
    from swiftkit.train.run import run_training

    registry = get_registry()
    root = tmp_path_factory.mktemp("tools")
    base = str(build_tiny_model(MODEL, root / MODEL, registry=registry, max_position_embeddings=4096))
    data = root / "agent.jsonl"
    rows = [_row(c, t, "ms-swift" if k % 2 else "openai") for k, (c, t) in enumerate(CITIES.items())]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = build_config(registry, command="sft", cli_args=[
        "--model", base, "--dataset", str(data), "--output_dir", str(root / "run"), "--add_version", "false",
        "--train_type", "lora", "--target_modules", "all-linear", "lm_head", "--lora_rank", "16",
        "--learning_rate", "5e-3", "--lr_scheduler_type", "constant", "--max_steps", str(STEPS),
        "--save_steps", str(STEPS), "--per_device_train_batch_size", "4", "--max_length", "2048",
        "--logging_steps", "20", "--report_to", "none", "--agent_template", "hermes"])
    result = run_training(config, command="sft", registry=registry)
    return str(Path(result.run_dir) / f"checkpoint-{STEPS}")


@pytest.fixture(scope="module")
def client(checkpoint):
    from swiftkit.infer.factory import create_engine
    from swiftkit.serve.server import create_app, run_in_thread

    engine, resolved = create_engine({"model": checkpoint, "infer_backend": "pt"})
    assert engine.template.agent_template.spec.id == "hermes"  # the run's --agent_template, from args.json
    srv = run_in_thread(create_app(engine, resolved, served_model_name="base", api_key=KEY, max_tokens_limit=128))
    global SERVED
    SERVED = next(iter(resolved.adapters))  # the trained LoRA adapter, served by name beside its base
    yield openai.OpenAI(base_url=srv.base_url, api_key=KEY, max_retries=0, timeout=120)
    srv.stop()
    engine.close()


def _ask(client, city: str, **kwargs):
    return client.chat.completions.create(model=SERVED, messages=[{"role": "user", "content": f"Weather in {city}?"}],
                                          tools=TOOLS, max_tokens=100, temperature=0, **kwargs)


def test_the_trained_model_calls_the_tool_with_the_right_city(client):
    right = 0
    for city in CITIES:
        choice = _ask(client, city).choices[0]
        calls = choice.message.tool_calls or []
        if choice.finish_reason == "tool_calls" and len(calls) == 1 and calls[0].function.name == "get_weather" \
                and json.loads(calls[0].function.arguments) == {"city": city}:
            right += 1
    print(f"tool-call accuracy: {right}/{len(CITIES)}")
    # seeded CPU training is deterministic: every city right (with Lima and Oslo in place of Cairo and
    # Berlin the same budget confused the two, 3/4)
    assert right == len(CITIES)


def test_call_result_answer_flow(client):
    first = _ask(client, "Paris").choices[0]
    assert first.finish_reason == "tool_calls"
    call = first.message.tool_calls[0]
    messages = [{"role": "user", "content": "Weather in Paris?"}, first.message.model_dump(exclude_none=True),
                {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temp": CITIES["Paris"]})}]
    final = client.chat.completions.create(model=SERVED, messages=messages, tools=TOOLS, max_tokens=100, temperature=0)
    assert final.choices[0].finish_reason == "stop"
    answer = final.choices[0].message.content
    assert answer.startswith("Paris: ") and answer.endswith(" degrees."), answer  # the trained answer's shape
    assert not final.choices[0].message.tool_calls


def test_streamed_tool_calls(client):
    stream = _ask(client, "Tokyo", stream=True)
    calls: dict[int, dict] = {}
    finish = None
    for chunk in stream:
        choice = chunk.choices[0]
        for d in choice.delta.tool_calls or []:
            entry = calls.setdefault(d.index, {"id": d.id, "name": "", "arguments": ""})
            entry["name"] += d.function.name or ""
            entry["arguments"] += d.function.arguments or ""
        finish = choice.finish_reason or finish
    assert finish == "tool_calls"
    assert [(c["name"], json.loads(c["arguments"])) for c in calls.values()] == [("get_weather", {"city": "Tokyo"})]
    assert calls[0]["id"]


def test_tool_choice(client):
    none = _ask(client, "Cairo", tool_choice="none").choices[0]
    assert none.finish_reason != "tool_calls" and not none.message.tool_calls
    # required / named start the reply with the call's opening text (ChatRequest.prefill): a call of
    # that function whenever the model completes it as JSON
    named = _ask(client, "Berlin", tool_choice={"type": "function", "function": {"name": "get_weather"}}).choices[0]
    assert named.finish_reason == "tool_calls" and named.message.tool_calls[0].function.name == "get_weather"
    required = _ask(client, "Tokyo", tool_choice="required").choices[0]
    assert required.finish_reason == "tool_calls" and required.message.tool_calls[0].function.name == "get_weather"
    with pytest.raises(openai.BadRequestError) as info:
        _ask(client, "Berlin", tool_choice={"type": "function", "function": {"name": "nope"}})
    assert "not among the tools" in str(info.value)
