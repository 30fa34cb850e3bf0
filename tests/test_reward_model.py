"""`swift rlhf --rlhf_type rm` end to end on a tiny model: a value head on the last hidden state,
trained (with a LoRA adapter) on pairs, ranks held-out chosen replies above rejected ones more
often after training than before; the trained reward model is rebuilt by ``load_reward_model``
from the saved checkpoint alone (adapter + ``value_head.safetensors``), from the run folder, from
a ``swift export --merge_lora`` folder (which keeps the head) and from a full fine-tuning run."""

from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

pytestmark = pytest.mark.usefixtures("one_torch_thread")

QUESTIONS = ["Is the sky blue?", "Is water wet?", "Is fire hot?", "Is ice cold?", "Is grass green?", "Is snow white?",
             "Is sugar sweet?", "Is lemon sour?", "Is night dark?", "Is rain wet?", "Is the sun bright?", "Is salt salty?"]
#: the preferred replies share a property (a confident yes), the rejected ones another
CHOSEN = ["Yes, certainly.", "Yes, of course.", "Yes, absolutely.", "Yes, definitely."]
REJECTED = ["No idea, sorry.", "Not sure, sorry.", "No clue, sorry.", "Cannot say, sorry."]


def pairs(questions):
    """Every question with every (chosen, rejected) combination: a fresh head ranks some of them
    right and some wrong, so the accuracy before training is not all or nothing."""
    return [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": c}], "rejected_response": r}
            for q in questions for c in CHOSEN for r in REJECTED]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


def ranking(reward_model, rows) -> tuple[float, float]:
    """Share of pairs whose chosen reply gets the higher reward, and the mean reward margin."""
    wins, margin = 0, 0.0
    for row in rows:
        prompt = row["messages"][:-1]
        chosen = reward_model(row["messages"])
        rejected = reward_model([*prompt, {"role": "assistant", "content": row["rejected_response"]}])
        wins += chosen > rejected
        margin += chosen - rejected
    return wins / len(rows), margin / len(rows)


