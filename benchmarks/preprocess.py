"""Preprocessing at scale: swiftkit's first-time validate + tokenize against ms-swift's.

Writes (once, under ``--work``, default ``/tmp/swiftkit-preprocess``; never in the repository)
a tiny random Qwen2 model (only its tokenizer matters here) and a chat jsonl of ``--rows``
conversations (default 139,000 rows, about 50 MB: one to three user/assistant turns, half
with a system prompt, words drawn from the offline tokenizer's corpus; seeded). Then, for
each ``--procs`` value (``--dataset_num_proc``), runs each side in a fresh process with fresh,
empty caches (``HF_HOME``, ``HF_DATASETS_CACHE``, ``SWIFTKIT_CACHE_DIR``, ``MODELSCOPE_CACHE``),
so every run is a first-time run:

- SWIFTKIT: ``swiftkit.data.prepare_datasets`` (load, convert + validate every row, shuffle,
  tokenize with the qwen2_5 template, ``max_length`` / ``truncation_strategy delete``);
- MS-SWIFT (when ``--ms-python`` names a Python with ms-swift installed): what ``swift sft``
  does with the same file and settings: ``swift.dataset.load_dataset`` (standardise the rows,
  shuffle) then ``EncodePreprocessor(template)`` (its qwen2_5 template from the same model
  folder, ``max_length``, truncation ``raise`` = ms-swift's ``delete``).

Measured per run: the wall time of the preprocessing call (imports and tokenizer loading
excluded: they are the same on every run and are measured by other benchmarks), the CPU
seconds of that call (user + sys of the process, its threads and its reaped workers, less the
memory sampler's own: on a busy shared machine the figure least disturbed by other load) and of the whole process (imports
too), the load average when the run ended, rows and
tokens out, and peak memory: of the main process (``ru_maxrss`` from ``os.wait4``) and of the
whole process tree (main + ``num_proc`` workers, proportional set size summed: pages
shared after fork counted once; sampled every 100 ms with psutil) and its anonymous part
(RSS less file-backed pages: what the processes hold themselves, as opposed to pages of the
memory-mapped Arrow cache files, which the kernel can drop at will; with forked workers it
counts the pages a worker still shares with the main process once per worker: read it at
``num_proc`` 1, and PSS for the tree). A second swiftkit run on the same caches gives the cached figure. ``TOKENIZERS_PARALLELISM`` is
left unset, as a user's run has it: each library's tokenizer may use free cores. Sides run
interleaved (swiftkit, ms-swift per setting) so machine drift hits both alike; on a shared
machine compare ratios within one run, not absolute seconds across runs.

    .venv/bin/python benchmarks/preprocess.py                         # swiftkit only, 1 and 2 procs
    .venv/bin/python benchmarks/preprocess.py --ms-python /tmp/ms/bin/python --procs 1,2
    .venv/bin/python benchmarks/preprocess.py --rows 20000            # a quicker, smaller run

A throwaway ms-swift environment that reuses the shared venv's torch / transformers /
datasets (nothing is installed into the shared venv)::

    python3.11 -m venv /tmp/ms && echo /work/main/.venv/lib/python3.11/site-packages \\
        > /tmp/ms/lib/python3.11/site-packages/shared.pth
    /tmp/ms/bin/pip install --no-deps -c constraints.txt ms-swift addict attrdict binpacking dacite \\
        importlib-metadata json-repair simplejson sortedcontainers zstandard rouge oss2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODEL_ID = "qwen2.5-0.5b-instruct"
TINY = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1}

# --------------------------------------------------------------------------- setup (child)

SETUP_SCRIPT = r'''
import json, os, random, sys
cfg = json.loads(sys.argv[1])
if not os.path.isfile(os.path.join(cfg["model_dir"], "config.json")):
    from swiftkit.testing.tiny import build_tiny_model
    build_tiny_model(cfg["model_id"], cfg["model_dir"], **cfg["tiny"])
if not os.path.isfile(cfg["data"]):
    from swiftkit.models.offline_tokenizer import _SENTENCES
    words = " ".join(_SENTENCES).replace("\n", " ").split()
    rng = random.Random(cfg["seed"])
    def text(lo, hi):
        return " ".join(rng.choice(words) for _ in range(rng.randint(lo, hi)))
    tmp = cfg["data"] + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        for _ in range(cfg["rows"]):
            msgs = [{"role": "system", "content": text(3, 12)}] if rng.random() < 0.5 else []
            for _ in range(rng.choice((1, 1, 2, 3))):
                msgs += [{"role": "user", "content": text(2, 12)}, {"role": "assistant", "content": text(3, 25)}]
            fh.write(json.dumps({"messages": msgs}) + "\n")
    os.replace(tmp, cfg["data"])
print(json.dumps({"bytes": os.path.getsize(cfg["data"])}))
'''

# --------------------------------------------------------------------------- the measured sides

PROBE = r'''
import json, os, resource, sys, threading, time
import psutil
_peak = [0, 0]
_probe_cpu = [0.0]  # the sampler's own CPU (reading /proc/*/smaps is not cheap): taken out of the call's CPU
_stop = threading.Event()
def _sample():
    me = psutil.Process()
    while not _stop.is_set():
        total = anon = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_full_info().pss  # shared (forked) pages counted once
                m = p.memory_info()
                anon += m.rss - m.shared  # not file-backed: what the process holds itself (not mmapped Arrow files)
            except psutil.Error:
                pass
        _peak[0] = max(_peak[0], total)
        _peak[1] = max(_peak[1], anon)
        _probe_cpu[0] = time.thread_time()
        _stop.wait(0.1)
threading.Thread(target=_sample, daemon=True).start()
def call_cpu():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # threads and reaped workers included, the memory sampler thread not
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime - _probe_cpu[0]
def report(**kw):
    _stop.set()
    kw["load_end"] = os.getloadavg()[0]
    kw["tree_peak_mb"] = _peak[0] / 2**20
    kw["anon_peak_mb"] = _peak[1] / 2**20
    m = psutil.Process().memory_info()
    kw["anon_end_mb"] = (m.rss - m.shared) / 2**20
    print("RESULT " + json.dumps(kw), flush=True)
cfg = json.loads(sys.argv[1])
'''

SWIFTKIT_SCRIPT = PROBE + r'''
from transformers import AutoTokenizer
from swiftkit.core.registry import get_registry
from swiftkit.data import prepare_datasets
registry = get_registry()
tok = AutoTokenizer.from_pretrained(cfg["model_dir"])
template = registry.template("qwen2_5")
m0 = psutil.Process().memory_info()
rss0, anon0 = m0.rss / 2**20, (m0.rss - m0.shared) / 2**20
c0 = call_cpu()
t0 = time.perf_counter()
data = prepare_datasets(dataset=[cfg["data"]], registry=registry, template=template, tokenizer=tok,
                        max_length=cfg["max_length"], truncation_strategy="delete", num_proc=cfg["num_proc"],
                        cache_dir=cfg["cache"], seed=42)
seconds = time.perf_counter() - t0
report(seconds=seconds, call_cpu_s=call_cpu() - c0, rows=len(data.train), tokens=data.report.train.tokens, rss_before_mb=rss0,
       anon_before_mb=anon0, cache_hits=data.report.cache_hits)
'''

MS_SCRIPT = PROBE + r'''
from swift.dataset import EncodePreprocessor, load_dataset
from swift.model import get_processor
from swift.template import get_template
processor = get_processor(cfg["model_dir"], model_type="qwen2")
template = get_template(processor, max_length=cfg["max_length"], truncation_strategy="raise", template_type="qwen2_5")
template.set_mode("train")
m0 = psutil.Process().memory_info()
rss0, anon0 = m0.rss / 2**20, (m0.rss - m0.shared) / 2**20
c0 = call_cpu()
t0 = time.perf_counter()
train, _ = load_dataset([cfg["data"]], num_proc=cfg["num_proc"], shuffle=True, seed=42, strict=False)
train = EncodePreprocessor(template)(train, num_proc=cfg["num_proc"], strict=False)
seconds = time.perf_counter() - t0
cpu = call_cpu() - c0
import numpy as np
lengths = np.asarray(train["lengths"]) if "lengths" in train.column_names else np.asarray([len(x) for x in train["input_ids"]])
report(seconds=seconds, call_cpu_s=cpu, rows=len(train), tokens=int(lengths.sum()), rss_before_mb=rss0, anon_before_mb=anon0,
       cache_hits=None)
'''


def child_env(home: Path, python_path: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HOME=str(home / "hf"), HF_DATASETS_CACHE=str(home / "hf" / "datasets"),
               SWIFTKIT_CACHE_DIR=str(home / "swiftkit"), MODELSCOPE_CACHE=str(home / "ms"),
               HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1",
               PYTHONUNBUFFERED="1")
    env.pop("TOKENIZERS_PARALLELISM", None)  # each library's default: its tokenizer may use free cores
    if python_path is not None:
        env["PYTHONPATH"] = python_path
    else:
        env.pop("PYTHONPATH", None)
    return env


def spawn(python: str, script: str, cfg: dict, env: dict[str, str]) -> dict:
    """Run ``script`` in a fresh ``python``; its RESULT line plus the child's ``ru_maxrss``."""
    proc = subprocess.Popen([python, "-c", script, json.dumps(cfg)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=tempfile.gettempdir())
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(out.splitlines()[-25:])
        return {"error": f"exit {proc.returncode}:\n{tail}"}
    result = json.loads(lines[-1][len("RESULT "):])
    result["main_peak_mb"] = usage.ru_maxrss / 1024
    result["cpu_s"] = usage.ru_utime + usage.ru_stime  # the child and its reaped workers, imports included
    return result


def row(label: str, r: dict) -> str:
    if "error" in r:
        return f"{label:<28} FAILED {r['error'].splitlines()[0]}"
    return (f"{label:<28} {r['seconds']:8.1f} s (CPU {r['call_cpu_s']:6.1f} s; process {r['cpu_s']:6.1f} s; load "
            f"{r['load_end']:.1f}) {r['rows']:>9,} rows {r['tokens'] / 1e6:7.2f} M tok "
            f"{r['tokens'] / r['seconds'] / 1e3:8.0f} k tok/s  main peak {r['main_peak_mb']:6.0f} MB "
            f"(+{r['main_peak_mb'] - r['rss_before_mb']:4.0f} over start)  tree PSS peak {r['tree_peak_mb']:6.0f} MB  "
            f"tree anon peak {r['anon_peak_mb']:6.0f} MB (start {r['anon_before_mb']:.0f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "swiftkit-preprocess"))
    ap.add_argument("--rows", type=int, default=139_000)
    ap.add_argument("--procs", default="1,2", help="comma-separated --dataset_num_proc values")
    ap.add_argument("--max-length", type=int, default=2048)
    ap.add_argument("--ms-python", help="a Python with ms-swift installed (the baseline); omitted: swiftkit only")
    ap.add_argument("--no-cached", action="store_true", help="skip the second (cached) swiftkit run")
    args = ap.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"chat-{args.rows}-v2.jsonl"  # v2: the ~50 MB mix (v1 was 65 MB)
    cfg = {"model_id": MODEL_ID, "model_dir": str(work / "model"), "tiny": TINY, "data": str(data),
           "rows": args.rows, "seed": 0}
    started = time.perf_counter()
    setup = subprocess.run([sys.executable, "-c", SETUP_SCRIPT, json.dumps(cfg)], env=child_env(work / "setup-home", str(REPO)),
                           capture_output=True, text=True, check=False)
    if setup.returncode != 0:
        sys.exit(f"setup failed:\n{setup.stderr[-3000:]}")
    size = json.loads(setup.stdout.strip().splitlines()[-1])["bytes"]
    print(f"data: {data} ({size / 1e6:.1f} MB, {args.rows:,} rows; setup {time.perf_counter() - started:.1f} s)")
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    results: dict[tuple[str, int], dict] = {}
    for n in [int(p) for p in args.procs.split(",")]:
        base = {"model_dir": cfg["model_dir"], "data": str(data), "max_length": args.max_length, "num_proc": n}
        with tempfile.TemporaryDirectory(dir=work) as home_sk:
            home = Path(home_sk)
            run_cfg = {**base, "cache": str(home / "hf" / "datasets")}
            r = spawn(sys.executable, SWIFTKIT_SCRIPT, run_cfg, child_env(home, str(REPO)))
            results[("swiftkit", n)] = r
            print(row(f"swiftkit  num_proc={n}", r), flush=True)
            if not args.no_cached and "error" not in r:
                r = spawn(sys.executable, SWIFTKIT_SCRIPT, run_cfg, child_env(home, str(REPO)))
                results[("swiftkit-cached", n)] = r
                print(row(f"swiftkit  num_proc={n} cached", r), flush=True)
        if args.ms_python:
            with tempfile.TemporaryDirectory(dir=work) as home_ms:
                home = Path(home_ms)
                r = spawn(args.ms_python, MS_SCRIPT, {**base, "cache": str(home / "hf" / "datasets")}, child_env(home, None))
                results[("ms-swift", n)] = r
                print(row(f"ms-swift  num_proc={n}", r), flush=True)
    print()
    print("side by side (first-time preprocessing, seconds; ratio = ms-swift / swiftkit, > 1: swiftkit ahead)")
    for n in dict.fromkeys(int(p) for p in args.procs.split(",")):  # a value given twice: its last run
        sk, ms = results.get(("swiftkit", n), {}), results.get(("ms-swift", n), {})
        if "seconds" in sk and "seconds" in ms:
            print(f"  num_proc={n}: swiftkit {sk['seconds']:.1f} s, {sk['call_cpu_s']:.1f} CPU s / {sk['tree_peak_mb']:.0f} MB"
                  f"   ms-swift {ms['seconds']:.1f} s, {ms['call_cpu_s']:.1f} CPU s / {ms['tree_peak_mb']:.0f} MB   ratio "
                  f"{ms['seconds'] / sk['seconds']:.2f}x wall, {ms['call_cpu_s'] / sk['call_cpu_s']:.2f}x CPU")
        elif "seconds" in sk:
            print(f"  num_proc={n}: swiftkit {sk['seconds']:.1f} s / {sk['tree_peak_mb']:.0f} MB")
    one, two = results.get(("swiftkit", 1), {}), results.get(("swiftkit", 2), {})
    if "seconds" in one and "seconds" in two:
        print(f"  swiftkit scaling 1 -> 2 procs: {one['seconds'] / two['seconds']:.2f}x wall; CPU "
              f"{two['call_cpu_s'] / one['call_cpu_s']:.2f}x of num_proc=1's (1.00 = no overhead)")


if __name__ == "__main__":
    main()
