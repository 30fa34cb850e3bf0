"""Bounded work per request in ``swift deploy`` (issue 11, server items 1-3).

The context limit, a cancelled prefill, and lone surrogates run against the real ``pt`` engine
over a tiny random Qwen2 (context 512) built offline; the body limit, per-prompt slots, clipped
echoes and the fuzz run against a small in-process engine whose tokenizer, like the real ones,
refuses text that is not valid Unicode.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server needs the serve extra: pip install 'swiftkit[serve]'")
pytest.importorskip("sse_starlette", reason="the server needs the serve extra: pip install 'swiftkit[serve]'")
httpx = pytest.importorskip("httpx", reason="these tests send raw requests with httpx: pip install httpx")

from swiftkit.core.engines.interface import (  # noqa: E402
    ChatResponse,
    CompletionRequest,
    InferEngine,
    StreamChunk,
)
from swiftkit.core.specs import EngineSpec  # noqa: E402
from swiftkit.infer.factory import ResolvedModel  # noqa: E402
from swiftkit.serve.server import create_app, run_in_thread  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"
CONTEXT = 512
CHAT = "/v1/chat/completions"
COMPLETIONS = "/v1/completions"
HELLO = [{"role": "user", "content": "Hello! How are you?"}]


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    return body["error"]


# ----------------------------------------------------------------------------- the real engine


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from swiftkit.infer.factory import create_engine
    from swiftkit.testing.tiny import build_tiny_model

    folder = build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny-qwen-limits"), max_position_embeddings=CONTEXT)
    engine, resolved = create_engine({"model": str(folder), "infer_backend": "pt"})
    yield engine, resolved
    engine.close()


@pytest.fixture(scope="module")
def real(tiny):
    engine, resolved = tiny
    app = create_app(engine, resolved, served_model_name="tiny", max_concurrency=4, max_tokens_limit=4096)
    with run_in_thread(app) as srv, httpx.Client(base_url=srv.url, timeout=60) as h:
        yield h


def test_the_context_defaults_to_the_model_and_long_prompts_never_reach_the_engine(tiny, real):
    engine, _ = tiny
    rows = engine.stats["rows"]
    long_text = "word " * 2000  # far over 512 tokens
    r = real.post(CHAT, json={"messages": [{"role": "user", "content": long_text}], "max_tokens": 4})
    assert r.status_code == 400, r.text
    err = _error(r)
    assert err["code"] == "context_length_exceeded" and err["param"] == "messages"
    assert str(CONTEXT) in err["message"] and "--max_length" in err["message"]
    r = real.post(COMPLETIONS, json={"prompt": long_text, "max_tokens": 4, "stream": True})
    assert r.status_code == 400 and _error(r)["param"] == "prompt"
    # a prompt that fits, but not beside the answer it asks for: both counts named
    r = real.post(CHAT, json={"messages": HELLO, "max_tokens": CONTEXT})
    err = _error(r)
    assert r.status_code == 400 and err["param"] == "max_tokens", err
    prompt_tokens = int(err["message"].split("the prompt has ")[1].split()[0])
    assert f"{prompt_tokens + CONTEXT} tokens" in err["message"] and f"max_tokens is {CONTEXT}" in err["message"]
    assert engine.stats["rows"] == rows  # none of them reached the engine
    # without max_tokens the default budget (4096 here) is cut to the room left
    r = real.post(COMPLETIONS, json={"prompt": "hello", "max_tokens": None})
    assert r.status_code == 200, r.text
    assert r.json()["usage"]["total_tokens"] <= CONTEXT


def test_a_1mb_prompt_is_refused_fast_while_a_small_request_is_answered(tiny, real):
    huge = "lorem ipsum dolor sit amet " * (1_000_000 // 27)
    results: dict[str, Any] = {}

    def small() -> None:
        results["small"] = real.post(CHAT, json={"messages": HELLO, "max_tokens": 4})

    thread = threading.Thread(target=small)
    started = time.monotonic()
    thread.start()
    r = real.post(CHAT, json={"messages": [{"role": "user", "content": huge}], "max_tokens": 4})
    refused_after = time.monotonic() - started
    thread.join(60)
    assert r.status_code == 400 and _error(r)["code"] == "context_length_exceeded"
    assert "more than" in _error(r)["message"]  # counted only as far as needed
    assert refused_after < 10, refused_after  # the acceptance figure (< 1 s) is measured by benchmarks/serve_limits.py
    assert results["small"].status_code == 200, results["small"].text


def test_an_explicit_max_length_is_the_limit(tiny):
    engine, resolved = tiny
    app = create_app(engine, resolved, max_length=16)
    assert app.state.settings.max_length == 16
    with run_in_thread(app) as srv:
        r = httpx.post(srv.url + CHAT, json={"messages": HELLO, "max_tokens": 2}, timeout=60)
    assert r.status_code == 400 and "context is 16 tokens" in _error(r)["message"]


def test_lone_surrogates_are_400_on_the_real_engine(real):
    for url, body, param in [
        (CHAT, {"messages": [{"role": "user", "content": "hi \ud800"}]}, "messages.0.content"),
        (CHAT, {"messages": [{"role": "user", "content": "hi \ud800"}], "stream": True}, "messages.0.content"),
        (COMPLETIONS, {"prompt": "\udfff"}, "prompt"),
        (COMPLETIONS, {"prompt": "x\udfff", "stream": True}, "prompt"),
    ]:
        r = real.post(url, content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code == 400, (body, r.text)
        err = _error(r)
        assert err["param"] == param and "surrogate" in err["message"], err


def test_a_client_leaving_mid_prefill_frees_the_row_and_health_counts_it_until_then(tiny, real):
    """The slot stays taken while the engine still holds the row, and the forward pass stops
    at the next layer once nobody waits for it."""
    engine, _ = tiny
    blocks = [m for m in engine.model.modules() if type(m).__name__.endswith("DecoderLayer")]
    assert len(blocks) >= 2
    entered, go = threading.Event(), threading.Event()
    later_layers: list[int] = []

    def hold_first_prefill(module: Any, args: Any) -> None:
        if not entered.is_set():
            entered.set()
            go.wait(30)

    first = blocks[0].register_forward_pre_hook(hold_first_prefill)
    last = blocks[-1].register_forward_pre_hook(lambda m, a: later_layers.append(1) if entered.is_set() else None)
    cancelled = engine.stats["cancelled"]
    try:
        with pytest.raises(httpx.TimeoutException):
            real.post(CHAT, json={"messages": HELLO, "max_tokens": 8}, timeout=1.0)
        assert entered.wait(30)
        time.sleep(0.3)
        assert real.get("/health").json()["active_requests"] == 1  # the engine still holds it
        go.set()
        deadline = time.monotonic() + 15
        while real.get("/health").json()["active_requests"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert real.get("/health").json()["active_requests"] == 0
        assert engine.stats["cancelled"] == cancelled + 1 and engine.stats["active_rows"] == 0
        assert later_layers == [], "the prefill went on after every row was cancelled"
    finally:
        go.set()
        first.remove()
        last.remove()
    assert real.post(CHAT, json={"messages": HELLO, "max_tokens": 2}).status_code == 200


# ----------------------------------------------------------------------------- a small engine


class WordTokenizer:
    """One token per word; text that is not valid Unicode is refused with the TypeError the
    Rust tokenizers raise."""

    model_max_length = 64

    def __call__(self, text: str, add_special_tokens: bool = False) -> dict[str, list[int]]:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise TypeError("TextEncodeInput must be Union[TextInputSequence, Tuple[InputSequence, InputSequence]]") from None
        return {"input_ids": [len(w) for w in text.split()]}


class WordEngine(InferEngine):
    """Answers 'ok' per request; a prompt 'hold' streams until the test lets it go."""

    def __init__(self) -> None:
        super().__init__(EngineSpec(id="words", impl="tests.test_serve_limits:WordEngine"), "/models/words", None)
        self.tokenizer = WordTokenizer()
        self.release = threading.Event()

    def render(self, request: Any) -> str:
        if isinstance(request, CompletionRequest):
            return request.prompt
        return "\n".join(m["content"] for m in request.messages)

    def infer(self, requests: list[Any]) -> list[ChatResponse]:
        return [ChatResponse("ok", "stop", len(self.tokenizer(self.render(r))["input_ids"]), 1) for r in requests]

    def stream(self, request: Any) -> Iterator[StreamChunk]:
        tokens = len(self.tokenizer(self.render(request))["input_ids"])
        if self.render(request) == "hold":
            yield StreamChunk("wait")
            self.release.wait(30)
        yield StreamChunk("ok", "stop", tokens, 1)


@pytest.fixture(scope="module")
def words():
    engine = WordEngine()
    resolved = ResolvedModel(model_dir="/models/words", model_id="words", template="qwen")
    app = create_app(engine, resolved, max_concurrency=3, max_tokens_limit=32, max_request_bytes=4096)
    assert app.state.settings.max_length == 64  # the tokenizer's model_max_length: nothing else says
    with run_in_thread(app) as srv, httpx.Client(base_url=srv.url, timeout=30) as h:
        yield engine, app, h


def test_a_body_over_the_limit_is_413_before_it_is_read(words):
    _, _, h = words
    big = json.dumps({"messages": [{"role": "user", "content": "x" * 5000}]})
    r = h.post(CHAT, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    err = _error(r)
    assert err["code"] == "request_too_large" and "4096" in err["message"] and "--max_request_bytes" in err["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(10):
            yield b" " * 1000

    r = h.post(CHAT, content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and _error(r)["code"] == "request_too_large"
    assert h.post(CHAT, json={"messages": HELLO}).status_code == 200  # under the limit: served


def test_each_prompt_of_a_list_takes_a_slot(words):
    engine, app, h = words
    r = h.post(COMPLETIONS, json={"prompt": ["a", "b", "c", "d"]})
    assert r.status_code == 400 and _error(r)["code"] == "too_many_prompts", r.text
    engine.release.clear()
    with h.stream("POST", COMPLETIONS, json={"prompt": "hold", "stream": True}) as held:
        assert held.status_code == 200
        lines = held.iter_lines()
        next(line for line in lines if line.startswith("data:"))
        assert h.get("/health").json()["active_requests"] == 1
        r = h.post(COMPLETIONS, json={"prompt": ["a", "b", "c"]})  # 3 prompts, 2 slots free
        assert r.status_code == 429, r.text
        r = h.post(COMPLETIONS, json={"prompt": ["a", "b"]})
        assert r.status_code == 200 and len(r.json()["choices"]) == 2
        engine.release.set()
        list(lines)
    assert h.get("/health").json()["active_requests"] == 0


def test_errors_quote_at_most_100_characters_of_the_request(words):
    _, _, h = words
    name = "m" * 3000
    r = h.post(CHAT, json={"model": name, "messages": HELLO})
    assert r.status_code == 404
    assert len(r.text) < 600 and "m" * 100 + "..." in _error(r)["message"]
    r = h.post(CHAT, json={"messages": HELLO, "k" * 3000: 1})
    assert r.status_code == 400 and len(r.text) < 800, r.text[:200]
    r = h.get("/v1/" + "p" * 3000)
    assert r.status_code == 404 and len(r.text) < 600


def test_lone_surrogates_are_400_naming_the_field(words):
    _, _, h = words
    cases = [
        (CHAT, {"messages": [{"role": "user", "content": "\ud800"}]}, "messages.0.content"),
        (CHAT, {"messages": [{"role": "user", "content": [{"type": "text", "text": "a\udc00b"}]}]},
         "messages.0.content"),
        (CHAT, {"messages": HELLO, "stop": ["ok", "\ud83d"]}, "stop"),
        (CHAT, {"messages": HELLO, "user": "\ud800"}, "user"),
        (CHAT, {"messages": [{"role": "user", "content": "\ud800"}], "stream": True}, "messages.0.content"),
        (COMPLETIONS, {"prompt": ["fine", "\ud800"]}, "prompt"),
        (COMPLETIONS, {"prompt": "\ud800", "stream": True}, "prompt"),
        (CHAT, {"model": "\ud800", "messages": HELLO}, "model"),
        (CHAT, {"messages": HELLO, "metadata": {"\ud800": "x"}}, "metadata"),
    ]
    for url, body, param in cases:
        r = h.post(url, content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code == 400, (body, r.status_code, r.text)
        err = _error(r)
        assert err["param"] == param and "surrogate" in err["message"], (body, err)


# ----------------------------------------------------------------------------- fuzz

_FIELDS = ["model", "messages", "prompt", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k",
           "seed", "stop", "n", "stream", "stream_options", "logprobs", "top_logprobs", "echo", "user", "metadata",
           "logit_bias", "response_format", "presence_penalty", "suffix", "best_of"]


def _junk(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value: wrong types, invalid Unicode, huge and odd numbers, nested junk."""
    kinds = ["str", "surrogate", "int", "huge", "float", "bool", "null"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x3000), 0x10FFFF, 0]))
                       for _ in range(rng.randrange(0, 12)))
    if kind == "surrogate":
        return "ab" + chr(rng.randrange(0xD800, 0xE000)) + "cd"
    if kind == "int":
        return rng.randrange(-5, 50)
    if kind == "huge":
        return rng.choice([10**400, -(10**30), 2**63, 2**64 + 1, 1e308, -1e308])
    if kind == "float":
        return rng.uniform(-10, 10)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [_junk(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice([*_FIELDS, "role", "content", "type", "text", "\ud800", "x" * 300]): _junk(rng, depth + 1)
            for _ in range(rng.randrange(0, 4))}


def _message(rng: random.Random) -> Any:
    if rng.random() < 0.3:
        return _junk(rng)
    msg = {"role": rng.choice(["user", "system", "assistant", "tool", "developer", "robot", 3]),
           "content": rng.choice(["hi", "\ud800", [{"type": "text", "text": _junk(rng)}], _junk(rng)])}
    if rng.random() < 0.2:
        msg[rng.choice(["name", "extra", "tool_call_id"])] = _junk(rng)
    return msg


def _body(rng: random.Random, chat: bool) -> tuple[bytes, dict[str, Any] | None]:
    roll = rng.random()
    if roll < 0.05:  # not JSON, or not UTF-8
        return rng.choice([b"{", b"\xff\xfe{}", b'{"messages": [}', b"null", b"[]", b'"\\ud800"', b"\x00" * 5]), None
    body: dict[str, Any] = {"messages": [_message(rng) for _ in range(rng.randrange(0, 3))]} if chat else {
        "prompt": rng.choice(["hi", "\udfff", ["a", "\ud800"], _junk(rng), ["a"] * rng.randrange(1, 6)])}
    for _ in range(rng.randrange(0, 5)):
        body[rng.choice(_FIELDS)] = _junk(rng)
    if rng.random() < 0.3:
        body["stream"] = True
    return json.dumps(body).encode(), body  # ensure_ascii: lone surrogates travel as \\udXXX escapes


def test_fuzz_malformed_bodies_never_get_a_5xx(words):
    """1,200 generated bodies: always a 2xx or an OpenAI-shaped 4xx, never a traceback, and an
    error that names a parameter names one the request sent (or a required one it lacked)."""
    engine, app, _ = words
    engine.release.set()
    rng = random.Random(11)
    transport = httpx.ASGITransport(app=app)

    async def run() -> list[tuple[bytes, Any, int, str]]:
        out = []
        async with httpx.AsyncClient(transport=transport, base_url="http://fuzz") as h:
            for i in range(1200):
                chat = i % 2 == 0
                raw, body = _body(rng, chat)
                r = await h.post(CHAT if chat else COMPLETIONS, content=raw, headers={"content-type": "application/json"})
                out.append((raw, body, r.status_code, r.text))
        return out

    statuses: dict[int, int] = {}
    for raw, body, status, text in asyncio.run(run()):
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, (raw[:300], status, text[:500])
        assert "Traceback" not in text, text[:500]
        if status >= 400:
            err = json.loads(text)["error"]
            assert isinstance(err["message"], str) and err["message"], text[:300]
            assert len(text) < 2000, text[:300]
            if isinstance(body, dict):  # a JSON object: the error names one of its fields
                assert err["param"] is not None, (err, body)
                top = err["param"].split(".")[0]
                assert top in body or top in ("messages", "prompt"), (err, sorted(body)[:10])
    assert statuses.get(400, 0) > 600 and statuses.get(200, 0) > 10, statuses


def test_prompt_counting_stops_early_and_the_context_comes_from_the_right_place(tmp_path):
    from swiftkit.core.engines.interface import SamplingOptions
    from swiftkit.serve.limits import context_length, count_prompt_tokens

    engine = WordEngine()
    calls: list[int] = []
    tokenize = engine.tokenizer.__call__

    def counting(text: str, add_special_tokens: bool = False) -> dict[str, list[int]]:
        calls.append(len(text))
        return tokenize(text, add_special_tokens)

    engine.tokenizer = type("Counting", (), {"__call__": staticmethod(counting), "model_max_length": 64})()
    short = CompletionRequest(prompt="a b c", sampling=SamplingOptions())
    assert count_prompt_tokens(engine, short, 64) == (3, True)
    huge = CompletionRequest(prompt="word " * 200_000, sampling=SamplingOptions())
    calls.clear()
    tokens, exact = count_prompt_tokens(engine, huge, 64)
    assert not exact and 64 < tokens < 200_000
    assert sum(calls) < 20_000, calls  # never the whole 1 MB
    # the context: the engine's own limit, then config.json, then the spec, then the tokenizer
    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 300}))
    assert context_length(engine, str(tmp_path), 1000) == 300
    assert context_length(engine, "/nowhere", 1000) == 1000
    assert context_length(engine, "/nowhere", None) == 64
    engine.options = {"max_model_len": 40}
    assert context_length(engine, str(tmp_path), 1000) == 40
