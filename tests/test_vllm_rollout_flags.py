"""``--use_vllm`` without vLLM running: the flags (accepted for grpo and gkd, refused ones with
the reason before anything loads), the settings they make, the policy's weights as vLLM
receives them (a LoRA model merged under the base checkpoint's names, left unmerged after),
the weight chunks, and the ms-swift ``vllm_*`` flags mapped onto vLLM's engine arguments."""

from __future__ import annotations

import importlib.util

import pytest

from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.core.registry import get_registry
from swiftkit.plugins.methods._vllm_rollout import VllmSettings, _chunks, policy_weights, server_url

pytestmark = pytest.mark.usefixtures("one_torch_thread")

GRPO = ["--rlhf_type", "grpo", "--model", "m", "--dataset", "d.jsonl", "--reward_funcs", "contains"]


def _config(*args: str) -> dict:
    return build_config(get_registry(), command="rlhf", cli_args=list(args))


@pytest.mark.parametrize("method", ["grpo", "gkd"])
def test_rollout_flags_are_accepted_for_grpo_and_gkd(method):
    extra = ["--reward_funcs", "contains"] if method == "grpo" else ["--teacher_model", "t"]
    config = _config("--rlhf_type", method, "--model", "m", "--dataset", "d.jsonl", *extra, "--use_vllm", "true",
                     "--vllm_mode", "server", "--vllm_server_host", "10.0.0.2", "--vllm_server_port", "9001",
                     "--vllm_server_timeout", "30", "--vllm_gpu_memory_utilization", "0.3", "--vllm_max_model_len", "512",
                     "--move_model_batches", "4", "--enable_flattened_weight_sync", "false")
    settings = VllmSettings.from_config(config, method)
    assert settings.mode == "server" and settings.base_url == "http://10.0.0.2:9001" and settings.timeout == 30
    assert settings.move_model_batches == 4 and settings.flattened is False
    assert settings.engine_options["vllm_gpu_memory_utilization"] == 0.3
    assert settings.engine_options["vllm_max_model_len"] == 512


def test_use_vllm_defaults_to_colocate_and_off_means_no_settings():
    assert VllmSettings.from_config(_config(*GRPO), "grpo") is None
    assert VllmSettings.from_config(_config(*GRPO, "--use_vllm", "true"), "grpo").mode == "colocate"
    assert server_url({"vllm_server_base_url": "http://h:1/"}) == "http://h:1"
    assert server_url({"vllm_server_host": ["h"], "vllm_server_port": [2]}) == "http://h:2"


@pytest.mark.parametrize(("args", "match"), [
    (["--vllm_mode", "async"], "colocate .* or server"),
    (["--ds3_gather_for_generation", "false"], "vLLM needs the whole"),
    (["--vllm_mode", "server", "--sleep_level", "1"], "colocated"),
    (["--vllm_mode", "server", "--vllm_enable_lora", "true"], "merged weights"),
])
def test_rollout_settings_that_cannot_run_are_refused(args, match):
    with pytest.raises(ConfigError, match=match):
        VllmSettings.from_config(_config(*GRPO, "--use_vllm", "true", *args), "grpo")


@pytest.mark.parametrize(("flag", "value", "why"), [
    ("vllm_pipeline_parallel_size", "2", "tensor parallel only"),
    ("vllm_data_parallel_size", "2", "swift rollout"),
    ("vllm_enable_expert_parallel", "true", "expert parallelism"),
    ("vllm_speculative_config", "{}", "speculative decoding"),
    ("gym_env", "x", "gym-environment"),
    ("multi_turn_scheduler", "x", "multi-turn"),
    ("async_generate", "true", "synchronous"),
    ("steps_per_generation", "2", "num_iterations"),
])
def test_refused_rollout_flags_say_why_before_anything_loads(flag, value, why):
    with pytest.raises(ConfigError, match=why):
        _config(*GRPO, f"--{flag}", value)


def test_the_engine_keeps_its_own_modes_and_takes_the_vllm_flags():
    """--vllm_mode is one key for both: the engine rejects the rollout modes with the reason."""
    config = build_config(get_registry(), command="infer", cli_args=[
        "--model", "m", "--infer_backend", "vllm", "--vllm_mode", "offline", "--vllm_enable_prefix_caching", "false",
        "--vllm_engine_kwargs", '{"seed": 3}'])
    assert config["vllm_mode"] == "offline" and config["vllm_enable_prefix_caching"] is False


# ----------------------------------------------------------------------------- the weights vLLM receives


