"""`swift deploy`'s OpenAI-compatible server, exercised with the real ``openai`` client.

One server runs for the whole module on 127.0.0.1 (uvicorn in a background thread, a free
port) over a tiny random Qwen2 built offline; a second app with ``max_concurrency=1`` shares
its engine for the 429 test. Protocol details that a random model cannot show (adapters,
log-probabilities, engine failures) run against a scripted engine. The last test starts
``python -m swiftkit deploy`` as a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server needs the serve extra: pip install 'swiftkit[serve]'")
pytest.importorskip("uvicorn", reason="the server needs the serve extra: pip install 'swiftkit[serve]'")
pytest.importorskip("sse_starlette", reason="the server needs the serve extra: pip install 'swiftkit[serve]'")
openai = pytest.importorskip("openai", reason="these tests drive the server with the openai client: pip install openai")
httpx = pytest.importorskip("httpx", reason="these tests send raw requests with httpx: pip install httpx")

from swiftkit.core.engines.interface import (  # noqa: E402
    ChatRequest,
    ChatResponse,
    CompletionRequest,
    InferEngine,
    SamplingOptions,
    StreamChunk,
    TokenLogprob,
)
from swiftkit.core.specs import EngineSpec  # noqa: E402
from swiftkit.infer.factory import ResolvedModel  # noqa: E402
from swiftkit.serve.server import create_app, run_in_thread  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"
KEY = "sk-test-key"
LIMIT = 4096  # long enough that a stream of LIMIT tokens outlives the tests that hold one open
HELLO = [{"role": "user", "content": "Hello! How are you?"}]


# ----------------------------------------------------------------------------- fixtures




@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    from swiftkit.testing.tiny import build_tiny_model

    # room for LIMIT new tokens: a stream that runs for seconds, to cancel and to block a slot with
    return build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny-qwen-serve"), max_position_embeddings=2 * LIMIT)


@pytest.fixture(scope="module")
def served(tiny_dir):
    from swiftkit.infer.factory import create_engine

    engine, resolved = create_engine({"model": str(tiny_dir), "infer_backend": "pt"})
    yield engine, resolved
    engine.close()


@pytest.fixture(scope="module")
def server(served):
    engine, resolved = served
    app = create_app(engine, resolved, served_model_name="tiny", api_key=KEY, max_concurrency=8,
                     max_tokens_limit=LIMIT)
    srv = run_in_thread(app)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def raw(server):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as h:
        yield h


def _wait_idle(h: Any, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        health = h.get("/health").json()
        if health["active_requests"] == 0 or time.monotonic() > deadline:
            return health
        time.sleep(0.05)


def _first_event(response: Any) -> tuple[str, Iterator[str]]:
    """The first ``data:`` line of a streamed response, and the line iterator to keep reading
    (keep a reference to it: a discarded httpx line iterator closes the connection)."""
    lines = response.iter_lines()
    for line in lines:
        if line.startswith("data:"):
            return line, lines
    raise AssertionError("the stream ended without an event")


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    return body["error"]


# ----------------------------------------------------------------------------- the acceptance list


def test_models_list(client):
    models = client.models.list()
    assert [m.id for m in models.data] == ["tiny"]
    assert models.data[0].owned_by == "swiftkit"
    assert client.models.retrieve("tiny").id == "tiny"


def test_chat(client, served):
    engine, _ = served
    r = client.chat.completions.create(model="tiny", messages=HELLO, max_tokens=12)
    assert r.object == "chat.completion" and r.model == "tiny" and r.id.startswith("chatcmpl-")
    choice = r.choices[0]
    assert choice.message.role == "assistant" and isinstance(choice.message.content, str)
    assert choice.finish_reason in ("stop", "length")
    assert r.usage.completion_tokens <= 12 and r.usage.prompt_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    # greedy: the server answers exactly what the engine answers
    direct = engine.infer([ChatRequest(HELLO, SamplingOptions(max_tokens=12))])[0]
    assert choice.message.content == direct.text
    assert r.usage.completion_tokens == direct.completion_tokens


def test_chat_list_of_text_parts_and_developer_role(client):
    plain = client.chat.completions.create(
        model="tiny", max_tokens=6,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi\nthere"}])
    parts = client.chat.completions.create(
        model="tiny", max_tokens=6,
        messages=[{"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
                  {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]}])
    assert parts.choices[0].message.content == plain.choices[0].message.content
    assert parts.usage.prompt_tokens == plain.usage.prompt_tokens


def test_streamed_chat_joins_to_the_answer(client):
    whole = client.chat.completions.create(model="tiny", messages=HELLO, max_tokens=16)
    stream = client.chat.completions.create(model="tiny", messages=HELLO, max_tokens=16, stream=True,
                                            stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" and c.model == "tiny" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == [whole.choices[0].finish_reason]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    assert chunks[-1].usage.prompt_tokens == whole.usage.prompt_tokens


def test_stream_wire_format(raw):
    with raw.stream("POST", "/v1/chat/completions",
                    json={"model": "tiny", "messages": HELLO, "max_tokens": 4, "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        body = r.read().decode()
    events = [e for e in body.split("\n\n") if e.strip() and not e.startswith(":")]
    assert all(e.startswith("data: ") for e in events), events
    assert events[-1] == "data: [DONE]"
    for e in events[:-1]:
        json.loads(e[len("data: "):])


def test_completion(client, served):
    engine, _ = served
    r = client.completions.create(model="tiny", prompt="Once upon a time", max_tokens=8)
    assert r.object == "text_completion" and r.model == "tiny"
    assert r.choices[0].finish_reason in ("stop", "length")
    direct = engine.infer([CompletionRequest("Once upon a time", SamplingOptions(max_tokens=8))])[0]
    assert r.choices[0].text == direct.text
    assert r.usage.prompt_tokens == direct.prompt_tokens
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model="tiny", prompt="Once upon a time", max_tokens=8, stream=True) if c.choices)
    assert streamed == r.choices[0].text
    echoed = client.completions.create(model="tiny", prompt="Once upon a time", max_tokens=8, echo=True)
    assert echoed.choices[0].text == "Once upon a time" + r.choices[0].text
    two = client.completions.create(model="tiny", prompt=["Once upon a time", "Hi"], max_tokens=8)
    assert [c.index for c in two.choices] == [0, 1] and two.choices[0].text == r.choices[0].text


def test_wrong_api_key(server, client):
    bad = openai.OpenAI(base_url=server.base_url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        bad.chat.completions.create(model="tiny", messages=HELLO, max_tokens=2)
    assert info.value.status_code == 401
    assert info.value.code == "invalid_api_key"
    assert _error(info.value.response)["type"] == "invalid_request_error"
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    # every API route (not /health: load balancers probe it without a key); no key at all is
    # refused the same way
    for method, path in [("GET", "/v1/models"), ("POST", "/v1/completions"),
                         ("POST", "/v1/chat/completions"), ("GET", "/v1/models/tiny")]:
        r = httpx.request(method, server.url + path, json={"prompt": "x"} if method == "POST" else None)
        assert r.status_code == 401, (path, r.text)
        assert _error(r)["code"] == "invalid_api_key"
        r = httpx.request(method, server.url + path, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401, path
    # the key is checked before the body: a stranger learns nothing from validation errors
    assert httpx.post(server.url + CHAT_URL, json={"bogus": 1}).status_code == 401


CHAT_URL = "/v1/chat/completions"


@pytest.mark.parametrize(
    ("body", "param", "words"),
    [
        ({"model": "tiny"}, "messages", "required"),
        ({"model": "tiny", "messages": "hello"}, "messages", "list"),
        ({"model": "tiny", "messages": []}, "messages", "at least 1"),
        ({"model": "tiny", "messages": [{"role": "user"}]}, "messages.0.content", "required"),
        ({"model": "tiny", "messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role", "user"),
        ({"model": "tiny", "messages": [{"role": "user", "content": 5}]}, "messages.0.content", ""),
        # media parts are read since issue 14 (tests/test_mm_serve.py); this model reads text only
        ({"model": "tiny", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]},
         "messages.0.content.0", "reads text only"),
        ({"model": "tiny", "messages": [{"role": "user", "content": [{"type": "file", "file": {}}]}]},
         "messages.0.content", "the parts read are"),
        ({"model": "tiny", "messages": HELLO, "max_tokens": "many"}, "max_tokens", "integer"),
        ({"model": "tiny", "messages": HELLO, "max_tokens": 0}, "max_tokens", "greater than or equal to 1"),
        ({"model": "tiny", "messages": HELLO, "temperature": -1}, "temperature", "greater than or equal to 0"),
        ({"model": "tiny", "messages": HELLO, "stop": 3}, "stop", ""),
        # tools are read since issue 13 (tests/test_tool_calling.py); a malformed one names its field
        ({"model": "tiny", "messages": HELLO, "tools": [{"type": "function"}]}, "tools.0.name", "missing"),
        ({"model": "tiny", "messages": HELLO, "n": 2}, "n", "n > 1"),
        ({"model": "tiny", "messages": HELLO, "presence_penalty": 0.5}, "presence_penalty", "not supported"),
        ({"model": "tiny", "messages": HELLO, "response_format": {"type": "json_object"}}, "response_format", "json"),
    ],
)
def test_malformed_chat_bodies(client, raw, body, param, words):
    with pytest.raises(openai.BadRequestError) as info:
        client.post("/chat/completions", body=body, cast_to=object)
    assert info.value.status_code == 400
    err = _error(info.value.response)
    assert err["type"] == "invalid_request_error" and err["param"] == param, err
    assert words in err["message"], err
    assert raw.post(CHAT_URL, json=body).status_code == 400


@pytest.mark.parametrize("content", [b"{not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_invalid_json_is_400(raw, content):
    r = raw.post(CHAT_URL, content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert _error(r)["type"] == "invalid_request_error"


def test_body_without_json_content_type(raw):
    # `curl -d '{...}'` style: no JSON content type, the body is parsed as JSON anyway when none is given
    body = json.dumps({"model": "tiny", "messages": HELLO, "max_tokens": 2}).encode()
    r = raw.post(CHAT_URL, content=body, headers={"Content-Type": ""})
    assert r.status_code == 200, r.text
    r = raw.post(CHAT_URL, content=body, headers={"Content-Type": "text/plain"})
    assert r.status_code == 400 and "JSON object" in _error(r)["message"]


def test_malformed_completion_bodies(client):
    for body, param in [({"model": "tiny"}, "prompt"), ({"model": "tiny", "prompt": []}, "prompt"),
                        ({"model": "tiny", "prompt": "x", "logprobs": 9}, "logprobs"),
                        ({"model": "tiny", "prompt": "x", "best_of": 3}, "best_of"),
                        ({"model": "tiny", "prompt": ["a", "b"], "stream": True}, "prompt")]:
        with pytest.raises(openai.BadRequestError) as info:
            client.post("/completions", body=body, cast_to=object)
        assert _error(info.value.response)["param"] == param


def test_too_large_max_tokens(client):
    for kwargs in ({"max_tokens": LIMIT + 1}, {"max_completion_tokens": 100_000}):
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(model="tiny", messages=HELLO, **kwargs)
        err = _error(info.value.response)
        assert err["param"] == "max_tokens" and err["code"] == "max_tokens_too_large"
        assert str(LIMIT) in err["message"] and "--max_tokens_limit" in err["message"]
    with pytest.raises(openai.BadRequestError, match=str(LIMIT)):
        client.completions.create(model="tiny", prompt="x", max_tokens=LIMIT + 1, stream=True)


def test_unknown_model(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-4o", messages=HELLO, max_tokens=2)
    assert info.value.status_code == 404
    err = _error(info.value.response)
    assert err["code"] == "model_not_found" and err["param"] == "model" and "'tiny'" in err["message"]
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="gpt-4o", prompt="x", max_tokens=2)
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_unknown_route_and_method(raw):
    r = raw.get("/v2/nothing")
    assert r.status_code == 404 and _error(r)["code"] == "not_found"
    r = raw.get(CHAT_URL)
    assert r.status_code == 405 and _error(r)["type"] == "invalid_request_error"


def test_health_and_openapi(server, raw):
    health = httpx.get(server.url + "/health").json()  # open, and naming nothing it serves
    assert health["status"] == "ok" and "model" not in health
    assert health["max_concurrency"] == 8 and health["active_requests"] == 0
    # with a key, the API's description needs it and the browser pages (which cannot send it) are off
    assert httpx.get(server.url + "/openapi.json").status_code == 401
    doc = raw.get("/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    assert {"/v1/models", "/v1/chat/completions", "/v1/completions", "/health"} <= set(paths)
    assert "HTTPBearer" in doc.json()["components"]["securitySchemes"]
    assert httpx.get(server.url + "/docs").status_code == 404


def test_cancelled_stream_frees_its_slot(server, raw, client, served):
    before = raw.get("/health").json()["requests_total"]
    started = time.monotonic()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as h:
        with h.stream("POST", CHAT_URL, json={"model": "tiny", "messages": HELLO, "max_tokens": LIMIT,
                                              "stream": True}) as r:
            assert r.status_code == 200
            _, lines = _first_event(r)
            assert raw.get("/health").json()["active_requests"] == 1
        # leaving the block closes the connection mid-answer
    health = _wait_idle(raw)
    assert health["active_requests"] == 0, health
    assert health["requests_total"] == before + 1
    _assert_engine_idle(served[0])
    assert time.monotonic() - started < 30
    # the engine is still serving
    assert client.chat.completions.create(model="tiny", messages=HELLO, max_tokens=2).choices


def test_client_leaving_a_plain_request_frees_its_slot(server, raw, served):
    with pytest.raises(httpx.TimeoutException):
        httpx.post(server.url + CHAT_URL, headers={"Authorization": f"Bearer {KEY}"}, timeout=0.5,
                   json={"model": "tiny", "messages": HELLO, "max_tokens": LIMIT})
    assert _wait_idle(raw)["active_requests"] == 0
    _assert_engine_idle(served[0])


def _assert_engine_idle(engine: Any, timeout: float = 15.0) -> None:
    """Where the engine reports its rows (pt's ``stats``), the cancelled one must be gone, not
    merely forgotten by the server."""
    stats = getattr(engine, "stats", None)
    if not isinstance(stats, dict) or "active_rows" not in stats:
        return
    deadline = time.monotonic() + timeout
    while engine.stats["active_rows"] or engine.stats.get("waiting_rows"):
        assert time.monotonic() < deadline, engine.stats
        time.sleep(0.05)


def test_concurrency_limit_answers_429(served, raw):
    engine, resolved = served
    app = create_app(engine, resolved, served_model_name="tiny", max_concurrency=1, max_tokens_limit=LIMIT)
    with run_in_thread(app) as small:
        c = openai.OpenAI(base_url=small.base_url, api_key="unused", max_retries=0, timeout=60)
        with httpx.Client(base_url=small.url, timeout=60) as h:
            with h.stream("POST", CHAT_URL, json={"model": "tiny", "messages": HELLO, "max_tokens": LIMIT,
                                                  "stream": True}) as first:
                assert first.status_code == 200
                _, lines = _first_event(first)
                assert h.get("/health").json()["active_requests"] == 1
                with pytest.raises(openai.RateLimitError) as info:
                    c.chat.completions.create(model="tiny", messages=HELLO, max_tokens=2)
                assert info.value.status_code == 429
                assert _error(info.value.response)["code"] == "rate_limit_exceeded"
                with pytest.raises(openai.RateLimitError):
                    list(c.chat.completions.create(model="tiny", messages=HELLO, max_tokens=2, stream=True))
            health = _wait_idle(h)
            assert health["active_requests"] == 0 and health["rejected_total"] == 2
            assert c.chat.completions.create(model="tiny", messages=HELLO, max_tokens=2).choices


# ----------------------------------------------------------------------------- protocol details, scripted engine


class ScriptedEngine(InferEngine):
    """Answers 'echo: <last user text>' one word per chunk, with made-up log-probabilities;
    a user text of 'boom' raises RuntimeError, 'bad' raises ValueError, and a stream of 'late
    boom' fails after its first chunk."""

    def __init__(self) -> None:
        super().__init__(EngineSpec(id="scripted", impl="tests.test_server:ScriptedEngine"), "/models/scripted", None)
        self.seen: list[Any] = []

    def add_adapter(self, name: str, path: str) -> None:
        self.adapters[name] = path

    def _answer(self, request: Any) -> tuple[list[str], int]:
        self.seen.append(request)
        text = request.prompt if isinstance(request, CompletionRequest) else request.messages[-1]["content"]
        if text == "boom":
            raise RuntimeError("kaboom")
        if text == "bad":
            raise ValueError("the prompt is too long for this model")
        words = ["echo:", *(" " + w for w in text.split())][: request.sampling.max_tokens]
        return words, len(text.split()) + 3

    def _logprobs(self, request: Any, words: list[str]) -> list[TokenLogprob] | None:
        if not request.sampling.logprobs:
            return None
        return [TokenLogprob(w, -0.5, [(w, -0.5), ("x", -2.0), ("y", -3.0)]) for w in words]

    def infer(self, requests: list[Any]) -> list[ChatResponse]:
        out = []
        for r in requests:
            words, prompt = self._answer(r)
            out.append(ChatResponse("".join(words), "stop", prompt, len(words), self._logprobs(r, words)))
        return out

    def stream(self, request: Any) -> Iterator[StreamChunk]:
        words, prompt = self._answer(request)
        if words[1:] == [" late", " boom"]:
            yield StreamChunk("partial")
            raise RuntimeError("late kaboom")
        for i, w in enumerate(words):
            last = i == len(words) - 1
            yield StreamChunk(w, "stop" if last else None, prompt if last else None, len(words) if last else None,
                              self._logprobs(request, [w]))


@pytest.fixture(scope="module")
def scripted():
    engine = ScriptedEngine()
    engine.add_adapter("my-lora", "/adapters/my-lora")
    resolved = ResolvedModel(model_dir="/models/scripted", model_id="scripted-model", template="qwen",
                             adapters={"my-lora": "/adapters/my-lora", "run/checkpoint-5": "/runs/run/checkpoint-5"})
    with run_in_thread(create_app(engine, resolved, max_tokens_limit=32, default_max_tokens=3)) as srv:
        yield engine, openai.OpenAI(base_url=srv.base_url, api_key="none", max_retries=0)


def test_adapters_are_listed_and_selected(scripted):
    engine, c = scripted
    models = c.models.list().data
    assert [m.id for m in models] == ["scripted-model", "my-lora", "run/checkpoint-5"]
    assert models[1].model_extra["parent"] == "scripted-model"
    assert c.models.retrieve("run/checkpoint-5").id == "run/checkpoint-5"
    r = c.chat.completions.create(model="my-lora", messages=[{"role": "user", "content": "a b"}], max_tokens=5)
    assert r.model == "my-lora" and engine.seen[-1].adapter == "my-lora"
    c.completions.create(model="scripted-model", prompt="a", max_tokens=5)
    assert engine.seen[-1].adapter is None
    c.chat.completions.create(model="run/checkpoint-5", messages=[{"role": "user", "content": "a"}], stream=True,
                              max_tokens=5).close()


def test_sampling_parameters_reach_the_engine(scripted):
    engine, c = scripted
    c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "a"}], max_tokens=7,
                              temperature=0.7, top_p=0.9, seed=3, stop="END", extra_body={"top_k": 5})
    s = engine.seen[-1].sampling
    assert (s.max_tokens, s.temperature, s.top_p, s.top_k, s.seed, s.stop) == (7, 0.7, 0.9, 5, 3, ["END"])
    c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "a"}],
                              max_completion_tokens=4, stop=["x", "y"])
    assert engine.seen[-1].sampling.max_tokens == 4 and engine.seen[-1].sampling.stop == ["x", "y"]
    c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "a"}])
    assert engine.seen[-1].sampling.max_tokens == 3  # default_max_tokens
    assert engine.seen[-1].sampling.temperature == 0.0  # greedy unless asked


