"""Serving benchmark: ``swift deploy`` on a tiny model, measured from outside.

One run prints:

- the time from starting ``python -m swiftkit deploy`` to the first healthy ``GET /health``
  (interpreter start, plugin discovery, model load, server start);
- sequential chat latency p50 / p95 (one request at a time, the ``openai`` client);
- the throughput of N concurrent chat requests (``AsyncOpenAI`` + asyncio) against the same N
  sent one after another (target: at least 4x, which needs an engine that batches requests
  that arrive together);
- ``swift infer`` batch throughput over a dataset of the same prompts (a subprocess), when the
  installed swiftkit has that command.

With ``--arrival poisson --rate R [R ...]`` it measures load instead: requests arrive as a
Poisson process of R requests/s (seeded exponential gaps), streamed, and for each rate it
reports the p50 / p95 time to first token (TTFT), the tokens/s over the run, and the idle
server's TTFT (one request at a time) to compare with. With ``--compare`` (the default there
for the ``pt`` engine) the same run starts the server twice, ``--continuous_batching false``
(a batch runs to its end in one ``generate()`` call, as before continuous batching) and
``true``, so the two are measured side by side on the same machine state; the burst of
``--requests`` concurrent requests against the same sent one by one is measured for both too.

Usage::

    python benchmarks/serve.py                       # builds a tiny random Qwen2 offline
    python benchmarks/serve.py --model DIR --requests 32 --max_tokens 32 --json
    python benchmarks/serve.py --arrival poisson --rate 5 20 50 --requests 64

Needs the serve extra and the openai client (``pip install 'swiftkit[serve]' openai``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET = 4.0
KEY = "bench-key"
QUESTIONS = [
    "What is the capital of France?", "Write a haiku about the sea.", "Explain recursion in one sentence.",
    "List three prime numbers.", "How do bees make honey?", "Translate 'good morning' to German.",
    "What is 17 times 3?", "Name a famous painter.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _messages(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"{QUESTIONS[i % len(QUESTIONS)]} (request {i})"}]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _has_command(name: str) -> bool:
    from swiftkit.cli import CORE_COMMANDS

    return name in CORE_COMMANDS


def _env(threads: int | None) -> dict[str, str]:
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    return env


def stop_deploy(proc: subprocess.Popen) -> None:
    """SIGTERM (swift deploy drains and exits 0), then SIGKILL after 30 s."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_deploy(model: str, port: int, args: argparse.Namespace, log: Path,
                 extra: list[str] | None = None) -> tuple[subprocess.Popen, float]:
    """Start ``swift deploy``; return the process and the seconds until ``/health`` answered 200."""
    import httpx

    cmd = [sys.executable, "-m", "swiftkit", "deploy", "--model", model, "--port", str(port), "--api_key", KEY,
           "--served_model_name", "bench", "--max_concurrency", str(max(64, args.requests * 2)),
           "--max_tokens_limit", str(max(args.max_tokens, 256))]
    if args.infer_backend:
        cmd += ["--infer_backend", args.infer_backend]
    cmd += extra or []
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=_env(args.threads))
    url = f"http://127.0.0.1:{port}/health"
    deadline = started + args.start_timeout
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=1) as poll:
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"swift deploy exited with {proc.returncode} before it was healthy:\n{log.read_text()}")
            try:
                if poll.get(url).status_code == 200:
                    return proc, time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # gentle: the server is loading on the same cores
    proc.kill()
    raise SystemExit(f"swift deploy was not healthy within {args.start_timeout} s:\n{log.read_text()}")


def sequential(client: Any, n: int, max_tokens: int) -> tuple[list[float], int, float]:
    latencies, tokens = [], 0
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        r = client.chat.completions.create(model="bench", messages=_messages(i), max_tokens=max_tokens)
        latencies.append(time.perf_counter() - t)
        tokens += r.usage.completion_tokens
    return latencies, tokens, time.perf_counter() - t0


