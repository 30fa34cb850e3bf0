"""`swift rlhf` end to end on a tiny model: DPO makes held-out chosen answers likelier than
rejected ones; the reference is the base with the LoRA adapter switched off (no second copy)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

pytestmark = pytest.mark.usefixtures("one_torch_thread")

QUESTIONS = ["Is the sky blue?", "Is water wet?", "Is fire hot?", "Is ice cold?", "Is grass green?", "Is snow white?",
             "Is sugar sweet?", "Is lemon sour?", "Is night dark?", "Is rain wet?", "Is the sun bright?", "Is salt salty?"]
CHOSEN, REJECTED = "Yes, certainly.", "No idea, sorry."


def pairs(questions):
    return [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": CHOSEN}],
             "rejected_response": REJECTED} for q in questions]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


def preference_accuracy(model_dir, adapter, rows) -> float:
    """Share of pairs whose chosen reply has a higher summed log-probability than the rejected one."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    template = get_registry().template("qwen2_5")

    def logp(messages):
        enc = template.encode(tokenizer, messages)
        ids = torch.tensor([enc["input_ids"]])
        labels = torch.tensor([enc["labels"]])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[:, :-1]
        target = labels[:, 1:]
        mask = target != -100
        lp = torch.log_softmax(logits.float(), -1).gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        return float((lp * mask).sum())

    wins = 0
    for row in rows:
        prompt = row["messages"][:-1]
        chosen = logp([*prompt, {"role": "assistant", "content": CHOSEN}])
        rejected = logp([*prompt, {"role": "assistant", "content": REJECTED}])
        wins += chosen > rejected
    return wins / len(rows)


def test_dpo_raises_held_out_preference_accuracy(tiny, tmp_path):
    train, held_out = pairs(QUESTIONS[:8]), pairs(QUESTIONS[8:])
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in train))
    before = preference_accuracy(tiny, None, held_out)
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "dpo", "--model", tiny, "--dataset", str(data), "--train_type", "lora",
        "--target_modules", "all-linear", "lm_head", "--beta", "0.1", "--max_steps", "30", "--learning_rate", "5e-3",
        "--per_device_train_batch_size", "4", "--logging_steps", "5", "--save_steps", "30", "--report_to", "none",
        "--output_dir", str(tmp_path / "out"), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    after = preference_accuracy(tiny, str(tmp_path / "out" / "checkpoint-30"), held_out)
    assert after > before and after == 1.0, (before, after)
    log = [r for r in read_log(str(tmp_path / "out")) if "loss" in r]
    assert log[-1]["loss"] < log[0]["loss"]
    assert {"rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"} <= set(log[-1])
    print(f"DPO held-out preference accuracy {before:.2f} -> {after:.2f}; loss {log[0]['loss']:.3f} -> {log[-1]['loss']:.3f}")


def kto_rows(questions):
    rows = []
    for q in questions:
        rows.append({"prompt": q, "completion": CHOSEN, "label": True})
        rows.append({"prompt": q, "completion": REJECTED, "label": False})
    return rows


