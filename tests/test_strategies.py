"""The built-in parallel strategy plugins (ddp, fsdp, deepspeed, tp), through the real registry.

Unit tests build each strategy as the core does (registry spec -> lazy ``impl`` -> options over
the schema defaults) and check what it hands the Trainer and what it refuses. One test starts
two processes: a generated ZeRO-3 config trains under torchrun on CPU and its checkpoint
consolidates. The end-to-end ``swift sft`` runs live in test_distributed.py.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

from swiftkit.core.errors import ConfigError
from swiftkit.core.lazy import resolve
from swiftkit.core.parallel.env import Devices, ParallelEnv
from swiftkit.core.parallel.interface import Strategy
from swiftkit.core.registry import get_registry

HAS_DEEPSPEED = importlib.util.find_spec("deepspeed") is not None
PRESETS = ["zero0", "zero1", "zero2", "zero3", "zero2_offload", "zero3_offload"]
GPUS = Devices(kind="cuda", count=8, bf16=True, names=["fake"] * 8)


@pytest.fixture(scope="module")
def registry():
    return get_registry(refresh=True)


def build(registry, name: str, **options) -> Strategy:
    """A strategy as the core builds it: schema defaults, then the run's options."""
    entry = registry.get("strategy", name)
    spec = entry.spec
    props = entry.data["options"]["properties"]
    merged = {k: copy.deepcopy(v["default"]) for k, v in props.items() if "default" in v}
    merged.update(options)
    return resolve(spec.impl, spec.REFS["impl"])(spec, merged)


def cpu_env(nproc: int = 2, nnodes: int = 1) -> ParallelEnv:
    return ParallelEnv(nproc_per_node=nproc, nnodes=nnodes)


def gpu_env(nproc: int = 2, nnodes: int = 1) -> ParallelEnv:
    return ParallelEnv(nproc_per_node=nproc, nnodes=nnodes, devices=GPUS)


# ---------------------------------------------------------------- registration


def test_the_four_strategies_register_like_third_party_plugins(registry):
    found = {e.id: e for e in registry.entries("strategy")}
    assert {"ddp", "fsdp", "deepspeed", "tp"} <= set(found)
    expected_selected_by = {"ddp": [], "fsdp": ["fsdp"], "deepspeed": ["deepspeed"], "tp": ["tp_size"]}
    for sid, selected_by in expected_selected_by.items():
        data = found[sid].data
        assert found[sid].plugin.dist == "swiftkit" and found[sid].plugin.group == "swiftkit.parallel"
        assert data["selected_by"] == selected_by and data["launcher"] == "torchrun"
        for key, prop in data["options"]["properties"].items():
            assert prop.get("description"), (sid, key)
            assert "default" in prop, (sid, key)
    # a selecting key selects only when it differs from its default: tp_size 1 is "no TP"
    assert found["tp"].data["options"]["properties"]["tp_size"]["default"] == 1


def test_every_strategy_passes_the_plugin_conformance_checks():
    from swiftkit.core.plugins import discover
    from swiftkit.testing.conformance import check_plugin_conformance

    discovery = discover(strict=False)
    for name in ("ddp", "fsdp", "deepspeed", "tp"):
        results = check_plugin_conformance(name, discovery)
        failed = [f"{r.subject}: {r.check}: {r.detail}" for r in results if not r.ok]
        assert not failed, (name, failed)
        assert any(r.check == "imports light" for r in results), name


def test_shared_option_keys_compose_into_one_run_schema(registry):
    from swiftkit.core.config import compose_schema, implied_strategies

    schema = compose_schema(registry)  # every plugin's options at once: shared keys must be identical
    assert schema["properties"]["ddp_timeout"]["x-swiftkit-plugin"].startswith("strategy:")
    assert implied_strategies({"deepspeed": "zero3"}, registry) == ["deepspeed"]
    assert implied_strategies({"fsdp": "full_shard auto_wrap"}, registry) == ["fsdp"]
    assert implied_strategies({"tp_size": 2}, registry) == ["tp"]
    assert implied_strategies({"tp_size": 1, "ddp_backend": "gloo"}, registry) == []


