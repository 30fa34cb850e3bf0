"""The tuners issue 13 added: GaLore, LISA, bottleneck adapters and LongLoRA, on a tiny random
Qwen2 built offline; ms-swift's flag spellings for them; and one of them trained, resumed and
served through ``swift sft`` / ``swift infer``.

Each tuner trains a few steps on a fixed batch with a falling loss, and exactly the parameters
the method promises change."""

from __future__ import annotations

import importlib.util
import json
import math

import pytest
from click.testing import CliRunner

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.testing import PluginHarness
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"
MODULES = {
    "galore": "swiftkit.plugins.methods.galore",
    "lisa": "swiftkit.plugins.methods.lisa",
    "adapter": "swiftkit.plugins.methods.adapter",
    "longlora": "swiftkit.plugins.methods.longlora",
}
TEXTS = [
    "The capital of France is Paris. The capital of Germany is Berlin.",
    "The sea is wide, the sea is deep, and the fish swim in it all day long.",
]
HAS_GALORE = importlib.util.find_spec("galore_torch") is not None


@pytest.fixture(scope="module")
def reg():
    h = PluginHarness(include_installed=True)
    installed = {s.value for s in h.sources}
    for name, module in MODULES.items():
        if module not in installed:
            h.add(module, name=name, dist="swiftkit", group="swiftkit.methods")
    return h.registry()


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny-qwen2-more"))


@pytest.fixture(scope="module")
def batch(tiny_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_dir)
    enc = tok(TEXTS, return_tensors="pt", padding="max_length", max_length=24, truncation=True)
    labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels}


def load_base(tiny_dir):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(tiny_dir, dtype="float32")


def make_tuner(reg, name, **options):
    return reg.impl("method", name)(reg.get("method", name).spec, options)


def snapshot(model) -> dict:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def changed(model, before) -> set[str]:
    import torch

    return {n for n, p in model.named_parameters() if not torch.equal(p.detach(), before[n])}


def train(model, batch, optimizer, steps=8, before_step=None) -> list[float]:
    import torch

    torch.manual_seed(0)
    model.train()
    losses = []
    for step in range(steps):
        if before_step is not None:
            before_step(step)
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
    model.eval()
    assert all(math.isfinite(x) for x in losses), losses
    return losses


def args(**kw):
    from transformers import TrainingArguments

    return TrainingArguments(output_dir="/tmp/unused", report_to=[], **{"learning_rate": 1e-2, **kw})


# ----------------------------------------------------------------------------- GaLore


