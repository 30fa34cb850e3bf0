"""Issue 13's tuners and kernel/parallel flags of the tuners-b part, on a tiny random Qwen2.

- FourierFT and MiSS/Bone (peft): each trains a few steps with a falling loss, only its own
  parameters train, and what it saves reloads onto a fresh base with the same logits.
- ReFT: refused before anything loads, with the reason (pyreft does not install with
  transformers 5).
- ``--use_liger_kernel``: refused on a machine without liger-kernel/triton/a CUDA GPU; where
  they are, the flag reaches ``TrainingArguments``.
- ``--sequence_parallel_size``: the strategy's checks and its wiring into the Trainer's
  arguments (accelerate's ``ParallelismConfig`` with DeepSpeed's Ulysses).
"""

from __future__ import annotations

import math

import pytest

from swiftkit.core.config import build_config, compose_schema
from swiftkit.core.errors import SwiftkitError
from swiftkit.testing import PluginHarness
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"

#: the plugin modules of this part (entry points of pyproject.toml)
MODULES = {
    "fourierft": ("swiftkit.plugins.methods.fourierft", "swiftkit.methods"),
    "bone": ("swiftkit.plugins.methods.bone", "swiftkit.methods"),
    "reft": ("swiftkit.plugins.methods.reft", "swiftkit.methods"),
    "liger": ("swiftkit.plugins.kernels.liger", "swiftkit.plugins"),
    "sequence_parallel": ("swiftkit.plugins.parallel.sequence_parallel", "swiftkit.parallel"),
}

TEXTS = [
    "The capital of France is Paris. The capital of Germany is Berlin.",
    "The sea is wide, the sea is deep, and the fish swim in it all day long.",
]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def reg():
    h = PluginHarness(include_installed=True)
    installed = {s.value for s in h.sources}
    for name, (module, group) in MODULES.items():
        if module not in installed:
            h.add(module, name=name, dist="swiftkit", group=group)
    return h.registry()


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory, reg):
    # a folder named after the checkpoint, as a downloaded one is: `swift sft` resolves it by name
    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny-qwen2-tuners-b") / MODEL, registry=reg))


@pytest.fixture(scope="module")
def batch(tiny_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_dir)
    enc = tok(TEXTS, return_tensors="pt", padding=True)
    labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels}


def load_base(tiny_dir):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(tiny_dir)


def make_tuner(reg, name, **options):
    return reg.impl("method", name)(reg.get("method", name).spec, options)


def trainable(model) -> set[str]:
    return {n for n, p in model.named_parameters() if p.requires_grad}


def logits(model, batch):
    import torch

    with torch.no_grad():
        return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits


def train(model, batch, lr, steps=8) -> list[float]:
    import torch

    torch.manual_seed(0)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    model.eval()
    assert all(math.isfinite(x) for x in losses), losses
    return losses


def config_for(reg, *flags: str, command: str = "sft", **overrides):
    return build_config(reg, command=command, cli_args=["--model", "m", "--dataset", "d", *flags], overrides=overrides)


# ----------------------------------------------------------------------------- specs


def test_specs_register_with_ms_swift_option_names(reg):
    tuners = {e.id for e in reg.entries("method") if e.data.get("kind") == "tuner"}
    assert {"fourierft", "miss", "bone", "reft"} <= tuners
    props = compose_schema(reg)["properties"]  # every installed plugin at once: no key clashes
    for key in ("fourier_n_frequency", "fourier_scaling", "reft_layers", "reft_rank", "reft_intervention_type",
                "reft_args", "init_weights", "use_liger_kernel", "sequence_parallel_size"):
        assert key in props and props[key].get("description"), key
    # ms-swift's defaults
    fourier = config_for(reg, "--train_type", "fourierft")
    assert (fourier["fourier_n_frequency"], fourier["fourier_scaling"]) == (2000, 300.0)
    bone = config_for(reg, "--tuner_type", "bone", "--reft_rank", "8")  # ms-swift 4's spelling of train_type
    assert (bone["train_type"], bone["reft_rank"], bone["init_weights"]) == ("bone", 8, "true")
    assert config_for(reg, "--train_type", "miss")["reft_rank"] == 4
    assert config_for(reg)["use_liger_kernel"] is False


# ----------------------------------------------------------------------------- FourierFT, MiSS / Bone

#: tuner, options, learning rate, the substring every trainable parameter name carries, whether the
#: prepared model starts as the base (MiSS: zero shards; FourierFT: a random spectrum, as in peft
#: and ms-swift; seeded here). Each drops the loss by 0.3-0.37 in 8 steps; the test asks for 0.15.
ADAPTERS = [
    ("fourierft", {"fourier_n_frequency": 500, "fourier_scaling": 100.0}, 1e-1, "fourierft_spectrum", False),
    ("miss", {"reft_rank": 4}, 1e-2, "miss_block", True),
    ("bone", {"init_weights": "bat"}, 1e-2, "miss_block", True),
]