async def concurrent(base_url: str, n: int, max_tokens: int) -> tuple[list[float], int, float]:
    import openai

    async with openai.AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0, timeout=600) as client:
        async def one(i: int) -> tuple[float, int]:
            t = time.perf_counter()
            r = await client.chat.completions.create(model="bench", messages=_messages(i), max_tokens=max_tokens)
            return time.perf_counter() - t, r.usage.completion_tokens

        t0 = time.perf_counter()
        results = await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - t0
    return [r[0] for r in results], sum(r[1] for r in results), wall


async def streamed(client: Any, i: int, max_tokens: int) -> tuple[float, float, int]:
    """One streamed chat request: ``(seconds to the first content, seconds to the end, tokens)``."""
    t = time.perf_counter()
    first, tokens = None, 0
    stream = await client.chat.completions.create(
        model="bench", messages=_messages(i), max_tokens=max_tokens, stream=True,
        stream_options={"include_usage": True})
    async for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - t
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
    end = time.perf_counter() - t
    return (first if first is not None else end), end, tokens


async def poisson_load(base_url: str, n: int, rate: float | None, max_tokens: int, seed: int) -> dict[str, float]:
    """``n`` streamed requests arriving at ``rate`` per second (Poisson; ``None``: one at a time,
    the idle server): TTFT p50/p95, latency p50 and tokens/s over the run."""
    import random

    import openai

    gaps = random.Random(seed)
    async with openai.AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0, timeout=600) as client:
        t0 = time.perf_counter()
        if rate is None:
            results = [await streamed(client, i, max_tokens) for i in range(n)]
        else:
            tasks = []
            for i in range(n):
                tasks.append(asyncio.ensure_future(streamed(client, i, max_tokens)))
                await asyncio.sleep(gaps.expovariate(rate))
            results = await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
    ttft = [r[0] for r in results]
    return {
        "ttft_p50_ms": 1000 * statistics.median(ttft), "ttft_p95_ms": 1000 * _percentile(ttft, 0.95),
        "latency_p50_ms": 1000 * statistics.median(r[1] for r in results),
        "tokens_per_s": sum(r[2] for r in results) / wall, "wall_s": wall,
    }


def load_run(model: str, args: argparse.Namespace, folder: Path, extra: list[str], label: str) -> dict[str, Any]:
    """Start one server (``extra`` deploy flags) and measure: idle TTFT, each Poisson rate, and
    the burst of ``--requests`` concurrent requests against the same sent one by one."""
    import openai

    port = _free_port()
    proc, ready_s = start_deploy(model, port, args, folder / f"deploy-{label}.log", extra)
    try:
        base_url = f"http://127.0.0.1:{port}/v1"
        client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0, timeout=600)
        sequential(client, args.warmup, args.max_tokens)
        asyncio.run(concurrent(base_url, min(args.warmup * 4, args.requests), args.max_tokens))
        out: dict[str, Any] = {"ready_s": ready_s}
        out["idle"] = asyncio.run(poisson_load(base_url, min(args.requests, 16), None, args.max_tokens, 0))
        for rate in args.rate:
            out[f"rate {rate:g}/s"] = asyncio.run(poisson_load(base_url, args.requests, rate, args.max_tokens, 1))
        _, seq_tokens, seq_wall = sequential(client, args.requests, args.max_tokens)
        _, con_tokens, con_wall = asyncio.run(concurrent(base_url, args.requests, args.max_tokens))
        out["sequential_tokens_per_s"] = seq_tokens / seq_wall
        out["concurrent_tokens_per_s"] = con_tokens / con_wall
        out["concurrent_over_sequential"] = out["concurrent_tokens_per_s"] / out["sequential_tokens_per_s"]
    finally:
        stop_deploy(proc)
    return out


