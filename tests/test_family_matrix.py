"""The proof behind ``support == "tested"``: every text family that claims it, on a tiny random model
of its own architecture, is trained by `swift sft` with LoRA and in full, resumed onto the same
curve, exported merged (same logits as base + adapter) and served by the ``pt`` engine.

Families that read media (``modalities``) are the multimodal matrix's (tests/test_mm_family_matrix.py).
The families come from the registry, never from a list here: marking a family ``tested`` adds it
to this matrix, and a family that fails here may not carry the mark. Each family's representative
is its first ``causal_lm`` checkpoint marked ``tested`` (an unquantized one where there is one); its tiny model is built
once (a module fixture: only this module uses it) and shared by the tests of that family.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from swiftkit.core.config import build_config
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model, tested_families
from swiftkit.train.callbacks import read_log
from swiftkit.train.run import read_args, run_training

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
#: LoRA steps; checkpoints every SAVE steps, so the run can be resumed from its middle
STEPS, SAVE = 4, 2


#: family -> representative id (see :func:`swiftkit.testing.tiny.tested_families`); a tested family
#: without a trainable representative is reported by tests/test_family_support.py
FAMILIES = {family: model_id for family, model_id in tested_families(get_registry()).items() if model_id}


@dataclass
class Case:
    family: str
    model_id: str
    model_dir: str
    base_parameters: int


@pytest.fixture(scope="module")
def matrix_registry():
    return get_registry()


@pytest.fixture(scope="module")
def matrix_data(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("matrix-data") / "chat.jsonl"
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
                            + "\n" for q, a in CHATS))
    return str(path)


@pytest.fixture(scope="module", params=sorted(FAMILIES) or [pytest.param(None, marks=pytest.mark.skip(
    reason="no registered family is marked support='tested'"))])
def case(request, one_torch_thread, tmp_path_factory, matrix_registry) -> Case:
    """The family's tiny model, in a folder named after its representative (as a download is).
    (``one_torch_thread`` is named so that it is set before the shared runs train.)"""
    import torch
    from transformers import AutoModelForCausalLM

    family = request.param
    model_id = FAMILIES[family]
    model_dir = build_tiny_model(model_id, tmp_path_factory.mktemp(f"tiny-{family}") / model_id, registry=matrix_registry)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    return Case(family, model_id, str(model_dir), sum(p.numel() for p in model.parameters()))


def sft(registry, *args: str):
    return run_training(build_config(registry, command="sft", cli_args=list(args)), command="sft", registry=registry)


def common_args(case: Case, data: str, out: Path, *extra: str) -> list[str]:
    # left truncation: a template with a long default system prompt (DBRX, gpt-oss, OpenBuddy) keeps
    # the reply, which is what is trained
    return ["--model", case.model_dir, "--dataset", data, "--output_dir", str(out), "--add_version", "false",
            "--per_device_train_batch_size", "4", "--max_length", "256", "--truncation_strategy", "left",
            "--logging_steps", "1",
            "--lr_scheduler_type", "constant", "--torch_dtype", "float32", "--report_to", "none", *extra]


def losses(log: list[dict]) -> dict[int, float]:
    return {r["step"]: r["loss"] for r in log if "loss" in r}


@pytest.fixture(scope="module")
def lora_run(case, matrix_registry, matrix_data, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"lora-{case.family}") / "run"
    return sft(matrix_registry, *common_args(case, matrix_data, out, "--train_type", "lora", "--lora_rank", "8",
                                             "--learning_rate", "1e-2", "--max_steps", str(STEPS), "--save_steps", str(SAVE)))


@pytest.fixture(scope="module")
def merged(case, lora_run) -> str:
    """`swift export --merge_lora` of the LoRA run's last checkpoint."""
    from click.testing import CliRunner

    from swiftkit.cli import cli

    result = CliRunner().invoke(cli, ["export", "--model", lora_run.last_checkpoint, "--merge_lora"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return lora_run.last_checkpoint + "-merged"


def test_lora_sft_trains_only_the_adapter(case, lora_run):
    curve = losses(lora_run.log)
    assert sorted(curve) == list(range(1, STEPS + 1)), f"{case.family}: logged steps {sorted(curve)}"
    assert all(math.isfinite(v) for v in curve.values()), f"{case.family}: loss {curve}"
    assert lora_run.global_step == STEPS and Path(lora_run.last_checkpoint, "adapter_model.safetensors").is_file()
    args = read_args(lora_run.run_dir)
    assert args["model_id"] == case.model_id and args["model_family"] == case.family  # the folder resolves to its family
    from safetensors.torch import load_file

    adapter = sum(t.numel() for k, t in load_file(Path(lora_run.last_checkpoint, "adapter_model.safetensors")).items()
                  if "lora_" in k)
    assert args["trainable_parameter_count"] == adapter > 0, case.family
    assert args["total_parameter_count"] == case.base_parameters + adapter, case.family


def test_full_sft_trains_every_parameter(case, matrix_registry, matrix_data, tmp_path):
    result = sft(matrix_registry, *common_args(case, matrix_data, tmp_path / "full", "--train_type", "full",
                                               "--learning_rate", "1e-4", "--max_steps", "2", "--save_steps", "2"))
    curve = losses(result.log)
    assert sorted(curve) == [1, 2] and all(math.isfinite(v) for v in curve.values()), f"{case.family}: {curve}"
    args = read_args(result.run_dir)
    assert args["trainable_parameter_count"] == args["total_parameter_count"] == case.base_parameters, case.family
    assert Path(result.last_checkpoint, "config.json").is_file()


def test_resume_continues_the_same_curve(case, lora_run, matrix_registry, tmp_path):
    """Resumed from its middle checkpoint (a copy of the run), the run retrains the last steps
    to the same losses: weights, optimizer, scheduler, RNG and data order all come back."""
    copy = tmp_path / "run"
    shutil.copytree(lora_run.run_dir, copy)
    middle = copy / f"checkpoint-{SAVE}"
    resumed = run_training(build_config(matrix_registry, command="sft", cli_args=["--resume_from_checkpoint", str(middle)],
                                        base=read_args(str(middle))), command="sft", registry=matrix_registry)
    assert resumed.global_step == STEPS and resumed.run_dir == str(copy)
    expected = losses(lora_run.log)
    log = [r for r in read_log(str(copy)) if "loss" in r]
    assert [r["step"] for r in log] == list(range(1, STEPS + 1)), case.family
    for r in log[SAVE:]:
        assert r["loss"] == pytest.approx(expected[r["step"]], rel=1e-4, abs=1e-5), (case.family, r["step"])


def _prompt_ids(tokenizer):
    text = tokenizer.apply_chat_template([{"role": "user", "content": CHATS[0][0]}], tokenize=False,
                                         add_generation_prompt=True) + CHATS[0][1] + " " + CHATS[5][1]
    return tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"]


def test_merged_export_has_the_logits_of_base_plus_adapter(case, lora_run, merged, matrix_registry):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    merged_model = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32)
    assert type(merged_model).__name__ == matrix_registry.get("model", case.model_id).data["architecture"]
    assert not Path(merged, "adapter_config.json").exists()
    ids = _prompt_ids(AutoTokenizer.from_pretrained(merged))
    base = AutoModelForCausalLM.from_pretrained(case.model_dir, dtype=torch.float32)
    with torch.no_grad():
        base_logits = base(ids).logits
        reference = PeftModel.from_pretrained(base, lora_run.last_checkpoint)(ids).logits
        got = merged_model(ids).logits
    torch.testing.assert_close(got, reference, atol=1e-4, rtol=1e-4, msg=lambda m: f"{case.family}: {m}")
    change = (reference - base_logits).abs().max().item()
    assert change > 1e-3, f"{case.family}: the adapter changes the logits by {change:g} only: the comparison proves nothing"


def test_pt_engine_serves_the_merged_model_as_base_plus_adapter(case, lora_run, merged, matrix_registry):
    """Greedy answers of the merged folder equal those of base + adapter, both through the pt
    engine (swiftkit.infer, in process)."""
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.infer.factory import create_engine, default_adapter

    prompts = [[{"role": "user", "content": q}] for q, _ in CHATS[:3]]
    sampling = SamplingOptions(max_tokens=8, temperature=0.0)

    def answers(model: str) -> list:
        engine, resolved = create_engine({"model": model, "infer_backend": "pt"}, matrix_registry)
        try:
            adapter = default_adapter(resolved)
            return engine.infer([ChatRequest(messages=p, sampling=sampling, adapter=adapter) for p in prompts])
        finally:
            engine.close()

    served = answers(merged)
    assert [r.completion_tokens for r in served] and all(0 < r.completion_tokens <= 8 for r in served), case.family
    assert all(r.finish_reason in ("stop", "length") for r in served)
    assert served == answers(lora_run.last_checkpoint), case.family
