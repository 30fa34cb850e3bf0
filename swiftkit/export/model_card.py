"""The model card (``README.md``) a hub upload carries, written from what the run recorded.

Read from the uploaded folder (or its run folder, one level up): ``args.json`` (base model,
data, tuner, objective, training settings), ``trainer_state.json`` / ``logging.jsonl`` (the
last training and evaluation loss), ``export.json`` (the export steps and their figures) and a
``swift eval`` ``report.json`` (the folder's, ``<folder>/eval_output/<timestamp>/report.json``,
or one given as ``report``; the newest wins). The card opens with the YAML metadata the hubs
read (``base_model``, ``library_name``, ``tags``, ``datasets``, ``pipeline_tag``).
"""

from __future__ import annotations

import glob
import json
import os
from typing import Any

CARD = "README.md"
#: run settings shown in the card's training table, in this order, when the run recorded them
TRAINING_KEYS = ("num_train_epochs", "max_steps", "learning_rate", "per_device_train_batch_size",
                 "gradient_accumulation_steps", "max_length", "lora_rank", "lora_alpha", "target_modules",
                 "torch_dtype", "seed")


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _find(folder: str, name: str) -> str | None:
    for where in (folder, os.path.dirname(os.path.abspath(folder))):
        path = os.path.join(where, name)
        if os.path.isfile(path):
            return path
    return None


def run_args(folder: str) -> dict[str, Any]:
    """The ``args.json`` of ``folder`` or of its run folder (``{}`` without one)."""
    path = _find(folder, "args.json")
    data = _read_json(path) if path else None
    return data if isinstance(data, dict) else {}


def training_metrics(folder: str) -> dict[str, float]:
    """The last ``loss``, ``train_loss``, ``eval_*`` figures the run logged."""
    out: dict[str, float] = {}
    state = _read_json(os.path.join(folder, "trainer_state.json"))
    records = list(state.get("log_history") or []) if isinstance(state, dict) else []
    if not records:
        path = _find(folder, "logging.jsonl")
        if path:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        records.append(json.loads(line))
                    except ValueError:
                        continue
    for record in records:
        for key, value in record.items():
            if (key in ("loss", "train_loss", "token_acc") or key.startswith("eval_")) and isinstance(value, int | float):
                out[key] = float(value)
        if "step" in record:
            out["global_step"] = record["step"]
    return out


def eval_report(folder: str, report: str | None = None) -> dict[str, Any] | None:
    """The newest ``swift eval`` report of ``folder`` (or ``report``, a file or run folder)."""
    if report:
        path = os.path.join(report, "report.json") if os.path.isdir(report) else report
        return _read_json(path)
    found = [p for p in (os.path.join(folder, "report.json"),
                         *glob.glob(os.path.join(folder, "eval_output", "*", "report.json"))) if os.path.isfile(p)]
    return _read_json(max(found, key=os.path.getmtime)) if found else None


def _hub_id(args: dict[str, Any], registry: Any, use_hf: bool) -> str | None:
    """The base model's hub id: the run's ``--model`` when it is one, else the registered model's."""
    model = args.get("model")
    if isinstance(model, str) and model.count("/") == 1 and not os.path.exists(model) and not model.startswith("."):
        return model
    model_id = args.get("model_id")
    if registry is not None and model_id and ("model", model_id) in registry:
        spec = registry.get("model", model_id).spec
        return (spec.hf_id if use_hf else spec.ms_id) or spec.hf_id or spec.ms_id
    return None


def quantization(folder: str) -> str | None:
    """How the folder's weights are quantized, from ``config.json``'s ``quantization_config``
    (an export step writes it before the upload; ``export.json`` comes after) or its GGUF files."""
    config = _read_json(os.path.join(folder, "config.json"))
    quant = config.get("quantization_config") if isinstance(config, dict) else None
    if isinstance(quant, dict) and quant.get("quant_method"):
        bits = quant.get("bits") or (4 if quant.get("load_in_4bit") else 8 if quant.get("load_in_8bit") else None)
        kind = quant.get("bnb_4bit_quant_type") if quant.get("load_in_4bit") else quant.get("format")
        return " ".join(str(p) for p in (quant["quant_method"], f"{bits}-bit" if bits else None, kind) if p)
    ggufs = sorted(n for n in os.listdir(folder) if n.endswith(".gguf")) if os.path.isdir(folder) else []
    return "GGUF: " + ", ".join(ggufs) if ggufs else None


