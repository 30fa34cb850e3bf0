"""GRPO's training loop: ``swift rlhf --rlhf_type grpo`` of swiftkit against ms-swift's.

Builds (once, under ``--work``, default ``/tmp/swiftkit-grpo-loop``; never in the repository) a
tiny random Qwen2 model (the family's tiny config: hidden 64, 2 layers, vocab 512), a prompt
dataset (8 one-turn questions x 8 = 64 rows) and one reward function, ``contains_seven``
(1.0 when the completion contains "7"), in a module both sides import: swiftkit names it
``bench_reward:contains_seven``, ms-swift reaches it through an ``--external_plugins`` file
that registers it as an ORM. Then runs both sides, each in a fresh process, interleaved
(A B B A ...) so that machine drift hits both alike, with the same settings:

- 4 prompts x 4 generations per step (swiftkit: ``--per_device_train_batch_size 4`` prompts;
  ms-swift / TRL: ``--per_device_train_batch_size 16`` completions), ``--num_generations 4``,
  ``--max_completion_length 16``, temperature 1.0, ``--beta 0.04`` (so the reference forward
  runs: with LoRA both take the base model with the adapter switched off), LoRA (r 8, alpha
  32, all-linear: both sides' defaults), lr 1e-4, ``--max_steps`` (default 10), one torch
  thread (``OMP_NUM_THREADS=1``), no checkpoint, sampling with transformers in the training
  process (no vLLM).

Measured per run (medians over ``--reps``):

- the training loop: wall clock between the ends of step 1 and of the last step (a probe
  callback added to both processes' Trainer by a ``sitecustomize.py``, neither program
  edited), also per step, and the same span in process CPU seconds (least disturbed by load
  on a shared machine); the whole loop (train begin .. train end) too;
- ``train_runtime`` from each side's own log (``logging.jsonl``);
- end-to-end wall time and CPU seconds (user + sys) of the process.

    .venv/bin/python benchmarks/grpo_loop.py --ms-python /tmp/i16ms-venv/bin/python [--reps 3] [--steps 10]
    .venv/bin/python benchmarks/grpo_loop.py                 # swiftkit alone

The ms-swift environment is benchmarks/preprocess.py's recipe plus ``trl<1.0`` (ms-swift 4.6
imports ``trl.experimental.ppo``, which trl 1.x no longer has) installed into it, never into
the shared venv. The exit status is 0 whatever the figures (this is a report).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_overhead import PROBE_SCRIPT  # noqa: E402  (the same Trainer probe as the SFT benchmark)

# ms-swift reads Trainer.__init__'s signature (tokenizer= or processing_class=): keep it visible
PROBE = PROBE_SCRIPT
if "wraps(init)" not in PROBE:
    PROBE = PROBE.replace("import atexit,", "import functools, atexit,").replace(
        "    def __init__(self, *args, **kwargs):", "    @functools.wraps(init)\n    def __init__(self, *args, **kwargs):")
assert "wraps(init)" in PROBE and "import functools" in PROBE, "train_overhead.PROBE_SCRIPT changed shape"

MODEL_ID = "qwen2.5-0.5b-instruct"
PROMPTS = ["Pick a number.", "Say something.", "Count to ten.", "What is your favourite digit?",
           "Write a code.", "Name a year.", "Give me a number.", "Tell me a secret."]

REWARD_MODULE = '''
def contains_seven(completions, **kwargs):
    return [1.0 if "7" in c else 0.0 for c in completions]
'''

MS_PLUGIN = '''
from swift.rewards import ORM, orms

from bench_reward import contains_seven


class ContainsSeven(ORM):
    def __call__(self, completions, **kwargs):
        return contains_seven(completions)


orms["contains_seven"] = ContainsSeven
'''

SETUP = r'''
import json, sys
from swiftkit.testing.tiny import build_tiny_model
build_tiny_model(sys.argv[1], sys.argv[2])
'''


def prepare(work: Path, py: str) -> None:
    (work / "probe").mkdir(parents=True, exist_ok=True)
    (work / "probe" / "sitecustomize.py").write_text(PROBE, encoding="utf-8")
    (work / "bench_reward.py").write_text(REWARD_MODULE, encoding="utf-8")
    (work / "ms_plugin.py").write_text(MS_PLUGIN, encoding="utf-8")
    rows = [{"messages": [{"role": "user", "content": q}]} for q in PROMPTS] * 8
    (work / "prompts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    if not (work / "model" / "config.json").is_file():
        env = {**base_env(work), "PYTHONPATH": str(REPO)}
        subprocess.run([py, "-c", SETUP, MODEL_ID, str(work / "model")], env=env, check=True,
                       stdout=subprocess.DEVNULL)


def base_env(work: Path, threads: int = 1) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "TRAIN_PROBE_OUT", "PYTHONPROFILEIMPORTTIME", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
           and not k.startswith("SWIFTKIT_")}
    if threads > 0:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    env.update(TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1",
               HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(work / "hf"),
               MODELSCOPE_CACHE=str(work / "modelscope"), SWIFTKIT_CACHE_DIR=str(work / "swiftkit-cache"))
    return env


def command(side: str, py: str, work: Path, out: Path, steps: int, source: Path = REPO) -> tuple[list[str], str]:
    common = ["--model", str(work / "model"), "--dataset", str(work / "prompts.jsonl"),
              "--num_generations", "4", "--max_completion_length", "16", "--beta", "0.04", "--temperature", "1.0",
              "--max_steps", str(steps), "--learning_rate", "1e-4", "--logging_steps", "1", "--report_to", "none",
              "--output_dir", str(out), "--add_version", "false", "--seed", "1"]
    if side.startswith("swiftkit"):
        argv = [py, "-m", "swiftkit", "rlhf", "--rlhf_type", "grpo", *common, "--train_type", "lora",
                "--reward_funcs", "bench_reward:contains_seven", "--per_device_train_batch_size", "4",
                "--save_strategy", "no"]
        return argv, os.pathsep.join([str(work / "probe"), str(source), str(work)])
    argv = [py, "-m", "swift.cli.rlhf", "--rlhf_type", "grpo", *common, "--tuner_type", "lora",
            "--model_type", "qwen2", "--template", "qwen2_5", "--external_plugins", str(work / "ms_plugin.py"),
            "--reward_funcs", "contains_seven", "--per_device_train_batch_size", "16", "--save_strategy", "no",
            "--dataloader_num_workers", "0"]
    return argv, os.pathsep.join([str(work / "probe"), str(work)])


def run(side: str, py: str, work: Path, steps: int, tag: str, threads: int = 1, source: Path = REPO) -> dict:
    out = work / f"out-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    argv, path = command(side, py, work, out, steps, source)
    probe_file = work / f"probe-{tag}.json"
    probe_file.unlink(missing_ok=True)
    env = {**base_env(work, threads), "PYTHONPATH": path, "TRAIN_PROBE_OUT": str(probe_file),
           "SWIFTKIT_CACHE_DIR": str(work / f"swiftkit-cache-{side}")}  # each tree its own plugin index
    log = work / f"log-{tag}.txt"
    with open(log, "wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=work)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{side} failed (exit {proc.returncode}); see {log}:\n"
                         + log.read_text(encoding="utf-8", errors="replace")[-3000:])
    probe = json.loads(probe_file.read_text(encoding="utf-8"))
    steps_seen = {s: (w, c) for s, w, c in probe["steps"]}
    last = max(steps_seen)
    if last != steps:
        raise SystemExit(f"{side}: the probe saw {last} steps, expected {steps}")
    (w1, c1), (wn, cn) = steps_seen[1], steps_seen[last]
    runtime = None
    for name in ("logging.jsonl",):
        for path_ in out.rglob(name):
            for line in path_.read_text(encoding="utf-8").splitlines():
                with_runtime = json.loads(line)
                if "train_runtime" in with_runtime:
                    runtime = float(with_runtime["train_runtime"])
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "loop": wn - w1,  # steps 2..last
        "loop_cpu": cn - c1,
        "per_step": (wn - w1) / (last - 1),
        "train": probe["train_end"][0] - probe["train_begin"][0],
        "train_runtime": runtime,
    }


def fmt(r: dict) -> str:
    rt = f"{r['train_runtime']:.2f}" if r["train_runtime"] is not None else "  -  "
    return (f"loop(2..N) {r['loop']:.3f} s  per step {1000 * r['per_step']:.1f} ms  loop CPU {r['loop_cpu']:.3f} s  "
            f"train {r['train']:.2f} s  train_runtime {rt} s  end-to-end {r['wall']:.2f} s  CPU {r['cpu']:.2f} s")


def median_of(results: list[dict], key: str) -> float:
    values = [r[key] for r in results if r[key] is not None]
    return statistics.median(values) if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ms-python", help="a Python with ms-swift 4.6 installed (the baseline); omitted: swiftkit only")
    ap.add_argument("--python", default=sys.executable, help="the Python that runs swiftkit (this one)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--before", help="another swiftkit source tree measured in the same rounds as 'swiftkit-before' "
                    "(e.g. `git archive <commit> swiftkit | tar -x -C DIR`)")
    ap.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of both sides (0: leave it unset)")
    ap.add_argument("--work", default="/tmp/swiftkit-grpo-loop")
    ap.add_argument("--no-warmup", action="store_true", help="skip the unmeasured first run of each side")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    prepare(work, args.python)
    sides = {"swiftkit": args.python}
    sources = {"swiftkit": REPO}
    if args.before:
        sides["swiftkit-before"] = args.python
        sources["swiftkit-before"] = Path(args.before).resolve()
    if args.ms_python:
        sides["ms-swift"] = args.ms_python
    order = list(sides)
    if not args.no_warmup:  # caches (datasets, plugin index, .pyc) warm for both
        for side in order:
            r = run(side, sides[side], work, args.steps, f"{side}-warm", args.threads, sources.get(side, REPO))
            print(f"warm-up {side}: {fmt(r)}", flush=True)
    results: dict[str, list[dict]] = {side: [] for side in order}
    loads = [os.getloadavg()[0]]
    for rep in range(args.reps):
        for side in (order if rep % 2 == 0 else order[::-1]):
            r = run(side, sides[side], work, args.steps, f"{side}-{rep}", args.threads, sources.get(side, REPO))
            results[side].append(r)
            loads.append(os.getloadavg()[0])
            print(f"round {rep + 1} {side:9s} {fmt(r)}", flush=True)
    print(f"\nmedians over {args.reps} rounds ({args.steps} GRPO steps, 4 prompts x 4 generations, 16 new tokens, "
          f"LoRA, beta 0.04, OMP_NUM_THREADS {args.threads or 'unset'}); load average (1 min) during the runs: "
          f"{min(loads):.2f} .. {max(loads):.2f}")
    keys = ("loop", "per_step", "loop_cpu", "train", "train_runtime", "wall", "cpu")
    print(f"{'':16s}" + "".join(f"{k:>14s}" for k in keys))
    for side in order:
        print(f"{side:16s}" + "".join(f"{median_of(results[side], k):14.3f}" for k in keys))
    for other in order[1:]:
        a, b = results["swiftkit"], results[other]
        ratios = {k: statistics.median(y[k] / x[k] for x, y in zip(a, b, strict=True)) for k in keys
                  if all(r[k] for r in a + b)}
        print(f"{other} / swiftkit (pairwise median; > 1: swiftkit ahead): "
              + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))


if __name__ == "__main__":
    main()
