"""PPO: GAE, whitening and the clipped losses on hand-computed examples, and `swift rlhf
--rlhf_type ppo` end to end on a tiny model with LoRA, scored by a reward model trained here with
`swift rlhf --rlhf_type rm`: finite losses, the metrics logged, the value head in every
checkpoint (and restored on resume), the engine closed when training ends."""

from __future__ import annotations

import json
import math
import os
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


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


@pytest.fixture(scope="module")
def reward_checkpoint(tiny, tmp_path_factory):
    """A reward model that prefers replies with a 7, trained for a few steps with `swift rlhf --rlhf_type rm`."""
    folder = tmp_path_factory.mktemp("rm")
    rows = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": good}], "rejected_response": bad}
            for q in PROMPTS for good, bad in (("7", "3"), ("I pick 7.", "I pick 2."), ("77", "55"), ("a 7 b", "a 1 b"),
                                               ("x7", "x4"))]
    (folder / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "rm", "--model", tiny, "--dataset", str(folder / "pairs.jsonl"), "--train_type", "lora",
        "--target_modules", "all-linear", "--max_steps", "20", "--learning_rate", "5e-3",
        "--per_device_train_batch_size", "8", "--save_steps", "20", "--report_to", "none",
        "--output_dir", str(folder / "out"), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return str(folder / "out" / "checkpoint-20")


def write_prompts(path, prompts):
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}]}) + "\n" for q in prompts))
    return str(path)


@pytest.fixture
def prompts(tmp_path):
    return write_prompts(tmp_path / "prompts.jsonl", PROMPTS)


def ppo_args(tiny, prompts, reward_checkpoint, out, *extra):
    return ["rlhf", "--rlhf_type", "ppo", "--model", tiny, "--dataset", prompts, "--reward_model", reward_checkpoint,
            "--train_type", "lora", "--target_modules", "all-linear", "--per_device_train_batch_size", "4",
            "--max_completion_length", "8", "--logging_steps", "1", "--report_to", "none", "--seed", "1",
            "--output_dir", str(out), "--add_version", "false", *extra]


# ----------------------------------------------------------------------------- the math


def test_gae_matches_a_hand_computed_example():
    import torch

    from swiftkit.plugins.methods.ppo.objective import gae

    rewards = torch.tensor([[0.0, 0.0, 1.0], [0.5, 0.0, 7.0]])
    values = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 9.9]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])  # the second row has two tokens; its third is padding
    adv, ret = gae(rewards, values, mask, gamma=0.9, lam=0.8)
    # row 0: delta = (0.7, 0.07, 0.08); A2 = 0.7, A1 = 0.07 + 0.72 * 0.7, A0 = 0.08 + 0.72 * A1
    a1 = 0.07 + 0.72 * 0.7
    expected = torch.tensor([[0.08 + 0.72 * a1, a1, 0.7],
                             [0.55 + 0.72 * -0.5, -0.5, 0.0]])  # row 1: V after the last token is 0
    assert torch.allclose(adv, expected, atol=1e-6)
    assert torch.allclose(ret, (expected + values) * mask, atol=1e-6)
    # gamma = lam = 1: the advantage is the reward still to come minus the value
    adv, _ = gae(rewards, values, mask, gamma=1.0, lam=1.0)
    assert torch.allclose(adv[0], torch.tensor([0.9, 0.8, 0.7]), atol=1e-6)


def test_token_rewards_and_whitening():
    import torch

    from swiftkit.plugins.methods.ppo.objective import masked_whiten, token_rewards

    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    kl = torch.tensor([[0.1, 0.2, 0.3], [0.4, 5.0, 5.0]])
    rewards = token_rewards(torch.tensor([2.0, -1.0]), kl, mask, kl_coef=0.5)
    assert torch.allclose(rewards, torch.tensor([[-0.05, -0.1, 2.0 - 0.15], [-1.0 - 0.2, 0.0, 0.0]]))

    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 100.0, 100.0]])
    white = masked_whiten(x, mask)
    picked = white[mask.bool()]
    assert abs(float(picked.mean())) < 1e-6 and math.isclose(float(picked.std()), 1.0, rel_tol=1e-4)
    assert torch.equal(white[1, 1:], torch.zeros(2))
    kept = masked_whiten(x, mask, shift_mean=False)[mask.bool()]
    assert math.isclose(float(kept.mean()), 2.5, rel_tol=1e-5)  # only the scale changes


