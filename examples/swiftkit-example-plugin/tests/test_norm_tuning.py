"""The third-party tuner ``example-norm-tuning``: what it trains, how swiftkit's memory
estimator and ``swift recommend`` see it (from its spec's ``trains`` / ``recommend``, with no
change to swiftkit), and a short ``swift sft`` run that takes its default learning rate."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from swiftkit_example_plugin.tuners import TUNER_ID

from swiftkit.core.registry import get_registry

MODEL = "qwen2.5-7b-instruct"  # a built-in model with a registered shape


def swift(*args: str) -> subprocess.CompletedProcess:
    """The real command line, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "swiftkit", *args], capture_output=True, text=True, timeout=300,
                          env=os.environ.copy())


def test_recommend_estimates_the_third_party_tuner_when_asked():
    result = swift("recommend", "--model", MODEL, "--devices", "1x80GB", "--train_type", TUNER_ID, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["fits"] and data["config"]["tuner"] == TUNER_ID
    assert data["description"].startswith("norm tuning, bfloat16")  # its spec's recommend.label
    assert f"--train_type {TUNER_ID}" in data["command"]
    est = data["estimate"]
    assert est["total_gib"] > 0 and not est["notes"]  # declared metadata: no "estimated like LoRA" note
    # only the norms train: 2 per decoder layer and the final one, hidden_size each
    shape = data["shape"]
    assert est["inputs"]["trainable_params"] == (2 * shape["num_hidden_layers"] + 1) * shape["hidden_size"]
    assert est["terms"]["optimizer"] < 2**20 and est["terms"]["weights"] > 14 * 2**30  # bf16 base, frozen

    text = swift("recommend", "--model", MODEL, "--devices", "1x80GB", "--train_type", TUNER_ID)
    assert text.returncode == 0, text.stderr
    assert "recommended: norm tuning" in text.stdout and "peak" in text.stdout


def test_recommend_searches_the_third_party_tuner_after_the_builtins():
    """Its ``recommend.order`` (40) puts it in the default search, after full, LoRA and QLoRA."""
    result = swift("recommend", "--model", MODEL, "--devices", "1x24GB", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    tuners = data["searched"]["tuners"]
    assert TUNER_ID in tuners and tuners.index(TUNER_ID) > tuners.index("qlora")
    assert data["config"]["tuner"] == "qlora"  # a better tuner fits first: built-in choices are unchanged
    text = swift("recommend", "--model", MODEL, "--devices", "1x24GB")
    assert f"searched: tuners full, lora, qlora, {TUNER_ID}" in text.stdout


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    pytest.importorskip("torch")
    from swiftkit.testing.tiny import build_tiny_model

    return build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("tiny") / "model", vocab_size=512,
                            tie_word_embeddings=False, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                            num_key_value_heads=2, intermediate_size=704)


def test_prepare_trains_only_the_norms(tiny_folder):
    registry = get_registry()
    spec = registry.get("method", TUNER_ID).spec
    model, _ = registry.model_loader(str(tiny_folder)).load(str(tiny_folder))
    model = registry.impl("method", TUNER_ID)(spec, {}).prepare(model)
    trained = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trained and all(name.endswith("norm.weight") for name in trained)
    assert len(trained) == 2 * 4 + 1  # input and post-attention norms of 4 layers, the final norm
    with pytest.raises(ValueError, match="--norm_tuning_classes"):
        registry.impl("method", TUNER_ID)(spec, {"norm_tuning_classes": ["NoSuchNorm"]}).prepare(model)


def test_estimate_matches_a_measured_training_step(tiny_folder):
    """swiftkit's estimator, told only ``trains={"weights": "norms"}``, against a real step on CPU
    (the bounds of swiftkit's own tests: 2 % for model states, 10 % for activations and peak)."""
    import torch

    from swiftkit.resources.measure import compare, measure_folder

    torch.set_num_threads(1)
    for ckpt in (False, True):
        measured, est = measure_folder(str(tiny_folder), tuner=TUNER_ID, dtype="float32", batch_size=2, seq_len=128,
                                       gradient_checkpointing=ckpt)
        rows = compare(measured, est)
        bounds = {"weights": 0.02, "gradients": 0.02, "optimizer": 0.02, "activations": 0.10, "peak": 0.10}
        for term, (_, _, err) in rows.items():
            assert abs(err) <= bounds[term], (ckpt, term, rows)


def test_sft_trains_it_with_its_default_learning_rate(tiny_folder, tmp_path):
    out = tmp_path / "run"
    result = swift("sft", "--model", str(tiny_folder), "--dataset", "example-greetings", "--train_type", TUNER_ID,
                   "--max_steps", "2", "--per_device_train_batch_size", "2", "--output_dir", str(out),
                   "--add_version", "false", "--report_to", "none", "--torch_dtype", "float32")
    assert result.returncode == 0, result.stderr[-3000:]
    args = json.loads((out / "args.json").read_text())
    assert args["train_type"] == TUNER_ID and args["learning_rate"] == 1e-3  # the spec's default_learning_rate