# ---------------------------------------------------------------- ddp


def test_ddp_picks_the_backend_from_the_devices(registry):
    ddp = build(registry, "ddp")
    assert ddp.trainer_args(cpu_env(), {})["ddp_backend"] == "gloo"
    assert ddp.trainer_args(gpu_env(), {})["ddp_backend"] == "nccl"
    args = build(registry, "ddp", ddp_backend="gloo", ddp_find_unused_parameters=False, ddp_timeout=60).trainer_args(gpu_env(), {})
    assert args == {"ddp_backend": "gloo", "ddp_timeout": 60, "ddp_find_unused_parameters": False}
    assert "ddp_find_unused_parameters" not in ddp.trainer_args(cpu_env(), {})  # unset: the Trainer decides
    assert ddp.check(cpu_env(), {}) == []
    assert "ddp_backend" not in ddp.trainer_args(cpu_env(nproc=1), {})  # accelerate would expect a process group


def test_ddp_check_names_what_the_machine_lacks(registry):
    [problem] = build(registry, "ddp", ddp_backend="nccl").check(cpu_env(), {})
    assert "nccl" in problem and "CUDA" in problem
    [problem] = build(registry, "ddp").check(gpu_env(nproc=16), {})
    assert "16 processes per machine" in problem and "8 GPU(s)" in problem


# ---------------------------------------------------------------- deepspeed


def _ds_run(tmp_path, **extra):
    return {"run_dir": str(tmp_path / "run"), "per_device_train_batch_size": 2, "gradient_accumulation_steps": 3,
            "max_grad_norm": 0.5, "world_size": 2, "torch_dtype": "bfloat16", **extra}


@pytest.mark.parametrize("preset", PRESETS)
def test_deepspeed_presets_generate_complete_configs(preset, registry, tmp_path):
    from swiftkit.plugins.parallel.deepspeed.config import auto_values

    strategy = build(registry, "deepspeed", deepspeed=preset)
    assert strategy.check(cpu_env(), _ds_run(tmp_path)) == [] or not HAS_DEEPSPEED
    args = strategy.trainer_args(cpu_env(), _ds_run(tmp_path))
    path = args["deepspeed"]
    assert path == str(tmp_path / "run" / "deepspeed_config.json")
    with open(path, encoding="utf-8") as fh:
        config = json.load(fh)
    assert auto_values(config) == []
    # batch arithmetic: micro 2 x accumulation 3 x world 2
    assert (config["train_micro_batch_size_per_gpu"], config["gradient_accumulation_steps"]) == (2, 3)
    assert config["train_batch_size"] == 12
    assert config["gradient_clipping"] == 0.5
    # never half precision on CPU, whatever --torch_dtype says; the Trainer is told the same
    assert config["bf16"] == {"enabled": False} and config["fp16"]["enabled"] is False
    assert (args["bf16"], args["fp16"], args["ddp_backend"]) == (False, False, "gloo")
    assert "optimizer" not in config and "scheduler" not in config  # the Trainer's --optim / scheduler

    zero = config["zero_optimization"]
    stage, offload = int(preset[4]), preset.endswith("_offload")
    assert zero["stage"] == stage
    assert ("offload_optimizer" in zero) == offload
    assert ("offload_param" in zero) == (offload and stage == 3)
    if offload:
        assert zero["offload_optimizer"] == {"device": "cpu", "pin_memory": False}
        # torch's AdamW on the offloaded states instead of DeepSpeedCPUAdam (a 2-minute JIT build)
        assert config["zero_force_ds_cpu_optimizer"] is False
    else:
        assert "zero_force_ds_cpu_optimizer" not in config
    if stage == 3:
        assert zero["stage3_gather_16bit_weights_on_model_save"] is True  # checkpoints carry full weights
    if stage >= 1:
        assert zero["overlap_comm"] and zero["contiguous_gradients"]