def test_clipped_policy_loss_stops_the_gradient_outside_the_clip_range():
    import torch

    from swiftkit.plugins.methods.ppo.objective import policy_loss

    old = torch.zeros(1, 4)
    # ratios 1.5, 1.5, 0.5, 0.5 against advantages +, -, +, -
    logps = torch.log(torch.tensor([[1.5, 1.5, 0.5, 0.5]])).requires_grad_(True)
    adv = torch.tensor([[1.0, -1.0, 1.0, -1.0]])
    out = policy_loss(logps, old, adv, torch.ones(1, 4), cliprange=0.2)
    out["loss"].backward()
    grad = logps.grad[0]
    # a ratio above 1 + eps with A > 0, or below 1 - eps with A < 0, is clipped: no gradient
    assert grad[0] == 0 and grad[3] == 0
    # the other two keep the plain surrogate's gradient, -A * ratio / n
    assert torch.allclose(grad[1], torch.tensor(1.5 / 4)) and torch.allclose(grad[2], torch.tensor(-0.5 / 4))
    assert math.isclose(float(out["loss"].detach()), (-1.2 + 1.5 - 0.5 + 0.8) / 4, rel_tol=1e-6)
    assert math.isclose(float(out["clipfrac"]), 0.5)
    # padding takes no part
    masked = policy_loss(logps.detach(), old, adv, torch.tensor([[1.0, 1.0, 0.0, 0.0]]), cliprange=0.2)
    assert math.isclose(float(masked["loss"]), (-1.2 + 1.5) / 2, rel_tol=1e-6)


def test_clipped_value_loss():
    import torch

    from swiftkit.plugins.methods.ppo.objective import value_loss

    old = torch.tensor([[0.0, 0.0]])
    values = torch.tensor([[0.5, 0.1]], requires_grad=True)
    returns = torch.tensor([[1.0, -1.0]])
    out = value_loss(values, old, returns, torch.ones(1, 2), cliprange_value=0.2)
    # token 0: plain (0.5-1)^2 = 0.25, clipped (0.2-1)^2 = 0.64 -> 0.64 (clipped, no gradient)
    # token 1: plain (0.1+1)^2 = 1.21, clipped (0.1+1)^2 = 1.21 -> plain
    assert math.isclose(float(out["loss"]), 0.5 * (0.64 + 1.21) / 2, rel_tol=1e-6)
    assert math.isclose(float(out["clipfrac"]), 0.5)
    out["loss"].backward()
    assert values.grad[0, 0] == 0 and math.isclose(float(values.grad[0, 1]), 0.5 * 2 * 1.1 / 2, rel_tol=1e-6)


# ----------------------------------------------------------------------------- end to end


def scheduler_threads():
    return {t for t in threading.enumerate() if t.name == "swiftkit-pt-scheduler" and t.is_alive()}


def test_ppo_runs_logs_and_saves_the_value_head(tiny, prompts, reward_checkpoint, tmp_path):
    from swiftkit.plugins.methods.rm.objective import HEAD_FILE, load_value_head

    before = scheduler_threads()
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ppo_args(tiny, prompts, reward_checkpoint, out, "--max_steps", "6",
                                              "--num_ppo_epochs", "2", "--num_mini_batches", "2", "--save_steps", "3",
                                              "--learning_rate", "1e-3"), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not scheduler_threads() - before  # the sampling engine was closed when training ended
    log = [r for r in read_log(str(out)) if "loss" in r]
    assert len(log) == 6
    keys = {"score", "kl", "non_score_reward", "rlhf_reward", "policy_loss", "value_loss", "clipfrac",
            "value_clipfrac", "approxkl", "ratio", "entropy", "completion_length", "eos_rate"}
    assert keys <= set(log[0]), sorted(log[0])
    for row in log:
        assert all(math.isfinite(row[k]) for k in (*keys, "loss")), row
        assert 0 < row["completion_length"] <= 8 and 0 <= row["clipfrac"] <= 1
    assert log[0]["kl"] == 0.0  # the LoRA policy starts as the reference
    assert log[0]["ratio"] == 1.0  # the first update starts at the sampling policy
    # a rollout serves num_ppo_epochs x num_mini_batches = 4 steps, so steps 1-4 share one score
    assert len({r["score"] for r in log[:4]}) == 1 and log[4]["score"] != log[3]["score"]
    heads = []
    for step in (3, 6):
        checkpoint = out / f"checkpoint-{step}"
        assert (checkpoint / "adapter_config.json").is_file() and (checkpoint / HEAD_FILE).is_file()
        heads.append(load_value_head(str(checkpoint)).weight)
    assert not heads[0].equal(heads[1])  # the head trains
    print("PPO " + "; ".join(f"step {r['step']}: loss {r['loss']:.4f} score {r['score']:.3f} kl {r['kl']:.4f} "
                             f"clipfrac {r['clipfrac']:.2f}" for r in log))


