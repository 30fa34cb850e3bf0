"""SIGTERM under live streams: how ``swift deploy`` drains, measured from outside.

Starts ``python -m swiftkit deploy`` on a tiny model, opens N long streams with the ``openai``
client (by default all decoded in one batch, so every one of them is streaming), sends SIGTERM
and prints:

- the exit status and the seconds from SIGTERM to exit (against ``--shutdown_timeout``);
- how each stream ended: finished (``[DONE]`` after its last token), ended by an error event
  then ``[DONE]``, answered with a JSON 503 before it started, or cut (none of these: a failure);
- when the server said it was draining and closed its engine, relative to the signal.

Usage::

    python benchmarks/deploy_shutdown.py                    # 32 streams, grace 3 s, tiny Qwen2 built offline
    python benchmarks/deploy_shutdown.py --streams 64 --shutdown_timeout 10 --model DIR --json

Needs the serve extra and the openai client (``pip install 'swiftkit[serve]' openai``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def _reader(proc: subprocess.Popen, lines: list[tuple[float, str]]) -> None:
    for line in proc.stdout:
        lines.append((time.monotonic(), line.rstrip("\n")))


def run(model: str, args: argparse.Namespace) -> dict[str, Any]:
    import openai

    n = args.streams
    cmd = [sys.executable, "-m", "swiftkit", "deploy", "--model", model, "--port", "0", "--served_model_name", "m",
           "--shutdown_timeout", str(args.shutdown_timeout), "--max_tokens_limit", str(args.max_tokens),
           "--max_concurrency", str(max(64, n)), "--infer_backend", "pt", "--max_batch_size", str(n), "--batch_wait_ms", "1500"]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": str(args.threads)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[tuple[float, str]] = []
    threading.Thread(target=_reader, args=(proc, lines), daemon=True).start()
    url = None
    deadline = time.monotonic() + args.start_timeout
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        found = next((re.search(r"serving .* at (http://\S+)/v1 ", text) for _, text in lines
                      if "serving" in text), None)
        url = found.group(1) if found else None
        time.sleep(0.05)
    if url is None:
        proc.kill()
        raise SystemExit("swift deploy did not start:\n" + "\n".join(t for _, t in lines))
    client = openai.OpenAI(base_url=url + "/v1", api_key="none", max_retries=0, timeout=120)
    ends: dict[int, tuple[str, float]] = {}
    streaming = threading.Semaphore(0)

    def stream(i: int) -> None:
        kind = "cut"
        try:
            s = client.chat.completions.create(model="m", messages=[{"role": "user", "content": f"count {i}"}],
                                               max_tokens=args.max_tokens, stream=True)
            first = True
            for _ in s:
                if first:
                    streaming.release()
                    first = False
            kind = "finished"  # the client stops at [DONE]
        except openai.APIStatusError as exc:
            kind = f"503 {exc.code}" if exc.status_code == 503 else f"status {exc.status_code}"
        except openai.APIError as exc:  # an error event inside the stream
            kind = f"error event {exc.code}" if getattr(exc, "code", None) else f"cut ({exc})"
        except Exception as exc:  # noqa: BLE001 - a cut connection is what this measures
            kind = f"cut ({type(exc).__name__})"
        ends[i] = (kind, time.monotonic())

    threads = [threading.Thread(target=stream, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    live = 0
    wait_until = time.monotonic() + 60
    while live < n and time.monotonic() < wait_until and streaming.acquire(timeout=wait_until - time.monotonic()):
        live += 1
    time.sleep(0.5)  # let them stream a little
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(args.shutdown_timeout + 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    exited = time.monotonic() - signalled
    for t in threads:
        t.join(10)
    kinds: dict[str, int] = {}
    for kind, _ in ends.values():
        kinds[kind] = kinds.get(kind, 0) + 1

    def said(pattern: str) -> float | None:
        return next((round(at - signalled, 2) for at, text in lines if re.search(pattern, text)), None)

    last_end = max((at for _, at in ends.values()), default=signalled) - signalled
    return {
        "streams": n, "streaming_at_signal": live, "shutdown_timeout_s": args.shutdown_timeout,
        "exit_status": rc, "signal_to_exit_s": round(exited, 2), "last_stream_end_s": round(last_end, 2),
        "ends": kinds, "all_ended_properly": len(ends) == n and not any(k.startswith(("cut", "status")) for k in kinds),
        "drain_said_s": said(r"shutting down: \d+ request"), "engine_closed_s": said(r"engine '.*' closed"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="a model folder (default: a tiny random Qwen2 built offline)")
    parser.add_argument("--streams", type=int, default=32)
    parser.add_argument("--shutdown_timeout", type=float, default=3.0)
    parser.add_argument("--max_tokens", type=int, default=4000, help="long enough to outlive the grace period")
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of the server")
    parser.add_argument("--start_timeout", type=float, default=180.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            from swiftkit.testing.tiny import build_tiny_model

            model = str(build_tiny_model("qwen2.5-0.5b-instruct", Path(tmp) / "tiny-qwen",
                                         max_position_embeddings=2 * args.max_tokens + 256))
        figures = run(model, args)
    ok = figures["exit_status"] == 0 and figures["all_ended_properly"] and \
        figures["signal_to_exit_s"] < figures["shutdown_timeout_s"] + 10
    print(f"SIGTERM under {figures['streams']} streams ({figures['streaming_at_signal']} streaming): exit "
          f"{figures['exit_status']} after {figures['signal_to_exit_s']} s (grace {figures['shutdown_timeout_s']:g} s; "
          f"last stream ended at {figures['last_stream_end_s']} s, engine closed at {figures['engine_closed_s']} s)")
    print("  streams ended: " + ", ".join(f"{k}: {v}" for k, v in sorted(figures["ends"].items())))
    print(f"  {'PASS' if ok else 'FAIL'}: exit 0, every stream ended by [DONE] or an error event")
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
