"""Peak-memory benchmark: `swift sft` on 1,000 vs 10,000 image rows (issue 14's acceptance figure).

Claim under test: media are streamed, never all held. The rows keep references (the ``media``
column), the encode step decodes each image only to count its tokens, and the collator decodes
a batch at a time through a bounded cache; so the peak RSS of a run on 10x the rows stays flat
(within a few percent).

Builds a tiny random Qwen2-VL (`swift tiny-model`, offline), draws N distinct PNGs of
``--size`` x ``--size`` pixels with PIL (random blocks of colour, so no two are alike and
decoded pixels would add up: 10,000 decoded 112x112 RGB images are ~376 MB), and writes
``rows-N.jsonl`` naming them by relative path. Then runs, each in a fresh process
(``python -m swiftkit sft --train_type lora``, the same ``--max_steps`` and batch for both, a
fresh datasets cache each so every row is converted and tokenized), the 1k run and the 10k run,
interleaved for ``--reps`` repetitions. Peak RSS is each child's ``ru_maxrss`` from
``os.wait4`` (Linux: KiB), median over reps, printed side by side with the ratio.

    .venv/bin/python benchmarks/mm_memory.py [--rows 1000 10000] [--reps 1] [--steps 20] [--keep DIR]

The exit status is 0 whatever the verdict (this is a report).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODEL_ID = "Qwen/Qwen2-VL-2B-Instruct"
FLAT_PCT = 5.0


def draw_images(folder: Path, n: int, size: int, seed: int = 0) -> None:
    """``n`` distinct PNGs ``img/00000.png`` ...: a few random rectangles on a random ground."""
    from PIL import Image, ImageDraw

    (folder / "img").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for i in range(n):
        path = folder / "img" / f"{i:05d}.png"
        if path.exists():
            continue
        img = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(img)
        for _ in range(4):
            x, y = rng.randrange(size), rng.randrange(size)
            draw.rectangle((x, y, x + rng.randrange(4, size // 2), y + rng.randrange(4, size // 2)),
                           fill=tuple(rng.randrange(256) for _ in range(3)))
        img.save(path)


def write_rows(folder: Path, n: int) -> Path:
    words = ["red", "green", "blue", "square", "corner", "middle"]
    path = folder / f"rows-{n}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            row = {"messages": [{"role": "user", "content": "<image>Describe the picture."},
                                {"role": "assistant", "content": f"{words[i % 6]} {words[(i * 7) % 6]}"}],
                   "images": [f"img/{i:05d}.png"]}
            fh.write(json.dumps(row) + "\n")
    return path


def run(cmd: list[str], env: dict[str, str]) -> tuple[int, float, int, str]:
    """(peak RSS KiB, seconds, exit status, last output lines) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss, time.perf_counter() - started, proc.returncode, "\n".join(out.strip().splitlines()[-6:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=112, help="image width and height in pixels")
    parser.add_argument("--keep", help="work folder to keep (images and model are reused when present)")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mm-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "SWIFTKIT_CACHE_DIR": str(work / "swift-cache"), "OMP_NUM_THREADS": "1"}
    python = sys.executable
    try:
        model = work / "tiny-qwen2-vl"
        if not model.is_dir():
            subprocess.run([python, "-m", "swiftkit", "tiny-model", "--model", MODEL_ID, "--output_dir", str(model)],
                           env={**env, "HF_HOME": str(work / "hf-build")}, check=True, stdout=subprocess.DEVNULL)
        t0 = time.perf_counter()
        draw_images(work, max(args.rows), args.size)
        print(f"{max(args.rows)} images of {args.size}x{args.size} drawn in {time.perf_counter() - t0:.1f} s "
              f"({sum(f.stat().st_size for f in (work / 'img').iterdir()) / 2**20:.1f} MB of PNG; decoded they would "
              f"be {max(args.rows) * args.size * args.size * 3 / 2**20:.0f} MB)")
        datasets = {n: write_rows(work, n) for n in args.rows}
        peaks: dict[int, list[int]] = {n: [] for n in args.rows}
        times: dict[int, list[float]] = {n: [] for n in args.rows}
        for rep in range(args.reps):
            for n in args.rows:
                out = work / f"out-{n}-{rep}"
                shutil.rmtree(out, ignore_errors=True)
                cache = work / f"hf-{n}-{rep}"
                shutil.rmtree(cache, ignore_errors=True)  # a fresh datasets cache: every row converted and encoded
                cmd = [python, "-m", "swiftkit", "sft", "--model", str(model), "--dataset", str(datasets[n]),
                       "--train_type", "lora", "--max_steps", str(args.steps), "--per_device_train_batch_size",
                       str(args.batch), "--logging_steps", str(args.steps), "--save_steps", str(args.steps),
                       "--output_dir", str(out), "--add_version", "false", "--report_to", "none",
                       "--torch_dtype", "float32"]
                rss, secs, code, tail = run(cmd, {**env, "HF_HOME": str(cache)})
                if code != 0:
                    print(f"rows={n}: swift sft failed ({code}):\n{tail}")
                    return
                peaks[n].append(rss)
                times[n].append(secs)
                print(f"rep {rep + 1}: {n:>6} rows: peak RSS {rss / 1024:8.1f} MiB in {secs:6.1f} s")
                shutil.rmtree(cache, ignore_errors=True)
        print()
        print(f"{'rows':>8} {'peak RSS (MiB)':>15} {'wall (s)':>9}")
        base = statistics.median(peaks[args.rows[0]])
        for n in args.rows:
            med = statistics.median(peaks[n])
            print(f"{n:>8} {med / 1024:>15.1f} {statistics.median(times[n]):>9.1f}   x{med / base:.3f}")
        last = statistics.median(peaks[args.rows[-1]])
        pct = (last / base - 1) * 100
        verdict = "flat" if abs(pct) <= FLAT_PCT else "NOT flat"
        print(f"{args.rows[-1]} rows vs {args.rows[0]}: {pct:+.1f} % peak RSS ({verdict}: within {FLAT_PCT:g} %)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