def test_deepspeed_half_precision_and_pinned_memory_only_on_gpus(registry, tmp_path):
    strategy = build(registry, "deepspeed", deepspeed="zero3_offload")
    args = strategy.trainer_args(gpu_env(nproc=4), _ds_run(tmp_path, world_size=4))
    with open(args["deepspeed"], encoding="utf-8") as fh:
        config = json.load(fh)
    assert config["bf16"] == {"enabled": True} and config["fp16"] == {"enabled": False}
    assert (args["bf16"], args["fp16"], args["ddp_backend"]) == (True, False, "nccl")
    assert config["train_batch_size"] == 2 * 3 * 4
    assert config["zero_optimization"]["offload_param"]["pin_memory"] is True
    args = strategy.trainer_args(gpu_env(), _ds_run(tmp_path, torch_dtype="float16"))
    with open(args["deepspeed"], encoding="utf-8") as fh:
        config = json.load(fh)
    assert config["fp16"]["enabled"] is True and config["fp16"]["loss_scale"] == 0 and not config["bf16"]["enabled"]
    args = strategy.trainer_args(gpu_env(), _ds_run(tmp_path, torch_dtype="float32"))
    with open(args["deepspeed"], encoding="utf-8") as fh:
        assert not json.load(fh)["bf16"]["enabled"]


def test_deepspeed_bucket_sizes_follow_the_models_hidden_size(registry, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "qwen2", "hidden_size": 64}))
    args = build(registry, "deepspeed", deepspeed="zero3").trainer_args(cpu_env(), _ds_run(tmp_path, model=str(model)))
    with open(args["deepspeed"], encoding="utf-8") as fh:
        zero = json.load(fh)["zero_optimization"]
    # transformers' rules for its "auto" values
    assert zero["reduce_bucket_size"] == 64 * 64
    assert zero["stage3_prefetch_bucket_size"] == int(0.9 * 64 * 64)
    assert zero["stage3_param_persistence_threshold"] == 640


def test_deepspeed_without_a_preset_uses_zero2(registry, tmp_path):
    args = build(registry, "deepspeed").trainer_args(cpu_env(), _ds_run(tmp_path))
    with open(args["deepspeed"], encoding="utf-8") as fh:
        assert json.load(fh)["zero_optimization"]["stage"] == 2


def test_deepspeed_passes_a_users_json_through(registry, tmp_path, monkeypatch):
    user = {"zero_optimization": {"stage": 3}, "train_micro_batch_size_per_gpu": "auto", "bf16": {"enabled": "auto"}}
    path = tmp_path / "my_ds.json"
    path.write_text(json.dumps(user))
    monkeypatch.chdir(tmp_path)
    strategy = build(registry, "deepspeed", deepspeed="my_ds.json")
    assert strategy.check(cpu_env(), _ds_run(tmp_path)) == [] or not HAS_DEEPSPEED
    args = strategy.trainer_args(cpu_env(), _ds_run(tmp_path))
    assert args["deepspeed"] == str(path)  # absolute; the Trainer fills the "auto" values
    assert "bf16" not in args
    assert json.loads(path.read_text()) == user  # untouched
    assert not (tmp_path / "run" / "deepspeed_config.json").exists()


def test_deepspeed_names_a_missing_or_broken_json(registry, tmp_path):
    missing = str(tmp_path / "nope.json")
    problems = build(registry, "deepspeed", deepspeed=missing).check(cpu_env(), {})
    assert any(missing in p and "does not exist" in p for p in problems), problems
    with pytest.raises(ConfigError, match="does not exist"):
        build(registry, "deepspeed", deepspeed=missing).trainer_args(cpu_env(), _ds_run(tmp_path))

    broken = tmp_path / "broken.json"
    broken.write_text('{"zero_optimization": {"stage": 3,}')
    problems = build(registry, "deepspeed", deepspeed=str(broken)).check(cpu_env(), {})
    assert any(str(broken) in p and "not valid JSON" in p for p in problems), problems

    a_list = tmp_path / "list.json"
    a_list.write_text("[1, 2]")
    problems = build(registry, "deepspeed", deepspeed=str(a_list)).check(cpu_env(), {})
    assert any(str(a_list) in p and "JSON object" in p for p in problems), problems