def test_reward_model_ranks_held_out_chosen_above_rejected(tiny, tmp_path):
    import torch

    from swiftkit.plugins.methods.rm.objective import (
        HEAD_FILE,
        attach_value_head,
        build_reward_model,
        load_reward_model,
    )

    assert get_registry(refresh=True).get("method", "rm").data.get("command") == "rlhf"
    train, held_out = pairs(QUESTIONS[:8]), pairs(QUESTIONS[8:])
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in train))
    # before: an untrained reward model (base model, fresh head) ranks by chance; one random head
    # may happen to agree with every pair, so average over several
    untrained = build_reward_model(tiny, "qwen2_5", seed=None)
    scores = []
    for seed in range(8):
        torch.manual_seed(seed)
        untrained.head = attach_value_head(untrained.model)
        scores.append(ranking(untrained, held_out))
    before = sum(a for a, _ in scores) / len(scores)
    before_margin = sum(m for _, m in scores) / len(scores)

    start = time.monotonic()
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "rm", "--model", tiny, "--dataset", str(data), "--train_type", "lora",
        "--target_modules", "all-linear", "--max_steps", "30", "--learning_rate", "5e-3",
        "--per_device_train_batch_size", "8", "--logging_steps", "5", "--save_steps", "30", "--report_to", "none",
        "--output_dir", str(tmp_path / "out"), "--add_version", "false",
    ], catch_exceptions=False)
    seconds = time.monotonic() - start
    assert result.exit_code == 0, result.output
    checkpoint = str(tmp_path / "out" / "checkpoint-30")
    assert os.path.isfile(os.path.join(checkpoint, HEAD_FILE))
    assert os.path.isfile(os.path.join(checkpoint, "adapter_config.json"))

    # a later command: the loader rebuilds the model from the folder alone (nothing in memory shared)
    reloaded = load_reward_model(checkpoint)
    after, after_margin = ranking(reloaded, held_out)
    assert before < 1.0 and after == 1.0, (before, after)
    assert after_margin > before_margin
    conversations = [r["messages"] for r in held_out[:5]]
    one_by_one = [reloaded(m) for m in conversations]
    assert reloaded.score(conversations, batch_size=3) == pytest.approx(one_by_one, abs=1e-5)  # padded batches
    # the run folder means its latest checkpoint
    assert load_reward_model(str(tmp_path / "out")).score(conversations) == pytest.approx(one_by_one, abs=1e-6)

    # swift export --merge_lora keeps the value head: the merged folder scores like adapter + head
    merged = str(tmp_path / "merged")
    result = CliRunner().invoke(cli, ["export", "--model", checkpoint, "--merge_lora", "--output_dir", merged],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert os.path.isfile(os.path.join(merged, HEAD_FILE)) and not os.path.isfile(os.path.join(merged, "adapter_config.json"))
    assert load_reward_model(merged).score(conversations) == pytest.approx(one_by_one, abs=1e-4)
    log = [r for r in read_log(str(tmp_path / "out")) if "loss" in r]
    assert log[-1]["loss"] < log[0]["loss"]
    assert {"rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"} <= set(log[-1])
    print(f"RM held-out ranking accuracy {before:.2f} -> {after:.2f}; margin {before_margin:.3f} -> "
          f"{after_margin:.3f}; loss {log[0]['loss']:.3f} -> {log[-1]['loss']:.3f}; training {seconds:.1f}s")


def test_value_head_trains_and_saves_with_the_adapter(tiny, tmp_path):
    """The head is a trainable submodule of the PEFT model and ``save_pretrained`` writes it."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from swiftkit.plugins.methods.rm.objective import HEAD_FILE, RewardModelObjective, load_value_head

    registry = get_registry()
    model = AutoModelForCausalLM.from_pretrained(tiny)
    model = get_peft_model(model, LoraConfig(r=4, target_modules="all-linear"))
    objective = RewardModelObjective(registry.get("method", "rm").spec, {})
    objective.setup(model=model, tokenizer=None, config={})
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert "v_head.weight" in trainable
    with torch.no_grad():
        model.v_head.weight.fill_(0.5)
    model.save_pretrained(str(tmp_path / "saved"))
    assert os.path.isfile(tmp_path / "saved" / HEAD_FILE)
    assert torch.equal(load_value_head(str(tmp_path / "saved")).weight, torch.full((1, model.v_head.weight.shape[1]), 0.5))

    batch = {
        "chosen_input_ids": torch.tensor([[5, 6, 7, 0]]), "chosen_attention_mask": torch.tensor([[1, 1, 1, 0]]),
        "chosen_labels": torch.tensor([[-100, 6, 7, -100]]),
        "rejected_input_ids": torch.tensor([[5, 8, 9]]), "rejected_attention_mask": torch.tensor([[1, 1, 1]]),
        "rejected_labels": torch.tensor([[-100, 8, 9]]),
    }
    loss, metrics = objective.compute_loss(model, batch)
    loss.backward()
    assert model.v_head.weight.grad is not None and model.v_head.weight.grad.abs().sum() > 0
    assert set(metrics) == {"rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"}


def test_full_fine_tuning_reward_model_reloads(tiny, tmp_path):
    """A full (no adapter) rm checkpoint holds the weights and the head; the loader rebuilds it
    from the run folder, and it scores like the checkpoint's own weights with that head."""
    from safetensors.torch import load_file

    from swiftkit.plugins.methods.rm.objective import HEAD_FILE, load_reward_model

    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in pairs(QUESTIONS[:2])))
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "rm", "--model", tiny, "--dataset", str(data), "--train_type", "full",
        "--max_steps", "2", "--learning_rate", "1e-3", "--per_device_train_batch_size", "4", "--logging_steps", "1",
        "--save_steps", "2", "--report_to", "none", "--output_dir", str(tmp_path / "out"), "--add_version", "false",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    checkpoint = tmp_path / "out" / "checkpoint-2"
    assert (checkpoint / HEAD_FILE).is_file() and not (checkpoint / "adapter_config.json").exists()
    reward_model = load_reward_model(str(tmp_path / "out"))
    assert reward_model.head.weight.tolist() == load_file(str(checkpoint / HEAD_FILE))["weight"].tolist()
    scores = reward_model.score([r["messages"] for r in pairs(QUESTIONS[8:9])])
    assert len(scores) == 16 and all(v == v for v in scores) and len(set(scores)) > 1


def test_loader_refuses_a_folder_without_a_head(tiny):
    from swiftkit.core.errors import ConfigError
    from swiftkit.plugins.methods.rm.objective import load_reward_model

    with pytest.raises(ConfigError, match="value_head.safetensors"):
        load_reward_model(tiny)
