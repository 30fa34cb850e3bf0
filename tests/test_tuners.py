"""Every tuner method plugin, on a tiny random Qwen2 built offline.

For each tuner: the spec and its options are sound, ``prepare`` makes trainable exactly what
the method promises, a few AdamW steps on a fixed batch lower the causal-LM loss, and what
``save_pretrained`` writes loads back to the same model.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys

import jsonschema
import pytest

from swiftkit.core.checks import check_plugin
from swiftkit.core.config import compose_schema, parse_cli_args, validate
from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import Tuner
from swiftkit.core.specs import MethodSpec
from swiftkit.testing import PluginHarness
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"

#: tuner id -> registration module (the entry points of pyproject.toml's "swiftkit.methods" group)
TUNER_MODULES = {
    "lora": "swiftkit.plugins.methods.lora",
    "full": "swiftkit.plugins.methods.full",
    "freeze": "swiftkit.plugins.methods.freeze",
    "adalora": "swiftkit.plugins.methods.adalora",
    "ia3": "swiftkit.plugins.methods.ia3",
    "vera": "swiftkit.plugins.methods.vera",
    "boft": "swiftkit.plugins.methods.boft",
    "oft": "swiftkit.plugins.methods.oft",
    "prompt_tuning": "swiftkit.plugins.methods.prompt_tuning",
    "prefix_tuning": "swiftkit.plugins.methods.prefix_tuning",
    "loraplus": "swiftkit.plugins.methods.loraplus",
    "llamapro": "swiftkit.plugins.methods.llamapro",
    "qlora": "swiftkit.plugins.methods.qlora",
    # issue 13's tuners (trained in tests/test_tuners_more.py)
    "galore": "swiftkit.plugins.methods.galore",
    "lisa": "swiftkit.plugins.methods.lisa",
    "adapter": "swiftkit.plugins.methods.adapter",
    "longlora": "swiftkit.plugins.methods.longlora",
}

TEXTS = [
    "The capital of France is Paris. The capital of Germany is Berlin.",
    "The sea is wide, the sea is deep, and the fish swim in it all day long.",
]

HAS_BNB = importlib.util.find_spec("bitsandbytes") is not None


# ----------------------------------------------------------------------------- fixtures




@pytest.fixture(scope="module")
def harness():
    """The installed plugins, plus the tuner modules not installed (yet) as entry points."""
    h = PluginHarness(include_installed=True)
    installed = {s.value for s in h.sources}
    for name, module in TUNER_MODULES.items():
        if module not in installed:
            h.add(module, name=name, dist="swiftkit", group="swiftkit.methods")
    return h


@pytest.fixture(scope="module")
def discovery(harness):
    return harness.discover()


@pytest.fixture(scope="module")
def reg(harness):
    return harness.registry()


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny-qwen2-tuners"))


@pytest.fixture(scope="module")
def model_spec(reg):
    return reg.resolve_model(MODEL).spec


@pytest.fixture(scope="module")
def batch(tiny_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_dir)
    enc = tok(TEXTS, return_tensors="pt", padding=True)
    labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels}


def load_base(tiny_dir, **kwargs):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(tiny_dir, **kwargs)


def make_tuner(reg, name, **options) -> Tuner:
    return reg.impl("method", name)(reg.get("method", name).spec, options)


def trainable(model) -> set[str]:
    return {n for n, p in model.named_parameters() if p.requires_grad}


def train(model, batch, lr, steps=8, optimizer=None, after_step=None) -> list[float]:
    """``steps`` optimizer steps on one fixed batch; the causal-LM loss of each step."""
    import torch

    torch.manual_seed(0)
    opt = optimizer or torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    losses = []
    for step in range(steps):
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        if after_step is not None:
            after_step(step)
        opt.zero_grad()
        losses.append(loss.item())
    model.eval()
    assert all(math.isfinite(x) for x in losses), losses
    return losses


def logits(model, batch):
    import torch

    with torch.no_grad():
        return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits


def assert_reloads(tuner, model, tiny_dir, batch, tmp_path, **load_kwargs):
    """The adapter ``tuner.save_pretrained`` writes, loaded onto a fresh base, gives the same logits."""
    import torch
    from peft import PeftModel

    tuner.save_pretrained(model, str(tmp_path))
    assert (tmp_path / "adapter_config.json").exists()
    assert (tmp_path / "adapter_model.safetensors").exists()
    reloaded = PeftModel.from_pretrained(load_base(tiny_dir, **load_kwargs), str(tmp_path)).eval()
    torch.testing.assert_close(logits(reloaded, batch), logits(model.eval(), batch), rtol=1e-4, atol=1e-4)
    return reloaded


# ----------------------------------------------------------------------------- specs and options


def test_every_tuner_registers_cleanly(discovery, reg):
    records = {r.module: r for r in discovery.plugins}
    for module in TUNER_MODULES.values():
        assert records[module].ok, (module, records[module].reason)
    tuners = {e.id for e in reg.entries("method") if e.data.get("kind") == "tuner"}
    assert set(TUNER_MODULES) <= tuners
    assert len(tuners) >= 12
    for name in TUNER_MODULES:
        spec = reg.get("method", name).spec
        jsonschema.validate(spec.to_dict(), MethodSpec.SCHEMA)
        assert spec.kind == "tuner" and spec.description
        for key, prop in spec.options["properties"].items():
            assert prop.get("description"), (name, key)
            assert "default" in prop, (name, key)
            jsonschema.validate(prop["default"], prop)  # every default is valid under its own schema
        assert issubclass(reg.impl("method", name), Tuner)
    for name in TUNER_MODULES:  # every lazy reference imports and is a Tuner (swift plugins check)
        failed = [f"{r.subject}: {r.check}: {r.detail}" for r in check_plugin(name, discovery) if not r.ok]
        assert not failed, failed
    assert reg.get("method", "lora+").id == "loraplus"
    assert reg.get("method", "llama_pro").id == "llamapro"


def test_options_share_one_namespace_without_conflicts(reg):
    """All tuners' options merge into one run-config schema; shared keys have one schema."""
    schema = compose_schema(reg)  # every installed plugin's options: raises on any conflict
    props = schema["properties"]
    lora_props = reg.get("method", "lora").spec.options["properties"]
    for name in ("adalora", "ia3", "vera", "boft", "oft", "loraplus", "qlora"):
        own = reg.get("method", name).spec.options["properties"]
        assert own["target_modules"] == lora_props["target_modules"], name
    for key in ("freeze_trainable_layers", "adalora_total_step", "ia3_feedforward_modules", "vera_rank",
                "boft_block_size", "oft_block_size", "num_virtual_tokens", "prefix_projection",
                "lorap_lr_ratio", "llamapro_num_new_blocks", "quant_bits", "bnb_4bit_quant_type"):
        assert key in props, key
    # the command line types them by their schema
    qlora = compose_schema(reg, selected={"method": ["qlora"]})
    args = parse_cli_args(
        ["--quant_bits", "8", "--bnb-4bit-use-double-quant", "false", "--target_modules", "q_proj", "v_proj"], qlora
    )
    assert args == {"quant_bits": 8, "bnb_4bit_use_double_quant": False, "target_modules": ["q_proj", "v_proj"]}
    filled = validate({"train_type": "qlora", **args}, qlora)
    assert filled["bnb_4bit_quant_type"] == "nf4" and filled["lora_rank"] == 8
    with pytest.raises(Exception, match="quant_bits"):
        validate({"quant_bits": 3}, qlora)