def test_deepspeed_check_finds_contradictions_in_a_users_json(registry, tmp_path):
    path = tmp_path / "ds.json"
    path.write_text(json.dumps({"train_micro_batch_size_per_gpu": 4, "bf16": {"enabled": True}}))
    problems = build(registry, "deepspeed", deepspeed=str(path)).check(cpu_env(), {"per_device_train_batch_size": 2})
    assert any("train_micro_batch_size_per_gpu = 4" in p and "2" in p for p in problems), problems
    assert any("bf16.enabled = true" in p for p in problems), problems  # bf16 on a CPU run


def test_deepspeed_unknown_preset_and_zeropp_checks(registry):
    [problem] = [p for p in build(registry, "deepspeed", deepspeed="zero4").check(cpu_env(), {}) if "zero4" in p]
    assert "neither a preset" in problem and "did you mean" in problem
    assert any("needs ZeRO-3" in p for p in build(registry, "deepspeed", deepspeed="zero2", zero_hpz_partition_size=2).check(cpu_env(), {}))
    assert any("does not divide the world size 4" in p for p in build(
        registry, "deepspeed", deepspeed="zero3", zero_hpz_partition_size=3).check(cpu_env(nproc=4), {}))


def test_deepspeed_zeropp_partition_goes_into_zero3(registry, tmp_path):
    args = build(registry, "deepspeed", deepspeed="zero3", zero_hpz_partition_size=2).trainer_args(cpu_env(nproc=4), _ds_run(tmp_path))
    with open(args["deepspeed"], encoding="utf-8") as fh:
        assert json.load(fh)["zero_optimization"]["zero_hpz_partition_size"] == 2


def test_deepspeed_check_says_how_to_install_it(registry, monkeypatch):
    import swiftkit.plugins.parallel.deepspeed.strategy as ds

    real = importlib.util.find_spec
    monkeypatch.setattr(ds.importlib.util, "find_spec", lambda name, *a: None if name == "deepspeed" else real(name, *a))
    problems = build(registry, "deepspeed", deepspeed="zero2").check(cpu_env(), {})
    assert problems == ["DeepSpeed is not installed: pip install 'swiftkit[deepspeed]'"]


@pytest.mark.skipif(not HAS_DEEPSPEED, reason="DeepSpeed is not installed (pip install 'swiftkit[deepspeed]')")
def test_deepspeed_setup_process_skips_the_shm_jit_build_on_cpu_only(registry, monkeypatch):
    comm = importlib.import_module("deepspeed.comm.torch")
    original = comm.build_shm_op
    monkeypatch.setattr(comm, "build_shm_op", original)  # restored after the test
    monkeypatch.delenv("LOCAL_RANK", raising=False)  # not a launched worker: no process group started
    strategy = build(registry, "deepspeed", deepspeed="zero2")
    strategy.setup_process(gpu_env())
    assert comm.build_shm_op is original
    strategy.setup_process(cpu_env())
    assert comm.build_shm_op is not original and comm.build_shm_op() is None


