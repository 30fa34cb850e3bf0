"""GKD: our generalized JSD equals TRL's; distilling a tiny teacher into a tiny student runs
with a finite, falling loss."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swiftkit.core.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.core.train.callbacks import read_log
from swiftkit.plugins.methods.gkd.objective import generalized_jsd
from swiftkit.testing.tiny import build_tiny_model

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


def test_gkd_distils_a_teacher(tmp_path):
    registry = get_registry(refresh=True)
    student = build_tiny_model("qwen2.5-0.5b-instruct", tmp_path / "qwen2.5-0.5b-instruct", registry=registry, seed=0)
    teacher = build_tiny_model("qwen2.5-0.5b-instruct", tmp_path / "teacher" / "qwen2.5-0.5b-instruct", registry=registry, seed=1)
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Count to {i}."},
                                                     {"role": "assistant", "content": " ".join(map(str, range(1, i + 1)))}]})
                            + "\n" for i in range(1, 9)))
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "gkd", "--teacher_model", str(teacher), "--model", str(student), "--dataset", str(data),
        "--train_type", "full", "--max_steps", "10", "--learning_rate", "3e-3", "--per_device_train_batch_size", "4",
        "--logging_steps", "1", "--save_steps", "10", "--report_to", "none", "--output_dir", str(tmp_path / "out"),
        "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    losses = [r["loss"] for r in read_log(str(tmp_path / "out")) if "loss" in r]
    assert len(losses) == 10 and all(v == v and v >= 0 for v in losses)
    assert sum(losses[-3:]) < sum(losses[:3]), losses