def test_logprobs_in_openai_shape(scripted):
    _, c = scripted
    r = c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "a b"}],
                                  logprobs=True, top_logprobs=2)
    content = r.choices[0].logprobs.content
    assert [t.token for t in content] == ["echo:", " a", " b"]
    assert content[0].logprob == -0.5 and [t.token for t in content[0].top_logprobs] == ["echo:", "x"]
    assert content[0].bytes == list(b"echo:")
    chunks = list(c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "a"}],
                                            logprobs=True, stream=True))
    assert [t.token for ch in chunks if ch.choices and ch.choices[0].logprobs
            for t in ch.choices[0].logprobs.content] == ["echo:", " a"]
    r = c.completions.create(model="scripted-model", prompt="a b", logprobs=1)
    lp = r.choices[0].logprobs
    assert lp.tokens == ["echo:", " a", " b"] and lp.text_offset == [0, 5, 7]
    assert lp.top_logprobs[0] == {"echo:": -0.5}


def test_engine_failures(scripted):
    _, c = scripted
    # an engine's ValueError (a request it refuses) is 400, streamed or not: a stream's first
    # chunk is awaited before the response starts, so a refusal still gets a status code
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError, match="too long"):
            c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "bad"}],
                                      stream=stream)
        with pytest.raises(openai.BadRequestError, match="too long"):
            c.completions.create(model="scripted-model", prompt="bad", stream=stream)
    with pytest.raises(openai.InternalServerError) as info:
        c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "boom"}])
    assert info.value.status_code == 500 and _error(info.value.response)["type"] == "server_error"
    with pytest.raises(openai.InternalServerError):
        list(c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "boom"}],
                                       stream=True))
    with pytest.raises(openai.InternalServerError, match="kaboom"):
        c.completions.create(model="scripted-model", prompt=["fine", "boom"])
    # a failure after the response has started travels as an error event, which the client raises
    stream = c.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "late boom"}],
                                       stream=True)
    with pytest.raises(openai.APIError, match="late kaboom"):
        list(stream)