def test_deepspeed_consolidation_ignores_other_checkpoints(registry, tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert build(registry, "deepspeed").consolidate_checkpoint(str(tmp_path)) is None
    (tmp_path / "latest").write_text("global_step2")  # a stray file alone is not a ZeRO checkpoint
    assert build(registry, "deepspeed").consolidate_checkpoint(str(tmp_path)) is None


# ---------------------------------------------------------------- fsdp


def test_fsdp_wraps_the_models_decoder_layer_with_fsdp2(registry):
    args = build(registry, "fsdp", fsdp="full_shard auto_wrap").trainer_args(gpu_env(), {"decoder_layer_cls": "Qwen2DecoderLayer"})
    assert args["fsdp"] is True
    config = args["fsdp_config"]
    assert config["version"] == 2
    assert config["transformer_layer_cls_to_wrap"] == ["Qwen2DecoderLayer"]
    assert config["reshard_after_forward"] is True and config["cpu_offload"] is False
    assert config["activation_checkpointing"] is False and config["state_dict_type"] == "FULL_STATE_DICT"
    assert args["ddp_backend"] == "nccl" and "parallelism_config" not in args


def test_fsdp_tokens_and_options_become_fsdp_config_keys(registry, tmp_path):
    config = build(registry, "fsdp", fsdp="shard_grad_op offload", fsdp_activation_checkpointing=True).trainer_args(
        gpu_env(), {"decoder_layer_cls": "LlamaDecoderLayer"})["fsdp_config"]
    assert (config["reshard_after_forward"], config["cpu_offload"], config["activation_checkpointing"]) == (False, True, True)
    for value in (True, "", None, ["full_shard", "auto_wrap"]):
        assert build(registry, "fsdp", fsdp=value).trainer_args(gpu_env(), {})["fsdp_config"]["reshard_after_forward"] is True
    # no layer class known: nothing forced, accelerate wraps the model's _no_split_modules
    assert "transformer_layer_cls_to_wrap" not in build(registry, "fsdp").trainer_args(gpu_env(), {"decoder_layer_cls": None})["fsdp_config"]
    # the user's fsdp_config (a dict or a JSON file; transformers' fsdp_ prefixes allowed) wins
    merged = build(registry, "fsdp", fsdp_config={"fsdp_reshard_after_forward": False, "cpu_ram_efficient_loading": True}).trainer_args(
        gpu_env(), {"decoder_layer_cls": "X"})["fsdp_config"]
    assert merged["reshard_after_forward"] is False and merged["cpu_ram_efficient_loading"] is True
    path = tmp_path / "fsdp.json"
    path.write_text(json.dumps({"transformer_layer_cls_to_wrap": ["MyLayer"]}))
    from_file = build(registry, "fsdp", fsdp_config=str(path)).trainer_args(gpu_env(), {"decoder_layer_cls": "X"})["fsdp_config"]
    assert from_file["transformer_layer_cls_to_wrap"] == ["MyLayer"] and from_file["version"] == 2


def test_fsdp_config_is_accepted_by_transformers(registry, tmp_path, monkeypatch):
    from transformers import TrainingArguments

    monkeypatch.setenv("FSDP_CPU_RAM_EFFICIENT_LOADING", "false")  # TrainingArguments writes it; restored after
    args = build(registry, "fsdp", fsdp="full_shard auto_wrap offload", fsdp_activation_checkpointing=True).trainer_args(
        cpu_env(nproc=1), {"decoder_layer_cls": "Qwen2DecoderLayer"})  # one process: no process group
    training_args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], **args)
    plugin = training_args.fsdp_plugin_args
    assert plugin["fsdp_version"] == 2 and plugin["transformer_cls_names_to_wrap"] == "Qwen2DecoderLayer"
    assert plugin["cpu_offload"] is True and plugin["activation_checkpointing"] is True
    assert plugin["reshard_after_forward"] is True and plugin["state_dict_type"] == "FULL_STATE_DICT"


def test_fsdp_check_runs_on_cpu_and_needs_a_second_machine_for_hybrid_shard(registry):
    assert build(registry, "fsdp").check(cpu_env(), {}) == []  # FSDP2 over gloo (see before_trainer)
    assert build(registry, "fsdp").check(gpu_env(), {"decoder_layer_cls": None}) == []
    problems = build(registry, "fsdp", fsdp="hybrid_shard").check(gpu_env(), {})
    assert any("--nnodes > 1" in p for p in problems), problems
    assert build(registry, "fsdp", fsdp="hybrid_shard").check(gpu_env(nproc=4, nnodes=2), {}) == []
    assert any("only FSDP2" in p for p in build(registry, "fsdp", fsdp_config={"version": 1}).check(gpu_env(), {}))
    assert any("--strategy ddp" in p for p in build(registry, "fsdp", fsdp="no_shard").check(gpu_env(), {}))
    assert any("choose one" in p for p in build(registry, "fsdp", fsdp="full_shard shard_grad_op").check(gpu_env(), {}))
    both = build(registry, "fsdp", fsdp_activation_checkpointing=True).check(gpu_env(), {"gradient_checkpointing": True})
    assert any("gradient_checkpointing" in p for p in both)
    missing = build(registry, "fsdp", fsdp_config="/no/such/fsdp.json").check(gpu_env(), {})
    assert any("/no/such/fsdp.json" in p for p in missing)


