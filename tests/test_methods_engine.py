"""The first methods (lora, full, sft) on a tiny random Qwen2 built offline, and the registration
of the pt engine (the engine itself: tests/test_pt_engine.py)."""

from __future__ import annotations

import subprocess
import sys

import jsonschema
import pytest

from swiftkit.core import get_registry
from swiftkit.core.methods.interface import Objective, Tuner
from swiftkit.core.specs import EngineSpec, MethodSpec
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"

CONVERSATIONS = [
    [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "The capital of France is Paris."},
        {"role": "user", "content": "And of Germany?"},
        {"role": "assistant", "content": "Berlin."},
    ],
    [
        {"role": "user", "content": "Please write a short poem about the sea."},
        {"role": "assistant", "content": "The sea is wide, the sea is deep."},
    ],
]

# ----------------------------------------------------------------------------- fixtures




@pytest.fixture(scope="module")
def reg():
    return get_registry()


@pytest.fixture(scope="module")
def model_spec(reg):
    return reg.resolve_model(MODEL).spec


@pytest.fixture(scope="module")
def template(reg, model_spec):
    return reg.template(model_spec.template)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny-qwen2"))


@pytest.fixture(scope="module")
def tokenizer(tiny_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_dir)


def load_model(tiny_dir):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(tiny_dir)


def make_method(reg, name, **options):
    return reg.impl("method", name)(reg.get("method", name).spec, options)


@pytest.fixture(scope="module")
def sft(reg):
    return make_method(reg, "sft")


@pytest.fixture(scope="module")
def batch(sft, template, tokenizer):
    from swiftkit.data import make_collator

    return make_collator(tokenizer)([sft.encode(template, tokenizer, c) for c in CONVERSATIONS])


def train(model, objective, batch, steps=20, lr=1e-2):
    import torch

    torch.manual_seed(0)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        loss, _ = objective.compute_loss(model, batch)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    model.eval()
    return losses


# ----------------------------------------------------------------------------- registration


def test_registration_modules_are_light_and_specs_valid():
    from swiftkit.plugins.engines import pt
    from swiftkit.plugins.methods import full, lora
    from swiftkit.plugins.methods import sft as sft_plugin

    specs = [
        *lora.swift_register_methods(),
        *full.swift_register_methods(),
        *sft_plugin.swift_register_methods(),
        *pt.swift_register_engines(),
    ]
    assert [s.id for s in specs] == ["lora", "full", "sft", "pt"]
    for spec in specs:
        cls = EngineSpec if spec.id == "pt" else MethodSpec
        jsonschema.validate(spec.to_dict(), cls.SCHEMA)
        for key, prop in spec.options["properties"].items():
            assert prop.get("description"), key
            jsonschema.validate(prop["default"], prop)  # every default is valid under its own schema
    by_id = {s.id: s for s in specs}
    assert by_id["lora"].kind == by_id["full"].kind == "tuner"
    assert by_id["sft"].kind == "objective" and by_id["sft"].command == "sft"
    assert by_id["lora"].options["properties"]["target_modules"]["default"] == ["all-linear"]
    assert {"chat", "stream", "batch"} <= set(by_id["pt"].capabilities)

    code = (
        "import sys\n"
        "import swiftkit.plugins.methods.lora, swiftkit.plugins.methods.full, swiftkit.plugins.methods.sft\n"
        "import swiftkit.plugins.engines.pt\n"
        "heavy = {'torch', 'transformers', 'peft'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_registry_resolves_impls(reg):
    assert issubclass(reg.impl("method", "lora"), Tuner)
    assert issubclass(reg.impl("method", "full"), Tuner)
    assert issubclass(reg.impl("method", "sft"), Objective)
    assert reg.impl("engine", "pt").__name__ == "PtEngine"


# ----------------------------------------------------------------------------- tuners


def test_lora_prepare_trains_only_adapters(reg, tiny_dir, model_spec):
    import torch

    base = load_model(tiny_dir)
    linear = {
        n.split(".")[-1] for n, m in base.named_modules() if isinstance(m, torch.nn.Linear) and n != "lm_head"
    }
    model = make_method(reg, "lora").prepare(base, model_spec)
    cfg = model.peft_config["default"]
    assert cfg.r == 8 and cfg.lora_alpha == 32 and cfg.lora_dropout == 0.05
    # all-linear: every linear layer but the head (peft records them by full name)
    assert {t.split(".")[-1] for t in cfg.target_modules} == linear
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    assert all("lora_" not in n for n in frozen)
    assert any("embed_tokens" in n for n in frozen) and any("lm_head" in n for n in frozen)
    n_layers = base.config.num_hidden_layers
    assert len([n for n in trainable if "lora_A" in n]) == len(linear) * n_layers


def test_lora_target_modules_and_options(reg, tiny_dir, model_spec):
    from swiftkit.plugins.methods.lora.tuner import resolve_target_modules

    base = load_model(tiny_dir)
    assert resolve_target_modules(["all-linear"], base) == "all-linear"
    assert resolve_target_modules("default", base, model_spec) == model_spec.lora_target_modules
    assert resolve_target_modules(["q_proj", "lm_head"], base) == ["q_proj", "lm_head"]
    mixed = resolve_target_modules(["default", "lm_head"], base, model_spec)
    assert mixed == [*model_spec.lora_target_modules, "lm_head"]
    assert resolve_target_modules(r".*\.(q|v)_proj", base) == r".*\.(q|v)_proj"  # a regex
    with pytest.raises(ValueError, match="no model spec"):
        resolve_target_modules(["default"], base, None)

    tuner = make_method(
        reg,
        "lora",
        lora_rank=4,
        lora_alpha=8,
        target_modules=r".*\.(q|v)_proj",
        use_rslora=True,
        lora_bias="none",
    )
    model = tuner.prepare(base, model_spec)
    cfg = model.peft_config["default"]
    assert cfg.r == 4 and cfg.use_rslora and cfg.init_lora_weights is True
    adapted = {n.split(".lora_A")[0].split(".")[-1] for n, _ in model.named_parameters() if "lora_A" in n}
    assert adapted == {"q_proj", "v_proj"}


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"init_lora_weights": "gaussian", "lora_bias": "all"},
        {"init_lora_weights": "pissa_niter_2"},
        {"init_lora_weights": "olora", "use_rslora": True},
        {"use_dora": True},
    ],
    ids=["default", "gaussian-bias", "pissa", "olora-rslora", "dora"],
)
def test_lora_variants_start_at_the_base_model(reg, tiny_dir, model_spec, options):
    """Every initialisation but 'false' leaves the model's outputs unchanged until training."""
    import torch

    base = load_model(tiny_dir)
    ids = torch.arange(3, 40).reshape(1, -1)
    with torch.no_grad():
        expected = base(input_ids=ids).logits
        model = make_method(reg, "lora", **options).prepare(base, model_spec).eval()
        torch.testing.assert_close(model(input_ids=ids).logits, expected, rtol=1e-4, atol=1e-4)
    assert any(p.requires_grad for p in model.parameters())