def _hub_dataset(name: str) -> bool:
    """Whether a ``--dataset`` argument names a hub dataset (``owner/name``, not a local file)."""
    data_file = name.lower().endswith((".json", ".jsonl", ".csv", ".parquet", ".txt", ".arrow", ".tsv"))
    return name.count("/") == 1 and not data_file and not name.startswith(".") and not os.path.exists(name)


def _yaml_list(name: str, values: list[str]) -> list[str]:
    return [f"{name}:", *(f"- {json.dumps(v)}" for v in values)] if values else []


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def build_model_card(folder: str, repo_id: str, *, registry: Any = None, use_hf: bool = True,
                     report: str | None = None) -> str:
    """The card's markdown for ``folder`` uploaded as ``repo_id``."""
    args = run_args(folder)
    base = _hub_id(args, registry, use_hf)
    adapter = os.path.isfile(os.path.join(folder, "adapter_config.json"))
    tuner = args.get("train_type")
    objective = args.get("rlhf_type") or args.get("objective") or ("sft" if args.get("command") == "sft" else None)
    datasets = [str(d) for d in args.get("dataset") or []]
    hub_datasets = [d.split("#")[0] for d in datasets if _hub_dataset(d.split("#")[0])]
    tags = ["swiftkit", *(t for t in (tuner, objective) if t)]
    export = _read_json(os.path.join(folder, "export.json"))
    steps = [s.get("exporter") for s in (export or {}).get("steps", []) if isinstance(s, dict)]
    tags += [s for s in steps if s and s != "hub"]
    quantized = quantization(folder)
    if quantized:
        tags.append("gguf" if quantized.startswith("GGUF") else quantized.split()[0])

    meta = [*(["base_model: " + json.dumps(base)] if base else []),
            "library_name: " + ("peft" if adapter else "transformers"),
            *_yaml_list("tags", tags), *_yaml_list("datasets", hub_datasets),
            "pipeline_tag: text-generation"]
    lines = ["---", *meta, "---", "", f"# {repo_id.split('/')[-1]}", ""]
    what = "a LoRA adapter" if adapter else "a model"
    lines.append(f"{what[0].upper()}{what[1:]} trained with swiftkit "
                 + (f"from `{base or args.get('model')}`." if args.get("model") else "(no args.json: settings unknown)."))
    lines.append("")
    summary = [("base model", base or args.get("model_dir") or args.get("model")),
               ("registered model", args.get("model_id")), ("template", args.get("template")),
               ("tuner", tuner), ("objective", objective), ("data", datasets), ("quantization", quantized)]
    rows = [(k, v) for k, v in summary if v]
    if rows:
        lines += ["| | |", "|---|---|", *(f"| {k} | {_fmt(v)} |" for k, v in rows), ""]
    training = [(k, args[k]) for k in TRAINING_KEYS if args.get(k) not in (None, "", [])]
    if training:
        lines += ["## Training", "", "| setting | value |", "|---|---|",
                  *(f"| {k} | {_fmt(v)} |" for k, v in training), ""]
    metrics = training_metrics(folder)
    if metrics:
        lines += ["## Metrics", "", "| metric | value |", "|---|---|",
                  *(f"| {k} | {_fmt(v)} |" for k, v in metrics.items()), ""]
    evaluation = eval_report(folder, report)
    if evaluation and isinstance(evaluation.get("metrics"), dict):
        counts = evaluation.get("counts") or {}
        lines += ["## Evaluation", "", f"`swift eval`, backend {evaluation.get('backend', '?')}:", "",
                  "| dataset | metric | score | rows |", "|---|---|---:|---:|"]
        for name, scores in evaluation["metrics"].items():
            for metric, value in (scores or {}).items():
                lines.append(f"| {name} | {metric} | {_fmt(value)} | {counts.get(name, '')} |")
        lines.append("")
    if export and steps:
        lines += ["## Export", ""]
        for step in export.get("steps", []):
            figures = ", ".join(f"{k} {_fmt(v)}" for k, v in (step.get("metrics") or {}).items()
                                if isinstance(v, int | float | str))
            lines.append(f"- `{step.get('exporter')}` ({step.get('stage')})" + (f": {figures}" if figures else ""))
        lines.append("")
    use = (f"swift infer --model {repo_id}" if not adapter
           else f"swift infer --model {base or '<base model>'} --adapters <this repository, downloaded>")
    lines += ["## Use", "", "```shell", use, "```", ""]
    return "\n".join(lines)