@pytest.fixture(scope="module")
def tiny_qwen(tmp_path_factory):
    from swiftkit.testing.tiny import build_tiny_model

    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen", registry=get_registry()))


def test_lora_policy_is_merged_under_the_base_names_and_unmerged_after(tiny_qwen):
    import torch
    from peft import LoraConfig, PromptTuningConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_qwen, dtype=torch.float32)
    names = set(base.state_dict())
    model = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    reference = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_qwen, dtype=torch.float32),
                               LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    reference.load_state_dict(before)
    merged = reference.merge_and_unload().state_dict()
    with policy_weights(model) as weights:
        got = dict(weights)
        assert set(got) == names
        for name, tensor in got.items():
            assert torch.allclose(tensor, merged[name], atol=1e-6), name
        changed = [n for n in got if "q_proj.weight" in n]
        assert changed and not torch.allclose(got[changed[0]], before[changed[0].replace(
            "model.", "base_model.model.model.", 1).replace("q_proj.", "q_proj.base_layer.")])
    after = model.state_dict()
    assert all(torch.allclose(after[k], before[k], atol=1e-6) for k in before)  # unmerged again

    prompt = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_qwen),
                            PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=2))
    with pytest.raises(SwiftkitError, match="PROMPT_TUNING tuner adds no weights"), policy_weights(prompt):
        pass


def test_weights_are_sent_in_batches_or_by_size_never_splitting_a_layer():
    import torch

    # 5 layers of 2 weights (1 KiB each), then the embedding and the head
    weights = [(f"model.layers.{i}.self_attn.{p}_proj.weight", torch.zeros(256)) for i in range(5) for p in "qk"]
    weights += [("model.embed_tokens.weight", torch.zeros(256)), ("lm_head.weight", torch.zeros(256))]
    assert [len(c) for c in _chunks(weights, 3, 0)] == [6, 5, 1]
    assert [len(c) for c in _chunks(weights, None, 5 * 1024)] == [4, 4, 4]
    assert [len(c) for c in _chunks(weights, None, 10)] == [2, 2, 2, 2, 2, 1, 1]  # a layer goes whole
    assert [n for c in _chunks(weights, 2, 0) for n, _ in c] == [n for n, _ in weights]


@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vLLM is not installed")
def test_vllm_flags_map_onto_vllms_engine_arguments(tiny_qwen):
    """Mapping only (vLLM is imported, not started): the vllm_* spelling wins over the plain one."""
    from swiftkit.core.lazy import resolve

    registry = get_registry()
    spec = registry.get("engine", "vllm").spec
    template = registry.template(registry.get("model", "qwen2.5-0.5b-instruct").spec.template)
    engine = resolve(spec.impl, spec.REFS["impl"])(spec, tiny_qwen, template, {
        "gpu_memory_utilization": 0.5, "vllm_gpu_memory_utilization": 0.2, "vllm_tensor_parallel_size": 1,
        "vllm_max_num_seqs": 7, "vllm_max_model_len": 300, "vllm_enforce_eager": True,
        "vllm_enable_prefix_caching": False, "vllm_quantization": "fp8", "vllm_disable_cascade_attn": True,
        "vllm_limit_mm_per_prompt": '{"image": 2}', "vllm_engine_kwargs": '{"seed": 5, "max_num_seqs": 9}',
        "vllm_use_async_engine": True})
    args = engine.engine_args()
    assert {k: args[k] for k in ("gpu_memory_utilization", "tensor_parallel_size", "max_num_seqs", "max_model_len",
                                 "enforce_eager", "enable_prefix_caching", "quantization", "disable_cascade_attn",
                                 "limit_mm_per_prompt", "seed")} == {
        "gpu_memory_utilization": 0.2, "tensor_parallel_size": 1, "max_num_seqs": 9, "max_model_len": 300,
        "enforce_eager": True, "enable_prefix_caching": False, "quantization": "fp8", "disable_cascade_attn": True,
        "limit_mm_per_prompt": {"image": 2}, "seed": 5}
    assert engine.mode == "async" and engine.started is None
    with pytest.raises(ConfigError, match="rollout mode of online RL"):
        resolve(spec.impl, spec.REFS["impl"])(spec, tiny_qwen, template, {"vllm_mode": "colocate"})
    with pytest.raises(ConfigError, match="not valid JSON"):
        resolve(spec.impl, spec.REFS["impl"])(spec, tiny_qwen, template, {"vllm_engine_kwargs": "{x"}).engine_args()
