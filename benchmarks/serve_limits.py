"""Bounded work per request in ``swift deploy``: the figures of issue 11 (server items 1-2).

Runs ``swift deploy`` (a separate process, as a user would) on a tiny random Qwen2 (built
offline; context ``--context`` tokens, 32768 by default like Qwen2.5) with the ``pt`` engine
and the server's DEFAULT flags (prompt limit: the model's context; body limit: 8 MiB), then
measures:

1. a 1 MB chat prompt: time to its 400 (``context_length_exceeded``), while a small request
   sent at the same moment is answered (its status and time);
2. ``/health`` latency (p50 / p99 / max, polled every 10 ms) while 20 MB bodies arrive one
   after another for ``--seconds``, sent with ``Content-Length`` and again chunked (no length:
   counted as it arrives); all 413;
3. the same while 7 MB bodies (under the limit) are parsed and their prompts counted (400).

    .venv/bin/python benchmarks/serve_limits.py [--context 32768]

Targets: the 1 MB prompt refused within 1 s with the small request answered; ``/health`` p99
under 100 ms while the 20 MB body arrives.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

TARGET_REFUSE_S = 1.0
TARGET_HEALTH_P99_S = 0.1


def _serve(context: int) -> tuple[subprocess.Popen, str]:
    """``swift deploy --model <tiny folder>`` with default limits; ``(process, url)`` once healthy."""
    import httpx

    from swiftkit.testing.tiny import build_tiny_model

    folder = build_tiny_model("qwen2.5-0.5b-instruct", tempfile.mkdtemp(prefix="serve-limits-"),
                              max_position_embeddings=context)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "swiftkit", "deploy", "--model", str(folder), "--port", str(port),
                             "--served_model_name", "tiny"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"swift deploy exited with {proc.returncode}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("swift deploy did not become healthy within 180 s")


def _post(url: str, body: dict[str, Any], out: dict[str, Any], key: str) -> None:
    import httpx

    started = time.perf_counter()
    r = httpx.post(url + "/v1/chat/completions", json=body, timeout=600)
    out[key] = (r.status_code, time.perf_counter() - started, r.json().get("error", {}).get("message", "")[:160])


def big_prompt(url: str) -> dict[str, Any]:
    huge = "lorem ipsum dolor sit amet " * (1_000_000 // 27)
    out: dict[str, Any] = {}
    small = threading.Thread(target=_post, args=(url, {"messages": [{"role": "user", "content": "Hi!"}], "max_tokens": 8},
                                                 out, "small"))
    big = threading.Thread(target=_post, args=(url, {"messages": [{"role": "user", "content": huge}], "max_tokens": 8},
                                               out, "big"))
    big.start()
    small.start()
    big.join()
    small.join()
    return out


def _payload(size: int) -> bytes:
    return b'{"messages": [{"role": "user", "content": "' + b"lorem ipsum " * ((size - 60) // 12) + b'"}]}'


def _raw_body(url: str, payload: bytes, chunked: bool) -> tuple[int | None, float]:
    """Send ``payload`` as a chat body over a raw socket; ``(status, seconds)``."""
    host, port = url.removeprefix("http://").split(":")
    head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {len(payload)}\r\n\r\n"
    started = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(head.encode())
        try:
            for i in range(0, len(payload), 1 << 16):
                piece = payload[i : i + (1 << 16)]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent
        try:
            first = sock.recv(65536).split(b"\r\n", 1)[0].split()
            status = int(first[1]) if len(first) > 1 else None
        except (ConnectionResetError, OSError):
            status = None
    return status, time.perf_counter() - started


def health_during(url: str, size: int, chunked: bool, seconds: float) -> dict[str, Any]:
    import httpx

    done = threading.Event()
    latencies: list[float] = []
    result: dict[str, Any] = {}

    def poll() -> None:
        with httpx.Client(base_url=url, timeout=30) as h:
            while not done.is_set():
                started = time.perf_counter()
                h.get("/health")
                latencies.append(time.perf_counter() - started)
                time.sleep(0.01)

    payload = _payload(size)
    poller = threading.Thread(target=poll)
    poller.start()
    statuses, answered = [], []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        status, took = _raw_body(url, payload, chunked)
        statuses.append(status)
        answered.append(took)
    done.set()
    poller.join()
    latencies.sort()
    result["status"] = "/".join(str(s) for s in sorted(set(statuses), key=str))
    result["bodies"] = len(statuses)
    result["seconds"] = statistics.median(answered)
    result["health_n"] = len(latencies)
    result["p50"] = statistics.median(latencies)
    result["p99"] = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    result["max"] = latencies[-1]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--context", type=int, default=32768, help="the tiny model's max_position_embeddings")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each body scenario runs")
    args = parser.parse_args()
    proc, url = _serve(args.context)
    try:
        print(f"serving a tiny qwen2 (context {args.context}) at {url} with default flags "
              f"(max_length {args.context}, max_request_bytes 8 MiB)")
        out = big_prompt(url)
        status, seconds, message = out["big"]
        ok = status == 400 and seconds < TARGET_REFUSE_S and out["small"][0] == 200
        print(f"1 MB prompt: {status} in {seconds:.3f} s ({message!r})")
        print(f"  concurrent small request: {out['small'][0]} in {out['small'][1]:.3f} s"
              f"   [{'ok' if ok else 'MISSED'}: 400 within {TARGET_REFUSE_S:g} s, small answered]")
        for label, size, chunked in [("20 MB body, Content-Length", 20_000_000, False),
                                     ("20 MB body, chunked", 20_000_000, True),
                                     ("7 MB body (under the limit)", 7_000_000, False)]:
            r = health_during(url, size, chunked, args.seconds)
            target = "" if size < 8 * 1024 * 1024 else (
                f"   [{'ok' if r['p99'] < TARGET_HEALTH_P99_S and r['status'] == '413' else 'MISSED'}: 413, "
                f"/health p99 < {TARGET_HEALTH_P99_S * 1000:g} ms]")
            print(f"{label}: {r['bodies']} bodies, {r['status']} after {r['seconds']:.3f} s (median); "
                  f"/health over {r['health_n']} polls: "
                  f"p50 {r['p50'] * 1000:.1f} ms, p99 {r['p99'] * 1000:.1f} ms, max {r['max'] * 1000:.1f} ms{target}")
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
