"""--ref_adapters (merged into the frozen reference, even under a LoRA policy) and
--ref_model_type (the reference's family, passed to the model lookup), through `swift rlhf`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROWS = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": "Yes, certainly."}],
         "rejected_response": "No idea, sorry."} for q in ("Is the sky blue?", "Is water wet?", "Is fire hot?",
                                                            "Is ice cold?")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


def _dpo(tiny, tmp_path, *extra):
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "rlhf", "--rlhf_type", "dpo", "--model", tiny, "--dataset", str(data), "--beta", "0.1", "--max_steps", "1",
        "--learning_rate", "1e-4", "--per_device_train_batch_size", "4", "--logging_steps", "1", "--save_steps", "5",
        "--report_to", "none", "--output_dir", str(out), "--add_version", "false", *extra,
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [r for r in read_log(str(out)) if "loss" in r][0]


def test_ref_adapters_are_merged_into_the_reference(tiny, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    lora = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny),
                          LoraConfig(r=4, target_modules=["q_proj", "v_proj", "down_proj"], init_lora_weights=False))
    lora.save_pretrained(tmp_path / "sft")
    # a fresh LoRA policy equals the base: against the base reference its rewards start at 0 ...
    plain = _dpo(tiny, tmp_path / "plain", "--train_type", "lora")
    assert plain["rewards/chosen"] == pytest.approx(0.0, abs=1e-6)
    # ... against base + the SFT adapter they do not
    merged = _dpo(tiny, tmp_path / "merged", "--train_type", "lora", "--ref_adapters", str(tmp_path / "sft"))
    assert abs(merged["rewards/chosen"]) > 1e-4 and merged["rewards/chosen"] != merged["rewards/rejected"]


def test_ref_model_type_reaches_the_model_lookup(tiny, tmp_path, monkeypatch):
    import swiftkit.models.hub as hub

    calls = []
    original = hub.fetch_model

    def fetch(name, registry, config, **kwargs):
        calls.append(kwargs)
        return original(name, registry, config, **kwargs)

    monkeypatch.setattr(hub, "fetch_model", fetch)
    _dpo(tiny, tmp_path, "--train_type", "full", "--ref_model", tiny, "--ref_model_type", "qwen2.5-0.5b-instruct")
    assert any(c.get("revision_key") == "ref_model_revision" and c.get("model_type") == "qwen2.5-0.5b-instruct"
               for c in calls), calls