def test_fsdp_hybrid_shard_builds_a_replicate_by_shard_mesh(registry):
    args = build(registry, "fsdp", fsdp="hybrid_shard auto_wrap").trainer_args(gpu_env(nproc=4, nnodes=2), {"decoder_layer_cls": "X"})
    pc = args["parallelism_config"]
    assert (pc.dp_replicate_size, pc.dp_shard_size) == (2, 4)
    assert args["fsdp_config"]["reshard_after_forward"] is True


def test_fsdp_consolidates_a_sharded_state_dict_checkpoint(registry, tmp_path):
    import torch
    import torch.distributed.checkpoint as dcp

    weights = {"layer.weight": torch.arange(6.0).reshape(2, 3), "layer.bias": torch.ones(2)}
    dcp.save({"model": weights}, checkpoint_id=str(tmp_path / "pytorch_model_fsdp_0"))  # accelerate's layout
    full = build(registry, "fsdp").consolidate_checkpoint(str(tmp_path))
    assert set(full) == set(weights) and all(torch.equal(full[k], weights[k]) for k in weights)
    assert build(registry, "fsdp").consolidate_checkpoint(str(tmp_path / "pytorch_model_fsdp_0")) is None


# ---------------------------------------------------------------- tp


def test_tp_runs_on_cpu_too(registry):
    assert build(registry, "tp", tp_size=2).check(cpu_env(), {"train_type": "full"}) == []  # see before_trainer


def test_tp_check_sizes(registry, tmp_path):
    full = {"train_type": "full"}
    assert build(registry, "tp", tp_size=2).check(gpu_env(nproc=4), full) == []
    assert any("does not divide the world size 4" in p for p in build(registry, "tp", tp_size=3).check(gpu_env(nproc=4), full))
    assert any("tp_size is 1" in p for p in build(registry, "tp").check(gpu_env(), full))
    heads = {**full, "num_attention_heads": 4, "num_key_value_heads": 2}
    [problem] = build(registry, "tp", tp_size=4).check(gpu_env(nproc=4), heads)
    assert "num_key_value_heads (2)" in problem
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"num_attention_heads": 6, "num_key_value_heads": 6}))
    assert any("num_attention_heads (6)" in p for p in build(registry, "tp", tp_size=4).check(gpu_env(nproc=4), {**full, "model": str(model)}))


def test_tp_check_refuses_what_transformers_cannot_save_or_resume(registry):
    assert any("--train_type full" in p for p in build(registry, "tp", tp_size=2).check(gpu_env(), {}))  # lora by default
    assert build(registry, "tp", tp_size=2).check(gpu_env(), {"train_type": "lora", "save_strategy": "no"}) == []
    assert any("cannot resume" in p for p in build(registry, "tp", tp_size=2).check(
        gpu_env(), {"train_type": "full", "resume_from_checkpoint": "x/checkpoint-2"}))


def test_tp_loads_the_model_sharded_by_transformers(registry):
    tp = build(registry, "tp", tp_size=2)
    kwargs = tp.model_load_kwargs(gpu_env(nproc=4), {})
    config = kwargs["distributed_config"]
    assert (config.tp_size, config.fsdp_size) == (2, 2)  # the mesh covers the world: TP x FSDP2
    assert tp.trainer_args(gpu_env(nproc=4), {}) == {"ddp_backend": "nccl", "ddp_timeout": 18000000, "save_only_model": True}


