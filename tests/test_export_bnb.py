"""`swift export --quant_method bnb`: nf4 and int8 exports of a tiny Qwen2.5 that plain
`AutoModelForCausalLM.from_pretrained` reloads quantized, measured against the source."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model

pytest.importorskip("bitsandbytes")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODEL = "qwen2.5-0.5b-instruct"


@pytest.fixture(scope="module")
def registry():
    return get_registry(refresh=True)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, registry) -> str:
    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny") / "tiny", registry=registry))


def _export(registry, *args: str):
    from swiftkit.export.pipeline import run_export_pipeline

    return run_export_pipeline(build_config(registry, command="export", cli_args=list(args)), registry)


def test_bnb_options_are_qloras_own_schemas(registry):
    from swiftkit.core.options import option_difference

    qlora = registry.get("method", "qlora").data["options"]["properties"]
    bnb = registry.get("exporter", "bnb").data["options"]["properties"]
    assert set(bnb) <= set(qlora)
    assert {k: option_difference(qlora[k], v) for k, v in bnb.items()} == dict.fromkeys(bnb)
    config = build_config(registry, command="export", cli_args=["--model", "m", "--quant_method", "bnb"])
    assert config["quant_bits"] == 4 and config["bnb_4bit_quant_type"] == "nf4"
    with pytest.raises(ConfigError, match="quant_bits"):
        build_config(registry, command="export", cli_args=["--model", "m", "--quant_method", "bnb", "--quant_bits", "3"])


def test_group_size_is_refused_before_loading(registry, tmp_path):
    with pytest.raises(ConfigError, match="bnb: --group_size 32 does not apply"):
        _export(registry, "--model", str(tmp_path / "absent"), "--quant_method", "bnb", "--group_size", "32")


@pytest.mark.parametrize("bits, layer, max_ratio", [(4, "Linear4bit", 0.65), (8, "Linear8bitLt", 0.7)])
def test_bnb_export_reloads_quantized_and_stays_close(registry, tiny, tmp_path, bits, layer, max_ratio):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / f"bnb{bits}"
    result = _export(registry, "--model", tiny, "--quant_method", "bnb", "--quant_bits", str(bits),
                     "--quality_check", "true", "--output_dir", str(out))
    assert result.output_dir == str(out)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))["quantization_config"]
    assert config["quant_method"] == "bitsandbytes" and config[f"load_in_{bits}bit"] is True
    model = AutoModelForCausalLM.from_pretrained(out, device_map="cpu")  # no quantization_config given
    assert type(model.model.layers[0].self_attn.q_proj).__name__ == layer
    assert AutoTokenizer.from_pretrained(out).chat_template == AutoTokenizer.from_pretrained(tiny).chat_template
    metrics = json.loads((out / "export.json").read_text(encoding="utf-8"))["steps"][0]["metrics"]
    assert metrics["size_bytes"] == os.path.getsize(out / "model.safetensors")
    assert metrics["size_ratio"] < max_ratio  # embeddings stay float32 and are half the tiny model
    assert metrics["greedy_agreement"] >= 0.5 and abs(metrics["perplexity_change"]) < 0.05
    assert 0 < metrics["max_abs_logit_diff"] < 1.0


def test_dry_run_lists_the_files(registry, tiny):
    result = _export(registry, "--model", tiny, "--quant_method", "bnb", "--dry_run", "true")
    assert {"model.safetensors", "config.json", "tokenizer.json"} <= set(result.steps[0].files)
    assert not Path(result.output_dir).exists()