@pytest.mark.parametrize(("name", "options", "lr", "marker", "starts_at_base"), ADAPTERS, ids=["fourierft", "miss", "bone-bat"])
def test_adapter_trains_only_its_parameters_and_reloads(reg, tiny_dir, batch, tmp_path, name, options, lr, marker,
                                                        starts_at_base):
    import torch
    from peft import PeftModel

    base = load_base(tiny_dir)
    linear = {n for n, m in base.named_modules() if isinstance(m, torch.nn.Linear) and n != "lm_head"}
    base_logits = logits(base, batch)
    frozen_before = {n: p.detach().clone() for n, p in base.named_parameters()}
    tuner = make_tuner(reg, name, **options)
    torch.manual_seed(0)  # FourierFT draws its initial spectrum
    model = tuner.prepare(base)
    if starts_at_base:
        torch.testing.assert_close(logits(model.eval(), batch), base_logits, rtol=1e-4, atol=1e-4)
    names = trainable(model)
    assert names and all(marker in n for n in names), sorted(names)[:5]
    assert {n.split(f".{marker}")[0].removeprefix("base_model.model.") for n in names} == linear  # all-linear
    losses = train(model, batch, lr=lr)
    print(f"{name} {options}: loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - 0.15
    # the base weights did not move: only the tuner's parameters trained
    after = {n.removeprefix("base_model.model.").replace(".base_layer.", "."): p for n, p in model.named_parameters()}
    assert all(torch.equal(frozen_before[n], after[n]) for n in frozen_before)
    tuner.save_pretrained(model, str(tmp_path))
    assert (tmp_path / "adapter_config.json").exists()
    reloaded = tuner.load_trained(load_base(tiny_dir), str(tmp_path))  # what swift infer / export do
    assert isinstance(reloaded, PeftModel) and not trainable(reloaded)
    torch.testing.assert_close(logits(reloaded, batch), logits(model.eval(), batch), rtol=1e-4, atol=1e-4)


def test_fourierft_refuses_more_frequencies_than_a_layer_has(reg, tiny_dir):
    with pytest.raises(ValueError, match="fourier_n_frequency=5000 exceeds the weight entries of .*k_proj"):
        make_tuner(reg, "fourierft", fourier_n_frequency=5000).prepare(load_base(tiny_dir))


def test_miss_refuses_an_unknown_initialisation(reg, tiny_dir):
    with pytest.raises(ValueError, match="init_weights 'pissa' is not one of true, false, bat"):
        make_tuner(reg, "bone", init_weights="pissa").prepare(load_base(tiny_dir))


# ----------------------------------------------------------------------------- ReFT


def test_reft_is_refused_before_anything_loads_with_the_reason(reg, run_swift, tmp_path):
    from swiftkit.cli.run_args import adjust_config

    config = config_for(reg, "--train_type", "reft", "--reft_layers", "0", "1", "--reft_rank", "2")
    assert config["reft_layers"] == [0, 1] and config["reft_intervention_type"] == "LoreftIntervention"
    with pytest.raises(SwiftkitError, match=r"reft.*pyreft 0\.1\.0, the latest, pins transformers==4\.45\.1"):
        adjust_config(reg, "sft", config)
    with pytest.raises(SwiftkitError, match="no maintained pyreft installs"):  # built directly: refuses too
        make_tuner(reg, "reft").load_kwargs()
    # the CLI: refused with the reason, without importing torch (nothing loaded)
    result = run_swift("sft", "--model", str(tmp_path / "none"), "--dataset", str(tmp_path / "none.jsonl"),
                       "--train_type", "reft")
    assert result.returncode != 0
    assert "pyreft" in result.stderr + result.stdout and "--train_type lora" in result.stderr + result.stdout
    assert "torch" not in result.modules


# ----------------------------------------------------------------------------- --use_liger_kernel


def test_liger_kernel_is_refused_without_its_libraries_or_a_gpu(reg, monkeypatch):
    from swiftkit.cli.run_args import adjust_config
    from swiftkit.plugins.kernels import liger

    config = config_for(reg, "--use_liger_kernel", "true")
    assert config["use_liger_kernel"] is True
    # this machine: whatever is missing is named (liger-kernel/triton here, else the GPU)
    if liger.liger_problems(config):
        with pytest.raises(SwiftkitError, match="--use_liger_kernel needs"):
            adjust_config(reg, "sft", config)
    # the libraries without a GPU; then a GPU and a model type liger does not patch
    monkeypatch.setattr(liger, "_installed", lambda name: True)
    monkeypatch.setattr(liger, "_cuda_gpus", lambda: 0)
    with pytest.raises(SwiftkitError, match="needs a CUDA GPU .* none is visible"):
        adjust_config(reg, "sft", config)
    monkeypatch.setattr(liger, "_cuda_gpus", lambda: 1)
    monkeypatch.setattr(liger, "_liger_model_types", lambda: {"llama", "qwen2"})
    with pytest.raises(SwiftkitError, match="no kernels for model type 'gpt2'"):
        adjust_config(reg, "sft", _with_model_type(config, "gpt2"))
    assert adjust_config(reg, "sft", _with_model_type(config, "qwen2")) is not None  # passes
    assert adjust_config(reg, "infer", {**config}) is not None  # not a training command: not checked


def _with_model_type(config, model_type):
    """The config pointing at a folder whose config.json says ``model_type``."""
    import json
    import tempfile

    folder = tempfile.mkdtemp(prefix="liger-model-")
    with open(f"{folder}/config.json", "w", encoding="utf-8") as fh:
        json.dump({"model_type": model_type}, fh)
    return {**config, "model": folder}


def test_liger_kernel_reaches_the_training_arguments(reg, tmp_path):
    from swiftkit.core.parallel.env import ParallelEnv
    from swiftkit.train.arguments import training_arguments
    from swiftkit.train.run import DEFAULTS

    def args(*flags):
        config = {**DEFAULTS, "learning_rate": 1e-4, **{k: v for k, v in config_for(reg, *flags).items() if v is not None}}
        return training_arguments(config, run_dir=str(tmp_path / "run"), env=ParallelEnv(), strategy=None, model_spec=None)

    on, off = args("--use_liger_kernel", "true"), args()
    assert on.use_liger_kernel is True and off.use_liger_kernel is False


# ----------------------------------------------------------------------------- --sequence_parallel_size


def _sp_strategy(reg, **options):
    from swiftkit.parallel.select import build_strategy

    return build_strategy("sequence_parallel", options, reg)


def test_sequence_parallel_size_selects_ulysses_over_the_deepspeed_preset(reg):
    config = config_for(reg, "--sequence_parallel_size", "2")
    assert config["strategy"] == "sequence_parallel" and config["deepspeed"] is None
    # ms-swift's usual spelling: a ZeRO preset and the sequence split; the strategy built on DeepSpeed wins
    config = config_for(reg, "--deepspeed", "zero3", "--sequence_parallel_size", "2")
    assert (config["strategy"], config["deepspeed"], config["sequence_parallel_size"]) == ("sequence_parallel", "zero3", 2)
    assert config_for(reg, "--deepspeed", "zero3")["strategy"] == "deepspeed"  # size 1: plain DeepSpeed
    with pytest.raises(SwiftkitError, match="several strategies"):  # two unrelated ones stay an error
        config_for(reg, "--fsdp", "full_shard", "--sequence_parallel_size", "2")


@pytest.mark.parametrize(
    ("size", "world", "run_config", "message"),
    [
        (2, 3, {}, r"number of processes \(3\) must be a multiple of sequence_parallel_size 2"),
        (2, 2, {"num_attention_heads": 3, "num_key_value_heads": 3}, "3 attention heads do not divide"),
        (4, 4, {"num_attention_heads": 8, "num_key_value_heads": 3}, "3 key/value heads"),
        (2, 2, {"attn_impl": "eager"}, "attn_impl 'eager' cannot be split"),
        (2, 2, {"attn_impl": "flash_attention_2"}, "needs a CUDA GPU"),
        (2, 2, {"rlhf_type": "dpo"}, "rlhf_type 'dpo' has its own loss"),
        (2, 2, {"packing": True}, "--packing with sequence parallelism"),
    ],
    ids=["world", "heads", "kv-heads", "eager", "flash-on-cpu", "rlhf", "packing"],
)
def test_sequence_parallel_refuses_what_ulysses_cannot_split(reg, size, world, run_config, message):
    import re

    from swiftkit.core.parallel.env import ParallelEnv

    strategy = _sp_strategy(reg, sequence_parallel_size=size)
    env = ParallelEnv(nproc_per_node=world)
    shape = {"num_attention_heads": 8, "num_key_value_heads": 4}
    problems = strategy.check(env, {**shape, **run_config})
    assert any(re.search(message, p) for p in problems), problems
    assert strategy.check(ParallelEnv(nproc_per_node=size), shape) == []  # the same run, set right


def test_sequence_parallel_wiring(reg, tmp_path):
    """The Trainer gets the DeepSpeed config and accelerate's ParallelismConfig; the model loads with sdpa."""
    from swiftkit.core.parallel.env import ParallelEnv

    strategy = _sp_strategy(reg, sequence_parallel_size=2, deepspeed="zero3")
    env = ParallelEnv(nproc_per_node=4)
    assert strategy.check(env, {"num_attention_heads": 4, "num_key_value_heads": 2}) == []
    assert strategy.model_load_kwargs(env, {}) == {"attn_implementation": "sdpa"}
    fields = strategy.trainer_args(env, {"run_dir": str(tmp_path), "per_device_train_batch_size": 2,
                                         "gradient_accumulation_steps": 1, "world_size": 4})
    pc = fields["parallelism_config"]
    assert (pc.sp_size, pc.sp_backend, pc.sp_handler.sp_attn_implementation) == (2, "deepspeed", "sdpa")
    assert pc.sp_handler.sp_seq_length_is_variable is True
    import json

    with open(fields["deepspeed"], encoding="utf-8") as fh:
        ds = json.load(fh)
    # DeepSpeed checks the global batch against every rank; accelerate then divides by the sequence split
    assert ds["zero_optimization"]["stage"] == 3 and ds["train_batch_size"] == 2 * 4


def test_sequence_shard_collator_pads_and_positions():
    import torch

    from swiftkit.data.collator import make_collator
    from swiftkit.train.sequence_parallel import SequenceShardCollator, sequence_parallel_size

    class Tok:
        pad_token_id = 3

    collate = SequenceShardCollator(make_collator(Tok()), 4, pad_token_id=3)
    batch = collate([{"input_ids": [5, 6, 7, 8, 9], "labels": [-100, -100, 7, 8, 9]},
                     {"input_ids": [5, 6], "labels": [-100, 6]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7, 8, 9, 3, 3, 3], [5, 6, 3, 3, 3, 3, 3, 3]]
    assert batch["labels"].tolist() == [[-100, -100, 7, 8, 9, -100, -100, -100], [-100, 6] + [-100] * 6]
    assert batch["position_ids"].tolist() == [list(range(8))] * 2 and "attention_mask" not in batch
    assert isinstance(batch["input_ids"], torch.Tensor)

    class Args:
        parallelism_config = type("PC", (), {"sp_backend": "deepspeed", "sp_size": 2})()

    assert sequence_parallel_size(Args()) == 2 and sequence_parallel_size(object()) == 1


def test_two_processes_split_each_sequence_and_follow_the_single_process_curve(reg, tiny_dir, tmp_path):
    """`swift sft --sequence_parallel_size 2` on two CPU processes (gloo): every batch is the same
    two rows, so the sharded loss must equal the single process's loss on the whole rows, step by step."""
    import json
    import os
    import subprocess
    import sys

    from swiftkit.train.callbacks import read_log
    from swiftkit.train.run import run_training

    row = {"messages": [{"role": "user", "content": "Count to 7."}, {"role": "assistant", "content": "1 2 3 4 5 6 7"}]}
    data = tmp_path / "same.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for _ in range(16)))
    common = ["--model", tiny_dir, "--dataset", str(data), "--train_type", "full", "--max_length", "64",
              "--max_steps", "3", "--save_steps", "100", "--logging_steps", "1", "--learning_rate", "5e-3",
              "--warmup_ratio", "0", "--lr_scheduler_type", "constant", "--add_version", "false", "--report_to", "none",
              "--dataset_num_proc", "1", "--per_device_train_batch_size", "2"]

    def losses(run_dir):
        return {r["step"]: r["loss"] for r in read_log(run_dir) if "loss" in r and "step" in r}

    single = str(tmp_path / "single")
    run_training(build_config(reg, command="sft", cli_args=[*common, "--output_dir", single]), command="sft", registry=reg)
    split = str(tmp_path / "split")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("MASTER_PORT", None)
    result = subprocess.run([sys.executable, "-m", "swiftkit", "sft", *common, "--output_dir", split,
                             "--sequence_parallel_size", "2", "--nproc_per_node", "2"],
                            capture_output=True, text=True, env=env, timeout=400)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open(os.path.join(split, "args.json"), encoding="utf-8") as fh:
        recorded = json.load(fh)
    assert (recorded["strategy"], recorded["sequence_parallel_size"], recorded["world_size"]) == ("sequence_parallel", 2, 2)
    with open(os.path.join(split, "launch", "result.json"), encoding="utf-8") as fh:
        summary = json.load(fh)
    assert summary["wrapped_as"] == "DeepSpeedEngine"
    # both ranks work through every batch of the group, each on half its tokens (data parallelism
    # would give each rank half the batches: 0.75 epochs after 3 steps, not 0.375)
    assert summary["last_log"]["epoch"] == pytest.approx(3 / 8)
    expected, got = losses(single), losses(split)
    print(f"single {expected}\nsequence-parallel {got}")
    assert sorted(got) == [1, 2, 3] and got[3] < got[1]
    for step in got:
        assert got[step] == pytest.approx(expected[step], rel=1e-5, abs=1e-6), (step, got, expected)