# ---------------------------------------------------------------- two processes


_WORKER = textwrap.dedent("""
    import json
    import sys
    import torch
    from swiftkit.core.lazy import resolve
    from swiftkit.core.parallel.env import ParallelEnv, probe_devices
    from swiftkit.core.registry import get_registry

    model_dir, run_dir = sys.argv[1], sys.argv[2]
    spec = get_registry().get("strategy", "deepspeed").spec
    strategy = resolve(spec.impl, spec.REFS["impl"])(spec, {"deepspeed": "zero3", "ddp_timeout": 300})
    env = ParallelEnv.from_config({}, devices=probe_devices())
    strategy.setup_process(env)  # in the order the core calls it: before TrainingArguments and the model
    run = {"run_dir": run_dir, "model": model_dir, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 2,
           "max_grad_norm": 1.0, "torch_dtype": "float32", "world_size": env.world_size}
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

    args = TrainingArguments(output_dir=run_dir, use_cpu=True, max_steps=2, save_steps=2, logging_steps=1, report_to=[],
                             learning_rate=1e-3, disable_tqdm=True, per_device_train_batch_size=2,
                             gradient_accumulation_steps=2, max_grad_norm=1.0, **strategy.trainer_args(env, run))
    _ = args.device
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    g = torch.Generator().manual_seed(0)
    rows = [{"input_ids": (x := torch.randint(3, 100, (16,), generator=g).tolist()), "labels": x} for _ in range(16)]
    trainer = Trainer(model=model, args=args, train_dataset=rows)
    trainer.train()
    with open(f"{run_dir}/rank-{env.rank}.json", "w") as fh:  # not stdout: two ranks' prints interleave
        json.dump({"engine": type(trainer.model_wrapped).__name__, "steps": trainer.state.global_step}, fh)
    # leave the group as swiftkit's worker does: a gloo group left to interpreter exit can abort
    # a finished run ("terminate called without an active exception")
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
""")


@pytest.mark.slow
@pytest.mark.skipif(not HAS_DEEPSPEED, reason="DeepSpeed is not installed (pip install 'swiftkit[deepspeed]')")
def test_a_generated_zero3_config_trains_under_torchrun_on_cpu(registry, tmp_path):
    """Two gloo processes, the generated ZeRO-3 JSON with nothing left "auto", no JIT build;
    the checkpoint carries gathered weights and its ZeRO shards consolidate to the same values."""
    from safetensors.torch import load_file

    from swiftkit.testing.tiny import build_tiny_model

    model_dir = str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path / "qwen2.5-0.5b-instruct", registry=registry))
    worker = tmp_path / "worker.py"
    worker.write_text(_WORKER)
    run_dir = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TORCH_EXTENSIONS_DIR": str(tmp_path / "torch_extensions")}
    proc = subprocess.run(
        # --standalone: a rendezvous on a free port, so parallel test runs cannot collide
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(worker), model_dir, str(run_dir)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for rank in (0, 1):
        with open(run_dir / f"rank-{rank}.json", encoding="utf-8") as fh:
            assert json.load(fh) == {"engine": "DeepSpeedEngine", "steps": 2}
    assert not (tmp_path / "torch_extensions").exists()  # no C++ op was compiled (shm patch, torch AdamW)

    with open(run_dir / "deepspeed_config.json", encoding="utf-8") as fh:
        config = json.load(fh)
    assert config["train_batch_size"] == 2 * 2 * 2 and config["zero_optimization"]["stage"] == 3

    checkpoint = run_dir / "checkpoint-2"
    assert (checkpoint / "latest").is_file() and (checkpoint / "global_step2").is_dir()
    gathered = load_file(str(checkpoint / "model.safetensors"))
    full = build(registry, "deepspeed").consolidate_checkpoint(str(checkpoint))
    assert set(full) == set(gathered)
    for key, value in full.items():
        assert value.shape == gathered[key].shape and value.numel() > 0, key
        assert (value.float() - gathered[key].float()).abs().max().item() < 1e-6, key
