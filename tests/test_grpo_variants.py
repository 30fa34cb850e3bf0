"""ms-swift's GRPO variants on small tensors (advantage estimators and reward scaling, GSPO's
sequence-level ratio, two-sided clipping, the loss normalisations, the entropy mask), the
soft_overlong reward, and one short `swift rlhf --rlhf_type grpo` run with the step-level options
on (completions.jsonl written, entropy / overlong / resampling metrics logged)."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_advantage_estimators_and_reward_scaling():
    import torch

    from swiftkit.plugins.methods.grpo.variants import EPSILON, estimate_advantages

    r = torch.tensor([1.0, 0.0, 0.0, 0.0, 3.0, 1.0, 1.0, 3.0])
    centred = torch.tensor([0.75, -0.25, -0.25, -0.25, 1.0, -1.0, -1.0, 1.0])
    assert torch.allclose(estimate_advantages(r, 4, scale="none"), centred)
    group_std = torch.tensor([0.5] * 4 + [2 / math.sqrt(3)] * 4)
    assert torch.allclose(estimate_advantages(r, 4, scale="group"), centred / (group_std + EPSILON))
    assert torch.allclose(estimate_advantages(r, 4, scale="batch"), centred / (centred.std() + EPSILON))
    # rloo: the reward minus the mean of the group's *other* rewards
    loo = torch.tensor([1.0 - 0.0, 0.0 - 1 / 3, 0.0 - 1 / 3, 0.0 - 1 / 3, 3 - 5 / 3, 1 - 7 / 3, 1 - 7 / 3, 3 - 5 / 3])
    assert torch.allclose(estimate_advantages(r, 4, estimator="rloo", scale="none"), loo)
    assert torch.allclose(estimate_advantages(r, 4, estimator="reinforce_plus_plus", scale="batch"),
                          estimate_advantages(r, 4, scale="batch"))


def test_sequence_level_ratio_and_two_sided_clip():
    import torch

    from swiftkit.plugins.methods.grpo.variants import log_ratio, policy_loss

    logps = torch.tensor([[-1.0, -2.0, -3.0]], requires_grad=True)
    old = torch.tensor([[-1.5, -2.0, -2.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])  # the third token is padding
    assert torch.allclose(log_ratio(logps, old, mask, "token"), torch.tensor([[0.5, 0.0, -1.0]]))
    assert torch.allclose(log_ratio(logps, old, mask, "sequence"), torch.full((1, 3), 0.25))  # mean of 0.5, 0
    seq_token = log_ratio(logps, old, mask, "sequence_token")
    assert torch.allclose(seq_token, torch.full((1, 3), 0.25))  # the same value ...
    seq_token[0, 0].backward()  # ... but each token's own gradient
    assert torch.equal(logps.grad, torch.tensor([[1.0, 0.0, 0.0]]))

    # a negative advantage with a ratio of e^1.5 ~ 4.48: the plain surrogate takes it unbounded, delta caps it
    lp, ol = torch.tensor([[0.0]]), torch.tensor([[-1.5]])
    adv, m = torch.tensor([[-1.0]]), torch.ones(1, 1)
    plain, _ = policy_loss(lp, ol, adv, m, epsilon_low=0.2, epsilon_high=0.2)
    capped, _ = policy_loss(lp, ol, adv, m, epsilon_low=0.2, epsilon_high=0.2, delta=2.0)
    assert math.isclose(float(plain), math.exp(1.5), rel_tol=1e-5) and math.isclose(float(capped), 2.0, rel_tol=1e-6)
    seq_loss, _ = policy_loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[-0.2, 0.2]]), torch.tensor([[1.0]]),
                              torch.ones(1, 2), epsilon_low=0.2, epsilon_high=0.2, level="sequence")
    assert torch.allclose(seq_loss, torch.full((1, 2), -1.0))  # the two tokens' ratios average out to 1


def test_loss_normalisations():
    import torch

    from swiftkit.plugins.methods.grpo.variants import reduce_loss

    per_token = torch.tensor([[1.0, 1.0, 1.0, 1.0], [4.0, 0.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 0.0]])
    assert float(reduce_loss(per_token, mask, "grpo")) == pytest.approx((1.0 + 4.0) / 2)
    assert float(reduce_loss(per_token, mask, "bnpo")) == pytest.approx(8.0 / 5)
    assert float(reduce_loss(per_token, mask, "dapo")) == pytest.approx(8.0 / 5)
    assert float(reduce_loss(per_token, mask, "dr_grpo", max_completion_length=8)) == pytest.approx(8.0 / (2 * 8))
    with pytest.raises(ValueError, match="cispo"):
        reduce_loss(per_token, mask, "cispo")


def test_entropy_mask_keeps_the_top_quantile_of_tokens():
    import torch

    from swiftkit.plugins.methods.grpo.variants import entropy_mask

    entropy = torch.tensor([[0.1, 0.9, 0.5, 9.0], [0.7, 0.3, 0.2, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]])  # padding (9.0, 0.0) is not counted
    kept = entropy_mask(entropy, mask, 0.5)
    assert torch.equal(kept, torch.tensor([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]]))
    assert torch.equal(entropy_mask(entropy, mask, 1.0), mask)


def _grpo(options):
    from swiftkit.plugins.methods.grpo.objective import GrpoObjective

    registry = get_registry()
    return GrpoObjective(registry.get("method", "grpo").spec, {"reward_funcs": ["contains"], **options})


def test_estimator_sets_the_defaults_of_scaling_and_kl_placement():
    from swiftkit.core.errors import SwiftkitError

    plain = _grpo({})
    assert (plain.scale_rewards, plain.kl_in_reward, plain.loss_type) == ("group", False, "grpo")
    rloo = _grpo({"advantage_estimator": "rloo"})
    assert (rloo.scale_rewards, rloo.kl_in_reward) == ("none", True)
    rpp = _grpo({"advantage_estimator": "reinforce_plus_plus", "kl_in_reward": False, "scale_rewards": True})
    assert (rpp.scale_rewards, rpp.kl_in_reward) == ("group", False)  # explicit values win; true is 'group'
    assert _grpo({"scale_rewards": False}).scale_rewards == "none"
    with pytest.raises(SwiftkitError, match="not a grpo loss type"):
        _grpo({"loss_type": "sigmoid"})
    with pytest.raises(SwiftkitError, match="sync_ref_model"):
        _grpo({"sync_ref_model": True, "beta": 0})


def test_mix_reference_moves_the_reference_towards_the_policy():
    import torch

    from swiftkit.plugins.methods.grpo.hooks import mix_reference

    policy, ref = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    with torch.no_grad():
        policy.weight.fill_(1.0), policy.bias.fill_(1.0), ref.weight.fill_(0.0), ref.bias.fill_(2.0)
    mix_reference(ref, policy, 0.6)
    assert torch.allclose(ref.weight, torch.full((1, 2), 0.6)) and torch.allclose(ref.bias, torch.tensor([1.4]))


def test_soft_overlong_reward():
    from swiftkit.core.errors import SwiftkitError
    from swiftkit.plugins.rewards.functions import soft_overlong
    from swiftkit.train.rewards import load_reward_functions

    assert [soft_overlong(n, 10, 4) for n in (3, 6, 8, 10, 11)] == [0.0, 0.0, -0.5, -1.0, -1.0]
    (_, fn), = load_reward_functions(["soft_overlong"], get_registry(), {"soft_cache_length": 4,
                                                                          "max_completion_length": 10})
    assert fn(["p"] * 3, ["a", "b", "c"], completion_ids=[[1] * 5, [1] * 8, [1] * 12]) == [0.0, -0.5, -1.0]
    (_, fn), = load_reward_functions(["soft_overlong"], get_registry(), {"soft_cache_length": 2, "soft_max_length": 4,
                                                                          "max_completion_length": 10})
    assert fn(["p"], ["a"], completion_ids=[[1] * 3]) == [-0.5]
    with pytest.raises(SwiftkitError, match="soft_cache_length"):
        load_reward_functions(["soft_overlong"], get_registry(), {"max_completion_length": 10})


PROMPTS = ["Pick a number.", "Say something.", "Count to ten.", "What is your favourite digit?"]


def test_grpo_run_with_the_step_options(tmp_path, tiny_qwen):
    """log_completions writes completions.jsonl (one row per completion, with rewards and
    advantages); log_entropy, overlong_filter and dynamic_sample log their metrics; the
    variants run through a real update."""
    data = tmp_path / "prompts.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}]}) + "\n" for q in PROMPTS))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "grpo", "--model", tiny_qwen, "--dataset", str(data), "--reward_funcs", "contains",
        "soft_overlong", "--contains_text", "7", "--soft_cache_length", "4", "--train_type", "lora",
        "--num_generations", "4", "--max_completion_length", "6", "--max_steps", "2", "--learning_rate", "1e-2",
        "--per_device_train_batch_size", "2", "--logging_steps", "1", "--save_steps", "10", "--report_to", "none",
        "--seed", "1", "--output_dir", str(out), "--add_version", "false",
        "--log_completions", "true", "--log_entropy", "true", "--overlong_filter", "true", "--dynamic_sample", "true",
        "--max_resample_times", "1", "--loss_type", "dr_grpo", "--importance_sampling_level", "sequence",
        "--top_entropy_quantile", "0.5", "--advantage_estimator", "rloo", "--delta", "3",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = [r for r in read_log(str(out)) if "loss" in r]
    assert len(log) == 2 and all(math.isfinite(r["loss"]) for r in log)
    assert {"entropy/mean", "entropy/min", "entropy/max", "frac_overlong", "resample_draws", "kl",
            "rewards/soft_overlong/mean"} <= set(log[0])
    assert all(r["entropy/min"] <= r["entropy/mean"] <= r["entropy/max"] for r in log)
    # the tiny policy rarely writes a 7 and soft_overlong gives equal completions equal rewards: flat groups,
    # so each step draws its one extra batch of prompts
    assert all(r["resample_draws"] == 1 for r in log), [r["resample_draws"] for r in log]
    rows = [json.loads(line) for line in (out / "completions.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * 2 * 4  # two steps of two prompts x four completions (resampled groups replace flat ones)
    assert {"step", "prompt", "completion", "contains", "soft_overlong", "reward", "advantage"} <= set(rows[0])
    assert {r["step"] for r in rows} == {0, 1}
    assert all(r["reward"] == pytest.approx(r["contains"] + r["soft_overlong"]) for r in rows)


@pytest.fixture(scope="module")
def tiny_qwen(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


# ---------------------------------------------------------------------------- min_p


def test_min_p_drops_unlikely_tokens_in_the_pt_sampler():
    import random
    from types import SimpleNamespace

    import torch

    from swiftkit.plugins.engines.pt_batch import BatchHooks

    logits = torch.log(torch.tensor([[0.05, 0.5, 0.15, 0.3]]))
    rng = random.Random(0)

    def draw(min_p):
        row = SimpleNamespace(temperature=1.0, top_k=0, top_p=1.0, min_p=min_p, uniform=rng.random)
        return {int(BatchHooks._sample(logits, [row], True)) for _ in range(300)}

    assert draw(0.0) == {0, 1, 2, 3}
    assert draw(0.5) == {1, 3}  # below 0.5 * 0.5 = 0.25: tokens 0 and 2 are never drawn


def test_min_p_reaches_every_engine_and_the_rollout():
    from swiftkit.core.engines.interface import SamplingOptions
    from swiftkit.plugins.engines import _mapping as m
    from swiftkit.plugins.methods._rollout import sample

    s = SamplingOptions(temperature=1.0, min_p=0.2)
    assert m.vllm_sampling_kwargs(s, [], [])["min_p"] == 0.2
    assert m.sglang_sampling_params(s, [], [])["min_p"] == 0.2
    assert m.lmdeploy_generation_kwargs(s, [], [])["min_p"] == 0.2
    with pytest.raises(ValueError, match="min_p"):
        m.validate_sampling(SamplingOptions(min_p=1.5))

    seen = []

    class Engine:
        spec = None

        def infer(self, requests):
            seen.extend(requests)
            raise RuntimeError("recorded")

    with pytest.raises(RuntimeError, match="recorded"):
        sample(Engine(), [[{"role": "user", "content": "hi"}]], n=2, max_tokens=4, min_p=0.3)
    assert [r.sampling.min_p for r in seen] == [0.3, 0.3]
    assert _grpo({"min_p": 0.3}).min_p == 0.3 and _grpo({}).min_p == 0.0