def test_registration_modules_import_nothing_heavy():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in TUNER_MODULES.values())
        + "heavy = {'torch', 'transformers', 'peft', 'bitsandbytes'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- full and freeze


def test_full_trains_everything(reg, tiny_dir, batch, model_spec):
    base = load_base(tiny_dir)
    for p in base.parameters():
        p.requires_grad_(False)
    model = make_tuner(reg, "full").prepare(base, model_spec)
    assert trainable(model) == {n for n, _ in model.named_parameters()}
    losses = train(model, batch, lr=3e-3)
    print(f"full: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - 1.0


def test_freeze_trains_chosen_layers_only(reg, tiny_dir, batch, model_spec, tmp_path):
    import torch

    base = load_base(tiny_dir)
    before = {n: p.detach().clone() for n, p in base.named_parameters()}
    tuner = make_tuner(reg, "freeze", freeze_trainable_layers=1, trainable_parameters=["lm_head"])
    model = tuner.prepare(base, model_spec)
    expected = {n for n in before if n.startswith("model.layers.1.") or n.startswith("lm_head.")}
    assert trainable(model) == expected
    losses = train(model, batch, lr=3e-3)
    print(f"freeze: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - 1.0
    after = dict(model.named_parameters())
    changed = {n for n in before if not torch.equal(before[n], after[n])}
    assert changed == expected  # the frozen weights did not move
    # the checkpoint holds only what trained, and the tuner reads it back onto a fresh base
    tuner.save_pretrained(model, str(tmp_path))
    from safetensors.torch import load_file

    assert sorted(os.listdir(tmp_path)) == ["trained_weights.safetensors"]
    assert set(load_file(str(tmp_path / "trained_weights.safetensors"))) == expected
    assert tuner.trained_model_dir(str(tmp_path)) is None  # not a model folder by itself
    reloaded = tuner.load_trained(load_base(tiny_dir), str(tmp_path))
    assert not trainable(reloaded)
    torch.testing.assert_close(logits(reloaded, batch), logits(model, batch))
    # resume: restored in place into a freshly prepared model
    fresh = tuner.prepare(load_base(tiny_dir), model_spec)
    assert tuner.restore_checkpoint(fresh, str(tmp_path)) is True
    torch.testing.assert_close(logits(fresh, batch), logits(model, batch))
    with pytest.raises(SwiftkitError, match="no trained_weights.safetensors"):
        tuner.load_trained(load_base(tiny_dir), str(tiny_dir))


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ({"freeze_trainable_layers": -1}, lambda n: n.startswith("model.layers.0.")),
        (
            {"freeze_parameters": ["model.embed_tokens", "model.layers.0."], "freeze_parameters_regex": r"\.mlp\."},
            lambda n: not n.startswith(("model.embed_tokens", "model.layers.0.")) and ".mlp." not in n,
        ),
        (
            # ms-swift's ratio: the first parameters in order, until the fraction of elements is reached
            {"freeze_parameters_ratio": 0.5, "trainable_parameters_regex": r"norm"},
            None,
        ),
    ],
    ids=["first-layer", "prefixes-regex", "ratio"],
)
def test_freeze_selection_rules(reg, tiny_dir, options, rule):
    model = make_tuner(reg, "freeze", **options).prepare(load_base(tiny_dir))
    names = [n for n, _ in model.named_parameters()]
    if rule is None:
        params = list(model.named_parameters())
        total = sum(p.numel() for _, p in params)
        frozen = [n for n, p in params if not p.requires_grad]
        assert 0.3 * total < sum(p.numel() for n, p in params if n in frozen) <= 0.5 * total
        assert all("norm" not in n for n in frozen)
        assert names[0] in frozen and names[-1] not in frozen  # from the bottom up
    else:
        assert trainable(model) == {n for n in names if rule(n)}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "freeze no parameter"),
        ({"freeze_parameters": ["model.layerz"]}, "no parameter name starts with 'model.layerz'"),
        ({"freeze_trainable_layers": 5}, "has 2 decoder layers"),
        ({"freeze_parameters_regex": "."}, "no parameter trainable"),
        ({"freeze_parameters_regex": "("}, "not a valid regular expression"),
    ],
)
def test_freeze_refuses_selections_that_do_nothing(reg, tiny_dir, options, message):
    with pytest.raises(ValueError, match=message):
        make_tuner(reg, "freeze", **options).prepare(load_base(tiny_dir))


