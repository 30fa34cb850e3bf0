"""`swift sft` / `swift pt` end to end on tiny models of every built-in family: the loss falls,
an interrupted run resumes onto the same curve, and a kill during a save loses nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from swiftkit.core.config import build_config
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log
from swiftkit.train.run import read_args, run_training

FAMILY_MODELS = {
    "qwen2": "qwen2.5-0.5b-instruct",
    "llama": "llama3.2-1b-instruct",
    "mistral": "mistral-7b-instruct-v0.3",
    "gemma": "gemma2-2b-it",
    "phi3": "phi3-mini-4k-instruct",
}

CHATS = [
    ("What is your name?", "I am Tiny."),
    ("Say hello.", "Hello there!"),
    ("What is two plus two?", "Four."),
    ("Name a color.", "Blue."),
    ("What do cows say?", "Moo."),
    ("Capital of France?", "Paris."),
    ("Opposite of up?", "Down."),
    ("A fruit, please.", "Apple."),
]


@pytest.fixture(scope="module")
def registry():
    return get_registry(refresh=True)


@pytest.fixture(scope="module")
def chat_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("data") / "chat.jsonl"
    with open(path, "w") as fh:
        for q, a in CHATS:
            fh.write(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory, registry) -> dict[str, str]:
    root = tmp_path_factory.mktemp("tiny")
    # folders named after the checkpoint, as downloaded ones are: the registry resolves them by name
    return {fam: str(build_tiny_model(mid, root / mid, registry=registry)) for fam, mid in FAMILY_MODELS.items()}


def sft(registry, *args: str, callbacks=None):
    config = build_config(registry, command="sft", cli_args=list(args))
    return run_training(config, command="sft", registry=registry, callbacks=callbacks)


def base_args(model: str, data: str, out: Path, *extra: str) -> list[str]:
    return ["--model", model, "--dataset", data, "--output_dir", str(out), "--add_version", "false",
            "--logging_steps", "1", "--per_device_train_batch_size", "4", "--max_length", "128",
            "--report_to", "none", *extra]


def losses(log: list[dict]) -> dict[int, float]:
    return {r["step"]: r["loss"] for r in log if "loss" in r}


@pytest.mark.parametrize("family", list(FAMILY_MODELS))
def test_lora_loss_falls_per_family(family, tiny_models, chat_file, registry, tmp_path):
    result = sft(registry, *base_args(tiny_models[family], chat_file, tmp_path / "run", "--train_type", "lora",
                                      "--max_steps", "20", "--learning_rate", "5e-3", "--lr_scheduler_type", "constant",
                                      # a random tiny model's head is not pretrained: adapt it too
                                      "--target_modules", "all-linear", "lm_head",
                                      "--lora_rank", "16", "--save_steps", "20"))
    curve = [v for _, v in sorted(losses(result.log).items())]
    assert len(curve) == 20
    first, last = sum(curve[:3]) / 3, sum(curve[-3:]) / 3
    assert last < 0.7 * first, f"{family}: loss {first:.3f} -> {last:.3f}"
    print(f"{family}: loss {first:.3f} -> {last:.3f}")
    assert all("token_acc" in r for r in result.log if "loss" in r)
    run = Path(result.run_dir)
    assert (run / "args.json").exists() and (run / "logging.jsonl").exists()
    checkpoint = run / "checkpoint-20"
    assert (checkpoint / "adapter_model.safetensors").exists()
    assert read_args(str(checkpoint))["model_id"] == FAMILY_MODELS[family]
    # the parameter counts in args.json are the model's: the LoRA matrices are the trainable
    # ones, on top of every base parameter (the adapter file also keeps the tied embedding)
    args = read_args(str(run))
    adapter = sum(t.numel() for k, t in _tensors(checkpoint / "adapter_model.safetensors").items() if "lora_" in k)
    assert args["trainable_parameter_count"] == adapter > 0
    assert args["total_parameter_count"] == _base_parameters(tiny_models[family]) + adapter
    assert args["trainable_parameter_count"] < 0.5 * args["total_parameter_count"]  # rank 16 on a tiny model


def _tensors(path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(path))


def _base_parameters(model_dir: str) -> int:
    from transformers import AutoModelForCausalLM

    return sum(p.numel() for p in AutoModelForCausalLM.from_pretrained(model_dir).parameters())


class StopAt:
    """Interrupts training after ``step`` (as a crash or Ctrl-C would)."""

    def __init__(self, step: int):
        from transformers import TrainerCallback

        outer = self

        class _Cb(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                if state.global_step >= outer.step:
                    raise KeyboardInterrupt(f"stopped at step {state.global_step}")

        self.step = step
        self.callback = _Cb()


@pytest.mark.parametrize("family", list(FAMILY_MODELS))
def test_resumed_run_continues_the_same_curve(family, tiny_models, chat_file, registry, tmp_path):
    common = ("--train_type", "lora", "--max_steps", "16", "--save_steps", "8", "--learning_rate", "5e-3",
              "--lora_dropout", "0.1")
    whole = sft(registry, *base_args(tiny_models[family], chat_file, tmp_path / "whole", *common))
    with pytest.raises(KeyboardInterrupt):
        sft(registry, *base_args(tiny_models[family], chat_file, tmp_path / "cut", *common), callbacks=[StopAt(11).callback])
    cut_dir = tmp_path / "cut"
    assert sorted(p.name for p in cut_dir.iterdir() if p.name.startswith("checkpoint")) == ["checkpoint-8"]
    # only the checkpoint path is needed: model, data and hyperparameters come from its args.json
    resumed = run_training(
        build_config(registry, command="sft", cli_args=["--resume_from_checkpoint", str(cut_dir / "checkpoint-8")],
                     base=read_args(str(cut_dir / "checkpoint-8"))),
        command="sft", registry=registry,
    )
    assert resumed.run_dir == str(cut_dir) and resumed.global_step == 16
    expected = losses(whole.log)
    log = [r for r in read_log(str(cut_dir)) if "loss" in r]
    # steps 9 and 10 of the cut run were cut from the log on resume: each step is logged once
    assert [r["step"] for r in log] == list(range(1, 17))
    resumed_part = {r["step"]: r["loss"] for r in log[8:]}
    for step, value in resumed_part.items():
        assert value == pytest.approx(expected[step], rel=1e-4, abs=1e-5), step


KILL_SCRIPT = textwrap.dedent('''
    import os, sys
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.train import trainer as trainer_module
    from swiftkit.train.run import run_training

    original = trainer_module.SwiftTrainer._save_rng_state

    def dying_save(self, output_dir):
        if self.state.global_step == 10:   # model and optimizer are on disk, the rest is not
            os.kill(os.getpid(), 9)
        return original(self, output_dir)

    trainer_module.SwiftTrainer._save_rng_state = dying_save
    registry = get_registry()
    config = build_config(registry, command="sft", cli_args=sys.argv[1:])
    run_training(config, command="sft", registry=registry)
''')


def test_kill_during_save_resumes_from_previous_checkpoint(tiny_models, chat_file, registry, tmp_path):
    out = tmp_path / "killed"
    args = base_args(tiny_models["qwen2"], chat_file, out, "--train_type", "lora", "--max_steps", "15",
                     "--save_steps", "5", "--learning_rate", "5e-3")
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == -9, proc.stderr[-2000:]
    names = sorted(p.name for p in out.iterdir())
    assert "checkpoint-5" in names and "checkpoint-10" not in names
    assert ".staging-checkpoint-10" in names  # the half-written save, never mistaken for a checkpoint
    from transformers.trainer_utils import get_last_checkpoint

    assert get_last_checkpoint(str(out)) == str(out / "checkpoint-5")
    resumed = run_training(
        build_config(registry, command="sft", cli_args=["--resume_from_checkpoint", str(out / "checkpoint-5")],
                     base=read_args(str(out / "checkpoint-5"))),
        command="sft", registry=registry,
    )
    assert resumed.global_step == 15
    names = sorted(p.name for p in out.iterdir())
    assert ".staging-checkpoint-10" not in names
    assert {"checkpoint-5", "checkpoint-10", "checkpoint-15"} <= set(names)


def test_pt_trains_on_plain_text(tiny_models, registry, tmp_path):
    data = tmp_path / "corpus.jsonl"
    with open(data, "w") as fh:
        for i in range(12):
            fh.write(json.dumps({"text": f"swiftkit trains models on plain text, line {i % 3}."}) + "\n")
    config = build_config(registry, command="pt", cli_args=base_args(tiny_models["llama"], str(data), tmp_path / "pt",
                          "--train_type", "full", "--max_steps", "12", "--learning_rate", "3e-3", "--save_steps", "12"))
    result = run_training(config, command="pt", registry=registry)
    curve = [v for _, v in sorted(losses(result.log).items())]
    assert curve[-1] < 0.7 * curve[0]
    assert (Path(result.run_dir) / "checkpoint-12" / "model.safetensors").exists()
    # full fine-tuning trains every parameter; the count is the model's own
    args = read_args(result.run_dir)
    assert args["trainable_parameter_count"] == args["total_parameter_count"] == _base_parameters(tiny_models["llama"])
    assert (Path(result.run_dir) / "loss_curve.png").exists()
