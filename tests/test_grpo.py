"""GRPO: group-normalised advantages, the k3 KL estimate, the clipped surrogate (checked against
TRL's GRPOTrainer loss), and `swift rlhf --rlhf_type grpo` end to end on a tiny model, sampling
with the pt engine from the LoRA policy being trained: the mean reward of 'the completion contains
the digit 7' rises from near 0 to near 1; several updates per rollout; beta 0 runs no reference;
the sampling engine is closed when training ends."""

from __future__ import annotations

import json
import math
import threading

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

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


def test_reuse_schedule_samples_once_per_accumulation_slot_and_cycle():
    from swiftkit.plugins.methods._rollout import ReuseSchedule

    schedule = ReuseSchedule(accumulation=2, reuse=3)
    steps = [schedule.next() for _ in range(8)]
    # (slot, pass, fresh): each optimizer step (two micro-steps) sees both slots; three passes per rollout
    assert steps == [(0, 0, True), (1, 0, True), (0, 1, False), (1, 1, False), (0, 2, False), (1, 2, False),
                     (0, 0, True), (1, 0, True)]
    plain = ReuseSchedule()
    assert [plain.next() for _ in range(2)] == [(0, 0, True), (0, 0, True)]


def test_clipped_surrogate_stops_the_gradient_outside_the_clip_range():
    import torch

    from swiftkit.plugins.methods.grpo.objective import clipped_surrogate

    old = torch.zeros(4)
    logps = torch.log(torch.tensor([1.5, 1.5, 0.5, 0.5])).requires_grad_(True)  # ratios
    adv = torch.tensor([1.0, -1.0, 1.0, -1.0])
    per_token, cut = clipped_surrogate(logps, old, adv, 0.2, 0.28)
    per_token.sum().backward()
    assert cut.tolist() == [True, False, False, True]  # above 1 + eps with A > 0, below 1 - eps with A < 0
    assert logps.grad[0] == 0 and logps.grad[3] == 0
    assert torch.allclose(logps.grad[1:3], torch.tensor([1.5, -0.5]))  # -A * ratio
    assert torch.allclose(per_token.detach(), torch.tensor([-1.28, 1.5, -0.5, 0.8]))  # epsilon_high 0.28 above


@pytest.mark.parametrize("beta", [0.0, 0.04])
def test_clipped_loss_matches_trl(beta):
    """The loss, its gradient and the clip ratio equal TRL's GRPOTrainer._compute_loss (loss type
    grpo) on random log-probs, old log-probs off the sampling policy and a reference."""
    from collections import defaultdict
    from types import SimpleNamespace

    import torch
    from trl.trainer.grpo_trainer import GRPOTrainer

    from swiftkit.plugins.methods.grpo.objective import clipped_surrogate, k3_kl

    torch.manual_seed(0)
    rows, width = 6, 5
    logps = (-torch.rand(rows, width) * 3).requires_grad_(True)
    old = logps.detach() + torch.randn(rows, width) * 0.3  # ratios well outside [0.8, 1.28] too
    ref = logps.detach() + torch.randn(rows, width) * 0.5
    mask = torch.ones(rows, width)
    mask[1, 3:] = 0
    mask[4, 1:] = 0
    advantages = torch.randn(rows)

    trl_logps = logps.detach().clone().requires_grad_(True)
    fake = SimpleNamespace(
        _get_per_token_logps_and_entropies=lambda *a, **k: (trl_logps, torch.zeros(rows, width), None),
        aux_loss_enabled=False, top_entropy_quantile=1.0, off_policy_mask_threshold=None,
        importance_sampling_level="token", beta=beta, loss_type="grpo", epsilon_low=0.2, epsilon_high=0.28,
        args=SimpleNamespace(use_bias_correction_kl=False, delta=None), use_vllm=False,
        model=SimpleNamespace(training=True), current_gradient_accumulation_steps=1, _entropy_bonus_enabled=False,
        _metrics={"train": defaultdict(list)},
        accelerator=SimpleNamespace(gather=lambda x: x, reduce=lambda x, reduction="sum": x),
    )
    inputs = {"prompt_ids": torch.zeros(rows, 2, dtype=torch.long), "prompt_mask": torch.ones(rows, 2),
              "completion_ids": torch.zeros(rows, width, dtype=torch.long), "completion_mask": mask,
              "advantages": advantages, "old_per_token_logps": old, "ref_per_token_logps": ref}
    expected = GRPOTrainer._compute_loss(fake, None, inputs)
    expected.backward()

    per_token, cut = clipped_surrogate(logps, old, advantages.unsqueeze(1), 0.2, 0.28)
    if beta:
        per_token = per_token + beta * k3_kl(logps, ref)
    loss = ((per_token * mask).sum(1) / mask.sum(1)).mean()
    loss.backward()
    assert torch.allclose(loss, expected, atol=1e-6)
    assert torch.allclose(logps.grad, trl_logps.grad, atol=1e-6)
    assert math.isclose(float((cut * mask).sum() / mask.sum()), fake._metrics["train"]["clip_ratio/region_mean"][0],
                        abs_tol=1e-6)
    assert 0 < fake._metrics["train"]["clip_ratio/region_mean"][0] < 1


