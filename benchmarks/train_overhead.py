"""Training overhead benchmark: ``swift sft`` against a plain transformers + peft script.

Builds one tiny random Qwen2 model (hidden 256, 4 layers, vocab 512; about 2.6 M parameters)
and a variable-length chat dataset (``--rows`` single-turn conversations of 20 to ~450 tokens,
log-uniform), then runs both sides, each in a fresh process, interleaved A/B then B/A so that
machine drift hits both alike:

- SWIFT: ``python -m swiftkit sft --model DIR --dataset data.jsonl --train_type lora ...``;
- PLAIN: a standalone script written next to the data (``plain_sft.py``) doing what a user of
  transformers + peft writes by hand: ``AutoModelForCausalLM`` / ``AutoTokenizer``,
  ``get_peft_model`` with swiftkit's LoRA defaults (r 8, alpha 32, dropout 0.05,
  ``all-linear``, task type CAUSAL_LM), ``datasets.load_dataset("json")`` + ``shuffle(seed)`` +
  ``map`` with ``apply_chat_template`` (prompt and full conversation tokenized, labels -100 on
  the prompt), ``DataCollatorForSeq2Seq`` padding, and ``transformers.Trainer`` with the
  TrainingArguments ``swift sft`` builds (max_steps, batch, lr 1e-4, cosine, weight decay 0.1,
  seed / data_seed, adamw_torch, grad-norm 1.0, logging_steps, one checkpoint at the end).

Both sides shuffle the same rows with the same seed and initialise the adapter after the same
``set_seed``, so they train on identical batches; the logged losses are compared as a check (a
mismatch would make the comparison meaningless and is printed).

Measured per run (medians over ``--reps``; "pairwise" = median over the A/B pairs):

- end-to-end wall time of the process (``time.perf_counter`` around spawn .. ``os.wait4``);
- peak memory: ``ru_maxrss`` of that child from ``os.wait4`` (Linux: KiB), i.e. max RSS;
- CPU seconds (user + sys) of the child;
- time per step, STEADY: wall clock between the ends of step ``--skip`` and of the last step,
  divided by the steps between; taken by one probe callback that runs identically in both
  processes (a ``sitecustomize.py`` on both sides' PYTHONPATH wraps ``Trainer.__init__`` to add
  it; neither program is edited). It excludes start-up, data preparation, the first steps and
  the final checkpoint save. The same span in process CPU time is shown too: on a shared
  machine it is the figure least disturbed by other load;
- time per step from the trainer's own metrics, ``train_runtime / global_step`` (swift: the
  last record of ``<run>/logging.jsonl``; plain: ``trainer.train()`` metrics);
- the wall and CPU time split into phases (interpreter start .. train begin .. train end ..
  exit) and RSS at train begin / peak at train end, from the same probe, to attribute gaps;
- what each side has imported when training begins (module count, top-level packages only one
  side imports) and, with ``--importtime``, one more run per side under ``python -X importtime``
  whose report up to the first step gives the import time per top-level package.

``--without bitsandbytes,sklearn,deepspeed`` makes packages look not installed on both sides (the
comparison in an environment without them: transformers, peft and accelerate import each of them
whenever it is installed, the plain script included; ``swift sft`` keeps them out of a run that
does not use them, see ``swiftkit/train/lean_imports.py``).

The data caches are warm for both sides: one unmeasured warm-up run each builds them (its
figures are printed as "cold"). A swift run during which swiftkit's plugin index was rebuilt
(plugins installed or edited meanwhile) is discarded and repeated. Then packing: ``swift sft``
for one epoch over the same data without and with ``--packing true`` (same ``--max_length``,
same ``--packing-batch``, default 4, so that unpacked batches carry padding); tokens/s counts
the real (non-pad) tokens of the epoch, i.e. the sum of the encoded row lengths, divided by
``train_runtime``; trainable tokens/s counts the label tokens.

    .venv/bin/python benchmarks/train_overhead.py [--reps 5] [--steps 60] [--batch 1] [--threads 1]
    .venv/bin/python benchmarks/train_overhead.py --keep /tmp/tob   # keep the model, data and logs
    .venv/bin/python benchmarks/train_overhead.py --no-packing --importtime [--without bitsandbytes,sklearn,deepspeed]

Targets (issue 16): time per step within 3 % of plain, end-to-end wall within 0.3 s of plain, peak
memory within 15 MB of plain. The exit status is 0 whatever the verdicts (this is a report). Takes
about 4 minutes on 2 cores (longer when the machine is busy). ``--threads`` defaults to 1: on
a shared machine, spinning OpenMP threads fighting other processes make step times erratic.
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
import textwrap
import time
from pathlib import Path

MODEL_ID = "qwen2.5-0.5b-instruct"
TINY = {"hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 4}
TARGETS = {"step_pct": 3.0, "wall_s": 0.3, "rss_mb": 15.0}
IMPORTTIME_MARK = "@@TRAIN-PROBE: train begin@@"

# --------------------------------------------------------------------------- setup (child)

SETUP_SCRIPT = r'''
import json, math, random, sys
cfg = json.loads(sys.argv[1])
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.models.offline_tokenizer import _SENTENCES
model_dir = build_tiny_model(cfg["model_id"], cfg["model_dir"], **cfg["tiny"])
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(model_dir)
words = " ".join(_SENTENCES[:14]).replace("\n", " ").split()
rng = random.Random(cfg["seed"])
rows, lengths, trainable = [], [], []
while len(rows) < cfg["rows"]:
    target = math.exp(rng.uniform(math.log(12), math.log(cfg["max_tokens"])))
    n = max(2, round((target - 16) / 2.4))
    nq = max(1, round(n * rng.uniform(0.2, 0.6)))
    q = " ".join(rng.choice(words) for _ in range(nq))
    a = " ".join(rng.choice(words) for _ in range(max(1, n - nq)))
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": q},
            {"role": "assistant", "content": a}]
    full = tok.apply_chat_template(msgs, tokenize=True, return_dict=True)["input_ids"]
    if len(full) > cfg["max_length"]:
        continue
    prompt = tok.apply_chat_template(msgs[:-1], tokenize=True, return_dict=True, add_generation_prompt=True)["input_ids"]
    rows.append({"messages": msgs})
    lengths.append(len(full))
    trainable.append(len(full) - len(prompt))
with open(cfg["data"], "w", encoding="utf-8") as fh:
    for r in rows:
        fh.write(json.dumps(r) + "\n")
print(json.dumps({"lengths": lengths, "trainable": trainable}))
'''

# --------------------------------------------------------------------------- the plain baseline

PLAIN_SCRIPT = r'''
"""Plain transformers + peft LoRA SFT, the way it is written by hand (benchmark baseline)."""
import json, sys
cfg = json.loads(sys.argv[1])

import datasets
from peft import LoraConfig, TaskType, get_peft_model
from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer,
                          TrainingArguments, set_seed)

set_seed(cfg["seed"])
tokenizer = AutoTokenizer.from_pretrained(cfg["model"])
if tokenizer.pad_token is None:
    tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained(cfg["model"], dtype="auto")
model = get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM, r=8, lora_alpha=32, lora_dropout=0.05,
                                         target_modules="all-linear"))

max_length = cfg["max_length"]


def encode(batch):
    out = {"input_ids": [], "labels": []}
    for messages in batch["messages"]:
        full = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"]
        if len(full) > max_length:
            continue
        prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=True, return_dict=True,
                                               add_generation_prompt=True)["input_ids"]
        out["input_ids"].append(full)
        out["labels"].append([-100] * len(prompt) + full[len(prompt):])
    return out


ds = datasets.load_dataset("json", data_files={"train": cfg["data"]}, split="train")
ds = ds.shuffle(seed=cfg["seed"])
ds = ds.map(encode, batched=True, remove_columns=ds.column_names)


args = TrainingArguments(
    output_dir=cfg["output_dir"], num_train_epochs=1, max_steps=cfg["max_steps"],
    per_device_train_batch_size=cfg["batch"], gradient_accumulation_steps=1, learning_rate=1e-4,
    weight_decay=0.1, warmup_steps=0, lr_scheduler_type="cosine", logging_steps=cfg["logging_steps"],
    save_strategy="steps", save_steps=cfg["save_steps"], eval_strategy="no", seed=cfg["seed"],
    data_seed=cfg["seed"], optim="adamw_torch", max_grad_norm=1.0, dataloader_num_workers=0,
    remove_unused_columns=False, report_to=[], disable_tqdm=True, use_cpu=True,
)
trainer = Trainer(model=model, args=args, train_dataset=ds,
                  data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
                  processing_class=tokenizer)
out = trainer.train()
print(json.dumps({"metrics": out.metrics, "global_step": trainer.state.global_step,
                  "losses": [[r["step"], r["loss"]] for r in trainer.state.log_history if "loss" in r]}))
'''


# --------------------------------------------------------------------------- the probe
# Written as ``sitecustomize.py`` into a folder put on both sides' PYTHONPATH, so that the very
# same instrumentation runs in ``python -m swiftkit sft`` and in the plain script without
# touching either: when ``transformers.trainer`` is imported, ``Trainer.__init__`` is wrapped to
# add one callback that records (step, wall clock, process CPU time) at every ``on_step_end``
# and the memory at train begin / end; at exit everything goes to $TRAIN_PROBE_OUT as JSON,
# with the in-process phase times (interpreter start .. train begin .. train end .. exit).

PROBE_SCRIPT = r'''
import atexit, json, os, sys, time

_T0 = time.perf_counter()
_OUT = os.environ.get("TRAIN_PROBE_OUT")
_DATA = {"start": [_T0, time.process_time()], "steps": [], "mem": {}}
for _name in filter(None, os.environ.get("TRAIN_PROBE_WITHOUT", "").split(",")):
    sys.modules[_name] = None  # as if not installed, on both sides alike (--without)


def _packages():
    return sorted({k.partition(".")[0] for k, v in list(sys.modules.items()) if v is not None and not k.startswith("_")})


def _mem():
    out = {}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


def _now():
    return [time.perf_counter(), time.process_time()]


def _patch(module):
    from transformers.trainer_callback import TrainerCallback

    class TrainProbe(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            _DATA["mem"]["train_begin"] = _mem()
            _DATA["packages"] = _packages()
            _DATA["modules"] = sum(v is not None for v in list(sys.modules.values()))
            sys.stderr.write("@@TRAIN-PROBE: train begin@@\n")  # where -X importtime's report is cut
            sys.stderr.flush()
            _DATA["train_begin"] = _now()
            _DATA["steps"].append([state.global_step, *_now()])

        def on_step_end(self, args, state, control, **kwargs):
            _DATA["steps"].append([state.global_step, *_now()])

        def on_train_end(self, args, state, control, **kwargs):
            _DATA["mem"]["train_end"] = _mem()
            _DATA["train_end"] = _now()

    init = module.Trainer.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if not any(isinstance(cb, TrainProbe) for cb in self.callback_handler.callbacks):
            self.add_callback(TrainProbe())

    module.Trainer.__init__ = __init__


class _Finder:
    def find_spec(self, name, path, target=None):
        if name != "transformers.trainer":
            return None
        import importlib.util

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module

        def patched(module):
            exec_module(module)
            _patch(module)

        spec.loader.exec_module = patched
        return spec


@atexit.register
def _dump():
    if _OUT:
        _DATA["exit"] = _now()
        _DATA["mem"]["exit"] = _mem()
        with open(_OUT, "w") as fh:
            json.dump(_DATA, fh)


if _OUT:
    sys.meta_path.insert(0, _Finder())
'''

# --------------------------------------------------------------------------- running children


def child_env(threads: int, work: Path, without: str = "") -> dict[str, str]:
    env = dict(os.environ)
    # the caller's PYTHONPATH (a source checkout under test) stays behind the probe's folder
    path = os.pathsep.join(filter(None, [str(work / "probe"), env.get("PYTHONPATH", "")]))
    for var in ("PYTHONPATH", "PYTHONPROFILEIMPORTTIME", "SWIFTKIT_NO_INDEX", "SWIFTKIT_STRICT_PLUGINS",
                "SWIFTKIT_PLUGINS_ALLOW", "SWIFTKIT_PLUGINS_DENY", "TRAIN_PROBE_OUT", "TRAIN_PROBE_WITHOUT",
                "SWIFTKIT_KEEP_IMPORTS"):
        env.pop(var, None)
    env.update(
        OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="false",
        HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
        HF_DATASETS_CACHE=str(work / "hf-datasets"), SWIFTKIT_CACHE_DIR=str(work / "swiftkit-cache"),
        PYTHONPATH=path, TRAIN_PROBE_WITHOUT=without,
    )
    return env


def spawn(argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> dict:
    """Run ``argv`` to the end; its wall time, peak RSS and CPU time (from ``os.wait4``), its output and probe data."""
    probe_file = log.with_suffix(".probe.json")
    probe_file.unlink(missing_ok=True)
    with open(log, "wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env={**env, "TRAIN_PROBE_OUT": str(probe_file)},
                                cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
    output = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:5])} ... failed with exit {proc.returncode}; last output:\n{output[-3000:]}")
    probe = json.loads(probe_file.read_text(encoding="utf-8"))
    return {"wall": wall, "rss": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime, "output": output,
            "probe": probe}


def _index_state(cache: Path) -> list[tuple[str, int]]:
    return sorted((p.name, p.stat().st_mtime_ns) for p in cache.glob("plugin-index-*.json")) if cache.is_dir() else []


def import_report(output: str) -> dict[str, float]:
    """Seconds of import time per top-level package before the first training step, from
    ``python -X importtime``'s report in ``output`` (cut at the probe's train-begin mark): the
    self time of every module of the package, wherever it was imported from (so that a package
    costs the same on both sides whichever import pulled it in), imports made at run time included."""
    totals: dict[str, float] = {}
    for line in output.splitlines():
        if IMPORTTIME_MARK in line:
            break
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        top = parts[2].strip().partition(".")[0]
        totals[top] = totals.get(top, 0.0) + int(parts[0]) / 1e6
    return totals


def run_swift(py: str, env: dict[str, str], work: Path, out: Path, extra: list[str], tag: str,
              flags: tuple[str, ...] = ()) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    argv = [py, *flags, "-m", "swiftkit", "sft", "--model", str(work / "model"), "--dataset", str(work / "data.jsonl"),
            "--train_type", "lora", "--output_dir", str(out), "--add_version", "false", "--report_to", "none",
            *extra]
    before = _index_state(work / "swiftkit-cache")
    r = spawn(argv, env, work / f"log-{tag}.txt", work)
    r["index_rebuilt"] = _index_state(work / "swiftkit-cache") != before
    log = [json.loads(line) for line in (out / "logging.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    final = next(x for x in reversed(log) if "train_runtime" in x)
    r.update(train_runtime=final["train_runtime"], steps=final["step"],
             losses=[[x["step"], x["loss"]] for x in log if "loss" in x])
    return r


def run_plain(py: str, env: dict[str, str], work: Path, out: Path, cfg: dict, tag: str,
              flags: tuple[str, ...] = ()) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    r = spawn([py, *flags, str(work / "plain_sft.py"), json.dumps({**cfg, "output_dir": str(out)})], env,
              work / f"log-{tag}.txt", work)
    result = json.loads(next(line for line in reversed(r["output"].strip().splitlines()) if line.startswith("{")))
    r.update(train_runtime=result["metrics"]["train_runtime"], steps=result["global_step"], losses=result["losses"])
    return r


def derive(r: dict, skip: int) -> dict:
    """Per-step and per-phase figures of one run from its probe data."""
    p = r["probe"]
    steps = {s: (w, c) for s, w, c in p["steps"]}
    last = max(steps)
    first = skip if skip in steps and skip < last else min(steps)
    n = last - first
    r["step_wall"] = (steps[last][0] - steps[first][0]) / n if n else None
    r["step_cpu"] = (steps[last][1] - steps[first][1]) / n if n else None
    r["step_runtime"] = r["train_runtime"] / r["steps"] if r["steps"] else None
    r["ph_setup"] = p["train_begin"][0] - p["start"][0]
    r["ph_train"] = p["train_end"][0] - p["train_begin"][0]
    r["ph_teardown"] = p["exit"][0] - p["train_end"][0]
    r["ph_outside"] = r["wall"] - (p["exit"][0] - p["start"][0])
    r["cpu_setup"] = p["train_begin"][1] - p["start"][1]
    r["cpu_train"] = p["train_end"][1] - p["train_begin"][1]
    r["cpu_teardown"] = p["exit"][1] - p["train_end"][1]
    r["rss_train_begin"] = p["mem"]["train_begin"].get("VmRSS")
    r["hwm_train_begin"] = p["mem"]["train_begin"].get("VmHWM")
    r["hwm_train_end"] = p["mem"]["train_end"].get("VmHWM")
    r["rss_exit"] = p["mem"]["exit"].get("VmRSS")
    r["packages"] = p.get("packages") or []
    r["modules"] = p.get("modules")
    return r


class Side:
    def __init__(self, name: str):
        self.name = name
        self.runs: list[dict] = []

    def values(self, key: str) -> list[float]:
        return [r[key] for r in self.runs if r.get(key) is not None]

    def median(self, key: str) -> float:
        values = self.values(key)
        return statistics.median(values) if values else float("nan")

    def spread(self, key: str, scale: float = 1.0, digits: int = 2) -> str:
        values = self.values(key)
        return f"{scale * min(values):.{digits}f}..{scale * max(values):.{digits}f}" if values else "-"


# --------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5, help="measured runs per side (median); default 5")
    ap.add_argument("--steps", type=int, default=60, help="max_steps of the A/B runs; default 60")
    ap.add_argument("--batch", type=int, default=1,
                    help="per_device_train_batch_size of the A/B runs; default 1 (a step then takes tens of ms, "
                         "so per-step overhead shows most)")
    ap.add_argument("--packing-batch", type=int, default=4,
                    help="per_device_train_batch_size of the packing runs; default 4 (unpacked batches then "
                         "carry padding, as variable-length data does)")
    ap.add_argument("--rows", type=int, default=256, help="rows of the dataset; default 256")
    ap.add_argument("--max-length", type=int, default=512, help="max_length (and packed row length); default 512")
    ap.add_argument("--logging-steps", type=int, default=5)
    ap.add_argument("--skip", type=int, default=10, help="first steps left out of the steady per-step time; default 10")
    ap.add_argument("--threads", type=int, default=1,
                    help="OMP_NUM_THREADS of both sides; default 1 (robust on a shared machine: no spinning "
                         "OpenMP threads fighting other processes)")
    ap.add_argument("--packing-reps", type=int, default=1, help="runs per packing setting (median); default 1")
    ap.add_argument("--no-packing", action="store_true", help="skip the packing comparison")
    ap.add_argument("--importtime", action="store_true",
                    help="one more run per side under python -X importtime (not counted in the medians): the "
                         "import time of each top-level package imported before the first training step")
    ap.add_argument("--without", default="", metavar="PKG,...",
                    help="make these packages look not installed on BOTH sides (e.g. bitsandbytes,sklearn,deepspeed: "
                         "the comparison in an environment without them)")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (model, data, logs, run folders)")
    args = ap.parse_args()

    py = sys.executable
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="swiftkit-train-overhead-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "probe").mkdir(exist_ok=True)
    (work / "probe" / "sitecustomize.py").write_text(textwrap.dedent(PROBE_SCRIPT), encoding="utf-8")
    (work / "plain_sft.py").write_text(textwrap.dedent(PLAIN_SCRIPT), encoding="utf-8")
    env = child_env(args.threads, work, args.without)
    started = time.perf_counter()
    try:
        # ---- model and data ------------------------------------------------------------
        shutil.rmtree(work / "model", ignore_errors=True)
        setup_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
        setup = subprocess.run(
            [py, "-c", SETUP_SCRIPT, json.dumps({
                "model_id": MODEL_ID, "model_dir": str(work / "model"), "tiny": TINY, "data": str(work / "data.jsonl"),
                "rows": args.rows, "max_tokens": 440, "max_length": args.max_length, "seed": 0})],
            env=setup_env, cwd=work, capture_output=True, text=True)
        if setup.returncode != 0:
            raise SystemExit(f"setup failed:\n{setup.stderr[-3000:]}")
        stats = json.loads(setup.stdout.strip().splitlines()[-1])
        lengths, trainable = stats["lengths"], stats["trainable"]
        print(f"work dir: {work}   python: {py}")
        print(f"model: tiny {MODEL_ID} {TINY}, vocab 512; data: {len(lengths)} rows, tokens per row "
              f"{min(lengths)}..{max(lengths)} (median {statistics.median(lengths):.0f}, mean "
              f"{statistics.mean(lengths):.0f}), {sum(lengths)} tokens, {sum(trainable)} trainable")
        print(f"A/B: max_steps {args.steps}, batch {args.batch}, lr 1e-4 cosine, LoRA r8 a32 all-linear, "
              f"max_length {args.max_length}, logging_steps {args.logging_steps}, one checkpoint at the end, "
              f"OMP_NUM_THREADS={args.threads}, {args.reps} reps interleaved; load average {loadavg()}"
              + (f"; without (both sides): {args.without}" if args.without else ""), flush=True)

        save_steps = 100_000
        swift_args = ["--max_steps", str(args.steps), "--per_device_train_batch_size", str(args.batch),
                      "--learning_rate", "1e-4", "--lr_scheduler_type", "cosine", "--seed", "42",
                      "--logging_steps", str(args.logging_steps), "--save_steps", str(save_steps),
                      "--max_length", str(args.max_length)]
        plain_cfg = {"model": str(work / "model"), "data": str(work / "data.jsonl"), "seed": 42,
                     "max_steps": args.steps, "batch": args.batch, "logging_steps": args.logging_steps,
                     "save_steps": save_steps, "max_length": args.max_length}

        swift, plain = Side("swift sft"), Side("plain HF+peft")
        # ---- warm-up: builds both sides' datasets caches and swiftkit's plugin index ----------
        cold_s = run_swift(py, env, work, work / "run-swift", swift_args, "swift-warmup")
        cold_p = run_plain(py, env, work, work / "run-plain", plain_cfg, "plain-warmup")
        print(f"warm-up (cold data caches, not counted): swift {cold_s['wall']:.2f} s / {cold_s['rss']:.0f} MB, "
              f"plain {cold_p['wall']:.2f} s / {cold_p['rss']:.0f} MB", flush=True)

        # ---- interleaved measured runs ------------------------------------------------------
        rebuilt = 0
        for i in range(args.reps):
            order = [swift, plain] if i % 2 == 0 else [plain, swift]
            for side in order:
                if side is swift:
                    for _attempt in range(3):  # a run that rebuilt the plugin index was not a warm run
                        r = run_swift(py, env, work, work / "run-swift", swift_args, f"swift-{i}")
                        if not r["index_rebuilt"]:
                            break
                        rebuilt += 1
                else:
                    r = run_plain(py, env, work, work / "run-plain", plain_cfg, f"plain-{i}")
                side.runs.append(derive(r, args.skip))
                print(f"  rep {i + 1} {side.name:<14} wall {r['wall']:6.2f} s  step {1e3 * r['step_wall']:6.1f} ms "
                      f"(cpu {1e3 * r['step_cpu']:6.1f} ms)  peak RSS {r['rss']:6.1f} MB  cpu {r['cpu']:6.2f} s  "
                      f"load {loadavg()}", flush=True)

        # ---- same batches? ---------------------------------------------------------------------
        ls, lp = dict(map(tuple, swift.runs[-1]["losses"])), dict(map(tuple, plain.runs[-1]["losses"]))
        common = sorted(set(ls) & set(lp))
        diff = max((abs(ls[k] - lp[k]) for k in common), default=float("nan"))
        same = bool(common) and diff < 1e-3 and swift.runs[-1]["steps"] == plain.runs[-1]["steps"]
        print(f"\nloss check: {len(common)} logged steps in common, max |swift - plain| = {diff:.1e} "
              + ("(identical batches and initialisation)" if same else "** MISMATCH: the sides did not train alike **"))
        if rebuilt:
            print(f"note: swiftkit's plugin index was rebuilt during {rebuilt} swift run(s) (installed plugins or "
                  "plugin files changed meanwhile); those runs were discarded and repeated")

        # ---- what each side imports before the first step --------------------------------------
        pk_s, pk_p = set(swift.runs[-1]["packages"]), set(plain.runs[-1]["packages"])
        print(f"\nbefore the first step: swift {swift.runs[-1]['modules']} modules, plain {plain.runs[-1]['modules']}; "
              f"top-level packages only swift imports: {', '.join(sorted(pk_s - pk_p)) or '-'}; only plain: "
              f"{', '.join(sorted(pk_p - pk_s)) or '-'}")
        if args.importtime:
            it_s = import_report(run_swift(py, env, work, work / "run-swift", swift_args, "swift-importtime",
                                           ("-X", "importtime"))["output"])
            it_p = import_report(run_plain(py, env, work, work / "run-plain", plain_cfg, "plain-importtime",
                                           ("-X", "importtime"))["output"])
            names = sorted(set(it_s) | set(it_p), key=lambda n: -max(it_s.get(n, 0), it_p.get(n, 0)))
            top = [n for n in names if max(it_s.get(n, 0), it_p.get(n, 0)) >= 0.02][:20]
            print("import time before the first step (python -X importtime, one run each: the self time of each "
                  "package's modules; inflated by the tracing itself)")
            rows_it = [["package", "swift s", "plain s", "difference"]]
            for n in top:
                a, b = it_s.get(n, 0.0), it_p.get(n, 0.0)
                rows_it.append([n, f"{a:.3f}" if n in it_s else "-", f"{b:.3f}" if n in it_p else "-", f"{a - b:+.3f}"])
            a, b = sum(it_s.values()), sum(it_p.values())
            rows_it.append(["all packages", f"{a:.3f}", f"{b:.3f}", f"{a - b:+.3f}"])
            print(table(rows_it))

        # ---- packing -------------------------------------------------------------------------
        packing_rows = []
        if not args.no_packing:
            epoch_args = ["--num_train_epochs", "1", "--per_device_train_batch_size", str(args.packing_batch),
                          "--learning_rate", "1e-4", "--seed", "42", "--logging_steps", str(args.logging_steps),
                          "--save_steps", str(save_steps), "--max_length", str(args.max_length)]
            results: dict[str, list[dict]] = {"off": [], "on": []}
            # one packed run first builds the packed-data cache; the unpacked data is already cached
            run_swift(py, env, work, work / "run-pack-on", [*epoch_args, "--packing", "true"], "pack-warmup")
            for i in range(args.packing_reps):
                for mode in ("off", "on") if i % 2 == 0 else ("on", "off"):
                    extra = [*epoch_args, "--packing", "true"] if mode == "on" else epoch_args
                    results[mode].append(derive(run_swift(py, env, work, work / f"run-pack-{mode}", extra,
                                                          f"pack-{mode}-{i}"), 0))
            tokens, train_tokens = sum(lengths), sum(trainable)
            for mode, label in (("off", "no packing"), ("on", "packing")):
                rt = statistics.median(r["train_runtime"] for r in results[mode])
                steps = results[mode][0]["steps"]
                packing_rows.append([label, str(steps), f"{rt:.2f}", f"{1e3 * rt / steps:.0f}", f"{tokens / rt:,.0f}",
                                     f"{train_tokens / rt:,.0f}",
                                     f"{statistics.median(r['wall'] for r in results[mode]):.2f}",
                                     f"{statistics.median(r['rss'] for r in results[mode]):.0f}"])

        # ---- the table -----------------------------------------------------------------------
        def ms(v: float) -> str:
            return f"{1e3 * v:.1f} ms"

        def sec(v: float) -> str:
            return f"{v:.2f} s"

        def mb(v: float) -> str:
            return f"{v:.1f} MB"

        pairs = list(zip(swift.runs, plain.runs, strict=True))
        s_step, p_step = swift.median("step_wall"), plain.median("step_wall")
        step_pct = 100 * (s_step / p_step - 1)
        pair_step = 100 * (statistics.median(a["step_wall"] / b["step_wall"] for a, b in pairs) - 1)
        s_wall, p_wall = swift.median("wall"), plain.median("wall")
        pair_wall = statistics.median(a["wall"] - b["wall"] for a, b in pairs)
        s_rss, p_rss = swift.median("rss"), plain.median("rss")
        ok_step, ok_wall, ok_rss = step_pct <= TARGETS["step_pct"], s_wall - p_wall <= TARGETS["wall_s"], \
            s_rss - p_rss <= TARGETS["rss_mb"]

        def info(label: str, key: str, fmt, unit_diff) -> list[str]:
            a, b = swift.median(key), plain.median(key)
            return [label, fmt(a), fmt(b), unit_diff(a, b), "", ""]

        def d_pct(a: float, b: float) -> str:
            return f"{100 * (a / b - 1):+.1f} %"

        def d_s(a: float, b: float) -> str:
            return f"{a - b:+.2f} s"

        def d_mb(a: float, b: float) -> str:
            return f"{a - b:+.1f} MB"

        rows = [
            [f"median of {args.reps} runs each", "swift sft", "plain HF+peft", "difference", "target", "verdict"],
            [f"time/step, steady (steps {args.skip}..{args.steps}, wall)", ms(s_step), ms(p_step),
             f"{step_pct:+.1f} % (pairwise {pair_step:+.1f} %)", f"<= +{TARGETS['step_pct']:.0f} %", verdict(ok_step)],
            info("  the same, process CPU time", "step_cpu", ms, d_pct),
            info("  train_runtime / steps (incl. warm-up, save)", "step_runtime", ms, d_pct),
            ["end-to-end wall", sec(s_wall), sec(p_wall), f"{s_wall - p_wall:+.2f} s (pairwise {pair_wall:+.2f} s)",
             f"<= +{TARGETS['wall_s']:g} s", verdict(ok_wall)],
            info("  start .. train begin (imports, load, data)", "ph_setup", sec, d_s),
            info("  train() (incl. final checkpoint)", "ph_train", sec, d_s),
            info("  train end .. exit", "ph_teardown", sec, d_s),
            info("  interpreter start-up and shutdown", "ph_outside", sec, d_s),
            info("  process CPU time (user+sys)", "cpu", sec, d_s),
            info("    of which start .. train begin", "cpu_setup", sec, d_s),
            info("    of which train()", "cpu_train", sec, d_s),
            info("    of which train end .. exit", "cpu_teardown", sec, d_s),
            ["peak memory (max RSS of the process)", mb(s_rss), mb(p_rss), f"{s_rss - p_rss:+.1f} MB",
             f"<= +{TARGETS['rss_mb']:g} MB", verdict(ok_rss)],
            info("  RSS at train begin", "rss_train_begin", mb, d_mb),
            info("  peak RSS at train end", "hwm_train_end", mb, d_mb),
        ]
        print()
        print(table(rows))
        print(f"spread (min..max): wall swift {swift.spread('wall')} s, plain {plain.spread('wall')} s; "
              f"step swift {swift.spread('step_wall', 1e3, 1)} ms, plain {plain.spread('step_wall', 1e3, 1)} ms; "
              f"peak RSS swift {swift.spread('rss', 1, 1)} MB, plain {plain.spread('rss', 1, 1)} MB")
        print("steady time/step: wall clock between the ends of steps "
              f"{args.skip} and {args.steps} / {args.steps - args.skip}, from one probe callback in both processes")
        if packing_rows:
            print(f"\npacking (swift sft, 1 epoch over the {len(lengths)} rows, batch {args.packing_batch}, max_length "
                  f"{args.max_length}, median of {args.packing_reps}): tokens/s = real (non-pad) tokens of the epoch "
                  f"({sum(lengths)}) / train_runtime; trainable = label tokens ({sum(trainable)})")
            print(table([["setting", "steps", "train_runtime", "ms/step", "tokens/s", "trainable tok/s", "wall s",
                          "peak MB"], *packing_rows]))
            on, off = float(packing_rows[1][4].replace(",", "")), float(packing_rows[0][4].replace(",", ""))
            print(f"packing: x{on / off:.2f} tokens/s")
        print(f"\nverdicts: time/step {verdict(ok_step)}, end-to-end wall {verdict(ok_wall)}, "
              f"peak memory {verdict(ok_rss)}" + ("" if same else "  (loss check failed: not comparable)"))
        print(f"benchmark took {time.perf_counter() - started:.0f} s; load average now {loadavg()}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