@pytest.mark.skipif(not HAS_GALORE, reason="galore-torch not installed (extra 'galore')")
@pytest.mark.parametrize("per_parameter", [False, True])
def test_galore_projects_the_target_gradients(reg, tiny_dir, batch, per_parameter):
    import torch

    tuner = make_tuner(reg, "galore", galore_rank=4, galore_update_proj_gap=4, galore_optim_per_parameter=per_parameter)
    assert tuner.load_kwargs() == {}
    model = tuner.prepare(load_base(tiny_dir))
    assert all(p.requires_grad for p in model.parameters())  # full-parameter training
    targets = tuner.target_names(model)
    assert targets and all(("self_attn" in n or "mlp" in n) and n.endswith(".weight") for n in targets)
    assert not any("embed" in n or "norm" in n for n in targets)
    opt = tuner.create_optimizer(model, args())
    before = snapshot(model)
    losses = train(model, batch, opt, steps=6)
    print(f"galore(per_parameter={per_parameter}): loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    assert losses[-1] < losses[0] - 0.3
    assert set(targets) <= changed(model, before)
    # a target's update is the projected-back low-rank step: its change has rank <= galore_rank
    name = targets[0]
    delta = dict(model.named_parameters())[name].detach() - before[name]
    if not per_parameter:
        states = [s for s in opt.state.values() if "projector" in s]
        assert states and all(s["exp_avg"].shape[0] == 4 or s["exp_avg"].shape[1] == 4 for s in states)
    assert torch.linalg.matrix_rank(delta).item() <= 4 * 2  # two projections (steps 0 and 4) at most


@pytest.mark.skipif(not HAS_GALORE, reason="galore-torch not installed (extra 'galore')")
def test_galore_embedding_and_keywords(reg, tiny_dir):
    model = load_base(tiny_dir)
    tuner = make_tuner(reg, "galore", galore_target_modules=["mlp"], galore_with_embedding=True)
    names = tuner.target_names(tuner.prepare(model))
    assert "model.embed_tokens.weight" in names and all("mlp" in n or "embed" in n for n in names)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        make_tuner(reg, "galore", galore_optim_per_parameter=True).create_optimizer(model, args(gradient_accumulation_steps=2))
    with pytest.raises(ValueError, match="no linear layer matches"):
        make_tuner(reg, "galore", galore_target_modules=["nonexistent"]).prepare(load_base(tiny_dir))


def test_q_galore_is_refused_with_the_reason(reg):
    with pytest.raises(SwiftkitError, match="q-galore-torch.*cuda"):
        make_tuner(reg, "galore", galore_quantization=True).load_kwargs()


# ----------------------------------------------------------------------------- LISA


def test_lisa_switches_layers_at_the_interval(reg, tiny_dir, batch):
    import torch
    from transformers import TrainerControl, TrainerState

    tuner = make_tuner(reg, "lisa", lisa_activated_layers=1, lisa_step_interval=3)
    model = tuner.prepare(load_base(tiny_dir))
    assert all(p.requires_grad for p in model.parameters())
    callback = tuner.callback(seed=3)
    state, control = TrainerState(), TrainerControl()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    callback.on_train_begin(None, state, control, model=model)
    active_at: dict[int, list[int]] = {}
    changed_by_period: dict[int, set[str]] = {}

    def step_begin(step):
        state.global_step = step
        callback.on_step_begin(None, state, control, model=model)
        active_at[step] = callback.history[-1][1]

    before = snapshot(model)
    snapshots = {}

    def step_with_snapshots(step):
        if step % 3 == 0:
            snapshots[step] = snapshot(model)
        step_begin(step)

    losses = train(model, batch, opt, steps=9, before_step=step_with_snapshots)
    print(f"lisa: loss {losses[0]:.3f} -> {losses[-1]:.3f}; switches {callback.history}")
    assert losses[-1] < losses[0] - 0.3
    # one draw per period of 3 steps, taken at steps 0, 3 and 6
    assert [s for s, _ in callback.history] == [0, 3, 6]
    assert all(len(a) == 1 for _, a in callback.history)
    assert active_at[0] == active_at[2] and active_at[3] == active_at[5]
    # within a period only the drawn layer's weights (and embeddings / final norm) change
    snapshots[9] = snapshot(model)
    for start in (0, 3, 6):
        model_now = snapshots[start + 3]
        moved = {n for n, p in model_now.items() if not torch.equal(p, snapshots[start][n])}
        layer_params = {n for n in moved if n.startswith("model.layers.")}
        assert layer_params, start
        assert {int(n.split(".")[2]) for n in layer_params} == set(active_at[start])
        changed_by_period[start] = moved
    assert any(n.startswith("model.embed_tokens") for n in changed(model, before))
    # the draw is a function of seed and period: the same on every rank, and after a resume
    assert callback.draw(1, 2) == tuner.callback(seed=3).draw(1, 2)


def test_lisa_layer_count_is_checked(reg, tiny_dir):
    with pytest.raises(ValueError, match="between 1 and"):
        make_tuner(reg, "lisa", lisa_activated_layers=0).prepare(load_base(tiny_dir))
    with pytest.raises(ValueError, match="between 1 and"):
        make_tuner(reg, "lisa", lisa_activated_layers=9).prepare(load_base(tiny_dir))


# ----------------------------------------------------------------------------- adapter


def test_adapter_trains_only_the_bottlenecks_and_reloads(reg, tiny_dir, batch, tmp_path):
    import torch

    base_logits = load_base(tiny_dir)(input_ids=batch["input_ids"]).logits.detach()
    tuner = make_tuner(reg, "adapter", adapter_length=16, adapter_act="silu")
    model = tuner.prepare(load_base(tiny_dir))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(".mlp.swift_adapter." in n for n in trainable)
    n_train = sum(p.numel() for n, p in model.named_parameters() if n in trainable)
    assert n_train == 2 * (64 * 16 + 16 + 16 * 64 + 64)  # per layer: down (64->16) and up (16->64), with biases
    # a new adapter is the identity
    torch.testing.assert_close(model(input_ids=batch["input_ids"]).logits, base_logits)
    before = snapshot(model)
    losses = train(model, batch, torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-2), steps=16)
    print(f"adapter: loss {losses[0]:.3f} -> {losses[-1]:.3f}, {n_train} trainable parameters")
    assert losses[-1] < losses[0] - 0.3
    assert changed(model, before) == trainable
    tuner.save_pretrained(model, str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["trained_weights.safetensors"]
    assert tuner.trained_model_dir(str(tmp_path)) is None
    reloaded = make_tuner(reg, "adapter", adapter_length=16, adapter_act="silu").load_trained(load_base(tiny_dir), str(tmp_path))
    torch.testing.assert_close(reloaded(input_ids=batch["input_ids"]).logits, model(input_ids=batch["input_ids"]).logits)
    with pytest.raises(SwiftkitError, match="cannot be merged"):
        reloaded.save_pretrained(str(tmp_path / "merged"))
    with pytest.raises(SwiftkitError, match="shapes differ"):
        make_tuner(reg, "adapter", adapter_length=8).load_trained(load_base(tiny_dir), str(tmp_path))


# ----------------------------------------------------------------------------- LongLoRA


def test_s2_attention_groups_and_shifts(tiny_dir):
    """S²-attn in training mode equals attention computed group by group; in eval mode it is
    plain attention."""
    import torch

    from swiftkit.plugins.methods.longlora.s2attn import RATIO_ATTR, s2_attention_forward

    torch.manual_seed(0)
    module = torch.nn.Module()
    module.is_causal, module.scaling = True, None
    setattr(module, RATIO_ATTR, 0.25)
    q, k, v = (torch.randn(1, 4, 16, 8) for _ in range(3))
    module.train()
    out, _ = s2_attention_forward(module, q, k, v, None)
    assert out.shape == (1, 16, 4, 8)
    # heads 0-1 attend causally within [0,4), [4,8) ...: token 5 sees tokens 4 and 5 only
    ref = torch.nn.functional.scaled_dot_product_attention(q[:, :2, 4:8], k[:, :2, 4:8], v[:, :2, 4:8], is_causal=True)
    torch.testing.assert_close(out[:, 4:8, :2].transpose(1, 2), ref)
    # heads 2-3 attend within groups shifted by 2: [2,6) is one group, causal in the original order
    ref = torch.nn.functional.scaled_dot_product_attention(q[:, 2:, 2:6], k[:, 2:, 2:6], v[:, 2:, 2:6], is_causal=True)
    torch.testing.assert_close(out[:, 2:6, 2:].transpose(1, 2), ref)
    module.eval()
    full, _ = s2_attention_forward(module, q, k, v, None)
    torch.testing.assert_close(full.transpose(1, 2), torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True))


