"""Mixture-of-experts training on tiny Qwen3-MoE and Mixtral models (transformers' own classes,
fused 3-D expert weights): ``--router_aux_loss_coef`` puts the router's load-balancing loss into
the trained loss, and LoRA with ``--target_modules all-linear`` adapts the experts themselves.

The two architectures are registered here by a test plugin (their real families may or may not
be in the catalogue; these tests do not depend on it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swiftkit.core import ModelSpec
from swiftkit.core.config import build_config
from swiftkit.core.registry import get_registry
from swiftkit.testing import make_plugin
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.run import read_args, run_training

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: id -> (spec fields, tiny-config overrides: few small experts, two per token)
MOE = {
    "tiny-qwen3-moe": ({"architecture": "Qwen3MoeForCausalLM", "hf_model_type": "qwen3_moe"},
                       {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32, "head_dim": 16}),
    "tiny-mixtral": ({"architecture": "MixtralForCausalLM", "hf_model_type": "mixtral"},
                     {"num_local_experts": 4, "num_experts_per_tok": 2}),
}
EXPERT_WEIGHTS = ["experts.down_proj", "experts.gate_up_proj"]
CHATS = [("What is your name?", "I am Tiny."), ("Say hello.", "Hello there!"), ("Name a color.", "Blue."),
         ("What do cows say?", "Moo."), ("Capital of France?", "Paris."), ("A fruit, please.", "Apple.")]


def moe_specs() -> list[ModelSpec]:
    return [ModelSpec(id=model_id, family=model_id.replace("-", "_"), template="chatml", description="tiny MoE for tests",
                      **fields) for model_id, (fields, _) in MOE.items()]


@pytest.fixture(scope="module")
def moe_models(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("moe")
    registry = get_registry()
    return {spec.id: str(build_tiny_model(spec, root / spec.id, registry=registry, **MOE[spec.id][1]))
            for spec in moe_specs()}


@pytest.fixture
def registry(swift_registry_with):
    """The installed plugins plus the tiny MoE specs (folders named after them resolve to them)."""
    return swift_registry_with(make_plugin("tinymoe", api="1.2", swift_register_models=moe_specs))


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("moe-data") / "chat.jsonl"
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
                            + "\n" for q, a in CHATS))
    return str(path)


def sft(registry, model: str, data: str, out: Path, *extra: str):
    args = ["--model", model, "--dataset", data, "--output_dir", str(out), "--add_version", "false",
            "--per_device_train_batch_size", "6", "--max_length", "64", "--logging_steps", "1", "--torch_dtype", "float32",
            "--lr_scheduler_type", "constant", "--report_to", "none", *extra]
    return run_training(build_config(registry, command="sft", cli_args=args), command="sft", registry=registry)


def _load(path: str):
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)


# ------------------------------------------------------------------ the router's auxiliary loss


@pytest.mark.parametrize("model_id", list(MOE))
def test_sft_loss_is_transformers_loss_with_the_router_term(model_id, moe_models):
    """The sft objective's loss equals the model's own ``forward(labels=...)`` loss, which adds
    ``router_aux_loss_coef * aux_loss`` once ``--router_aux_loss_coef`` turned the router logits on."""
    import torch
    from transformers import AutoTokenizer

    from swiftkit.core.lazy import resolve
    from swiftkit.train.losses import causal_lm_loss
    from swiftkit.train.moe import enable_router_aux_loss

    model = _load(moe_models[model_id])
    tokenizer = AutoTokenizer.from_pretrained(moe_models[model_id])
    ids = tokenizer(["What do cows say? Moo.", "Say hello. Hello there!"], return_tensors="pt", padding=True)
    labels = ids["input_ids"].masked_fill(ids["attention_mask"] == 0, -100)
    batch = {**ids, "labels": labels}
    spec = get_registry().get("method", "sft").spec
    objective = resolve(spec.impl, spec.REFS["impl"])(spec, {})
    with torch.no_grad():
        plain, metrics = objective.compute_loss(model, batch)
        assert "aux_loss" not in metrics  # off by default: the plain LM loss
        enable_router_aux_loss(model, 0.5, model_id)
        loss, metrics = objective.compute_loss(model, batch)
        reference = model(**batch)
        lm, _ = causal_lm_loss(reference.logits, labels)
    assert reference.aux_loss is not None and reference.aux_loss > 0
    torch.testing.assert_close(plain, lm)
    torch.testing.assert_close(loss, reference.loss)  # transformers' own definition
    torch.testing.assert_close(loss, lm + 0.5 * reference.aux_loss)
    torch.testing.assert_close(metrics["aux_loss"], reference.aux_loss)
    # one of two equal micro-batches of a step: half the LM tokens, so half the router term
    tokens = int((labels[:, 1:] != -100).sum())
    with torch.no_grad():
        half, _ = objective.compute_loss(model, batch, num_items_in_batch=2 * tokens)
    torch.testing.assert_close(half, causal_lm_loss(reference.logits, labels, 2 * tokens)[0] + 0.5 * 0.5 * reference.aux_loss)


@pytest.mark.parametrize("model_id", list(MOE))
def test_router_aux_loss_coef_adds_coef_times_aux_to_the_logged_loss(model_id, moe_models, registry, data, tmp_path):
    """Step 1 of runs that differ only in the coefficient sees the same weights and batch: the
    logged losses differ by exactly coef * aux_loss."""
    common = ("--train_type", "full", "--learning_rate", "1e-4", "--max_steps", "1")
    plain = sft(registry, moe_models[model_id], data, tmp_path / "plain", *common)
    (p,) = [r for r in plain.log if "loss" in r]
    assert "aux_loss" not in p
    for coef in (0.5, 2.0):
        run = sft(registry, moe_models[model_id], data, tmp_path / f"coef{coef}", *common, "--router_aux_loss_coef", str(coef))
        (r,) = [r for r in run.log if "loss" in r]
        assert r["aux_loss"] > 0.1, r
        assert r["loss"] - p["loss"] == pytest.approx(coef * r["aux_loss"], abs=2e-4), (coef, r, p)
        assert read_args(run.run_dir)["router_aux_loss_coef"] == coef


def test_router_aux_loss_coef_is_refused_for_a_model_without_router(registry, data, tmp_path):
    from swiftkit.core.errors import ConfigError

    dense = build_tiny_model("qwen2.5-0.5b-instruct", tmp_path / "qwen2.5-0.5b-instruct", registry=registry)
    with pytest.raises(ConfigError, match=r"--router_aux_loss_coef 0.01: model 'qwen2.5-0.5b-instruct' \(Qwen2ForCausalLM\) "
                                          r"has no router auxiliary loss"):
        sft(registry, str(dense), data, tmp_path / "o", "--max_steps", "1", "--router_aux_loss_coef", "0.01")
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


# ------------------------------------------------------------------ LoRA on the experts


def test_all_linear_reaches_the_fused_expert_weights(moe_models):
    from swiftkit.core.lazy import resolve

    spec = get_registry().get("method", "lora").spec
    tuner_cls = resolve(spec.impl, spec.REFS["impl"])
    model = _load(moe_models["tiny-qwen3-moe"])
    config = tuner_cls(spec, {}).lora_config(model)
    assert sorted(config.target_parameters) == EXPERT_WEIGHTS and config.lora_dropout == 0
    assert config.target_modules == "all-linear"
    # named modules only: the experts only where --target_parameters names them
    named = tuner_cls(spec, {"target_modules": ["q_proj"], "lora_dropout": 0.1}).lora_config(model)
    assert named.target_parameters is None and named.lora_dropout == 0.1
    explicit = tuner_cls(spec, {"target_modules": ["q_proj"], "target_parameters": ["experts.down_proj"]}).lora_config(model)
    assert explicit.target_parameters == ["experts.down_proj"] and set(explicit.target_modules) == {"q_proj"}
    # DoRA cannot adapt a parameter: all-linear then leaves the experts out
    assert tuner_cls(spec, {"use_dora": True}).lora_config(model).target_parameters is None
    # the pre-transformers-5 expert layer names, which peft maps onto the fused weights: says what to pass
    old_names = tuner_cls(spec, {"target_modules": ["q_proj", "gate_proj", "up_proj", "down_proj"], "lora_dropout": 0.05})
    with pytest.raises(ValueError, match=r"reach fused mixture-of-experts weights .* pass --lora_dropout 0"):
        old_names.prepare(model)


@pytest.mark.parametrize("model_id", list(MOE))
def test_lora_all_linear_trains_the_experts_and_merges_them(model_id, moe_models, registry, data, tmp_path):
    import torch
    from click.testing import CliRunner
    from peft import PeftModel

    from swiftkit.cli import cli

    run = sft(registry, moe_models[model_id], data, tmp_path / "lora", "--train_type", "lora", "--lora_rank", "4",
              "--learning_rate", "1e-2", "--max_steps", "3", "--router_aux_loss_coef", "0.01")
    checkpoint = run.last_checkpoint
    adapter_config = json.loads(Path(checkpoint, "adapter_config.json").read_text())
    targeted = set(adapter_config["target_parameters"])
    assert set(EXPERT_WEIGHTS) <= targeted and adapter_config["lora_dropout"] == 0
    result = CliRunner().invoke(cli, ["export", "--model", checkpoint, "--merge_lora"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    base, merged = _load(moe_models[model_id]), _load(checkpoint + "-merged")
    before, after = dict(base.named_parameters()), dict(merged.named_parameters())
    assert before.keys() == after.keys()
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    experts = {name for name in before if name.endswith(tuple(f".{w}" for w in EXPERT_WEIGHTS))}
    assert len(experts) == 2 * base.config.num_hidden_layers and experts <= changed, sorted(experts - changed)
    for name in experts:  # every expert of every layer moved: LoRA on the fused weight adapts each expert's slice
        delta = (after[name] - before[name]).flatten(1).abs().amax(dim=1)
        assert bool((delta > 0).all()), (name, delta)
    # exactly the adapted weights changed: the linear layers, the experts and (where peft maps the
    # architecture's transformers-4 layout, in which it was a linear layer) the router
    adapted = {f"{m.removesuffix('.weight')}.weight" for m in adapter_config["target_modules"]}
    expected = {name for name in before if name.endswith(tuple(f".{t}" for t in targeted | adapted))}
    assert changed == expected, (sorted(changed ^ expected))
    # the merged folder computes what base + adapter computes
    ids = torch.tensor([[5, 17, 42, 99, 7, 3, 64, 11]])
    with torch.no_grad():
        reference = PeftModel.from_pretrained(_load(moe_models[model_id]), checkpoint)(ids).logits
        torch.testing.assert_close(merged(ids).logits, reference, atol=1e-4, rtol=1e-4)
    # and the pt engine answers alike serving the adapter (peft parameter adapters) or the merged folder
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.infer.factory import create_engine, default_adapter

    def greedy(model: str) -> list:
        engine, resolved = create_engine({"model": model}, registry)
        try:
            return engine.infer([ChatRequest(messages=[{"role": "user", "content": q}], adapter=default_adapter(resolved),
                                             sampling=SamplingOptions(max_tokens=6, temperature=0.0)) for q, _ in CHATS[:2]])
        finally:
            engine.close()

    assert greedy(checkpoint) == greedy(checkpoint + "-merged")
