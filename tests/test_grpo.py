"""GRPO: group-normalised advantages, the k3 KL estimate, and `swift rlhf --rlhf_type grpo` end
to end on a tiny model, sampling with the pt engine from the LoRA policy being trained: the mean
reward of 'the completion contains the digit 7' rises from near 0 to near 1."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from swiftkit.core.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.core.train.callbacks import read_log
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PROMPTS = ["Pick a number.", "Say something.", "Count to ten.", "What is your favourite digit?",
           "Write a code.", "Name a year.", "Give me a number.", "Tell me a secret."]

REWARD_MODULE = '''
def contains_seven(completions, **kwargs):
    return [1.0 if "7" in c else 0.0 for c in completions]
'''


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


@pytest.fixture
def prompts(tmp_path):
    data = tmp_path / "prompts.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}]}) + "\n" for q in PROMPTS))
    return str(data)


def test_group_advantages_normalise_within_each_group():
    import torch

    from swiftkit.plugins.methods.grpo.objective import EPSILON, group_advantages

    rewards = torch.tensor([1.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0, 0.0, 1.0, 2.0, 3.0])
    adv = group_advantages(rewards, 4)
    first = torch.tensor([1.0, 0.0, 0.0, 0.0])
    expected = (first - first.mean()) / (first.std() + EPSILON)  # sample std, as TRL
    assert torch.allclose(adv[:4], expected)
    assert math.isclose(float(adv[0]), 0.75 / (0.5 + EPSILON), rel_tol=1e-5)
    assert torch.equal(adv[4:8], torch.zeros(4))  # equal rewards: no signal
    assert abs(float(adv[8:].sum())) < 1e-5 and float(adv[11]) > float(adv[10]) > 0 > float(adv[9]) > float(adv[8])


def test_k3_kl_is_zero_at_the_reference_and_positive_elsewhere():
    import torch

    from swiftkit.plugins.methods.grpo.objective import k3_kl

    logps = torch.tensor([-1.0, -2.0, -0.5])
    assert torch.equal(k3_kl(logps, logps), torch.zeros(3))
    ref = torch.tensor([-1.5, -1.0, -3.0])
    kl = k3_kl(logps, ref)
    assert torch.all(kl > 0)
    assert torch.allclose(kl, torch.exp(ref - logps) - (ref - logps) - 1)


@pytest.mark.parametrize("reward", ["contains", "reward_seven:contains_seven"], ids=["registered", "user-function"])
def test_grpo_raises_the_mean_reward(reward, tiny, prompts, tmp_path, monkeypatch):
    """The registered `contains` reward (with its option) and a user module:function alike."""
    (tmp_path / "reward_seven.py").write_text(REWARD_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "out"
    options = ["--contains_text", "7"] if reward == "contains" else []
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "grpo", "--model", tiny, "--dataset", prompts,
        "--reward_funcs", reward, *options, "--train_type", "lora",
        "--target_modules", "all-linear", "lm_head", "--num_generations", "8", "--max_completion_length", "16",
        "--beta", "0.001", "--max_steps", "30", "--learning_rate", "3e-2", "--per_device_train_batch_size", "4",
        "--logging_steps", "1", "--save_steps", "30", "--report_to", "none", "--seed", "1",
        "--output_dir", str(out), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = [r for r in read_log(str(out)) if "loss" in r]
    assert len(log) == 30
    key = f"rewards/{reward}/mean"
    assert {key, f"rewards/{reward}/std", "reward", "reward_std", "kl", "completion_length"} <= set(log[0])
    means = [r[key] for r in log]
    first, last = sum(means[:5]) / 5, sum(means[-5:]) / 5
    assert first < 0.2 and last > first + 0.5, means
    assert all(0 < r["completion_length"] <= 16 for r in log)
    assert (out / "checkpoint-30" / "adapter_config.json").is_file()
    print(f"GRPO {reward!r} reward {first:.3f} -> {last:.3f}")


def test_grpo_without_reward_functions_is_refused(tiny, prompts, tmp_path):
    from swiftkit.core.errors import SwiftkitError

    with pytest.raises(SwiftkitError, match="reward_funcs"):
        CliRunner().invoke(cli, [
            "rlhf", "--rlhf_type", "grpo", "--model", tiny, "--dataset", prompts, "--max_steps", "1",
            "--report_to", "none", "--output_dir", str(tmp_path / "out"), "--add_version", "false",
        ], catch_exceptions=False)