def test_the_reference_switch_gives_the_base_model_and_restores_each_adapter_layer(tiny):
    """adapters_off (the reference of a LoRA policy) answers as peft's disable_adapter (with a
    modules_to_save head too), puts back exactly the layers that were on, and unwrap_model
    still sees through a data-parallel wrapper."""
    import torch
    from peft import LoraConfig, get_peft_model
    from peft.tuners.tuners_utils import BaseTunerLayer
    from transformers import AutoModelForCausalLM

    from swiftkit.train.unwrap import adapters_off, unwrap_model

    torch.manual_seed(0)
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False, modules_to_save=["lm_head"])
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny), config)
    with torch.no_grad():
        model.base_model.model.lm_head.modules_to_save["default"].weight.mul_(2)
    ids = torch.tensor([[5, 9, 17, 33, 2]])
    with torch.no_grad():
        policy = model(input_ids=ids).logits
        with model.disable_adapter():
            base = model(input_ids=ids).logits
        with adapters_off(model):
            assert torch.equal(model(input_ids=ids).logits, base)
        assert torch.equal(model(input_ids=ids).logits, policy) and not torch.allclose(policy, base)
    layers = [m for m in model.modules() if isinstance(m, BaseTunerLayer)]
    layers[0].enable_adapters(False)  # a layer switched off before stays off
    with adapters_off(model):
        assert all(m.disable_adapters for m in layers)
    assert layers[0].disable_adapters and not any(m.disable_adapters for m in layers[1:])
    assert not model._adapters_disabled
    assert unwrap_model(model) is model and unwrap_model(torch.nn.DataParallel(model)) is model


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
    assert {key, f"rewards/{reward}/std", "reward", "reward_std", "kl", "clip_ratio", "completion_length"} <= set(log[0])
    means = [r[key] for r in log]
    first, last = sum(means[:5]) / 5, sum(means[-5:]) / 5
    assert first < 0.2 and last > first + 0.5, means
    assert all(0 < r["completion_length"] <= 16 for r in log)
    assert (out / "checkpoint-30" / "adapter_config.json").is_file()
    print(f"GRPO {reward!r} reward {first:.3f} -> {last:.3f}; {log[-1]['elapsed_s'] / len(log):.3f}s per step")


def scheduler_threads():
    return {t for t in threading.enumerate() if t.name == "swiftkit-pt-scheduler" and t.is_alive()}


