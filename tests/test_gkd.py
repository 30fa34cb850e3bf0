"""GKD: our generalized JSD equals TRL's; distilling a tiny teacher into a tiny student runs
with a finite, falling loss; on-policy batches (``lmbda``) train on exactly the student's samples,
``seq_kd`` on the teacher's, with the coin drawn from the run seed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.plugins.methods.gkd.objective import generalized_jsd
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("beta", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_generalized_jsd_matches_trl(beta, temperature):
    torch = pytest.importorskip("torch")
    gkd = pytest.importorskip("trl.experimental.gkd", reason="trl is a test-only dependency (pip install trl)")
    g = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(2, 7, 11, generator=g), torch.randn(2, 7, 11, generator=g)
    labels = torch.randint(0, 11, (2, 7), generator=g)
    labels[0, :3] = -100
    ours = generalized_jsd(student, teacher, labels, beta, temperature)
    theirs = gkd.GKDTrainer.generalized_jsd_loss(student[:, :-1], teacher[:, :-1], labels[:, 1:], beta=beta,
                                                 temperature=temperature)
    torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=1e-5)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("gkd")
    registry = get_registry(refresh=True)
    student = build_tiny_model("qwen2.5-0.5b-instruct", root / "qwen2.5-0.5b-instruct", registry=registry, seed=0)
    teacher = build_tiny_model("qwen2.5-0.5b-instruct", root / "teacher" / "qwen2.5-0.5b-instruct", registry=registry, seed=1)
    data = root / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Count to {i}."},
                                                     {"role": "assistant", "content": " ".join(map(str, range(1, i + 1)))}]})
                            + "\n" for i in range(1, 9)))
    return str(student), str(teacher), str(data)


def _train(models, tmp_path, *extra):
    student, teacher, data = models
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "gkd", "--teacher_model", teacher, "--model", student, "--dataset", data,
        "--train_type", "full", "--max_steps", "10", "--learning_rate", "3e-3", "--per_device_train_batch_size", "4",
        "--logging_steps", "1", "--save_steps", "10", "--report_to", "none", "--output_dir", str(tmp_path / "out"),
        "--add_version", "false", *extra,
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [r for r in read_log(str(tmp_path / "out")) if "loss" in r]


def test_gkd_distils_a_teacher(models, tmp_path):
    log = _train(models, tmp_path, "--lmbda", "0")  # supervised: the dataset's replies
    losses = [r["loss"] for r in log]
    assert len(losses) == 10 and all(v == v and v >= 0 for v in losses)
    assert sum(losses[-3:]) < sum(losses[:3]), losses
    assert all(r["on_policy"] == 0 for r in log)


def test_gkd_on_policy_run(models, tmp_path):
    log = _train(models, tmp_path, "--lmbda", "1", "--max_completion_length", "8", "--temperature", "1.0")
    losses = [r["loss"] for r in log]
    assert len(losses) == 10 and all(v == v and 0 <= v < float("inf") for v in losses), losses
    assert all(r["on_policy"] == 1 and 1 <= r["completion_length"] <= 8 for r in log)
    print("GKD on-policy losses", [round(v, 4) for v in losses])


def test_gkd_seq_kd_run(models, tmp_path):
    log = _train(models, tmp_path, "--lmbda", "0", "--seq_kd", "true", "--max_completion_length", "6")
    assert all(r["on_policy"] == 0 and 1 <= r["completion_length"] <= 6 and r["loss"] == r["loss"] for r in log)


def _objective(models, **options):
    from swiftkit.core.lazy import resolve

    student, teacher, _ = models
    registry = get_registry()
    spec = registry.get("method", "gkd").spec
    objective = resolve(spec.impl, spec.REFS["impl"])(spec, {"teacher_model": teacher, **options})
    return objective, registry


def test_on_policy_batch_labels_are_exactly_the_generated_tokens(models, monkeypatch):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from swiftkit.plugins.methods.gkd import objective as gkd

    student_dir, _, _ = models
    objective, registry = _objective(models, lmbda=1.0, max_completion_length=7)
    student = AutoModelForCausalLM.from_pretrained(student_dir)
    tokenizer = AutoTokenizer.from_pretrained(student_dir)
    objective.setup(registry=registry, config={"seed": 3, "temperature": 1.0}, model=student, tokenizer=tokenizer)
    template = registry.template("qwen2_5")
    convs = [[{"role": "user", "content": "Hi there."}, {"role": "assistant", "content": "Hello! " * 3}],
             [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "One?"},
              {"role": "assistant", "content": "1"}, {"role": "user", "content": "Two?"},
              {"role": "assistant", "content": "2"}]]
    encoded = [template.encode(tokenizer, m) for m in convs]
    prompts = [template.encode_prompt(tokenizer, m[:-1]) for m in convs]
    width = max(len(e["input_ids"]) for e in encoded)
    batch = {
        "input_ids": torch.tensor([e["input_ids"] + [0] * (width - len(e["input_ids"])) for e in encoded]),
        "attention_mask": torch.tensor([[1] * len(e["input_ids"]) + [0] * (width - len(e["input_ids"])) for e in encoded]),
        "labels": torch.tensor([e["labels"] + [-100] * (width - len(e["labels"])) for e in encoded]),
    }
    assert gkd.split_prompts(batch["input_ids"], batch["attention_mask"], batch["labels"]) == prompts  # multi-turn too

    generated, seen = [], {}
    original, jsd = student.generate, gkd.generalized_jsd

    def spy_generate(**kwargs):
        out = original(**kwargs)
        generated.append((kwargs["input_ids"].shape[1], out))
        return out

    def spy_jsd(student_logits, teacher_logits, labels, beta, temperature=1.0):
        seen["labels"] = labels
        return jsd(student_logits, teacher_logits, labels, beta, temperature)

    forwards = []
    student.generate = spy_generate
    student.register_forward_hook(lambda mod, args, kwargs, out: forwards.append(kwargs.get("input_ids")), with_kwargs=True)
    monkeypatch.setattr(gkd, "generalized_jsd", spy_jsd)
    student.train()
    loss, metrics = objective.compute_loss(student, batch)
    assert torch.isfinite(loss) and metrics["on_policy"] == 1.0
    (prompt_width, sequences), = generated
    eos = set(objective.eos_token_ids)
    for row, prompt in enumerate(prompts):
        sampled = sequences[row, prompt_width:].tolist()
        cut = next((i + 1 for i, t in enumerate(sampled) if t in eos), len(sampled))
        sampled = sampled[:cut]
        labels = seen["labels"][row].tolist()
        labelled = [i for i, x in enumerate(labels) if x != -100]
        # the mask covers exactly the generated completion, right after the prompt
        assert labelled == list(range(len(prompt), len(prompt) + len(sampled)))
        assert [labels[i] for i in labelled] == sampled
        assert forwards[-1][row, : len(prompt) + len(sampled)].tolist() == prompt + sampled
    assert student.training  # sampling switched dropout off and back


def test_batch_source_follows_the_run_seed(models):
    picks = []
    for _ in range(2):
        objective, _ = _objective(models, lmbda=0.5, seq_kd=True)
        objective._coin = __import__("random").Random(42)
        picks.append([objective._source() for _ in range(40)])
    assert picks[0] == picks[1] and {"student", "teacher"} == set(picks[0])
    assert 10 < picks[0].count("student") < 30
    objective, _ = _objective(models, lmbda=0.0)
    objective._coin = __import__("random").Random(0)
    assert {objective._source() for _ in range(10)} == {"data"}