def print_load(figures: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"\nswift deploy under Poisson load: {figures['model']}, {args.requests} requests per rate, "
          f"max_tokens {args.max_tokens}")
    for label, run in figures["runs"].items():
        idle = run["idle"]["ttft_p95_ms"]
        print(f"  [{label}]  ready {run['ready_s']:.2f} s; {args.requests} concurrent / sequential "
              f"{run['concurrent_over_sequential']:.1f}x ({run['concurrent_tokens_per_s']:.0f} vs "
              f"{run['sequential_tokens_per_s']:.0f} tokens/s)")
        for key, m in run.items():
            if isinstance(m, dict):
                print(f"    {key:<12} TTFT p50 {m['ttft_p50_ms']:7.1f} ms  p95 {m['ttft_p95_ms']:7.1f} ms "
                      f"({m['ttft_p95_ms'] / idle:4.1f}x idle)  latency p50 {m['latency_p50_ms']:7.1f} ms  "
                      f"{m['tokens_per_s']:7.1f} tokens/s")


def infer_batch(model: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """``swift infer --val_dataset`` over the same prompts; parses its printed tokens/s."""
    if not _has_command("infer"):
        return {"status": "unavailable: this swiftkit has no `swift infer` command"}
    data = folder / "prompts.jsonl"
    with data.open("w") as fh:
        for i in range(args.requests):
            fh.write(json.dumps({"messages": [*_messages(i), {"role": "assistant", "content": "-"}]}) + "\n")
    out = folder / "infer-results.jsonl"
    cmd = [sys.executable, "-m", "swiftkit", "infer", "--model", model, "--val_dataset", str(data),
           "--result_path", str(out), "--max_new_tokens", str(args.max_tokens)]
    if args.infer_backend:
        cmd += ["--infer_backend", args.infer_backend]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(args.threads), timeout=1800)
    wall = time.perf_counter() - t
    text = proc.stdout + proc.stderr
    found = re.search(r"([\d.]+) tokens/s", text)
    if proc.returncode != 0 or not found:
        return {"status": f"failed (exit {proc.returncode})", "output": text[-2000:]}
    return {"status": "ok", "tokens_per_s": float(found.group(1)), "process_s": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model to serve (default: a tiny random Qwen2 built offline)")
    parser.add_argument("--infer_backend", default=None)
    parser.add_argument("--requests", type=int, default=32, help="requests per phase (default 32)")
    parser.add_argument("--max_tokens", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="OMP_NUM_THREADS for the server and swift infer (default: 1 for the tiny model, whose "
                             "matrices are too small to gain from threads that spin on a busy machine; else unset)")
    parser.add_argument("--start_timeout", type=float, default=300)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--arrival", choices=("burst", "poisson"), default="burst",
                        help="burst (default): the throughput figures above; poisson: load at --rate")
    parser.add_argument("--rate", type=float, nargs="+", default=[5.0, 20.0, 50.0],
                        help="with --arrival poisson: requests per second, one run each (default 5 20 50)")
    parser.add_argument("--compare", choices=("auto", "yes", "no"), default="auto",
                        help="with --arrival poisson: also run --continuous_batching false (auto: for the pt engine)")
    parser.add_argument("--max_batch_size", type=int, default=None, help="the pt engine's max_batch_size")
    args = parser.parse_args(argv)
    if args.arrival == "poisson":
        return main_load(args)

    import openai

    with tempfile.TemporaryDirectory(prefix="swiftkit-serve-bench-") as tmp:
        folder = Path(tmp)
        model = _bench_model(args, folder)
        port = _free_port()
        proc, ready_s = start_deploy(model, port, args, folder / "deploy.log")
        try:
            base_url = f"http://127.0.0.1:{port}/v1"
            client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0, timeout=600)
            sequential(client, args.warmup, args.max_tokens)
            asyncio.run(concurrent(base_url, min(args.warmup * 4, args.requests), args.max_tokens))
            seq_lat, seq_tokens, seq_wall = sequential(client, args.requests, args.max_tokens)
            con_lat, con_tokens, con_wall = asyncio.run(concurrent(base_url, args.requests, args.max_tokens))
        finally:
            stop_deploy(proc)
        infer = infer_batch(model, args, folder)

    seq_tps, con_tps = seq_tokens / seq_wall, con_tokens / con_wall
    ratio = con_tps / seq_tps if seq_tps else float("nan")
    figures = {
        "model": args.model or "tiny random qwen2 (built offline)",
        "requests": args.requests, "max_tokens": args.max_tokens,
        "deploy_start_to_healthy_s": ready_s,
        "sequential_latency_p50_ms": 1000 * statistics.median(seq_lat),
        "sequential_latency_p95_ms": 1000 * _percentile(seq_lat, 0.95),
        "sequential_tokens_per_s": seq_tps, "sequential_wall_s": seq_wall,
        "concurrent_tokens_per_s": con_tps, "concurrent_wall_s": con_wall,
        "concurrent_latency_p50_ms": 1000 * statistics.median(con_lat),
        "concurrent_over_sequential": ratio, "target": TARGET, "target_met": ratio >= TARGET,
        "swift_infer": infer,
    }
    n = args.requests
    rows = [
        ("swift deploy start -> healthy /health", f"{ready_s:.2f} s"),
        (f"sequential chat latency p50 ({n} requests, max_tokens {args.max_tokens})",
         f"{figures['sequential_latency_p50_ms']:.1f} ms"),
        ("sequential chat latency p95", f"{figures['sequential_latency_p95_ms']:.1f} ms"),
        (f"{n} sequential requests", f"{seq_tps:.1f} tokens/s ({seq_wall:.2f} s)"),
        (f"{n} concurrent requests", f"{con_tps:.1f} tokens/s ({con_wall:.2f} s, p50 {figures['concurrent_latency_p50_ms']:.0f} ms)"),
        ("concurrent / sequential throughput",
         f"{ratio:.2f}x  (target >= {TARGET:.0f}x: {'met' if ratio >= TARGET else 'NOT met'})"),
        ("swift infer batch", f"{infer['tokens_per_s']:.1f} tokens/s" if infer["status"] == "ok" else infer["status"]),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\nswift deploy benchmark: {figures['model']}")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    if infer["status"] != "ok" and infer.get("output"):
        print("\nswift infer output (tail):\n" + infer["output"])
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


def _bench_model(args: argparse.Namespace, folder: Path) -> str:
    """``--model``, or a tiny Qwen2.5 built in ``folder`` (then one torch thread unless --threads)."""
    if args.model is not None:
        return args.model
    if args.threads is None:
        args.threads = 1
    from swiftkit.testing.tiny import build_tiny_model

    return str(build_tiny_model("qwen2.5-0.5b-instruct", folder / "tiny-qwen"))


def main_load(args: argparse.Namespace) -> int:
    compare = args.compare == "yes" or (args.compare == "auto" and args.infer_backend in (None, "pt"))
    with tempfile.TemporaryDirectory(prefix="swiftkit-serve-bench-") as tmp:
        folder = Path(tmp)
        model = _bench_model(args, folder)
        if compare and args.infer_backend is None:
            args.infer_backend = "pt"  # engine options are accepted for the engine named
        common = ["--max_batch_size", str(args.max_batch_size)] if args.max_batch_size else []
        variants = {"continuous": ["--continuous_batching", "true"]}
        if compare:
            variants = {"generate (before)": ["--continuous_batching", "false"], **variants}
        elif args.infer_backend not in (None, "pt"):
            variants = {args.infer_backend: []}
        runs = {label: load_run(model, args, folder, common + extra, label.split()[0])
                for label, extra in variants.items()}
    figures = {"model": args.model or "tiny random qwen2 (built offline)", "requests": args.requests,
               "max_tokens": args.max_tokens, "rates": args.rate, "runs": runs}
    print_load(figures, args)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