@pytest.mark.parametrize(
    ("targets", "lr", "max_ratio"),
    [
        # the default: adapters on every linear layer. The frozen random head and final norm bound
        # the logits of a tiny random model, so the loss cannot fall far, but it falls clearly
        (["all-linear"], 1e-2, 0.9),
        # with the head adapted too (a keyword mixed with a module name) the loss halves
        (["all-linear", "lm_head"], 2e-2, 0.6),
    ],
)
def test_lora_training_loss_falls(reg, tiny_dir, model_spec, sft, batch, targets, lr, max_ratio):
    import torch

    torch.manual_seed(0)
    model = make_method(reg, "lora", target_modules=targets).prepare(load_model(tiny_dir), model_spec)
    losses = train(model, sft, batch, steps=20, lr=lr)
    print(f"lora {targets} losses: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < max_ratio * losses[0]
    assert max(losses[-5:]) < losses[0] - 0.5


def test_full_tuner_trains_everything(reg, tiny_dir, model_spec, sft, batch):
    import torch

    torch.manual_seed(0)
    base = load_model(tiny_dir)
    for p in base.parameters():
        p.requires_grad_(False)
    model = make_method(reg, "full").prepare(base, model_spec)
    assert model is base
    assert all(p.requires_grad for p in model.parameters())
    losses = train(model, sft, batch, steps=20, lr=3e-3)
    print(f"full losses: first {losses[0]:.4f} last {losses[-1]:.4f}")
    assert losses[-1] < 0.5 * losses[0]


# ----------------------------------------------------------------------------- sft objective


def test_sft_encode_masks_by_loss_scale(reg, template, tokenizer):
    conv = CONVERSATIONS[0]
    rows = {
        scale: make_method(reg, "sft", loss_scale=scale).encode(template, tokenizer, conv)
        for scale in ("default", "last_round", "all")
    }
    ids = rows["default"]["input_ids"]
    assert all(r["input_ids"] == ids for r in rows.values())
    assert tokenizer.decode(ids) == template.render(conv)

    def trained_text(row):
        return tokenizer.decode([t for t in row["labels"] if t != -100])

    im_end = template.stop_words[0]
    assert trained_text(rows["default"]) == f"The capital of France is Paris.{im_end}\nBerlin.{im_end}\n"
    assert trained_text(rows["last_round"]) == f"Berlin.{im_end}\n"
    assert rows["all"]["labels"] == ids
    # the objective only chooses loss_scale; the template encodes
    for scale, row in rows.items():
        assert row == template.encode(tokenizer, conv, loss_scale=scale)


def test_sft_loss_ignores_masked_positions(tiny_dir, sft, batch):
    import torch
    import torch.nn.functional as F

    model = load_model(tiny_dir)
    labels = batch["labels"]
    assert (labels == -100).any() and (labels != -100).any()
    with torch.no_grad():
        loss, metrics = sft.compute_loss(model, batch)
        assert 0.0 <= metrics["token_acc"] <= 1.0
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    terms = [
        F.cross_entropy(logits[b, t - 1], labels[b, t])
        for b in range(labels.shape[0])
        for t in range(1, labels.shape[1])
        if labels[b, t] != -100
    ]
    manual = torch.stack(terms).mean()
    torch.testing.assert_close(loss, manual, rtol=1e-5, atol=1e-5)
    # the mask matters: the loss over every real token is a different number
    unmasked = dict(batch, labels=batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100))
    with torch.no_grad():
        assert abs(sft.compute_loss(model, unmasked)[0].item() - loss.item()) > 1e-4
    # Trainer-style normalisation by the label count of all micro-batches
    n = int((labels[:, 1:] != -100).sum())
    with torch.no_grad():
        torch.testing.assert_close(sft.compute_loss(model, batch, num_items_in_batch=2 * n)[0], manual / 2)
