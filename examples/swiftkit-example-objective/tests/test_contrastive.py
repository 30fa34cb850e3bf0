"""The contrastive objective trains through the real ``swift rlhf`` command, on rows of a
layout no built-in objective has, with nothing in swiftkit naming it.

Run after ``pip install .`` of this package (the entry points must be installed)::

    pytest tests
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.testing.conformance import assert_plugin_conformant

DIST = "swiftkit-example-objective"

TRIPLETS = [
    ("a cat purrs on the sofa", "the kitten is purring", "stock prices fell sharply"),
    ("rain falls all night", "a stormy wet evening", "he bought a new bicycle"),
    ("the oven bakes fresh bread", "warm loaves from the bakery", "the rocket reached orbit"),
    ("a dog chases the ball", "the puppy runs after a toy", "interest rates went up"),
    ("snow covers the mountain", "white peaks in winter", "she plays the violin"),
    ("the team won the final", "champions lift the cup", "soup needs more salt"),
    ("ships sail into the harbour", "boats dock at the port", "the printer is out of ink"),
    ("bees collect nectar", "honey from the hive", "a train leaves at noon"),
]


def write_rows(path: Path, rows: list[dict]) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    return str(path)


def triplet_rows() -> list[dict]:
    return [{"anchor": a, "positive": p, "negative": n} for a, p, n in TRIPLETS]


def swift(*args: str) -> subprocess.CompletedProcess:
    """The ``swift`` command of the installed swiftkit, in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "swiftkit", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=600)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    from swiftkit.models.tiny import build_tiny_model

    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("tiny") / "qwen2.5-0.5b-instruct"))


def test_plugin_is_conformant():
    results = assert_plugin_conformant(DIST)
    loaded = {r.subject for r in results if r.check == "loads and registers"}
    assert loaded == {"plugin 'contrastive'", "plugin 'triplets'"}
    eps = {(ep.group, ep.name) for ep in metadata.distribution(DIST).entry_points}
    assert eps == {("swiftkit.methods", "contrastive"), ("swiftkit.datasets", "triplets")}


def test_objective_and_format_are_registered():
    registry = get_registry(refresh=True)
    entry = registry.get("method", "contrastive")
    assert entry.plugin.dist == DIST and entry.data["kind"] == "objective" and entry.data["command"] == "rlhf"
    assert registry.get("format", "triplets").plugin.dist == DIST


def _similarity_margin(model, tokenizer) -> float:
    """Mean over the rows of cos(anchor, positive) - cos(anchor, negative), evaluated apart
    from training (the objective's own embedding: mean-pooled last hidden states)."""
    import torch
    from swiftkit_example_objective.objective import embed

    margins = []
    with torch.no_grad():
        for a, p, n in TRIPLETS:
            enc = tokenizer([a, p, n], padding=True, return_tensors="pt")
            e = embed(model, enc["input_ids"], enc["attention_mask"])
            margins.append(float(e[0] @ e[1] - e[0] @ e[2]))
    return sum(margins) / len(margins)


def test_swift_rlhf_contrastive_trains(tiny_model, tmp_path):
    data = write_rows(tmp_path / "rows.jsonl", triplet_rows())
    out = tmp_path / "run"
    proc = swift("rlhf", "--rlhf_type", "contrastive", "--model", tiny_model, "--dataset", data,
                 "--output_dir", str(out), "--add_version", "false", "--max_steps", "30", "--save_steps", "30",
                 "--per_device_train_batch_size", "4", "--learning_rate", "5e-3", "--lr_scheduler_type", "constant",
                 "--logging_steps", "1", "--report_to", "none")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "trainable params:" in proc.stdout
    log = [json.loads(line) for line in open(out / "logging.jsonl", encoding="utf-8")]
    steps = [r for r in log if "loss" in r]
    assert len(steps) == 30
    first = sum(r["loss"] for r in steps[:3]) / 3
    last = sum(r["loss"] for r in steps[-3:]) / 3
    assert last < 0.7 * first, f"loss {first:.3f} -> {last:.3f}"
    print(f"contrastive: loss {first:.3f} -> {last:.3f}")
    margin = [r["pos_sim"] - r["neg_sim"] for r in steps]
    assert sum(margin[-3:]) / 3 > sum(margin[:3]) / 3
    args = json.load(open(out / "args.json", encoding="utf-8"))
    assert args["objective"] == "contrastive" and args["train_type"] == "lora"

    # evaluated apart from training: the trained adapter puts anchors nearer their positives
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    base = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    before = _similarity_margin(base, tokenizer)
    trained = PeftModel.from_pretrained(base, str(out / "checkpoint-30")).eval()
    after = _similarity_margin(trained, tokenizer)
    assert after > before + 0.05 and after > 0, f"margin {before:.3f} -> {after:.3f}"
    print(f"contrastive: cos(a, p) - cos(a, n) {before:.3f} -> {after:.3f}")


def test_malformed_row_names_file_row_and_field(tiny_model, tmp_path):
    rows = triplet_rows()
    del rows[2]["negative"]
    data = write_rows(tmp_path / "rows.jsonl", rows)
    proc = swift("rlhf", "--rlhf_type", "contrastive", "--model", tiny_model, "--dataset", data,
                 "--output_dir", str(tmp_path / "run"), "--max_steps", "1", "--report_to", "none")
    assert proc.returncode != 0
    assert f"{data} row 3: field 'negative': missing" in proc.stdout + proc.stderr


def test_other_objectives_never_pick_the_format(tiny_model, tmp_path):
    """SFT's layout does not read triplets (the format feeds only the ``triplet`` layout)."""
    from transformers import AutoTokenizer

    from swiftkit.data import DatasetError, prepare_datasets

    registry = get_registry()
    data = write_rows(tmp_path / "rows.jsonl", triplet_rows())
    with pytest.raises(DatasetError, match="cannot tell the format"):
        prepare_datasets(dataset=[data], registry=registry, template=registry.template("qwen2_5"),
                         tokenizer=AutoTokenizer.from_pretrained(tiny_model), cache_dir=str(tmp_path / "c"))
