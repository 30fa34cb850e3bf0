"""Peak-memory benchmark: DPO with a LoRA tuner against SFT with the same tuner on the same data.

Claim under test: with a LoRA tuner, ``swift rlhf --rlhf_type dpo`` keeps no second model copy
(the reference policy is the base with the adapter switched off), so its peak memory is within
10 % of ``swift sft``'s on the same data.

Builds one small random Qwen2.5-architecture model (hidden 512, intermediate 1376, 6 layers,
8 heads / 2 KV heads, vocab 512; about 17 M parameters, ~67 MB in fp32, so weights dominate
RSS over the interpreter baseline) and writes the same preference data twice:

- ``pairs.jsonl``: ``messages`` (prompt + chosen answer) + ``rejected_response`` for DPO;
- ``sft.jsonl``: the chosen conversation only (``messages``) for SFT.

Then runs, each in a fresh process (``python -m swiftkit ...``), interleaved round-robin for
``--reps`` repetitions, with the same ``--max_length``, ``--max_steps``, LoRA options
(``all-linear``, default rank), ``--report_to none``, ``--add_version false``:

- SFT-LoRA   (batch B);
- SFT-LoRA x2 (batch 2B: DPO encodes 2 sequences -- chosen + rejected -- per row, so this is
  the token-matched comparison);
- DPO-LoRA   (batch B);
- DPO-full   (batch B, ``--train_type full``: loads a frozen reference copy -- the contrast);
- BASELINE: a process that only imports torch + transformers + peft.

Peak memory is ``ru_maxrss`` of each child from ``os.wait4`` (Linux: KiB), median over reps.
"net" subtracts the baseline process's peak RSS from both sides. A ``sitecustomize.py`` probe
(on the children's PYTHONPATH; no program is edited) also records VmHWM when training starts.

Reading the figures: with transformers 5 an fp32 safetensors checkpoint loaded on CPU stays
mmap-backed (file pages), so loading a model adds almost nothing to RSS until its weights are
touched (first forward); a second copy (DPO-full's reference) adds its pages to RSS when its
forward runs (RSS counts them per mapping, PSS would not). Training weights become anonymous
memory when the optimizer writes them (full). On this small model the peak is dominated by
activations and allocator growth during the steps, which scale with tokens per batch -- which
is why the token-matched SFT (batch 2B) is the fair reference for DPO (2 sequences per row).

    .venv/bin/python benchmarks/dpo_memory.py [--reps 3] [--steps 10] [--batch 4] [--keep DIR]
    .venv/bin/python benchmarks/dpo_memory.py --batch 1 --hidden_size 1024 --intermediate_size 2752  # weights dominate

The exit status is 0 whatever the verdict (this is a report).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODEL_ID = "qwen2.5-0.5b-instruct"
TINY = {"hidden_size": 512, "intermediate_size": 1376, "num_hidden_layers": 6,
        "num_attention_heads": 8, "num_key_value_heads": 2}
TARGET_PCT = 10.0

SETUP_SCRIPT = r'''
import json, random, sys
cfg = json.loads(sys.argv[1])
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.models.offline_tokenizer import _SENTENCES
model_dir = build_tiny_model(cfg["model_id"], cfg["model_dir"], **cfg["tiny"])
words = " ".join(_SENTENCES[:14]).replace("\n", " ").split()
rng = random.Random(cfg["seed"])
def sent(k):
    return " ".join(rng.choice(words) for _ in range(k))
pairs, sft = [], []
for _ in range(cfg["rows"]):
    q, chosen, rejected = sent(rng.randint(6, 14)), sent(rng.randint(10, 24)), sent(rng.randint(10, 24))
    msgs = [{"role": "user", "content": q}, {"role": "assistant", "content": chosen}]
    pairs.append({"messages": msgs, "rejected_response": rejected})
    sft.append({"messages": msgs})
for path, rows in ((cfg["pairs"], pairs), (cfg["sft"], sft)):
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
import glob, math, os
from safetensors import safe_open
files = glob.glob(os.path.join(str(model_dir), "*.safetensors"))
params = 0
for f in files:
    with safe_open(f, "pt") as st:
        params += sum(math.prod(st.get_slice(k).get_shape()) for k in st.keys())
size = sum(os.path.getsize(f) for f in files)
print(json.dumps({"params": params, "weights_mb": size / 2**20}))
'''

# Written as ``sitecustomize.py`` into a folder on the children's PYTHONPATH (no program is
# edited): wraps ``Trainer.__init__`` to add one callback recording VmRSS / VmHWM at train begin
# (models loaded, data encoded, no step yet) and at train end; written to $DPO_MEM_PROBE as JSON.
PROBE_SCRIPT = r'''
import atexit, json, os, sys

_OUT = os.environ.get("DPO_MEM_PROBE")
_DATA = {}


def _mem():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out


def _patch(module):
    from transformers.trainer_callback import TrainerCallback

    class MemProbe(TrainerCallback):
        def on_train_begin(self, args, state, control, **kw):
            _DATA["train_begin"] = _mem()

        def on_train_end(self, args, state, control, **kw):
            _DATA["train_end"] = _mem()

    orig = module.Trainer.__init__

    def __init__(self, *a, **k):
        orig(self, *a, **k)
        self.add_callback(MemProbe())

    module.Trainer.__init__ = __init__


if _OUT:
    import importlib.abc, importlib.util

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "transformers.trainer":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            loader = spec.loader
            orig_exec = loader.exec_module

            def exec_module(module):
                orig_exec(module)
                _patch(module)

            loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _Finder())

    @atexit.register
    def _dump():
        with open(_OUT, "w") as fh:
            json.dump(_DATA, fh)
'''

BASELINE_SCRIPT = "import torch, transformers, peft; import transformers.trainer"


def run_child(argv, env, log_path):
    """Spawn ``argv``; return (peak RSS MiB from wait4, wall s, rc)."""
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ru.ru_maxrss / 1024, time.perf_counter() - t0, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--rows", type=int, default=64)
    ap.add_argument("--max_length", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--hidden_size", type=int, default=TINY["hidden_size"])
    ap.add_argument("--intermediate_size", type=int, default=TINY["intermediate_size"])
    ap.add_argument("--num_hidden_layers", type=int, default=TINY["num_hidden_layers"])
    ap.add_argument("--gradient_checkpointing", action="store_true",
                    help="every run recomputes activations (what a memory-bound user turns on)")
    ap.add_argument("--keep", default=None, help="work in this folder and keep it")
    args = ap.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dpo_mem_"))
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads), CUDA_VISIBLE_DEVICES="",
               PYTHONUNBUFFERED="1")
    tiny = dict(TINY, hidden_size=args.hidden_size, intermediate_size=args.intermediate_size,
                num_hidden_layers=args.num_hidden_layers)
    cfg = {"model_id": MODEL_ID, "model_dir": str(work / "model"), "tiny": tiny, "seed": args.seed,
           "rows": args.rows, "pairs": str(work / "pairs.jsonl"), "sft": str(work / "sft.jsonl")}
    probe_dir = work / "probe"
    probe_dir.mkdir(exist_ok=True)
    (probe_dir / "sitecustomize.py").write_text(PROBE_SCRIPT)
    try:
        info = json.loads(subprocess.run([py, "-c", SETUP_SCRIPT, json.dumps(cfg)], env=env, check=True,
                                         capture_output=True, text=True).stdout.strip().splitlines()[-1])
        print(f"model: {MODEL_ID} {tiny}  params {info['params'] / 1e6:.1f} M, "
              f"weights on disk {info['weights_mb']:.1f} MB")
        print(f"data: {args.rows} rows, max_length {args.max_length}, steps {args.steps}, batch {args.batch}, "
              f"threads {args.threads}, reps {args.reps}, gradient checkpointing {args.gradient_checkpointing}")

        common = ["--model", cfg["model_dir"], "--max_length", str(args.max_length), "--max_steps", str(args.steps),
                  "--learning_rate", "1e-4", "--logging_steps", str(args.steps), "--save_steps", str(10 ** 6),
                  "--report_to", "none", "--add_version", "false", "--seed", str(args.seed),
                  "--gradient_checkpointing", str(args.gradient_checkpointing).lower()]
        lora = ["--train_type", "lora", "--target_modules", "all-linear"]

        def sft(batch):
            return ["sft", "--dataset", cfg["sft"], *lora, "--per_device_train_batch_size", str(batch)]

        def dpo(tuner):
            return ["rlhf", "--rlhf_type", "dpo", "--beta", "0.1", "--dataset", cfg["pairs"], *tuner,
                    "--per_device_train_batch_size", str(args.batch)]

        configs = {
            "SFT-LoRA": sft(args.batch),
            f"SFT-LoRA x2 (batch {2 * args.batch})": sft(2 * args.batch),
            "DPO-LoRA": dpo(lora),
            "DPO-full": dpo(["--train_type", "full"]),
        }
        results: dict[str, list[float]] = {k: [] for k in ["BASELINE (import only)", *configs]}
        walls: dict[str, list[float]] = {k: [] for k in results}
        begin: dict[str, list[float]] = {k: [] for k in configs}
        penv = dict(env, PYTHONPATH=os.pathsep.join(filter(None, [str(probe_dir), env.get("PYTHONPATH")])))
        for rep in range(args.reps):
            order = list(configs.items())
            if rep % 2:
                order.reverse()
            rss, wall, rc = run_child([py, "-c", BASELINE_SCRIPT], env, work / f"baseline-{rep}.log")
            if rc:
                raise SystemExit(f"baseline failed rc={rc}: see {work}/baseline-{rep}.log")
            results["BASELINE (import only)"].append(rss)
            walls["BASELINE (import only)"].append(wall)
            for i, (name, argv) in enumerate(order):
                out = work / f"out-{rep}-{i}"
                log = work / f"run-{rep}-{name.split()[0]}-{i}.log"
                probe = work / f"probe-{rep}-{i}.json"
                rss, wall, rc = run_child([py, "-m", "swiftkit", *argv, *common, "--output_dir", str(out)],
                                          dict(penv, DPO_MEM_PROBE=str(probe)), log)
                if rc:
                    print(open(log).read()[-3000:])
                    raise SystemExit(f"{name} failed rc={rc}: see {log}")
                results[name].append(rss)
                walls[name].append(wall)
                try:
                    begin[name].append(json.loads(probe.read_text())["train_begin"]["VmHWM"])
                except (OSError, KeyError, ValueError):
                    pass
                shutil.rmtree(out, ignore_errors=True)
                print(f"  rep {rep} {name:<28} peak RSS {rss:8.1f} MB  wall {wall:6.1f} s", flush=True)

        med = {k: statistics.median(v) for k, v in results.items()}
        base = med["BASELINE (import only)"]
        print()
        print(f"{'run':<30}{'peak RSS MB (median)':>22}{'net of baseline':>17}{'min..max':>18}"
              f"{'RSS at train begin':>20}{'peak - begin':>14}{'wall s':>8}")
        for k, v in results.items():
            net = "" if k.startswith("BASELINE") else f"{med[k] - base:.1f}"
            b = statistics.median(begin[k]) if begin.get(k) else None
            bs, ds = (f"{b:.1f}", f"{med[k] - b:.1f}") if b is not None else ("", "")
            print(f"{k:<30}{med[k]:>22.1f}{net:>17}{f'{min(v):.1f}..{max(v):.1f}':>18}{bs:>20}{ds:>14}"
                  f"{statistics.median(walls[k]):>8.1f}")
        print("(RSS at train begin = VmHWM when training starts: model(s) loaded, data encoded, no step yet)")
        print()
        dpo_l, dpo_f = med["DPO-LoRA"], med["DPO-full"]
        print(f"{'comparison':<38}{'gross MB':>10}{'gross %':>9}{'net MB':>9}{'net %':>8}  verdict (within {TARGET_PCT:g} %)")
        for ref_name in ["SFT-LoRA", f"SFT-LoRA x2 (batch {2 * args.batch})"]:
            for other, val in (("DPO-LoRA", dpo_l), ("DPO-full", dpo_f)):
                ref = med[ref_name]
                d = val - ref
                g_pct = 100 * d / ref
                n_pct = 100 * d / (ref - base)
                verdict = ""
                if other == "DPO-LoRA":
                    verdict = (f"gross {'PASS' if abs(g_pct) <= TARGET_PCT else 'FAIL'}, "
                               f"net {'PASS' if abs(n_pct) <= TARGET_PCT else 'FAIL'}")
                print(f"{other + ' vs ' + ref_name:<38}{d:>+10.1f}{g_pct:>+8.1f}%{d:>+9.1f}{n_pct:>+7.1f}%  {verdict}")
        print(f"\nDPO-full minus DPO-LoRA: {dpo_f - dpo_l:+.1f} MB (weights on disk {info['weights_mb']:.1f} MB; "
              "full also holds gradients + AdamW states for every parameter and a frozen reference copy)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