# ----------------------------------------------------------------------------- peft adapters

#: tuner, options, learning rate, the substring every trainable parameter name carries.
#: The learning rates give each method a loss drop of 0.27-0.36 in 8 steps here (the frozen random
#: head and final norm of the tiny model bound how far an adapter can move the loss); the test
#: asks for 0.15, so it does not hinge on the last digits of a kernel.
ADAPTERS = [
    ("lora", {}, 1e-2, "lora_"),
    # PiSSA moves weight from the base into the adapter: the saved adapter is converted back
    ("lora", {"init_lora_weights": "pissa_niter_2", "use_rslora": True}, 1e-2, "lora_"),
    ("lora", {"use_dora": True}, 1e-2, "lora_"),
    ("ia3", {}, 2e-1, "ia3_l"),
    ("vera", {"vera_rank": 16}, 5e-2, "vera_lambda_"),
    ("boft", {"boft_block_size": 4}, 5e-2, "boft_"),
    ("oft", {"oft_block_size": 16}, 1e-2, "oft_"),
]


@pytest.mark.parametrize(
    ("name", "options", "lr", "marker"), ADAPTERS, ids=["lora", "lora-pissa-rslora", "lora-dora", "ia3", "vera", "boft", "oft"]
)
def test_adapter_tuner(reg, tiny_dir, batch, model_spec, tmp_path, name, options, lr, marker):
    import torch

    base = load_base(tiny_dir)
    linear = {n for n, m in base.named_modules() if isinstance(m, torch.nn.Linear) and n != "lm_head"}
    expected_logits = logits(base, batch)
    tuner = make_tuner(reg, name, **options)
    model = tuner.prepare(base, model_spec)
    # every method here starts at the base model's function
    torch.testing.assert_close(logits(model.eval(), batch), expected_logits, rtol=1e-4, atol=1e-4)
    names = trainable(model)
    assert names and all(marker in n for n in names), sorted(names)[:5]
    # all-linear (the default): every linear layer but the head carries the adapter
    adapted = {n.split(f".{marker}")[0].removeprefix("base_model.model.") for n in names}
    assert adapted == linear
    losses = train(model, batch, lr=lr)
    print(f"{name} {options}: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - 0.15
    assert_reloads(tuner, model, tiny_dir, batch, tmp_path)


def test_lora_refuses_dora_with_a_base_mutating_init(reg, tiny_dir):
    with pytest.raises(ValueError, match="drops the DoRA magnitudes"):
        make_tuner(reg, "lora", use_dora=True, init_lora_weights="olora").prepare(load_base(tiny_dir))


# ----------------------------------------------------------------------------- adalora


def training_args(tmp_path, **kwargs):
    from transformers import TrainingArguments

    return TrainingArguments(output_dir=str(tmp_path / "run"), use_cpu=True, report_to=[], **kwargs)


# peft false alarms on AdaLoRA adapters: a layer whose rank was pruned to 0 is saved as a (0, n)
# matrix, and the rank pattern's keys name the lora_E tensors rather than modules (peft applies
# it on load all the same; the reload check below proves it)
@pytest.mark.filterwarnings("ignore:.*tensor\\(s\\) have invalid shape")
@pytest.mark.filterwarnings("ignore:The following rank_pattern keys did not match")
def test_adalora_reallocates_rank_while_training(reg, tiny_dir, batch, model_spec, tmp_path):
    import torch

    tuner = make_tuner(reg, "adalora", adalora_init_r=6, adalora_target_r=2, adalora_tinit=2, adalora_tfinal=2)
    base = load_base(tiny_dir)
    expected_logits = logits(base, batch)
    model = tuner.prepare(base, model_spec)  # the run length is not known yet
    torch.testing.assert_close(logits(model.eval(), batch), expected_logits, rtol=1e-4, atol=1e-4)
    names = trainable(model)
    assert names and all(any(k in n for k in ("lora_A", "lora_B", "lora_E")) for n in names)
    assert len([n for n in names if "lora_E" in n]) == 7 * 2  # all-linear: 7 linear layers x 2 blocks
    with pytest.raises(SwiftkitError, match="number of optimizer steps"):
        tuner.create_optimizer(model, training_args(tmp_path, learning_rate=2e-2))  # epochs only
    # the trainer's optimizer: max_steps becomes the schedule's length, the rank update is hooked in
    optimizer = tuner.create_optimizer(model, training_args(tmp_path, learning_rate=2e-2, max_steps=8))
    assert model.peft_config["default"].total_step == 8
    losses = train(model, batch, lr=None, optimizer=optimizer)
    print(f"adalora: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - 0.1
    assert optimizer.param_groups[0]["adalora_step"] == 8
    # the budget phase ended at step total - tfinal = 6: ranks were pruned to the target budget
    pattern = model.peft_config["default"].rank_pattern
    assert pattern, "no rank re-allocation happened"
    kept = sum(int(sum(mask)) for mask in pattern.values())
    assert kept <= 2 * 7 * 2 < 6 * 7 * 2
    assert_reloads(tuner, model, tiny_dir, batch, tmp_path)


def test_adalora_total_step_sources(reg, tiny_dir, batch):
    tuner = make_tuner(reg, "adalora", adalora_total_step=10, adalora_tinit=6, adalora_tfinal=4)
    tuner.set_total_steps(1000)  # the explicit option wins
    with pytest.raises(ValueError, match="leave no rank-allocation phase in 10 steps"):
        tuner.prepare(load_base(tiny_dir))
    # max_steps among the options
    model = make_tuner(reg, "adalora", max_steps=20).prepare(load_base(tiny_dir))
    assert model.peft_config["default"].total_step == 20
    # a hand-written loop: set_total_steps, then on_optimizer_step after each step
    tuner = make_tuner(reg, "adalora", adalora_init_r=4, adalora_target_r=2)
    tuner.set_total_steps(4)
    model = tuner.prepare(load_base(tiny_dir))
    train(model, batch, lr=1e-2, steps=4, after_step=lambda step: tuner.on_optimizer_step(model, step))
    assert model.peft_config["default"].total_step == 4 and model.peft_config["default"].rank_pattern


# ----------------------------------------------------------------------------- prompt learning


@pytest.mark.parametrize(
    ("name", "options", "lr", "min_drop"),
    [
        # 8 virtual tokens in front of a frozen random model move its loss by about 0.13, whatever
        # the learning rate (0.05-0.2 tried); prefixes in every layer by 0.2-0.25
        ("prompt_tuning", {"num_virtual_tokens": 8}, 5e-2, 0.05),
        ("prompt_tuning", {"num_virtual_tokens": 8, "prompt_tuning_init": "text",
                           "prompt_tuning_init_text": "Answer in English."}, 5e-2, 0.05),
        ("prefix_tuning", {"num_virtual_tokens": 8}, 2e-1, 0.1),
        ("prefix_tuning", {"num_virtual_tokens": 8, "prefix_projection": True, "prefix_encoder_hidden_size": 32},
         3e-2, 0.1),
    ],
    ids=["prompt", "prompt-text-init", "prefix", "prefix-projection"],
)
def test_prompt_learning_tuner(reg, tiny_dir, batch, model_spec, tmp_path, name, options, lr, min_drop):
    base = load_base(tiny_dir)
    hidden = base.config.hidden_size
    tuner = make_tuner(reg, name, **options)
    model = tuner.prepare(base, model_spec)
    names = trainable(model)
    # only the virtual tokens (and, with a projection, their MLP) train; the whole base is frozen
    assert names and all(n.startswith("prompt_encoder.") for n in names), names
    if name == "prompt_tuning":
        (param,) = [p for n, p in model.named_parameters() if p.requires_grad]
        assert tuple(param.shape) == (8, hidden)
        # labels are padded for the virtual positions by peft; logits cover them too
        assert logits(model, batch).shape[1] == batch["input_ids"].shape[1] + 8
    else:
        assert logits(model, batch).shape[1] == batch["input_ids"].shape[1]
    losses = train(model, batch, lr=lr)
    print(f"{name} {options}: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - min_drop
    assert losses[-1] < min(losses[:4])  # still falling in the second half, not a lucky first step
    assert_reloads(tuner, model, tiny_dir, batch, tmp_path)


def test_prompt_tuning_text_init_needs_text(reg, tiny_dir):
    with pytest.raises(ValueError, match="needs --prompt_tuning_init_text"):
        make_tuner(reg, "prompt_tuning", prompt_tuning_init="text").prepare(load_base(tiny_dir))
    with pytest.raises(ValueError, match="only used with prompt_tuning_init 'text'"):
        make_tuner(reg, "prompt_tuning", prompt_tuning_init_text="hello").prepare(load_base(tiny_dir))


# ----------------------------------------------------------------------------- LoRA+


def test_loraplus_optimizer_gives_b_a_higher_learning_rate(reg, tiny_dir, batch, model_spec, tmp_path):
    tuner = make_tuner(reg, "loraplus", lorap_lr_ratio=8)
    model = tuner.prepare(load_base(tiny_dir), model_spec)
    names = trainable(model)
    assert names and all("lora_" in n for n in names)
    optimizer = tuner.create_optimizer(model, training_args(tmp_path, learning_rate=5e-3, weight_decay=0.01))
    ids = {id(p): n for n, p in model.named_parameters()}
    lr_of = {ids[id(p)]: g["lr"] for g in optimizer.param_groups for p in g["params"]}
    assert set(lr_of) == names  # every trainable parameter, nothing else
    assert {lr for n, lr in lr_of.items() if "lora_A" in n} == {5e-3}
    assert {lr for n, lr in lr_of.items() if "lora_B" in n} == {5e-3 * 8}
    assert {g["weight_decay"] for g in optimizer.param_groups if g["params"]} == {0.01}
    losses = train(model, batch, lr=None, optimizer=optimizer)
    print(f"loraplus: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - 0.1
    assert_reloads(tuner, model, tiny_dir, batch, tmp_path)  # a plain LoRA adapter
    # a tuner without an optimizer of its own leaves it to the trainer
    assert make_tuner(reg, "lora").create_optimizer(model, training_args(tmp_path, learning_rate=5e-3)) is None


# ----------------------------------------------------------------------------- LLaMA-Pro


def test_llamapro_expands_with_identity_blocks(reg, tiny_dir, batch, model_spec, tmp_path):
    import torch

    base = load_base(tiny_dir)
    expected_logits = logits(base, batch)
    prompt = batch["input_ids"][:1, :6]
    expected_tokens = base.generate(prompt, max_new_tokens=8, do_sample=False)
    originals = [copy_state(layer) for layer in base.model.layers]

    tuner = make_tuner(reg, "llamapro", llamapro_num_new_blocks=2)
    model = tuner.prepare(base, model_spec)
    assert model is base
    assert tuner.new_layer_indices == [1, 3]  # one new block after each of the 2 groups
    assert model.config.num_hidden_layers == len(model.model.layers) == 4
    assert len(model.config.layer_types) == 4
    assert [layer.self_attn.layer_idx for layer in model.model.layers] == [0, 1, 2, 3]
    for old, new in zip(originals, (model.model.layers[0], model.model.layers[2]), strict=True):
        assert all(torch.equal(old[k], v) for k, v in new.state_dict().items())  # original blocks untouched
    # only the new blocks train
    assert trainable(model) == {n for n, _ in model.named_parameters() if n.startswith(("model.layers.1.", "model.layers.3."))}
    # the expanded model computes the same function, with and without a KV cache
    torch.testing.assert_close(logits(model, batch), expected_logits, rtol=1e-5, atol=1e-5)
    assert torch.equal(model.generate(prompt, max_new_tokens=8, do_sample=False), expected_tokens)

    losses = train(model, batch, lr=3e-3)
    print(f"llamapro: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - 0.5
    tuner.save_pretrained(model, str(tmp_path))
    reloaded = load_base(tmp_path)
    assert reloaded.config.num_hidden_layers == 4
    torch.testing.assert_close(logits(reloaded, batch), logits(model, batch))


def copy_state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_llamapro_groups(reg, tiny_dir):
    tuner = make_tuner(reg, "llamapro", llamapro_num_new_blocks=2, llamapro_num_groups=1)
    model = tuner.prepare(load_base(tiny_dir))
    assert tuner.new_layer_indices == [2, 3]  # both after the last block
    with pytest.raises(ValueError, match="3 groups but the model has only 2 decoder layers"):
        make_tuner(reg, "llamapro", llamapro_num_new_blocks=3).prepare(load_base(tiny_dir))
    with pytest.raises(ValueError, match="must be a multiple"):
        make_tuner(reg, "llamapro", llamapro_num_new_blocks=3, llamapro_num_groups=2).prepare(load_base(tiny_dir))
    assert model.config.num_hidden_layers == 4


def test_llamapro_group_ends():
    from swiftkit.plugins.methods.llamapro.tuner import group_ends

    assert group_ends(24, 4) == [5, 11, 17, 23]  # ms-swift's stride layout when it divides evenly
    assert group_ends(24, 5) == [4, 9, 13, 18, 23]
    assert group_ends(2, 2) == [0, 1]


# ----------------------------------------------------------------------------- QLoRA


def test_qlora_reports_a_missing_bitsandbytes(reg, monkeypatch):
    monkeypatch.setitem(sys.modules, "bitsandbytes", None)  # "import bitsandbytes" raises ImportError
    with pytest.raises(SwiftkitError, match=r"QLoRA needs bitsandbytes \(pip install bitsandbytes\)"):
        make_tuner(reg, "qlora").load_kwargs()


def test_qlora_refuses_an_unquantized_base(reg, tiny_dir):
    with pytest.raises(SwiftkitError, match="not quantized"):
        make_tuner(reg, "qlora").prepare(load_base(tiny_dir))


@pytest.mark.skipif(not HAS_BNB, reason="bitsandbytes is not installed (pip install bitsandbytes)")
def test_qlora_trains_lora_on_a_4bit_base(reg, tiny_dir, batch, model_spec, tmp_path):
    import torch

    tuner = make_tuner(reg, "qlora")
    try:
        kwargs = tuner.load_kwargs(torch_dtype="float32")
    except SwiftkitError as exc:  # bitsandbytes installed but unable to quantize on this machine
        pytest.skip(str(exc))
    qconfig = kwargs["quantization_config"]
    assert qconfig.load_in_4bit and qconfig.bnb_4bit_quant_type == "nf4" and qconfig.bnb_4bit_use_double_quant
    assert qconfig.bnb_4bit_compute_dtype == torch.float32
    loader = reg.model_loader(MODEL)
    base, _ = loader.load(str(tiny_dir), **kwargs)  # the path a run takes: the family loader
    assert {type(m).__name__ for m in base.modules()} >= {"Linear4bit"}
    model = tuner.prepare(base, model_spec)
    names = trainable(model)
    assert names and all("lora_" in n for n in names)
    assert len([n for n in names if "lora_A" in n]) == 7 * 2
    losses = train(model, batch, lr=1e-2)
    print(f"qlora: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < losses[0] - 0.1
    assert_reloads(tuner, model, tiny_dir, batch, tmp_path, **tuner.load_kwargs())


@pytest.mark.skipif(not HAS_BNB, reason="bitsandbytes is not installed (pip install bitsandbytes)")
@pytest.mark.parametrize("upcast", ["norms", "all"])
def test_qlora_upcasts_norms_only_by_default(reg, tiny_dir, batch, model_spec, upcast):
    """--qlora_upcast norms (the default): in a bf16 run only the norm weights go to fp32; the
    embedding and the head stay bf16 (peft's prepare_model_for_kbit_training, --qlora_upcast all,
    puts them in fp32 too). The model still trains, its hidden states in bf16."""
    import torch

    options = {"bnb_4bit_compute_dtype": "bfloat16"} | ({"qlora_upcast": upcast} if upcast != "norms" else {})
    tuner = make_tuner(reg, "qlora", **options)
    try:
        kwargs = tuner.load_kwargs(torch_dtype="bfloat16")
    except SwiftkitError as exc:
        pytest.skip(str(exc))
    base, _ = reg.model_loader(MODEL).load(str(tiny_dir), torch_dtype="bfloat16", **kwargs)
    base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    # transformers' gradient_checkpointing_enable hooks the embedding already; without that hook
    # prepare adds it, with it prepare adds none
    if upcast == "norms":
        base.disable_input_require_grads()
    model = tuner.prepare(base, model_spec)
    dtypes = {n: p.dtype for n, p in model.named_parameters()}
    norms = {n: d for n, d in dtypes.items() if "norm" in n}
    assert len(norms) == 2 * 2 + 1 and set(norms.values()) == {torch.float32}  # 2 layers x 2 + the final norm
    big = {n: d for n, d in dtypes.items() if "embed_tokens" in n or "lm_head" in n}
    assert len(big) == 2
    assert set(big.values()) == ({torch.bfloat16} if upcast == "norms" else {torch.float32})
    assert {d for n, d in dtypes.items() if "lora_" in n} == {torch.float32}  # peft's fp32 adapters
    assert all("lora_" in n for n in trainable(model))
    # gradient checkpointing is on: the embedding's output requires grad (one hook, not two)
    emb = model.get_input_embeddings()
    assert len(emb._forward_hooks) == 1 and emb(batch["input_ids"]).requires_grad
    hidden = {}

    def record(module, args, out):
        hidden["dtype"] = (out[0] if isinstance(out, tuple) else out).dtype

    model.base_model.model.model.layers[0].register_forward_hook(record)
    losses = train(model, batch, lr=1e-2, steps=4)
    assert losses[-1] < losses[0]
    assert hidden["dtype"] == (torch.bfloat16 if upcast == "norms" else torch.float32)


def test_qlora_norm_upcast_rule():
    """Which parameters --qlora_upcast norms casts, on an unquantized bf16 module tree: the norm
    layers' weights, nothing else (embeddings, linears and their biases keep bf16), and an
    upcast norm hands its input's dtype on."""
    import torch
    from torch import nn

    from swiftkit.plugins.methods.qlora.tuner import is_norm_module, upcast_norms

    class Scale(nn.Module):  # a norm-like layer whose class name does not say so
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(8))

        def forward(self, x):
            return x * self.weight

    net = nn.ModuleDict({
        "embed": nn.Embedding(10, 8), "input_layernorm": Scale(), "ln_f": nn.LayerNorm(8),
        "proj": nn.Linear(8, 8), "head": nn.Linear(8, 10, bias=False), "gate": Scale(),
    }).to(torch.bfloat16)
    assert is_norm_module("model.input_layernorm", net["input_layernorm"]) and is_norm_module("x", nn.RMSNorm(4))
    assert not is_norm_module("gate", net["gate"]) and not is_norm_module("proj", net["proj"])
    upcast = upcast_norms(net)
    assert sorted(upcast) == ["input_layernorm.weight", "ln_f.bias", "ln_f.weight"]
    dtypes = {n: p.dtype for n, p in net.named_parameters()}
    assert {n for n, d in dtypes.items() if d == torch.float32} == set(upcast)
    assert not any(p.requires_grad for p in net.parameters())
    x = torch.randn(2, 8, dtype=torch.bfloat16)
    assert net["input_layernorm"](x).dtype == torch.bfloat16 and net["ln_f"](x).dtype == torch.bfloat16
    assert upcast_norms(net) == [] and len(net["ln_f"]._forward_hooks) == 1  # idempotent
