"""The ``pt`` engine on a tiny random Qwen2 built offline: dynamic batching, streaming, stop
strings, sampling, logprobs, LoRA adapters side by side, cancellation."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from swiftkit.core import get_registry
from swiftkit.core.engines.interface import (
    ChatRequest,
    ChatResponse,
    CompletionRequest,
    SamplingOptions,
    StreamChunk,
)
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"

_WORDS = "the quick brown fox jumps over the lazy dog while seven wise owls watch the quiet river".split()

# eight prompts of different lengths (so rows are left-padded differently in a batch)
PROMPTS = [
    [{"role": "user", "content": "Hello! How can I help you today?"}],
    [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "What is 1 + 1?"}],
    [{"role": "user", "content": "Translate to German: good morning. Please answer in one long sentence."}],
    *([{"role": "user", "content": " ".join(_WORDS[: 2 + 3 * i])}] for i in range(5)),
]


def greedy(max_tokens=24, stop=(), **kwargs):
    return SamplingOptions(max_tokens=max_tokens, temperature=0.0, stop=list(stop), **kwargs)


def chat(messages, **sampling):
    adapter = sampling.pop("adapter", None)
    return ChatRequest(messages=messages, sampling=greedy(**sampling), adapter=adapter)


def run(coro):
    return asyncio.run(coro)


async def gather_infer(engine, requests):
    return await asyncio.gather(*(engine.infer_async(r) for r in requests))


async def collect(engine, request):
    return [chunk async for chunk in engine.stream_async(request)]


def wait_idle(engine, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = engine.stats
        if stats["active_rows"] == 0 and stats["waiting_rows"] == 0:
            return stats
        time.sleep(0.01)
    raise AssertionError(f"the scheduler is still busy: {engine.stats}")


# ----------------------------------------------------------------------------- fixtures




@pytest.fixture(scope="module")
def reg():
    return get_registry()


@pytest.fixture(scope="module")
def model_spec(reg):
    return reg.resolve_model(MODEL).spec


@pytest.fixture(scope="module")
def template(reg, model_spec):
    return reg.template(model_spec.template)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny-qwen2"))


@pytest.fixture(scope="module")
def make_engine(reg, tiny_dir, template):
    engines = []

    def make(**options):
        engine = reg.impl("engine", "pt")(reg.get("engine", "pt").spec, str(tiny_dir), template, options)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture(scope="module")
def engine(make_engine):
    return make_engine(max_batch_size=8, batch_wait_ms=50)


# ----------------------------------------------------------------------------- batching


def test_concurrent_requests_equal_sequential_ones(engine):
    requests = [chat(m, max_tokens=24) for m in PROMPTS]
    sequential = [engine.infer([r])[0] for r in requests]
    assert len({len(engine.prepare(r).prompt_ids) for r in requests}) == len(requests)  # all lengths differ
    for response, request in zip(sequential, requests, strict=True):
        assert isinstance(response, ChatResponse)
        assert response.finish_reason in ("stop", "length")
        assert 1 <= response.completion_tokens <= 24
        assert response.prompt_tokens == len(engine.prepare(request).prompt_ids)
        assert response.logprobs is None
    assert any(r.text for r in sequential)

    before = engine.stats
    concurrent = run(gather_infer(engine, requests))
    after = wait_idle(engine)
    assert concurrent == sequential  # greedy: token for token, whatever the batch
    assert after["batches"] - before["batches"] < len(requests)  # the scheduler batched them
    assert after["max_batch"] >= 2

    # infer() queues its requests together; max_batch_size caps the rows decoding at once: the
    # rest join the running batch as rows end (continuous batching: one batch, >= 3 prefills)
    assert engine.infer(requests) == sequential
    engine.max_batch_size = 3
    try:
        before = engine.stats
        assert engine.infer(requests) == sequential
        after = engine.stats
        assert after["batches"] - before["batches"] <= 1  # 0: they joined the last one still looping
        assert after["prefills"] - before["prefills"] >= 3
        assert after["generate_calls"] == before["generate_calls"]
    finally:
        engine.max_batch_size = 8


def test_generate_batches_without_continuous_batching(make_engine):
    """``continuous_batching: false``: batches of ``max_batch_size`` rows, each one ``generate()``
    call, with the same greedy answers."""
    engine = make_engine(max_batch_size=3, batch_wait_ms=0, continuous_batching=False)
    requests = [chat(m, max_tokens=12) for m in PROMPTS]
    sequential = [engine.infer([r])[0] for r in requests]
    before = engine.stats
    assert engine.infer(requests) == sequential
    after = engine.stats
    assert after["batches"] - before["batches"] == 3 == after["generate_calls"] - before["generate_calls"]
    assert after["prefills"] == 0


def test_requests_join_a_running_batch(make_engine):
    """Requests that arrive while a batch decodes join it at the next step (no wait for the
    batch to end) and answer exactly as alone; each row leaves the batch the step it ends."""
    engine = make_engine(max_batch_size=8, batch_wait_ms=0)
    long_request = chat(PROMPTS[2], max_tokens=200, stop=["\u0000never"])
    late = [chat(m, max_tokens=8) for m in PROMPTS[3:6]]
    alone = [engine.infer([r])[0] for r in late]

    async def arrive_while_decoding():
        first_chunks = []
        stream = engine.stream_async(long_request)
        first_chunks.append(await stream.__anext__())
        before = engine.stats
        answers = await gather_infer(engine, late)
        during = engine.stats
        await stream.aclose()
        return before, during, answers

    before, during, answers = run(arrive_while_decoding())
    wait_idle(engine)
    assert answers == alone
    assert during["batches"] == before["batches"]  # they joined the running batch
    assert during["prefills"] > before["prefills"]
    assert during["active_rows"] == 1  # the late rows left as they ended; the long one decodes on


def test_max_tokens_and_stop_strings(engine):
    # a prompt whose greedy answer runs at least 6 characters without ending on its own
    long = None
    for messages in PROMPTS:
        r = engine.infer([chat(messages, max_tokens=32)])[0]
        if r.finish_reason == "length" and len(r.text) >= 6:
            long = (messages, r)
            break
    assert long is not None, "no prompt produced a long greedy answer"
    messages, full = long

    short = engine.infer([chat(messages, max_tokens=5)])[0]
    assert short.finish_reason == "length" and short.completion_tokens == 5
    assert full.text.startswith(short.text)

    stop = full.text[3:5]
    cut = full.text.find(stop)
    stopped = engine.infer([chat(messages, max_tokens=32, stop=[stop])])[0]
    assert stopped.finish_reason == "stop"
    assert stopped.text == full.text[:cut]
    assert stopped.completion_tokens < full.completion_tokens

    # rows of one batch each keep their own budget and stop strings
    mixed = engine.infer(
        [
            chat(messages, max_tokens=32, stop=[stop]),
            chat(messages, max_tokens=5),
            chat(messages, max_tokens=32),
        ]
    )
    assert mixed == [stopped, short, full]
    concurrent = run(
        gather_infer(
            engine,
            [
                chat(messages, max_tokens=32, stop=[stop]),
                chat(messages, max_tokens=5),
                chat(messages, max_tokens=32),
            ],
        )
    )
    assert concurrent == [stopped, short, full]

    with pytest.raises(ValueError, match="max_tokens"):
        engine.infer([chat(messages, max_tokens=0)])


def test_responses_carry_the_token_ids(engine):
    """``prompt_token_ids`` are the rendered prompt's ids and ``token_ids`` the generated ones
    (an end-of-turn token included), what online RL trains on."""
    requests = [chat(PROMPTS[0], max_tokens=4), chat(PROMPTS[1], max_tokens=32)]
    for request, response in zip(requests, engine.infer(requests), strict=True):
        assert response.prompt_token_ids == engine.tokenizer(engine.render(request), add_special_tokens=False)["input_ids"]
        assert len(response.token_ids) == response.completion_tokens
        if response.finish_reason == "length":
            assert engine.tokenizer.decode(response.token_ids, skip_special_tokens=True) == response.text
        else:
            assert response.token_ids[-1] in engine.eos_token_ids
    # they take no part in equality: an answer is its text, reason and counts
    same = ChatResponse("a", "stop", 1, 1, prompt_token_ids=[5], token_ids=[6])
    assert same == ChatResponse("a", "stop", 1, 1)


def test_vllm_responses_carry_the_token_ids_too():
    from types import SimpleNamespace

    from swiftkit.plugins.engines._mapping import vllm_response

    completion = SimpleNamespace(text="ab", token_ids=(7, 8, 2), finish_reason="stop", logprobs=None)
    response = vllm_response(SimpleNamespace(prompt_token_ids=[1, 2, 3], outputs=[completion]), None)
    assert (response.prompt_token_ids, response.token_ids, response.completion_tokens) == ([1, 2, 3], [7, 8, 2], 3)


def test_streams_join_to_the_infer_answer(engine):
    for messages in PROMPTS[:3]:
        full = engine.infer([chat(messages)])[0].text
        # no stop; a one-character stop; a longer one whose first characters are held back
        for stop in ([], ["e"], [full[4:7]] if len(full) > 7 else []):
            request = chat(messages, stop=stop)
            expected = engine.infer([request])[0]
            for chunks in (list(engine.stream(request)), run(collect(engine, request))):
                assert all(isinstance(c, StreamChunk) for c in chunks)
                assert "".join(c.delta for c in chunks) == expected.text
                last = chunks[-1]
                assert (last.finish_reason, last.prompt_tokens, last.completion_tokens) == (
                    expected.finish_reason,
                    expected.prompt_tokens,
                    expected.completion_tokens,
                )
                assert all(c.finish_reason is None and c.completion_tokens is None for c in chunks[:-1])
    # token by token: a long answer comes in many pieces
    pieces = list(engine.stream(chat(PROMPTS[2], max_tokens=24)))
    assert len(pieces) > 5

    # several streams at once, batched, each equal to its own answer
    requests = [chat(m, max_tokens=16) for m in PROMPTS]

    async def all_streams():
        return await asyncio.gather(*(collect(engine, r) for r in requests))

    before = engine.stats["batches"]
    streamed = run(all_streams())
    assert engine.stats["batches"] - before < len(requests)
    for chunks, request in zip(streamed, requests, strict=True):
        assert "".join(c.delta for c in chunks) == engine.infer([request])[0].text


def test_completion_requests_use_the_prompt_as_is(engine, template):
    prompt = template.render(PROMPTS[0], add_generation_prompt=True)
    as_chat = engine.infer([chat(PROMPTS[0], max_tokens=12)])[0]
    as_completion = engine.infer([CompletionRequest(prompt=prompt, sampling=greedy(max_tokens=12))])[0]
    assert as_completion == as_chat  # Qwen adds no BOS: the same ids, the same answer
    assert engine.render(CompletionRequest(prompt="raw text")) == "raw text"
    assert engine.render(chat(PROMPTS[0])) == prompt


def test_seeded_sampling_is_reproducible_alone_and_batched(engine):
    def sampling(seed):
        return SamplingOptions(max_tokens=16, temperature=1.5, top_p=0.95, top_k=50, seed=seed)

    def sample(seed):
        return engine.infer([ChatRequest(messages=PROMPTS[0], sampling=sampling(seed))])[0]

    assert sample(1) == sample(1)
    assert len({sample(s).text for s in range(1, 5)}) > 1
    # rows with other settings (greedy, other seeds) in the same batch change nothing
    requests = [
        ChatRequest(messages=PROMPTS[0], sampling=sampling(1)),
        chat(PROMPTS[1], max_tokens=16),
        ChatRequest(messages=PROMPTS[2], sampling=sampling(7)),
        ChatRequest(messages=PROMPTS[0], sampling=SamplingOptions(max_tokens=16, temperature=0.7, seed=3)),
    ]
    alone = [engine.infer([r])[0] for r in requests]
    before = engine.stats["batches"]
    assert run(gather_infer(engine, requests)) == alone
    # one batch for all four (0 new ones when they joined the previous batch before its loop ended)
    assert engine.stats["batches"] - before <= 1
    # plain temperature (no filters) and top-k 1 (= greedy) paths
    assert engine.infer(
        [ChatRequest(messages=PROMPTS[3], sampling=SamplingOptions(max_tokens=8, temperature=1.0, seed=5))]
    )[0].text
    top1 = SamplingOptions(max_tokens=12, temperature=2.0, top_k=1, seed=9)
    assert (
        engine.infer([ChatRequest(messages=PROMPTS[3], sampling=top1)])[0]
        == engine.infer([chat(PROMPTS[3], max_tokens=12)])[0]
    )


def test_samples_of_one_prompt_share_its_encoding_and_prefill(engine, monkeypatch):
    """n seeded samples of a prompt (GRPO's groups): rendered once and prefilled once, and each
    answer equals the one the same request gets alone."""
    from swiftkit.plugins.engines import pt_continuous

    def sampling(seed):
        return SamplingOptions(max_tokens=10, temperature=1.2, seed=seed)

    requests = [ChatRequest(messages=PROMPTS[i], sampling=sampling(10 * i + g)) for i in (0, 3) for g in range(3)]
    alone = [engine.infer([r])[0] for r in requests]
    renders, prefill_rows = [], []
    render, forward = engine.render, pt_continuous.RunningBatch._forward
    monkeypatch.setattr(engine, "render", lambda request: renders.append(1) or render(request))

    def recording_forward(self, rows, expand=None, **inputs):
        if inputs["input_ids"].shape[1] > 1:  # a prefill
            prefill_rows.append((len(rows), int(inputs["input_ids"].shape[0])))
        return forward(self, rows, expand, **inputs)

    monkeypatch.setattr(pt_continuous.RunningBatch, "_forward", recording_forward)
    assert engine.infer(requests) == alone
    assert len(renders) == 2 and prefill_rows == [(6, 2)]


def test_closing_an_engine_over_a_borrowed_model_collects_nothing(reg, tiny_dir, template, monkeypatch):
    import gc

    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    engine = reg.impl("engine", "pt")(reg.get("engine", "pt").spec, str(tiny_dir), template, {}, model=model,
                                      tokenizer=AutoTokenizer.from_pretrained(tiny_dir))
    assert engine.infer([chat(PROMPTS[0], max_tokens=2)])[0].completion_tokens == 2
    collected = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1))
    engine.close()
    assert not collected  # the trainer still holds the model: a full collection would free nothing


def test_logprobs(engine):
    request = chat(PROMPTS[2], max_tokens=12, logprobs=True, top_logprobs=3)
    response = engine.infer([request])[0]
    assert response.logprobs is not None and len(response.logprobs) == response.completion_tokens
    for entry in response.logprobs:
        assert math.isfinite(entry.logprob) and entry.logprob <= 0
        assert len(entry.top) == 3
        assert all(math.isfinite(v) for _, v in entry.top)
        assert [v for _, v in entry.top] == sorted((v for _, v in entry.top), reverse=True)
        # greedy: the chosen token is the most likely one
        assert entry.top[0] == (entry.token, entry.logprob)
    # the answer text is unchanged by asking for logprobs
    assert response.text == engine.infer([chat(PROMPTS[2], max_tokens=12)])[0].text
    # logprobs without alternatives; streamed logprobs add up to the same list
    plain = engine.infer([chat(PROMPTS[2], max_tokens=12, logprobs=True)])[0]
    assert [(e.token, e.logprob) for e in plain.logprobs] == [(e.token, e.logprob) for e in response.logprobs]
    assert all(e.top == [] for e in plain.logprobs)
    chunks = run(collect(engine, request))
    assert [e for c in chunks for e in (c.logprobs or [])] == response.logprobs
    # sampled rows report the model's raw distribution, and their own tokens
    sampled = SamplingOptions(max_tokens=8, temperature=1.2, seed=4, logprobs=True, top_logprobs=2)
    response = engine.infer([ChatRequest(messages=PROMPTS[2], sampling=sampled)])[0]
    assert len(response.logprobs) == response.completion_tokens
    assert all(math.isfinite(e.logprob) and e.logprob <= e.top[0][1] for e in response.logprobs)


# ----------------------------------------------------------------------------- cancellation and lifecycle


def test_cancelled_stream_frees_its_row(engine):
    long_request = chat(PROMPTS[2], max_tokens=400)
    short_request = chat(PROMPTS[1], max_tokens=16)
    expected_short = engine.infer([short_request])[0]

    async def cancel_one():
        stream = engine.stream_async(long_request)
        first = await stream.__anext__()
        await stream.aclose()  # the client went away
        return first

    before = wait_idle(engine)
    first = run(cancel_one())
    assert first.finish_reason is None
    after = wait_idle(engine)
    assert after["cancelled"] == before["cancelled"] + 1
    assert after["tokens"] - before["tokens"] < 100  # it stopped long before its 400 tokens

    # cancelled while batched with another stream: the other one goes on unchanged
    async def cancel_in_batch():
        long_stream = engine.stream_async(long_request)
        short_task = asyncio.ensure_future(collect(engine, short_request))
        await long_stream.__anext__()
        await long_stream.aclose()
        return await short_task

    before = wait_idle(engine)
    chunks = run(cancel_in_batch())
    after = wait_idle(engine)
    assert "".join(c.delta for c in chunks) == expected_short.text
    assert chunks[-1].completion_tokens == expected_short.completion_tokens
    assert after["cancelled"] == before["cancelled"] + 1
    assert after["tokens"] - before["tokens"] < 150

    # a cancelled infer_async task
    async def cancel_task():
        task = asyncio.ensure_future(engine.infer_async(long_request))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    before = wait_idle(engine)
    run(cancel_task())
    after = wait_idle(engine)
    assert after["cancelled"] == before["cancelled"] + 1
    assert after["tokens"] - before["tokens"] < 400
    # the sync stream: closing the iterator early
    stream = engine.stream(long_request)
    next(stream)
    stream.close()
    assert wait_idle(engine)["active_rows"] == 0
    assert engine.infer([short_request])[0] == expected_short


def test_max_length_and_close(make_engine):
    engine = make_engine(max_length=40)
    prompt_len = len(engine.prepare(chat(PROMPTS[0])).prompt_ids)
    assert prompt_len < 40
    response = engine.infer([chat(PROMPTS[0], max_tokens=100)])[0]
    assert response.completion_tokens <= 40 - prompt_len
    with pytest.raises(ValueError, match="max_length"):
        engine.infer([chat([{"role": "user", "content": " ".join(_WORDS * 3)}])])
    engine.close()
    with pytest.raises(RuntimeError, match="closed"):
        engine.infer([chat(PROMPTS[0])])
    engine.close()  # twice is fine

    # closing the engine under a running stream ends the stream with an error
    engine = make_engine()
    stream = engine.stream(chat(PROMPTS[2], max_tokens=400))
    next(stream)
    engine.close()
    with pytest.raises(RuntimeError, match="closed"):
        list(stream)


# ----------------------------------------------------------------------------- adapters


@pytest.fixture(scope="module")
def adapters(reg, tiny_dir, model_spec, tmp_path_factory):
    """Two LoRA adapters with random (non-zero) B matrices, saved like training saves them."""
    import torch
    from transformers import AutoModelForCausalLM

    out = tmp_path_factory.mktemp("adapters")
    paths = {}
    for name, seed in (("alpha", 1), ("beta", 2)):
        tuner = reg.impl("method", "lora")(reg.get("method", "lora").spec, {"init_lora_weights": "false"})
        torch.manual_seed(seed)
        peft_model = tuner.prepare(AutoModelForCausalLM.from_pretrained(tiny_dir), model_spec)
        tuner.save_pretrained(peft_model, str(out / name))
        paths[name] = str(out / name)
    return paths


def test_adapters_side_by_side(make_engine, adapters, tmp_path):
    engine = make_engine(max_batch_size=8, batch_wait_ms=50)
    base_alone = engine.infer([chat(PROMPTS[0], max_tokens=16)])[0]  # before any adapter is loaded
    engine.add_adapter("alpha", adapters["alpha"])
    engine.add_adapter("beta", adapters["beta"])
    assert set(engine.adapters) == {"alpha", "beta"}

    requests = [
        chat(PROMPTS[0], max_tokens=16),
        chat(PROMPTS[0], max_tokens=16, adapter="alpha"),
        chat(PROMPTS[0], max_tokens=16, adapter="beta"),
        chat(PROMPTS[1], max_tokens=16, adapter="alpha"),
        chat(PROMPTS[1], max_tokens=16),
    ]
    sequential = [engine.infer([r])[0] for r in requests]
    base, alpha, beta = sequential[:3]
    assert base == base_alone  # the base model answers requests without an adapter
    assert len({base.text, alpha.text, beta.text}) == 3

    before = engine.stats
    assert run(gather_infer(engine, requests)) == sequential
    after = engine.stats
    assert after["batches"] - before["batches"] == 1  # one burst, one mixed batch
    assert after["generate_calls"] - before["generate_calls"] == 1  # mixed adapters: one generate() call

    # rows for the adapter of a running batch join it, answering as alone
    async def join_while_decoding():
        stream = engine.stream_async(chat(PROMPTS[2], max_tokens=200, stop=["\u0000never"], adapter="alpha"))
        await stream.__anext__()
        mid = engine.stats
        answers = await gather_infer(engine, [requests[1], requests[3]])
        joined = engine.stats["batches"] == mid["batches"]
        await stream.aclose()
        return answers, joined

    answers, joined = run(join_while_decoding())
    assert answers == [alpha, sequential[3]]
    assert joined

    # an adapter given by folder is loaded on first use and then served under that string
    by_path = chat(PROMPTS[0], max_tokens=16, adapter=adapters["beta"])
    assert engine.infer([by_path, requests[0]]) == [beta, base]
    assert adapters["beta"] in engine.adapters

    with pytest.raises(ValueError, match="unknown adapter"):
        engine.infer([chat(PROMPTS[0], adapter="gamma")])
    with pytest.raises(ValueError, match="adapter_config.json"):
        engine.infer([chat(PROMPTS[0], adapter=str(tmp_path))])
    with pytest.raises(ValueError, match="adapter_config.json"):
        engine.add_adapter("gamma", str(tmp_path))


def test_an_in_memory_peft_model_answers_with_its_adapter(reg, make_engine, adapters, tiny_dir, template):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    reference = make_engine()
    reference.add_adapter("alpha", adapters["alpha"])
    reference.add_adapter("beta", adapters["beta"])
    requests = [chat(m, max_tokens=12) for m in PROMPTS[:3]]
    expected = reference.infer([chat(m, max_tokens=12, adapter="alpha") for m in PROMPTS[:3]])
    expected_beta = reference.infer([chat(PROMPTS[0], max_tokens=12, adapter="beta")])

    # a model just trained: no adapter named -> its own adapter
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_dir), adapters["alpha"])
    engine = reg.impl("engine", "pt")(
        reg.get("engine", "pt").spec,
        str(tiny_dir),
        template,
        {},
        model=model,
        tokenizer=AutoTokenizer.from_pretrained(tiny_dir),
    )
    try:
        assert engine.infer(requests) == expected
        engine.add_adapter("beta", adapters["beta"])
        assert engine.infer([*requests, chat(PROMPTS[0], max_tokens=12, adapter="beta")]) == [
            *expected,
            *expected_beta,
        ]
    finally:
        engine.close()


# ----------------------------------------------------------------------------- throughput (printed)


def test_throughput_concurrent_vs_sequential(engine, capsys):
    """32 requests of up to 32 tokens, one by one and all at once (printed, not asserted)."""
    requests = [
        chat([{"role": "user", "content": f"request {i}: {' '.join(_WORDS[: i % 9 + 2])}"}], max_tokens=32)
        for i in range(32)
    ]
    engine.infer(requests[:2])  # warm up
    start = time.perf_counter()
    sequential = [engine.infer([r])[0] for r in requests]
    t_seq = time.perf_counter() - start
    results = {}
    for size in (8, 16, 32):
        engine.max_batch_size = size
        start = time.perf_counter()
        concurrent = run(gather_infer(engine, requests))
        results[size] = time.perf_counter() - start
        assert concurrent == sequential
    engine.max_batch_size = 8
    tokens = sum(r.completion_tokens for r in sequential)
    with capsys.disabled():
        print(
            f"\n[pt throughput] 32 requests, {tokens} tokens: sequential {t_seq:.2f}s ({tokens / t_seq:.0f} tok/s)"
        )
        for size, t in results.items():
            print(
                f"[pt throughput]   concurrent, max_batch_size={size}: {t:.2f}s ({tokens / t:.0f} tok/s, "
                f"x{t_seq / t:.1f})"
            )