def test_ppo_raises_the_reward_model_score(tiny, reward_checkpoint, tmp_path):
    """The reward model scores replies with a 7 about +2.7 and others about -2.7; a random
    policy rarely writes a 7, PPO makes it (25 rollouts of 32 prompts, 4 epochs each)."""
    from swiftkit.plugins.methods.rm.objective import load_reward_model

    reward_model = load_reward_model(reward_checkpoint)
    prompt = [{"role": "user", "content": "Pick."}]
    assert reward_model([*prompt, {"role": "assistant", "content": "q7e"}]) > 2
    assert reward_model([*prompt, {"role": "assistant", "content": "qwe"}]) < -2
    out = tmp_path / "out"
    data = write_prompts(tmp_path / "prompts.jsonl", PROMPTS * 4)
    result = CliRunner().invoke(cli, ppo_args(tiny, data, reward_checkpoint, out, "--max_steps", "100",
                                              "--per_device_train_batch_size", "32", "--max_completion_length", "16",
                                              "--target_modules", "all-linear", "lm_head", "--learning_rate", "3e-3",
                                              "--temperature", "1.0", "--save_steps", "100"), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = [r for r in read_log(str(out)) if "loss" in r]
    scores = [r["score"] for r in log]
    first, last = sum(scores[:8]) / 8, sum(scores[-8:]) / 8
    assert first < -2 and last > first + 2, scores
    print(f"PPO reward-model score {first:.3f} -> {last:.3f}; kl {log[-1]['kl']:.2f}; "
          f"{log[-1]['elapsed_s'] / len(log):.3f}s per step")


def test_resume_restores_the_value_head(tiny, reward_checkpoint, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from swiftkit.plugins.methods.ppo.objective import PpoObjective
    from swiftkit.plugins.methods.rm.objective import HEAD_FILE, load_value_head, save_value_head

    registry = get_registry()
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny), LoraConfig(r=4, target_modules="all-linear"))
    head = torch.nn.Linear(model.config.hidden_size, 1, bias=False)
    torch.nn.init.constant_(head.weight, 0.25)
    save_value_head(head, str(tmp_path / "checkpoint-3"))
    objective = PpoObjective(registry.get("method", "ppo").spec, {"reward_model": reward_checkpoint})
    objective.setup(model=model, tokenizer=None, template=None, registry=registry,
                    config={"resume_from_checkpoint": str(tmp_path / "checkpoint-3")})
    assert torch.equal(model.v_head.weight, head.weight)
    assert "v_head.weight" in {n for n, p in model.named_parameters() if p.requires_grad}
    model.save_pretrained(str(tmp_path / "saved"))
    assert os.path.isfile(tmp_path / "saved" / HEAD_FILE)
    assert torch.equal(load_value_head(str(tmp_path / "saved")).weight, head.weight)
    assert all(m.p == 0 for m in model.modules() if isinstance(m, torch.nn.Dropout))  # as TRL: no dropout


def test_ppo_needs_a_reward_model(tiny, prompts, tmp_path):
    from swiftkit.core.errors import ConfigError

    with pytest.raises(ConfigError, match="reward_model"):
        CliRunner().invoke(cli, [
            "rlhf", "--rlhf_type", "ppo", "--model", tiny, "--dataset", prompts, "--max_steps", "1",
            "--report_to", "none", "--output_dir", str(tmp_path / "out"), "--add_version", "false",
        ], catch_exceptions=False)


@pytest.mark.parametrize("chunk,expected", [("1", {1}), ("64", {4})])
def test_rollout_forwards_take_local_rollout_forward_batch_size_rows(chunk, expected, tiny, prompts, reward_checkpoint,
                                                                    tmp_path, monkeypatch):
    """--local_rollout_forward_batch_size: the rollout's forwards without gradients (policy,
    value head, reward model) take at most that many rows each."""
    import torch

    import swiftkit.plugins.methods.ppo.objective as ppo
    from swiftkit.plugins.methods.rm import objective as rm

    rows_seen, original, original_rm = [], ppo.completion_logps, rm.last_token_rewards

    def spy(model, packed, *args, **kwargs):
        if not torch.is_grad_enabled():
            rows_seen.append(packed.input_ids.shape[0])
        return original(model, packed, *args, **kwargs)

    def spy_rm(model, head, input_ids, mask):
        rows_seen.append(input_ids.shape[0])
        return original_rm(model, head, input_ids, mask)

    monkeypatch.setattr(ppo, "completion_logps", spy)
    monkeypatch.setattr(rm, "last_token_rewards", spy_rm)
    result = CliRunner().invoke(cli, ppo_args(tiny, prompts, reward_checkpoint, tmp_path / "out", "--max_steps", "1",
                                              "--num_ppo_epochs", "1", "--save_steps", "10",
                                              "--local_rollout_forward_batch_size", chunk), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert set(rows_seen) == expected and len(rows_seen) == (8 if chunk == "1" else 2), rows_seen
