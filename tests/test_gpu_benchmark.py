"""benchmarks/gpu.py's arithmetic and its no-CUDA exit (the GPU figures themselves need a GPU:
``python benchmarks/gpu.py --device cpu --tiny`` dry-runs every part's logic)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gpu():
    spec = importlib.util.spec_from_file_location("gpu_benchmark", ROOT / "benchmarks" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("name", "peak"), [
    ("NVIDIA H100 80GB HBM3", 989.0), ("NVIDIA H100 PCIe", 756.0), ("NVIDIA H100 NVL", 835.0),
    ("NVIDIA H200", 989.0), ("NVIDIA A100-SXM4-80GB", 312.0), ("NVIDIA L40S", 362.0), ("NVIDIA L4", 121.0),
    ("Tesla T4", None),
])
def test_peak_is_looked_up_by_device_name(gpu, name, peak):
    assert gpu.peak_tflops(name) == peak


@pytest.mark.parametrize("size", ["0.5b", "1.5b"])
def test_matmul_params_of_the_real_shape_match_the_published_count(gpu, size):
    """Tied Qwen2.5: the matrix products (head included) are all parameters but norms and biases."""
    from swiftkit.core.registry import get_registry

    model_id = gpu.SIZES[size]
    published = get_registry().resolve_model(model_id).spec.params_billion * 1e9
    shape = gpu.model_shape(model_id, tiny=False)
    assert shape["tie_word_embeddings"] is True
    assert gpu.matmul_params(shape) == pytest.approx(published, rel=0.01)
    # the attention term: 6 * layers * seq * hidden per token
    extra = gpu.flops_per_token(shape, 2048) - 6 * gpu.matmul_params(shape)
    assert extra == 6 * shape["num_hidden_layers"] * 2048 * shape["hidden_size"]


def test_steady_rate_leaves_out_the_first_steps(gpu):
    log = [{"step": s, "loss": 1.0, "elapsed_s": 10.0 + 0.5 * s} for s in range(1, 11)] + [{"step": 10, "train_runtime": 9}]
    assert gpu.steady_rate(log, skip=4) == (6, pytest.approx(3.0))
    assert gpu.steady_rate(log[:1], skip=4) is None


def test_without_cuda_it_says_why_in_one_line_and_exits_0(gpu, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert gpu.main(["--part", "sft"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("gpu.py: skipped: no CUDA device")


def test_parts_and_tiny_sizes_are_parsed(gpu):
    args = gpu.parse_args(["--part", "vllm", "--part", "pt", "--tiny", "--device", "cpu"])
    assert args.parts == ["vllm", "pt"]
    assert (args.seq_len, args.steps, args.concurrency) == (128, 4, [4, 8])
    assert gpu.parse_args([]).parts == ["sft", "vllm", "pt"]
    with pytest.raises(SystemExit):
        gpu.parse_args(["--sizes", "7b"])


def test_device_memory_reports_the_peak_above_the_start(gpu, monkeypatch):
    import time

    import torch

    gib = 2**30
    readings = iter([10 * gib, 8 * gib, 4 * gib, 7 * gib])  # free memory: start, then samples
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=0: (next(readings, 9 * gib), 16 * gib))
    with gpu.DeviceMemory(True) as memory:
        time.sleep(1.0)
    assert memory.peak_gib == 6.0  # 12 GiB in use at the peak, 6 before the run
    assert gpu.DeviceMemory(False).peak_gib is None