def test_longlora_trains_lora_embeddings_and_norms(reg, tiny_dir, batch, tmp_path):
    import torch
    from peft import PeftModel

    from swiftkit.plugins.methods.longlora.s2attn import S2_ATTN

    tuner = make_tuner(reg, "longlora", lora_rank=4, lora_alpha=8, lora_dropout=0.0)
    model = tuner.prepare(load_base(tiny_dir))
    assert model.config._attn_implementation == S2_ATTN
    # grouped attention in training mode (24 tokens: 4 groups of 6), full attention otherwise
    ids = batch["input_ids"]
    with torch.no_grad():
        grouped, full = model.train()(input_ids=ids).logits, model.eval()(input_ids=ids).logits
    torch.testing.assert_close(full, load_base(tiny_dir)(input_ids=ids).logits.detach())
    assert not torch.allclose(grouped, full, atol=1e-4)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert any("lora_A" in n for n in trainable)
    assert any("embed_tokens.modules_to_save" in n for n in trainable)
    assert any("input_layernorm.modules_to_save" in n for n in trainable)
    assert any(n.endswith("model.norm.modules_to_save.default.weight") for n in trainable)
    before = snapshot(model)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    losses = train(model, batch, opt)
    n_train = sum(p.numel() for n, p in model.named_parameters() if n in trainable)
    print(f"longlora: loss {losses[0]:.3f} -> {losses[-1]:.3f}, {n_train} trainable parameters")
    assert losses[-1] < losses[0] - 0.3
    assert changed(model, before) <= trainable
    # the checkpoint is a peft adapter with the embeddings and norms; it serves with full attention
    tuner.save_pretrained(model, str(tmp_path))
    reloaded = PeftModel.from_pretrained(load_base(tiny_dir), str(tmp_path)).eval()
    assert reloaded.config._attn_implementation != S2_ATTN
    torch.testing.assert_close(reloaded(input_ids=batch["input_ids"]).logits, model(input_ids=batch["input_ids"]).logits,
                               rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- ms-swift's spellings


def _build(reg, *flags):
    from swiftkit.cli.run_args import adjust_config
    from swiftkit.core.config import build_config

    config = build_config(reg, command="sft", cli_args=["--model", MODEL, "--dataset", "x.jsonl", *flags])
    return adjust_config(reg, "sft", config)


@pytest.mark.parametrize(("flags", "train_type", "key", "value"), [
    (["--train_type", "full", "--use_galore", "true", "--galore_rank", "16"], "galore", "galore_rank", 16),
    (["--tuner_type", "full", "--lisa_activated_layers", "2", "--lisa_step_interval", "5"], "lisa", "lisa_step_interval", 5),
    (["--train_type", "adapter", "--adapter_length", "32", "--adapter_act", "relu"], "adapter", "adapter_act", "relu"),
    (["--train_type", "longlora", "--lora_rank", "4"], "longlora", "longlora_group_size_ratio", 0.25),
    (["--init_lora_weights", "lora-ga", "--lora_ga_scale", "weightS", "--lora_ga_iters", "1"], "lora", "lora_ga_scale",
     "weightS"),
])
def test_ms_swift_spellings_select_the_tuner(reg, flags, train_type, key, value):
    config = _build(reg, *flags)
    assert config["train_type"] == train_type
    assert config[key] == value


@pytest.mark.parametrize(("flags", "message"), [
    (["--use_galore", "true"], "does not apply to --train_type lora"),
    (["--train_type", "full", "--lisa_activated_layers", "2", "--use_galore", "true"], "does not apply"),
    (["--train_type", "full", "--use_galore", "true", "--galore_quantization", "true"], "q-galore-torch"),
    (["--train_type", "lisa"], "needs --lisa_activated_layers"),
])
def test_ms_swift_spellings_refused_with_the_reason(reg, flags, message):
    from swiftkit.core.errors import PluginHookError

    with pytest.raises((ConfigError, PluginHookError), match=message):
        _build(reg, *flags)


# ----------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def chat_data(tmp_path_factory):
    path = tmp_path_factory.mktemp("d") / "chat.jsonl"
    rows = [{"messages": [{"role": "user", "content": "Say the letter."}, {"role": "assistant", "content": "z" * 16}]}
            for _ in range(8)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_adapter_through_swift_sft_resume_and_infer(tiny_dir, chat_data, tmp_path):
    """ms-swift's command line: train, resume from the middle checkpoint, answer with swift infer."""
    from swiftkit.cli import cli
    from swiftkit.train.callbacks import read_log

    out = tmp_path / "out"
    common = ["--logging_steps", "1", "--report_to", "none", "--learning_rate", "2e-2", "--per_device_train_batch_size", "4", "--warmup_ratio", "0"]
    first = CliRunner().invoke(cli, ["sft", "--model", str(tiny_dir), "--dataset", chat_data, "--tuner_type", "adapter",
                                     "--adapter_length", "16", "--max_steps", "8", "--save_steps", "4",
                                     "--output_dir", str(out), "--add_version", "false", *common], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    ckpt = out / "checkpoint-4"
    assert (ckpt / "trained_weights.safetensors").exists() and not (ckpt / "model.safetensors").exists()
    resumed = CliRunner().invoke(cli, ["sft", "--resume-from-checkpoint", str(ckpt), "--max_steps", "16"],
                                 catch_exceptions=False)
    assert resumed.exit_code == 0, resumed.output
    losses = [r["loss"] for r in read_log(str(out)) if "loss" in r]
    print(f"adapter via swift sft: loss {losses[0]:.3f} -> {losses[-1]:.3f} over {len(losses)} logged steps")
    assert losses[-1] < losses[0]
    assert json.loads((out / "checkpoint-16" / "args.json").read_text())["adapter_length"] == 16
    answered = CliRunner().invoke(cli, ["infer", "--model", str(out / "checkpoint-16"), "--max_new_tokens", "4"],
                                  input="Say the letter.\nexit\n", catch_exceptions=False)
    assert answered.exit_code == 0, answered.output
    # the tiny model's offline tokenizer spells "z" as one token: a learnable answer for
    # adapters on a random 2-layer model; the base model answers otherwise
    assert "<<< Say the letter.\nzzzz\n" in answered.output


@pytest.mark.parametrize(("flags", "tuner"), [
    (["--train_type", "full", "--lisa_activated_layers", "1", "--lisa_step_interval", "4"], "lisa"),
    pytest.param(["--train_type", "full", "--use_galore", "true", "--galore_rank", "4", "--galore_update_proj_gap", "2",
                  "--galore_optim_per_parameter", "true"], "galore",
                 marks=pytest.mark.skipif(not HAS_GALORE, reason="galore-torch not installed (extra 'galore')")),
    pytest.param(["--train_type", "full", "--use_galore", "true", "--galore_rank", "4"], "galore",
                 marks=pytest.mark.skipif(not HAS_GALORE, reason="galore-torch not installed (extra 'galore')"),
                 id="galore-resume"),
])
def test_ms_swift_full_run_flags_through_swift_sft(tiny_dir, chat_data, tmp_path, flags, tuner):
    """An ms-swift script's `--train_type full` + LISA / GaLore flags run unchanged; the run
    records the tuner that implements them, and the scheduler drives GaLore's per-parameter optimizers."""
    from swiftkit.cli import cli
    from swiftkit.train.callbacks import read_log

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sft", "--model", str(tiny_dir), "--dataset", chat_data, *flags, "--max_steps", "4",
                                      "--save_steps", "4", "--logging_steps", "1", "--report_to", "none",
                                      "--learning_rate", "1e-2", "--per_device_train_batch_size", "4",
                                      "--output_dir", str(out), "--add_version", "false"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    recorded = json.loads((out / "checkpoint-4" / "args.json").read_text())
    assert recorded["train_type"] == tuner
    log = [r for r in read_log(str(out)) if "loss" in r]
    print(f"{tuner} via swift sft: loss {log[0]['loss']:.3f} -> {log[-1]['loss']:.3f}")
    assert log[-1]["loss"] < log[0]["loss"]
    assert log[-1]["learning_rate"] < log[0]["learning_rate"]  # the schedule reached the optimizer(s)
    assert (out / "checkpoint-4" / "model.safetensors").exists()  # a complete model, like full fine-tuning's
    if "--galore_optim_per_parameter" not in flags and tuner == "galore":  # the projectors come back from optimizer.pt
        resumed = CliRunner().invoke(cli, ["sft", "--resume-from-checkpoint", str(out / "checkpoint-4"), "--max_steps", "6"],
                                     catch_exceptions=False)
        assert resumed.exit_code == 0, resumed.output
        assert (out / "checkpoint-6").is_dir()
    if tuner == "lisa":  # one draw (steps 0-3) of one of the two layers: the other one did not move
        import torch
        from safetensors.torch import load_file

        trained, base = load_file(str(out / "checkpoint-4" / "model.safetensors")), load_file(str(tiny_dir / "model.safetensors"))
        moved = {int(n.split(".")[2]) for n in base if n.startswith("model.layers.") and not torch.equal(base[n], trained[n])}
        assert len(moved) == 1
        assert not torch.equal(base["model.embed_tokens.weight"], trained["model.embed_tokens.weight"])


# ----------------------------------------------------------------------------- LoRA-GA


def test_lora_ga_initialises_from_gradients_and_saves_for_the_original_base(reg, tiny_dir, batch, tmp_path):
    import torch
    from peft import PeftModel

    from swiftkit.plugins.methods.lora.loraga import TUNER_ATTR, LoraGaCallback

    rows = [{k: v[i] for k, v in batch.items()} for i in range(2)]
    loader = torch.utils.data.DataLoader(rows, batch_size=2, collate_fn=lambda items: {
        k: torch.stack([it[k] for it in items]) for k in items[0]})
    base_logits = load_base(tiny_dir)(input_ids=batch["input_ids"]).logits.detach()
    tuner = make_tuner(reg, "lora", lora_rank=4, lora_alpha=8, init_lora_weights="lora-ga", lora_ga_batch_size=2,
                       lora_ga_iters=1, lora_dropout=0.0)
    model = tuner.prepare(load_base(tiny_dir))
    assert getattr(model, TUNER_ATTR) is tuner
    b_before = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_B" in n}
    assert all(not v.any() for v in b_before.values())  # plain adapters until training starts
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)

    class State:
        global_step = 0

    LoraGaCallback().on_train_begin(None, State(), None, model=model, train_dataloader=loader)
    assert all(p.any() for n, p in model.named_parameters() if "lora_B" in n)  # from the gradient's SVD
    # the base weights were reduced by the initial update: the model starts unchanged
    torch.testing.assert_close(model(input_ids=batch["input_ids"]).logits, base_logits, rtol=1e-4, atol=1e-4)
    losses = train(model, batch, opt)
    print(f"lora-ga: loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    assert losses[-1] < losses[0] - 0.3
    # the saved adapter is converted to a plain adapter of the original base; the training form
    # and the initial adapter are kept for resume
    tuner.save_pretrained(model, str(tmp_path))
    assert (tmp_path / "training_form").is_dir() and (tmp_path / "lora_ga_initial").is_dir()
    reloaded = PeftModel.from_pretrained(load_base(tiny_dir), str(tmp_path)).eval()
    torch.testing.assert_close(reloaded(input_ids=batch["input_ids"]).logits, model(input_ids=batch["input_ids"]).logits,
                               rtol=1e-4, atol=1e-4)
    # resume: a fresh prepared model gets the reduced base and the training form back
    again = make_tuner(reg, "lora", lora_rank=4, lora_alpha=8, init_lora_weights="lora_ga", lora_dropout=0.0)
    resumed = again.prepare(load_base(tiny_dir))
    assert again.restore_checkpoint(resumed, str(tmp_path))
    torch.testing.assert_close(resumed.eval()(input_ids=batch["input_ids"]).logits,
                               model(input_ids=batch["input_ids"]).logits, rtol=1e-4, atol=1e-4)


def test_lora_ga_through_swift_sft(tiny_dir, chat_data, tmp_path):
    from swiftkit.cli import cli
    from swiftkit.train.callbacks import read_log

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sft", "--model", str(tiny_dir), "--dataset", chat_data, "--train_type", "lora",
                                      "--init_lora_weights", "lora-ga", "--lora_ga_batch_size", "4", "--lora_ga_iters", "1",
                                      "--lora_rank", "4", "--max_steps", "4", "--save_steps", "4", "--logging_steps", "1",
                                      "--report_to", "none", "--learning_rate", "1e-2", "--per_device_train_batch_size", "4",
                                      "--output_dir", str(out), "--add_version", "false"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    ckpt = out / "checkpoint-4"
    assert (ckpt / "lora_ga_initial" / "adapter_model.safetensors").exists()
    assert json.loads((ckpt / "adapter_config.json").read_text())["r"] == 8  # converted: rank 2r, for the original base
    log = [r["loss"] for r in read_log(str(out)) if "loss" in r]
    print(f"lora-ga via swift sft: loss {log[0]:.3f} -> {log[-1]:.3f}")
    assert log[-1] < log[0]


def test_lora_ga_refuses_a_quantized_base(reg, tiny_dir):
    import torch

    model = load_base(tiny_dir)
    model.model.layers[0].mlp.up_proj.register_parameter("qweight", torch.nn.Parameter(
        torch.zeros(4, dtype=torch.int8), requires_grad=False))
    with pytest.raises(TypeError, match="full-precision"):
        make_tuner(reg, "lora", init_lora_weights="lora_ga").prepare(model)