@pytest.mark.parametrize("rlhf_type", ["orpo", "simpo", "cpo", "kto", "dpo-ipo"])
def test_other_objectives_train_and_their_loss_falls(rlhf_type, tiny, tmp_path):
    rows = kto_rows(QUESTIONS) if rlhf_type == "kto" else pairs(QUESTIONS)
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    extra = ["--rlhf_type", "dpo", "--loss_type", "ipo"] if rlhf_type == "dpo-ipo" else ["--rlhf_type", rlhf_type]
    result = CliRunner().invoke(cli, [
        "rlhf", *extra, "--model", tiny, "--dataset", str(data), "--train_type", "lora",
        "--target_modules", "all-linear", "lm_head", "--max_steps", "20", "--learning_rate", "5e-3",
        "--per_device_train_batch_size", "4", "--logging_steps", "1", "--save_steps", "20", "--report_to", "none",
        "--output_dir", str(tmp_path / "out"), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    losses = [r["loss"] for r in read_log(str(tmp_path / "out")) if "loss" in r]
    assert len(losses) == 20 and all(map(lambda v: v == v, losses))  # finite
    first, last = sum(losses[:3]) / 3, sum(losses[-3:]) / 3
    assert last < first, (rlhf_type, first, last)
    print(f"{rlhf_type}: loss {first:.3f} -> {last:.3f}", losses[:3])


@pytest.mark.parametrize("batch_size", [4, 1])
def test_kto_estimates_its_kl_reference_point(batch_size, tiny, tmp_path):
    """KTO's z0 comes from mismatched rows (prompt i, completion i+1; a batch of one borrows the
    previous batch's completion): logged as ``kl`` every step, >= 0, 0 while the policy is the
    reference, and positive on batches whose mismatched completions the policy has made likelier."""
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in kto_rows(QUESTIONS)))
    steps = 20 if batch_size > 1 else 8
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "kto", "--model", tiny, "--dataset", str(data), "--train_type", "lora",
        "--target_modules", "all-linear", "lm_head", "--max_steps", str(steps), "--learning_rate", "5e-3",
        "--per_device_train_batch_size", str(batch_size), "--logging_steps", "1", "--save_steps", str(steps),
        "--report_to", "none", "--output_dir", str(tmp_path / "out"), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = [r for r in read_log(str(tmp_path / "out")) if "loss" in r]
    kl = [r["kl"] for r in log]
    assert len(kl) == steps and all(v >= 0 for v in kl)
    assert kl[0] == 0  # the first step: policy == reference (and, with one row, no KL row yet)
    if batch_size > 1:  # one mismatched pair per step is noisy; four lift the estimate above 0 at times
        assert max(kl[1:]) > 0, kl
        losses = [r["loss"] for r in log]
        assert sum(losses[-3:]) < sum(losses[:3]), losses
        print(f"KTO (with KL) loss {losses[0]:.4f} -> {losses[-1]:.4f}; kl {kl[0]:.4f} -> {kl[-1]:.4f} (max {max(kl):.4f})")


@pytest.mark.parametrize(("rlhf_type", "beta", "message"), [
    ("kto", "-1", "'beta': -1 is less than the minimum of 0"),
    ("kto", "0", "'beta': 0 is out of range for --rlhf_type kto (allowed: > 0)"),
    ("dpo", "0", "'beta': 0 is out of range for --rlhf_type dpo (allowed: > 0)"),
    ("gkd", "1.5", "'beta': 1.5 is out of range for --rlhf_type gkd (allowed: [0, 1])"),
])
def test_beta_bounds_are_checked_per_objective(rlhf_type, beta, message, tiny, tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(pairs(QUESTIONS[:1])[0]) + "\n")
    extra = ["--teacher_model", tiny] if rlhf_type == "gkd" else []
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", rlhf_type, "--model", tiny, "--dataset", str(data), "--beta", beta, *extra,
        "--max_steps", "1", "--report_to", "none", "--output_dir", str(tmp_path / "out"),
    ])
    assert result.exit_code != 0 and message in result.output + str(result.exception), (result.output, result.exception)


def test_beta_zero_where_the_math_allows_it():
    import importlib

    def objective(method, **options):
        spec = importlib.import_module(f"swiftkit.plugins.methods.{method}").swift_register_methods()[0]
        module, _, cls = spec.impl.partition(":")
        return getattr(importlib.import_module(module), cls)(spec, options)

    assert objective("orpo", beta=0.0).beta == 0.0  # plain SFT on the chosen replies
    assert objective("gkd", beta=0.0).beta == 0.0 and objective("gkd", beta=1.0).beta == 1.0  # forward / reverse KL
    assert objective("gkd").beta == 0.5 and objective("kto").beta == 0.1 and objective("simpo").beta == 2.0
    # one flat key: every plugin that takes --beta declares the very same schema
    registry = get_registry()
    schemas = [e.data["options"]["properties"]["beta"] for e in registry.entries("method")
               if "beta" in ((e.data.get("options") or {}).get("properties") or {})]
    assert len(schemas) >= 6 and all(s == schemas[0] for s in schemas)


@pytest.mark.parametrize("rlhf_type", ["dpo", "kto"])
def test_evaluation_uses_the_objective_loss(rlhf_type, tiny, tmp_path):
    """Preference and KTO batches carry no `labels`: evaluation must go through the objective,
    not the model's own forward, and log an eval loss."""
    rows = kto_rows(QUESTIONS) if rlhf_type == "kto" else pairs(QUESTIONS)
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", rlhf_type, "--model", tiny, "--dataset", str(data), "--split_dataset_ratio", "0.25",
        "--max_steps", "4", "--eval_steps", "2", "--per_device_train_batch_size", "2", "--save_steps", "4",
        "--report_to", "none", "--output_dir", str(tmp_path / "out"), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    evals = [r["eval_loss"] for r in read_log(str(tmp_path / "out")) if "eval_loss" in r]
    assert len(evals) == 2 and all(v == v and v > 0 for v in evals), evals