def test_grpo_iterations_reuse_each_rollout_and_beta_zero_runs_no_reference(tiny, prompts, tmp_path, monkeypatch):
    """num_iterations 2: each rollout serves two steps (the second with ratios off 1 and a clip
    ratio); beta 0: no reference forward, no kl metric; the engine is closed at the end."""
    import swiftkit.plugins.methods.grpo.objective as grpo

    def no_reference(*args, **kwargs):
        raise AssertionError("beta 0 must not run the reference")

    monkeypatch.setattr(grpo, "reference_logps", no_reference)
    before = scheduler_threads()
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "grpo", "--model", tiny, "--dataset", prompts, "--reward_funcs", "contains",
        "--contains_text", "7", "--train_type", "lora", "--target_modules", "all-linear", "lm_head",
        "--num_generations", "4", "--max_completion_length", "8", "--num_iterations", "2", "--epsilon", "0.1",
        "--beta", "0", "--max_steps", "4", "--learning_rate", "3e-2", "--per_device_train_batch_size", "4",
        "--logging_steps", "1", "--save_steps", "4", "--report_to", "none", "--seed", "1",
        "--output_dir", str(out), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not scheduler_threads() - before
    log = [r for r in read_log(str(out)) if "loss" in r]
    assert len(log) == 4 and "kl" not in log[0]
    assert all(math.isfinite(r["loss"]) and 0 <= r["clip_ratio"] <= 1 for r in log)
    # steps 1-2 and 3-4 share a rollout (same rewards and lengths); the first step of each is on-policy
    for a, b in ((0, 1), (2, 3)):
        assert (log[a]["reward"], log[a]["completion_length"]) == (log[b]["reward"], log[b]["completion_length"])
        assert log[a]["clip_ratio"] == 0
    assert (log[0]["reward"], log[0]["completion_length"]) != (log[2]["reward"], log[2]["completion_length"])


def test_grpo_without_reward_functions_is_refused(tiny, prompts, tmp_path):
    from swiftkit.core.errors import SwiftkitError

    with pytest.raises(SwiftkitError, match="reward_funcs"):
        CliRunner().invoke(cli, [
            "rlhf", "--rlhf_type", "grpo", "--model", tiny, "--dataset", prompts, "--max_steps", "1",
            "--report_to", "none", "--output_dir", str(tmp_path / "out"), "--add_version", "false",
        ], catch_exceptions=False)


def test_reused_rollouts_see_every_prompt():
    """A rollout reused for 3 optimizer steps: the sampler repeats each accumulation cycle's
    prompts, so an epoch still visits every prompt (in blocks, once per rollout)."""
    from torch.utils.data import SequentialSampler

    from swiftkit.train.samplers import RepeatBlocks

    order = list(RepeatBlocks(SequentialSampler(range(10)), block=4, repeats=3))
    assert order == [0, 1, 2, 3] * 3 + [4, 5, 6, 7] * 3 + [8, 9] * 3
    assert len(RepeatBlocks(SequentialSampler(range(10)), block=4, repeats=3)) == 30


HINT_MODULE = '''
def needs_hint(completions, hint, **kwargs):
    return [1.0 if h in c else 0.0 for c, h in zip(completions, hint)]
'''


@pytest.mark.parametrize("reward", ["accuracy", "hint_reward:needs_hint"], ids=["registered", "user-function"])
def test_grpo_stops_before_the_first_step_when_a_reward_column_is_missing(reward, tiny, prompts, tmp_path, monkeypatch):
    """accuracy declares RewardSpec.columns ['solution'] (the prompt rows carry an empty one); a
    user function needs its argument 'hint': the run stops naming reward, column and dataset."""
    from swiftkit.core.errors import SwiftkitError

    (tmp_path / "hint_reward.py").write_text(HINT_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "out"
    with pytest.raises(SwiftkitError) as err:
        CliRunner().invoke(cli, [
            "rlhf", "--rlhf_type", "grpo", "--model", tiny, "--dataset", prompts, "--reward_funcs", reward,
            "--num_generations", "2", "--max_completion_length", "4", "--max_steps", "2", "--report_to", "none",
            "--output_dir", str(out), "--add_version", "false",
        ], catch_exceptions=False)
    if reward == "accuracy":
        assert str(err.value) == (f"reward function 'accuracy' needs column 'solution', which is empty in every row "
                                  f"of dataset {prompts}")
    else:
        assert str(err.value).startswith(f"reward function '{reward}' needs column 'hint', which dataset {prompts} "
                                         "does not have (its columns: ")
    assert not [r for r in read_log(str(out)) if "loss" in r]  # no step ran
