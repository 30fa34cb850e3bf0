"""GKD's ms-swift options: gkd_logits_topk (the divergence over the teacher's top-k tokens),
sft_alpha (an SFT term on the dataset's replies), offload_teacher_model (the teacher back in CPU
memory after each use), teacher_adapters (merged into the teacher), teacher_model_type (passed to
the model lookup) and log_completions (the sampled replies in completions.jsonl)."""

from __future__ import annotations

import json

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("gkd-options")
    registry = get_registry(refresh=True)
    student = build_tiny_model("qwen2.5-0.5b-instruct", root / "qwen2.5-0.5b-instruct", registry=registry, seed=0)
    teacher = build_tiny_model("qwen2.5-0.5b-instruct", root / "teacher" / "qwen2.5-0.5b-instruct", registry=registry,
                               seed=1)
    return str(student), str(teacher)


def _objective(models, **options):
    from swiftkit.core.lazy import resolve

    registry = get_registry()
    spec = registry.get("method", "gkd").spec
    return resolve(spec.impl, spec.REFS["impl"])(spec, {"teacher_model": models[1], **options}), registry


def _setup(models, **options):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    objective, registry = _objective(models, **options)
    student = AutoModelForCausalLM.from_pretrained(models[0])
    tokenizer = AutoTokenizer.from_pretrained(models[0])
    objective.setup(registry=registry, config={"seed": 3, "temperature": 1.0}, model=student, tokenizer=tokenizer)
    return objective, student, tokenizer


def _batch(tokenizer):
    import torch

    template = get_registry().template("qwen2_5")
    rows = [template.encode(tokenizer, [{"role": "user", "content": f"Count to {i}."},
                                        {"role": "assistant", "content": " ".join(map(str, range(1, i + 1)))}])
            for i in (2, 4)]
    width = max(len(r["input_ids"]) for r in rows)
    return {
        "input_ids": torch.tensor([r["input_ids"] + [0] * (width - len(r["input_ids"])) for r in rows]),
        "attention_mask": torch.tensor([[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in rows]),
        "labels": torch.tensor([r["labels"] + [-100] * (width - len(r["labels"])) for r in rows]),
    }


def test_topk_divergence():
    import torch

    from swiftkit.plugins.methods.gkd.objective import generalized_jsd

    gen = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(2, 5, 11, generator=gen), torch.randn(2, 5, 11, generator=gen)
    labels = torch.ones(2, 5, dtype=torch.long)
    full = generalized_jsd(student, teacher, labels, 0.5)
    assert torch.allclose(generalized_jsd(student, teacher, labels, 0.5, topk=11), full)
    assert float(generalized_jsd(student, teacher, labels, 0.5, topk=1)) == pytest.approx(0.0, abs=1e-6)
    top3 = generalized_jsd(student, teacher, labels, 0.5, topk=3)
    assert 0 < float(top3) and not torch.allclose(top3, full)


def test_sft_alpha_adds_the_cross_entropy_of_the_dataset_replies(models):
    import torch.nn.functional as F

    objective, student, tokenizer = _setup(models, lmbda=0.0, sft_alpha=0.5)
    batch = _batch(tokenizer)
    student.train()
    loss, metrics = objective.compute_loss(student, batch)
    ce = F.cross_entropy(student(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
                         .flatten(0, 1), batch["labels"][:, 1:].flatten(), ignore_index=-100)
    assert float(metrics["sft_loss"]) == pytest.approx(float(ce.detach()), rel=1e-4)
    assert float(loss.detach()) == pytest.approx(float(metrics["jsd"]) + 0.5 * float(ce.detach()), rel=1e-4)
    plain, plain_metrics = _setup(models, lmbda=0.0)[0].compute_loss(student, batch)
    assert "sft_loss" not in plain_metrics


def test_offloaded_teacher_returns_to_cpu_after_each_use(models):
    objective, student, tokenizer = _setup(models, lmbda=0.0, seq_kd=True, max_completion_length=3,
                                           offload_teacher_model=True)
    moves = []
    original = objective.teacher.to

    def spy(*args, **kwargs):
        moves.append(str(args[0]))
        return original(*args, **kwargs)

    objective.teacher.to = spy
    student.train()
    objective.compute_loss(student, _batch(tokenizer))
    # sampling the replies, then the forward pass: each time to the batch's device and back to the CPU
    assert moves == ["cpu", "cpu", "cpu", "cpu"] and len(moves) == 4
    kept, _, _ = _setup(models, lmbda=0.0)
    kept_moves = []
    kept.teacher.to = lambda *a, **k: kept_moves.append(str(a[0])) or kept.teacher
    kept.compute_loss(student, _batch(tokenizer))
    assert kept_moves == ["cpu"]  # moved next to the student once, never sent back


def test_teacher_adapters_are_merged(models, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(models[1])
    lora = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False))
    lora.save_pretrained(tmp_path / "adapter")
    merged = _setup(models, lmbda=0.0, teacher_adapters=[str(tmp_path / "adapter")])[0].teacher
    plain = _setup(models, lmbda=0.0)[0].teacher
    name = next(n for n, _ in plain.named_parameters() if "q_proj.weight" in n)
    assert not torch.allclose(dict(merged.named_parameters())[name], dict(plain.named_parameters())[name])
    assert not any("lora" in n for n, _ in merged.named_parameters())
    from swiftkit.core.errors import ConfigError

    with pytest.raises(ConfigError, match="teacher_adapters"):
        _setup(models, lmbda=0.0, teacher_adapters=[str(tmp_path)])


def test_teacher_model_type_names_the_family(models, monkeypatch):
    import swiftkit.models.hub as hub

    seen = {}

    def fetch(name, registry, config, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop after the lookup")

    monkeypatch.setattr(hub, "fetch_model", fetch)
    with pytest.raises(RuntimeError, match="stop after"):
        _setup(models, teacher_model_type="qwen2.5-0.5b-instruct")
    assert seen["model_type"] == "qwen2.5-0.5b-instruct"


def test_log_completions_writes_the_sampled_replies(models, tmp_path):
    objective, student, tokenizer = _setup(models, lmbda=1.0, max_completion_length=4, log_completions=True)
    assert objective.callbacks()  # the callback that learns the output folder when training begins
    objective.completions_path = str(tmp_path / "completions.jsonl")
    student.train()
    objective.compute_loss(student, _batch(tokenizer))
    rows = [json.loads(line) for line in (tmp_path / "completions.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and {r["source"] for r in rows} == {"student"}
    assert all("Count to" in r["prompt"] and isinstance(r["completion"], str) for r in rows)