# ----------------------------------------------------------------------------- `swift deploy`


def _deploy_keys_registered() -> bool:
    from swiftkit.cli import CORE_COMMANDS
    from swiftkit.core.config import CORE_PROPERTIES

    return "deploy" in CORE_COMMANDS and {"host", "port", "api_key", "served_model_name"} <= set(CORE_PROPERTIES)


@pytest.mark.skipif(not _deploy_keys_registered(), reason="the deploy command and its core keys are not registered yet")
def test_swift_deploy_subprocess(tiny_dir, serving_url):
    cmd = [sys.executable, "-m", "swiftkit", "deploy", "--model", str(tiny_dir), "--port", "0", "--api_key", KEY,
           "--served_model_name", "tiny-cli", "--max_tokens_limit", "16", "--max_concurrency", "4"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url, lines = serving_url(proc)
        assert url, "".join(lines)
        # start-up shows swiftkit's own lines only: no weights bar, no DeepSpeed/bitsandbytes import chatter
        assert not [x for x in lines if re.search(r"Loading weights|kernels-community|Setting (ds_)?accelerator", x)], lines
        c = openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0)
        assert [m.id for m in c.models.list().data] == ["tiny-cli"]
        assert c.chat.completions.create(model="tiny-cli", messages=HELLO, max_tokens=4).choices[0].message.content
        with pytest.raises(openai.BadRequestError, match="16"):
            c.chat.completions.create(model="tiny-cli", messages=HELLO, max_tokens=17)
        assert httpx.get(url + "/health", headers={"Authorization": f"Bearer {KEY}"}).json()["max_concurrency"] == 4
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stdout.read()
