"""GPU benchmark: SFT throughput and MFU, the ``vllm`` engine against raw vLLM, the ``pt`` engine under load.

Runs the moment a CUDA device is there; without one it prints one line saying why and exits 0.
Nothing is downloaded: the models are random weights of a registered family's *real* shapes
(the family table's ``ModelSpec.shape``: Qwen2.5-0.5B and -1.5B by default, vocabulary
included), written once to the work folder with a tokenizer built offline for the family's
template (:func:`swiftkit.models.offline_tokenizer.build_tokenizer`).

Parts (``--part``, default ``all``; each runs alone):

- ``sft``: ``python -m swiftkit sft`` (a fresh process per run: swiftkit's real training path)
  for every ``--sizes`` x ``--train-types`` (LoRA and full), bf16, rows of ``--seq-len`` tokens,
  ``--steps`` optimizer steps logged every step. Steady tokens/s is counted between the end of
  step ``--skip`` and the last step (``elapsed_s`` of ``<run>/logging.jsonl``), so start-up,
  the first steps (allocator, kernels) and the final save are left out. Model FLOPs per token:
  ``6 * N`` (``N``: the parameters of every matrix product, the output head included, the input
  embedding lookup not) plus the attention term ``6 * layers * seq * hidden`` (the causal half
  of PaLM's ``12 * L * H * Q * T``); MFU is that times tokens/s over the card's peak dense bf16
  FLOP/s (:data:`PEAK_BF16_TFLOPS`, keyed by ``torch.cuda.get_device_name``; ``--peak-tflops``
  overrides). LoRA does not compute the frozen weights' gradients, so its *useful* FLOPs are
  about ``4 * N``: both are reported (``mfu`` on the 6N convention, ``mfu_4n`` for LoRA).
  Peak device memory of the run (all processes, sampled every 0.2 s) is reported too.
- ``vllm``: the same chat prompts (``--requests``, ``--max-tokens``, greedy) through swiftkit's
  ``vllm`` engine (``create_engine(..., infer_backend="vllm")``, ``engine.infer``) and through
  raw ``vllm.LLM.generate`` on the token ids ``tokenizer.apply_chat_template`` gives, each in
  its own process (two engines do not share one GPU's memory). Generated tokens/s after a
  warm-up request, the median of ``--rounds`` timed rounds, each from the chat messages to
  the outputs (the chat template's tokenization is timed on both sides); goal: swiftkit >=
  95 % of raw.
- ``pt``: swiftkit's ``pt`` engine in process: ``--sequential`` requests one at a time, then
  ``--concurrency`` (32 and 128) requests at once through ``infer_async`` (what ``swift
  deploy`` calls); tokens/s, latency p50/p95, the ratio to the sequential rate, and the
  engine's scheduler counters. Then the same loads again through ``stream_async`` for the
  time to the first token (p50/p95, and p95 over an idle server's p50; ``--no-ttft`` skips
  it). It measures whatever the pt engine on the branch does.

Usage::

    python benchmarks/gpu.py                          # everything, on the GPU
    python benchmarks/gpu.py --part sft --sizes 0.5b --train-types lora
    python benchmarks/gpu.py --part vllm --json out.json
    python benchmarks/gpu.py --device cpu --tiny      # dry run of every part's logic on a tiny model

``--device cpu --tiny`` runs the same code paths on a model of the same family shrunk to a
few layers (float32, a handful of steps and requests) so that a GPU run does not fail on a
typo; its figures mean nothing. Prints a table per part and writes ``--json`` (default
``<workdir>/gpu.json``). Exit status 0 whatever the figures (this is a report); 1 when a
part failed to run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: peak dense (no sparsity) bf16 tensor FLOP/s in TFLOP/s, matched in order against
#: ``torch.cuda.get_device_name()`` (first substring wins, so the specific names come first)
PEAK_BF16_TFLOPS: list[tuple[str, float]] = [
    ("H100 PCIe", 756.0),
    ("H100 NVL", 835.0),
    ("GH200", 989.0),
    ("H200", 989.0),
    ("H100", 989.0),   # SXM5 (``NVIDIA H100 80GB HBM3``)
    ("H800", 989.0),
    ("B200", 2250.0),
    ("A100", 312.0),
    ("A800", 312.0),
    ("L40S", 362.0),
    ("A10G", 70.0),
    ("L4", 121.0),
]

#: --sizes name -> registered model whose family table gives the shape
SIZES = {"0.5b": "qwen2.5-0.5b-instruct", "1.5b": "qwen2.5-1.5b-instruct"}
#: --tiny: the family's architecture at a size a CPU runs in seconds (head_dim 64: vLLM's CPU
#: attention kernels need it)
TINY_SHAPE = {"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 2,
              "intermediate_size": 256}
GOAL_VLLM_PCT = 95.0
TOPICS = ["the sea", "a mountain", "prime numbers", "bees", "a painter", "the moon", "recursion", "a city",
          "rain", "a library", "trains", "coffee"]


def say(msg: str) -> None:
    print(msg, flush=True)


def peak_tflops(device_name: str) -> float | None:
    """The peak dense bf16 TFLOP/s of the card named ``device_name``; ``None`` when not in the table."""
    for key, value in PEAK_BF16_TFLOPS:
        if key.lower() in device_name.lower():
            return value
    return None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: float | None, spec: str = ",.0f") -> str:
    return "-" if value is None else format(value, spec)


# --------------------------------------------------------------------------- models and data


def model_shape(model_id: str, tiny: bool) -> dict[str, Any]:
    """The registered shape of ``model_id`` (config.json names), or its tiny version."""
    from swiftkit.core.registry import get_registry

    spec = get_registry().resolve_model(model_id).spec
    if not spec.shape:
        raise SystemExit(f"gpu.py: model {model_id!r} has no shape in its family table")
    shape = dict(spec.shape)
    if tiny:
        shape.update(TINY_SHAPE)
        shape["vocab_size"] = 0  # the tokenizer's size (set in build_model)
    return shape


def matmul_params(shape: dict[str, Any]) -> int:
    """Parameters that take part in a matrix product per token: every decoder layer's
    projections and the output head (tied or not); the embedding lookup and norms are not."""
    h, layers = shape["hidden_size"], shape["num_hidden_layers"]
    heads, kv = shape["num_attention_heads"], shape.get("num_key_value_heads") or shape["num_attention_heads"]
    head_dim = shape.get("head_dim") or h // heads
    attn = h * heads * head_dim * 2 + h * kv * head_dim * 2  # q, o; k, v
    mlp = 3 * h * shape["intermediate_size"]  # gate, up, down
    return layers * (attn + mlp) + h * shape["vocab_size"]


def flops_per_token(shape: dict[str, Any], seq_len: int, factor: int = 6) -> float:
    """``factor * N`` plus the causal attention term ``factor * layers * seq * (heads * head_dim)``
    (scores and the weighted sum, each 2 FLOPs per multiply-add, half the matrix under the mask)."""
    heads = shape["num_attention_heads"]
    head_dim = shape.get("head_dim") or shape["hidden_size"] // heads
    return factor * matmul_params(shape) + factor * shape["num_hidden_layers"] * seq_len * heads * head_dim


def build_model(model_id: str, out: Path, *, tiny: bool, device: str) -> dict[str, Any]:
    """Random weights of ``model_id``'s registered shape, saved as a checkpoint folder in ``out``
    with an offline tokenizer for its template and a generation config that stops on the
    template's stop tokens. Kept and reused when ``out/bench_meta.json`` exists."""
    meta_file = out / "bench_meta.json"
    if meta_file.is_file():
        return json.loads(meta_file.read_text())
    import torch
    from transformers import GenerationConfig

    from swiftkit.core.lazy import resolve
    from swiftkit.core.registry import get_registry
    from swiftkit.models.offline_tokenizer import build_tokenizer
    from swiftkit.models.tiny import _stop_token_ids

    reg = get_registry()
    spec = reg.resolve_model(model_id).spec
    loader = resolve(spec.loader, spec.REFS["loader"])(spec)
    tokenizer = build_tokenizer(spec.template, registry=reg)
    shape = model_shape(model_id, tiny)
    if tiny:
        shape["vocab_size"] = -(-len(tokenizer) // 64) * 64
    if shape["vocab_size"] < len(tokenizer):
        raise SystemExit(f"gpu.py: {model_id}: vocabulary {shape['vocab_size']} < tokenizer {len(tokenizer)}")
    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    config = loader.tiny_config(shape["vocab_size"], **{
        **{k: v for k, v in shape.items() if k != "vocab_size"},
        "eos_token_id": eos, "pad_token_id": pad, "bos_token_id": tokenizer.bos_token_id,
        "max_position_embeddings": 32768,
    })
    dtype = torch.float32 if tiny else torch.bfloat16
    t0 = time.perf_counter()
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # initialise in the target dtype, on the device: no fp32 copy on the host
    try:
        with torch.random.fork_rng(devices=[]), torch.device(device):
            torch.manual_seed(0)
            model = loader.model_from_config(config)
    finally:
        torch.set_default_dtype(previous)
    model.eval()
    model.config.dtype = dtype  # config.json says bf16, so `--torch_dtype auto` loads it as built
    stops = _stop_token_ids(tokenizer, spec.template, reg)
    model.generation_config = GenerationConfig(bos_token_id=config.bos_token_id, pad_token_id=pad,
                                               eos_token_id=stops[0] if len(stops) == 1 else stops)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.model_max_length = config.max_position_embeddings  # no "sequence longer than 2048" warnings
    tokenizer.save_pretrained(out)
    n_params = sum(p.numel() for p in model.parameters())
    del model
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    meta = {"model_id": model_id, "template": spec.template, "shape": shape, "params": n_params,
            "matmul_params": matmul_params(shape), "stop_token_ids": stops, "build_s": round(time.perf_counter() - t0, 1)}
    meta_file.write_text(json.dumps(meta, indent=1))
    return meta


def _words() -> list[str]:
    from swiftkit.models.offline_tokenizer import _SENTENCES

    return " ".join(_SENTENCES).replace("\n", " ").split()


def write_sft_data(model_dir: Path, path: Path, rows: int, seq_len: int, seed: int = 0) -> list[int]:
    """``rows`` single-turn chats of ``seq_len - 16 .. seq_len`` tokens each (the template's
    rendering as the tokenizer counts it), so that every batch holds about ``batch * seq_len``
    real tokens and no padding. Returns the rows' token counts."""
    import random

    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    words, rng = _words(), random.Random(seed)

    def length(msgs: list[dict[str, str]]) -> int:
        return len(tok.apply_chat_template(msgs, tokenize=True, return_dict=True)["input_ids"])

    def chat(n_words: int) -> list[dict[str, str]]:
        nq = max(1, n_words // 3)
        body = [rng.choice(words) for _ in range(n_words)]
        return [{"role": "user", "content": " ".join(body[:nq])}, {"role": "assistant", "content": " ".join(body[nq:])}]

    per_word = length(chat(200)) / 200  # calibrate tokens per word once
    out, lengths = [], []
    while len(out) < rows:
        n = max(2, int((seq_len - 8) / per_word))
        for _ in range(8):  # adjust the word count until the row fits the window
            msgs = chat(n)
            got = length(msgs)
            if seq_len - 16 <= got <= seq_len:
                break
            step = int((seq_len - 8 - got) / per_word) or (-1 if got > seq_len else 1)
            n = max(2, n + step)
        else:
            continue
        out.append({"messages": msgs})
        lengths.append(got)
    path.write_text("".join(json.dumps(r) + "\n" for r in out), encoding="utf-8")
    return lengths


def chat_prompts(n: int) -> list[list[dict[str, str]]]:
    """``n`` chat requests of varied length (the same list on every side)."""
    words = _words()
    out = []
    for i in range(n):
        extra = " ".join(words[(i * 7) % len(words):(i * 7) % len(words) + 5 + (i * 13) % 60])
        out.append([{"role": "user", "content": f"Request {i}: write about {TOPICS[i % len(TOPICS)]}. {extra}"}])
    return out


def _env(args: argparse.Namespace) -> dict[str, str]:
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")) if p)
    if args.device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
        env.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    return env


# --------------------------------------------------------------------------- sft


def sft_command(args: argparse.Namespace, model_dir: Path, data: Path, run_dir: Path, train_type: str) -> list[str]:
    dtype = "float32" if args.device == "cpu" else "bfloat16"
    return [sys.executable, "-m", "swiftkit", "sft", "--model", str(model_dir), "--dataset", str(data),
            "--train_type", train_type, "--torch_dtype", dtype, "--max_length", str(args.seq_len),
            "--per_device_train_batch_size", str(args.batch), "--max_steps", str(args.steps),
            "--learning_rate", "1e-5" if train_type == "full" else "1e-4", "--logging_steps", "1",
            "--save_strategy", "no", "--save_only_model", "true", "--report_to", "none", "--attn_impl", args.attn_impl,
            "--output_dir", str(run_dir), *args.sft_extra]


def steady_rate(log: list[dict[str, Any]], skip: int) -> tuple[int, float] | None:
    """(steps, seconds) between the end of step ``skip`` and the last logged step."""
    steps = [r for r in log if "elapsed_s" in r and "step" in r and "loss" in r]
    if not steps:
        return None
    first = next((r for r in steps if r["step"] >= skip), steps[0])
    last = steps[-1]
    if last["step"] <= first["step"]:
        return None
    return last["step"] - first["step"], last["elapsed_s"] - first["elapsed_s"]


class DeviceMemory:
    """Peak device memory in use (every process's, from ``cudaMemGetInfo``) while a child runs,
    above what was in use before it started; sampled every 0.2 s in a thread."""

    def __init__(self, enabled: bool):
        self.enabled, self.peak, self.base = enabled, 0, 0
        self._stop = None

    def __enter__(self) -> DeviceMemory:
        if self.enabled:
            import threading

            import torch

            def used() -> int:
                free, total = torch.cuda.mem_get_info(0)
                return total - free

            self.base = used()
            self._stop = threading.Event()

            def sample() -> None:
                while not self._stop.wait(0.2):
                    self.peak = max(self.peak, used())

            self._thread = threading.Thread(target=sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._stop.set()
            self._thread.join()

    @property
    def peak_gib(self) -> float | None:
        return round((self.peak - self.base) / 2**30, 2) if self.enabled and self.peak else None


def part_sft(args: argparse.Namespace, work: Path, device_info: dict[str, Any]) -> dict[str, Any]:
    from swiftkit.train.callbacks import read_log

    results = []
    peak = device_info.get("peak_tflops")
    for size in args.sizes:
        model_id = SIZES[size]
        model_dir = work / f"model-{size}{'-tiny' if args.tiny else ''}"
        meta = build_model(model_id, model_dir, tiny=args.tiny, device=args.build_device)
        rows = max(64, args.batch * (args.steps + 2))
        data = work / f"sft-{meta['template']}-{args.seq_len}-{rows}.jsonl"  # one tokenizer per template: shared
        counts = data.with_suffix(".lengths.json")
        if counts.is_file() and data.is_file():
            lengths = json.loads(counts.read_text())
        else:
            lengths = write_sft_data(model_dir, data, rows=rows, seq_len=args.seq_len)
            counts.write_text(json.dumps(lengths))
        mean_len = statistics.mean(lengths)
        for train_type in args.train_types:
            run_dir = work / f"run-{size}-{train_type}"
            shutil.rmtree(run_dir, ignore_errors=True)  # a rerun in the same --workdir reads only its own log
            cmd = sft_command(args, model_dir, data, run_dir, train_type)
            say(f"[sft] {size} {train_type}: {' '.join(cmd[1:])}")
            t0 = time.perf_counter()
            with DeviceMemory(args.device == "cuda") as memory:
                proc = subprocess.run(cmd, env=_env(args), capture_output=True, text=True)
            wall = time.perf_counter() - t0
            row: dict[str, Any] = {"size": size, "model_id": model_id, "train_type": train_type, "wall_s": round(wall, 1),
                                   "params": meta["params"], "matmul_params": meta["matmul_params"],
                                   "seq_len": args.seq_len, "batch": args.batch, "mean_row_tokens": round(mean_len, 1),
                                   "peak_device_gib": memory.peak_gib}
            if proc.returncode != 0:
                row["error"] = (proc.stderr or proc.stdout).strip().splitlines()[-12:]
                say(f"[sft] {size} {train_type} FAILED (exit {proc.returncode}):\n  " + "\n  ".join(row["error"]))
                results.append(row)
                continue
            logs = list(run_dir.rglob("logging.jsonl"))
            log = read_log(str(logs[0].parent)) if logs else []
            rate = steady_rate(log, args.skip)
            if rate is None:
                row["error"] = [f"no steady steps in {logs[0] if logs else run_dir}/logging.jsonl"]
                results.append(row)
                continue
            steps, seconds = rate
            tps = steps * args.batch * mean_len / seconds
            fpt6 = flops_per_token(meta["shape"], args.seq_len, 6)
            fpt4 = flops_per_token(meta["shape"], args.seq_len, 4)
            row.update(steady_steps=steps, steady_s=round(seconds, 3), step_ms=round(1e3 * seconds / steps, 1),
                       tokens_per_s=round(tps, 1), model_tflops=round(tps * fpt6 / 1e12, 2),
                       mfu=round(tps * fpt6 / (peak * 1e12), 4) if peak else None,
                       mfu_4n=round(tps * fpt4 / (peak * 1e12), 4) if peak and train_type != "full" else None,
                       final_loss=next((r["loss"] for r in reversed(log) if "loss" in r), None))
            results.append(row)
    rows = [[r["size"], r["train_type"], r.get("step_ms", "-"), _fmt(r.get("tokens_per_s")),
             _fmt(r.get("model_tflops"), ".1f"), _fmt(r.get("mfu") and 100 * r["mfu"], ".1f"),
             _fmt(r.get("mfu_4n") and 100 * r["mfu_4n"], ".1f"), _fmt(r.get("peak_device_gib"), ".1f"), r["wall_s"], "FAILED" if "error" in r else ""]
            for r in results]
    say(f"\nSFT ({device_info['name']}, peak {_fmt(peak, '.0f')} TFLOP/s bf16; seq {args.seq_len} x batch {args.batch}; "
        f"steady steps {args.skip}..{args.steps})")
    say(table(["size", "tuner", "ms/step", "tokens/s", "TFLOP/s", "MFU %", "MFU(4N) %", "peak GiB", "wall s", ""], rows))
    return {"runs": results}


# --------------------------------------------------------------------------- vllm


def _vllm_child(spec: dict[str, Any]) -> dict[str, Any]:
    """One side of the vLLM comparison, in this (fresh) process; returns its figures."""
    prompts, max_tokens = chat_prompts(spec["requests"]), spec["max_tokens"]
    t0 = time.perf_counter()
    if spec["side"].startswith("raw"):
        import vllm
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(spec["model"])

        def encode() -> list[list[int]]:  # timed on both sides: swiftkit's engine renders inside infer()
            return [list(tok.apply_chat_template(p, tokenize=True, add_generation_prompt=True,
                                                 return_dict=True)["input_ids"]) for p in prompts]

        kwargs = {"model": spec["model"], "tokenizer": spec["model"], "dtype": spec["dtype"], "disable_log_stats": True,
                  "max_model_len": spec["max_model_len"], "seed": 0}
        if spec.get("gpu_memory_utilization"):
            kwargs["gpu_memory_utilization"] = spec["gpu_memory_utilization"]
        llm = vllm.LLM(**kwargs)
        params = vllm.SamplingParams(temperature=0.0, max_tokens=max_tokens, stop_token_ids=spec["stop_token_ids"],
                                     stop=spec.get("stop") or None)
        startup = time.perf_counter() - t0
        llm.generate([{"prompt_token_ids": encode()[0]}], vllm.SamplingParams(temperature=0.0, max_tokens=4), use_tqdm=False)
        walls = []
        for _ in range(spec["rounds"]):
            t1 = time.perf_counter()
            ids = encode()
            outs = llm.generate([{"prompt_token_ids": i} for i in ids], params, use_tqdm=False)
            walls.append(time.perf_counter() - t1)
        prompt_tokens = sum(len(i) for i in ids)
        completion = [len(o.outputs[0].token_ids) for o in outs]
        stops = {"stop": spec.get("stop") or [], "stop_token_ids": spec["stop_token_ids"]}
    else:
        from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
        from swiftkit.infer.factory import create_engine

        config = {"model": spec["model"], "infer_backend": "vllm", "torch_dtype": spec["dtype"],
                  "vllm_max_model_len": spec["max_model_len"]}
        if spec.get("gpu_memory_utilization"):
            config["vllm_gpu_memory_utilization"] = spec["gpu_memory_utilization"]
        engine, _ = create_engine(config)
        engine.warm_up()
        startup = time.perf_counter() - t0
        engine.infer([ChatRequest(prompts[0], SamplingOptions(max_tokens=4))])
        reqs = [ChatRequest(p, SamplingOptions(max_tokens=max_tokens, temperature=0.0)) for p in prompts]
        walls = []
        for _ in range(spec["rounds"]):
            t1 = time.perf_counter()
            outs = engine.infer(reqs)
            walls.append(time.perf_counter() - t1)
        prompt_tokens = sum(o.prompt_tokens for o in outs)
        completion = [o.completion_tokens for o in outs]
        try:  # what swiftkit asks vLLM for beyond raw's stop ids (stop strings cost detokenization per step)
            params = engine._prepare(reqs[0]).params
            stops = {"stop": list(params.stop or []), "stop_token_ids": list(params.stop_token_ids or [])}
        except Exception as exc:  # a private method: report, do not fail the run
            stops = {"stop": f"unknown ({type(exc).__name__})"}
        engine.close()
    wall = statistics.median(walls)
    return {"side": spec["side"], "startup_s": round(startup, 1), "wall_s": round(wall, 3),
            "walls_s": [round(w, 3) for w in walls], "prompt_tokens": prompt_tokens,
            "completion_tokens": sum(completion), "tokens_per_s": round(sum(completion) / wall, 1),
            "completion_per_request": completion, **stops}  # of the last round


def _run_child(args: argparse.Namespace, spec: dict[str, Any], work: Path) -> dict[str, Any]:
    spec_file = work / f"child-{spec['side']}.json"
    spec_file.write_text(json.dumps(spec))
    proc = subprocess.run([sys.executable, __file__, "--child", str(spec_file)], env=_env(args),
                          capture_output=True, text=True, timeout=args.child_timeout)
    marker = "GPU_BENCH_RESULT "
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(marker):
            return json.loads(line[len(marker):])
    return {"side": spec["side"], "error": (proc.stderr or proc.stdout).strip().splitlines()[-15:],
            "exit": proc.returncode}


def part_vllm(args: argparse.Namespace, work: Path, device_info: dict[str, Any]) -> dict[str, Any]:
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        say("[vllm] skipped: vllm is not installed (pip install vllm)")
        return {"skipped": "vllm is not installed"}
    size = args.serve_size
    model_dir = work / f"model-{size}{'-tiny' if args.tiny else ''}"
    meta = build_model(SIZES[size], model_dir, tiny=args.tiny, device=args.build_device)
    spec = {"model": str(model_dir), "requests": args.requests, "max_tokens": args.max_tokens,
            "dtype": "float32" if args.device == "cpu" else "bfloat16", "max_model_len": 4096,
            "stop_token_ids": meta["stop_token_ids"], "rounds": args.rounds, "gpu_memory_utilization": args.gpu_memory_utilization}
    sides = {}
    for side in ("raw", "swiftkit"):  # one process each; raw first, so a crash of ours keeps the baseline
        say(f"[vllm] {side}: {args.requests} requests x {args.max_tokens} tokens on {size}")
        sides[side] = _run_child(args, {**spec, "side": side}, work)
        if "error" in sides[side]:
            say(f"[vllm] {side} FAILED:\n  " + "\n  ".join(sides[side]["error"]))
    if args.raw_stops and "error" not in sides["swiftkit"]:
        # raw again with swiftkit's stop strings: tells their cost apart from the engine's own
        say("[vllm] raw-stops: raw vLLM with swiftkit's stop strings")
        stop = sides["swiftkit"].get("stop")
        sides["raw-stops"] = _run_child(args, {**spec, "side": "raw-stops", "stop": stop if isinstance(stop, list) else []},
                                        work)
    raw, ours = sides["raw"], sides["swiftkit"]
    result: dict[str, Any] = {"size": size, "requests": args.requests, "max_tokens": args.max_tokens, **sides}
    if "error" not in raw and "error" not in ours:
        result["pct_of_raw"] = round(100 * ours["tokens_per_s"] / raw["tokens_per_s"], 1)
        result["same_prompts"] = raw["prompt_tokens"] == ours["prompt_tokens"]
        result["same_lengths"] = raw["completion_per_request"] == ours["completion_per_request"]
        result["goal_met"] = result["pct_of_raw"] >= GOAL_VLLM_PCT
        shown = [s for s in sides.values() if "error" not in s]
        for side in shown:
            side.pop("completion_per_request", None)
        if "raw-stops" in sides and "error" not in sides["raw-stops"]:
            result["pct_of_raw_with_stops"] = round(100 * ours["tokens_per_s"] / sides["raw-stops"]["tokens_per_s"], 1)
        rows = [[s["side"], s["startup_s"], s["wall_s"], s["prompt_tokens"], s["completion_tokens"], _fmt(s["tokens_per_s"])]
                for s in shown]
        say(f"\nvLLM engine vs raw vLLM ({device_info['name']}, {size}, {args.requests} requests, greedy, "
            f"max {args.max_tokens} new tokens)")
        say(table(["side", "start s", "wall s", "prompt tok", "new tok", "tokens/s"], rows))
        say(f"swiftkit = {result['pct_of_raw']} % of raw (goal >= {GOAL_VLLM_PCT:.0f} %); same prompt tokens: "
            f"{result['same_prompts']}; same lengths: {result['same_lengths']}")
        if "pct_of_raw_with_stops" in result:
            say(f"swiftkit = {result['pct_of_raw_with_stops']} % of raw vLLM given the same stop strings")
    return result


# --------------------------------------------------------------------------- pt


async def _load(engine: Any, requests: list[Any]) -> tuple[float, list[float], list[Any]]:
    async def one(req: Any) -> tuple[float, Any]:
        t = time.perf_counter()
        out = await engine.infer_async(req)
        return time.perf_counter() - t, out

    t0 = time.perf_counter()
    done = await asyncio.gather(*(one(r) for r in requests))
    return time.perf_counter() - t0, [d[0] for d in done], [d[1] for d in done]


async def _ttft(engine: Any, requests: list[Any]) -> list[float]:
    """Seconds to the first non-empty streamed chunk of each request, all sent at once."""
    async def one(req: Any) -> float:
        t, first = time.perf_counter(), None
        async for chunk in engine.stream_async(req):
            if first is None and chunk.delta:
                first = time.perf_counter() - t
        return first if first is not None else time.perf_counter() - t

    return list(await asyncio.gather(*(one(r) for r in requests)))


def part_pt(args: argparse.Namespace, work: Path, device_info: dict[str, Any]) -> dict[str, Any]:
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.infer.factory import create_engine

    size = args.serve_size
    model_dir = work / f"model-{size}{'-tiny' if args.tiny else ''}"
    build_model(SIZES[size], model_dir, tiny=args.tiny, device=args.build_device)
    top = max(args.concurrency)
    config = {"model": str(model_dir), "infer_backend": "pt", "torch_dtype": "float32" if args.device == "cpu" else "bfloat16",
              "max_batch_size": args.pt_max_batch or top}
    if args.device == "cpu":
        config["device_map"] = "cpu"
    t0 = time.perf_counter()
    engine, _ = create_engine(config)
    startup = time.perf_counter() - t0
    prompts = chat_prompts(top)

    def requests(n: int) -> list[Any]:
        return [ChatRequest(p, SamplingOptions(max_tokens=args.max_tokens, temperature=0.0)) for p in prompts[:n]]

    rows, runs = [], []
    try:
        engine.infer(requests(1))  # warm-up: kernels, allocator
        t = time.perf_counter()
        seq = [engine.infer([r])[0] for r in requests(args.sequential)]
        seq_wall = time.perf_counter() - t
        seq_tps = sum(o.completion_tokens for o in seq) / seq_wall
        runs.append({"concurrency": 1, "requests": args.sequential, "wall_s": round(seq_wall, 3),
                     "completion_tokens": sum(o.completion_tokens for o in seq), "tokens_per_s": round(seq_tps, 1)})
        idle = [asyncio.run(_ttft(engine, [r]))[0] for r in requests(args.sequential)] if args.ttft else []
        idle_p50 = _percentile(idle, 0.5) if idle else None
        if idle:
            runs[-1].update(ttft_p50_s=round(idle_p50, 4), ttft_p95_s=round(_percentile(idle, 0.95), 4))
        rows.append(["1 (sequential)", args.sequential, round(seq_wall, 2), _fmt(seq_tps), "1.0", "-", "-",
                     _fmt(idle_p50, ".3f"), _fmt(_percentile(idle, 0.95) if idle else None, ".3f"), "-"])
        for c in args.concurrency:
            before = dict(engine.stats) if hasattr(engine, "stats") else {}
            wall, lat, outs = asyncio.run(_load(engine, requests(c)))
            after = dict(engine.stats) if hasattr(engine, "stats") else {}
            tokens = sum(o.completion_tokens for o in outs)
            tps = tokens / wall
            counters = {k: after[k] - before.get(k, 0) for k in after if isinstance(after[k], int)
                        and k not in ("active_rows", "waiting_rows", "max_batch")}
            runs.append({"concurrency": c, "requests": c, "wall_s": round(wall, 3), "completion_tokens": tokens,
                         "tokens_per_s": round(tps, 1), "x_sequential": round(tps / seq_tps, 2),
                         "latency_p50_s": round(_percentile(lat, 0.5), 3), "latency_p95_s": round(_percentile(lat, 0.95), 3),
                         "engine_counters": counters, "max_batch": after.get("max_batch")})
            ttft = asyncio.run(_ttft(engine, requests(c))) if args.ttft else []
            if ttft:
                runs[-1].update(ttft_p50_s=round(_percentile(ttft, 0.5), 4), ttft_p95_s=round(_percentile(ttft, 0.95), 4),
                                ttft_p95_x_idle=round(_percentile(ttft, 0.95) / idle_p50, 2) if idle_p50 else None)
            rows.append([c, c, round(wall, 2), _fmt(tps), f"{tps / seq_tps:.1f}", f"{_percentile(lat, 0.5):.2f}",
                         f"{_percentile(lat, 0.95):.2f}", _fmt(_percentile(ttft, 0.5) if ttft else None, ".3f"),
                         _fmt(_percentile(ttft, 0.95) if ttft else None, ".3f"),
                         _fmt(runs[-1].get("ttft_p95_x_idle"), ".1f")])
    finally:
        engine.close()
    say(f"\npt engine ({device_info['name']}, {size}, greedy, max {args.max_tokens} new tokens, "
        f"max_batch_size {config['max_batch_size']}, start-up {startup:.1f} s)")
    say(table(["concurrent", "requests", "wall s", "tokens/s", "x seq", "p50 s", "p95 s", "TTFT p50", "TTFT p95",
               "p95/idle"], rows))
    return {"size": size, "startup_s": round(startup, 1), "max_batch_size": config["max_batch_size"], "runs": runs}


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=["all", "sft", "vllm", "pt"], default=None, action="append",
                    help="what to run (repeatable); default all")
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda", help="cpu: a dry run (with --tiny)")
    ap.add_argument("--tiny", action="store_true", help="shrink the models to 2 layers of hidden 128 (logic check)")
    ap.add_argument("--sizes", default="0.5b,1.5b", help=f"SFT model sizes, of {sorted(SIZES)}; default 0.5b,1.5b")
    ap.add_argument("--train-types", default="lora,full", help="SFT tuners; default lora,full")
    ap.add_argument("--seq-len", type=int, default=2048, help="tokens per training row; default 2048")
    ap.add_argument("--batch", type=int, default=4, help="per-device batch; default 4")
    ap.add_argument("--steps", type=int, default=30, help="optimizer steps per SFT run; default 30")
    ap.add_argument("--skip", type=int, default=5, help="steps left out of the steady rate; default 5")
    ap.add_argument("--attn-impl", default="sdpa", help="--attn_impl of swift sft; default sdpa")
    ap.add_argument("--sft-extra", default="", help="more `swift sft` flags, one string (e.g. '--gradient_checkpointing true')")
    ap.add_argument("--serve-size", default="0.5b", choices=sorted(SIZES), help="model of the vllm and pt parts")
    ap.add_argument("--requests", type=int, default=256, help="vllm part: requests; default 256")
    ap.add_argument("--max-tokens", type=int, default=256, help="new tokens per request (vllm, pt); default 256")
    ap.add_argument("--rounds", type=int, default=5, help="vllm part: timed rounds per side (median); default 5")
    ap.add_argument("--raw-stops", action="store_true",
                    help="vllm part: a third side, raw vLLM with swiftkit's stop strings (one more engine start)")
    ap.add_argument("--gpu-memory-utilization", type=float, default=0.8, help="vLLM's, both sides; default 0.8")
    ap.add_argument("--concurrency", default="32,128", help="pt part: concurrent requests; default 32,128")
    ap.add_argument("--sequential", type=int, default=8, help="pt part: requests sent one at a time first; default 8")
    ap.add_argument("--no-ttft", dest="ttft", action="store_false",
                    help="pt part: skip the streamed pass that measures time to first token")
    ap.add_argument("--pt-max-batch", type=int, default=0, help="pt engine max_batch_size; default the top concurrency")
    ap.add_argument("--peak-tflops", type=float, default=None, help="the card's peak bf16 TFLOP/s (overrides the table)")
    ap.add_argument("--workdir", default=None, help="models, data and runs (kept); default a temporary folder")
    ap.add_argument("--json", default=None, help="write the results here; default <workdir>/gpu.json")
    ap.add_argument("--child-timeout", type=int, default=900, help="seconds for one vLLM side; default 900")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    chosen = args.part or ["all"]
    args.parts = ["sft", "vllm", "pt"] if "all" in chosen else list(dict.fromkeys(chosen))
    args.sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown:
        ap.error(f"--sizes: unknown {unknown}; known: {sorted(SIZES)}")
    args.train_types = [t.strip() for t in args.train_types.split(",") if t.strip()]
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    args.sft_extra = args.sft_extra.split()
    if args.tiny:  # a logic check: every part in seconds
        for key, value in (("seq_len", 128), ("batch", 2), ("steps", 4), ("skip", 1), ("requests", 8),
                           ("max_tokens", 8), ("sequential", 2)):
            if getattr(args, key) == ap.get_default(key):
                setattr(args, key, value)
        if args.concurrency == [32, 128]:
            args.concurrency = [4, 8]
    args.build_device = args.device
    return args


def device_summary(args: argparse.Namespace) -> dict[str, Any] | str:
    """The card's name and peak, or the one-line reason this run cannot go on."""
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if args.device == "cpu":
        return {"name": "cpu (dry run)", "peak_tflops": args.peak_tflops}
    if not torch.cuda.is_available():
        return f"no CUDA device (torch {torch.__version__}, CUDA build {torch.version.cuda or 'none'})"
    name = torch.cuda.get_device_name(0)
    return {"name": name, "peak_tflops": args.peak_tflops or peak_tflops(name), "count": torch.cuda.device_count(),
            "torch": torch.__version__, "cuda": torch.version.cuda}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        spec = json.loads(Path(args.child).read_text())
        print("GPU_BENCH_RESULT " + json.dumps(_vllm_child(spec)), flush=True)
        return 0
    info = device_summary(args)
    if isinstance(info, str):
        say(f"gpu.py: skipped: {info}")
        return 0
    if args.device == "cuda" and info["peak_tflops"] is None:
        say(f"gpu.py: {info['name']} is not in PEAK_BF16_TFLOPS: MFU left out (give --peak-tflops)")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="swiftkit-gpu-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    say(f"gpu.py: {info['name']}; parts {args.parts}; work folder {work}")
    results: dict[str, Any] = {"device": info, "argv": sys.argv[1:], "tiny": args.tiny,
                               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    failed = False
    for part in args.parts:
        t0 = time.perf_counter()
        try:
            results[part] = {"sft": part_sft, "vllm": part_vllm, "pt": part_pt}[part](args, work, info)
        except Exception as exc:  # a report: one part failing must not hide the others
            import traceback

            traceback.print_exc()
            results[part] = {"error": f"{type(exc).__name__}: {exc}"}
            failed = True
        results[part]["part_s"] = round(time.perf_counter() - t0, 1)
        failed = failed or any("error" in r for r in results[part].get("runs", []) if isinstance(r, dict))
        out = Path(args.json) if args.json else work / "gpu.json"
        out.write_text(json.dumps(results, indent=1))  # after every part: a later crash keeps the earlier figures
    say(f"\nresults: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
