"""Pre-tokenized datasets on disk: ``swift export --to_cached_dataset true`` writes them,
``--cached_dataset`` / ``--cached_val_dataset`` train from them without tokenizing again.

A cached-dataset folder holds the pipeline's own tokenized rows (``train/`` and, when there was a
validation split, ``val/``, each ``datasets.Dataset.save_to_disk``) and ``cached_dataset.json``:
what the rows were encoded with -- the tokenizer's fingerprint (its full serialized form and
special tokens), the template (id, spec and run options), the data layout, ``max_length``,
``truncation_strategy`` and ``loss_scale`` -- and the data report of the export.

Reading one checks each of these against the run: another tokenizer, template, layout or loss
scale is refused with what differs (the token ids would be wrong for the model, or the labels
wrong for the objective). A run with a smaller ``max_length`` drops the longer rows (counted;
``truncation_strategy delete``) or refuses (``left``/``right``: the rows cannot be cut again the
way the template would; layouts of chosen/rejected pairs: refused); a larger one uses the rows
as they are.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from swiftkit.core.data.errors import DatasetError

META_FILE = "cached_dataset.json"
FORMAT = 1


def template_identity(template: Any) -> str:
    """The template's spec and run options (not its code: an edit to a template module does not
    invalidate data it encoded the same way; the cache of the pipeline keys on the code)."""
    from swiftkit.data.steps import fingerprint

    if template is None:
        return "none"
    spec = getattr(template, "spec", None)
    spec_part = json.dumps(spec.to_dict(), sort_keys=True, default=str) if hasattr(spec, "to_dict") else type(template).__name__
    options = (getattr(template, "enable_thinking", None), getattr(template, "add_non_thinking_prefix", True))
    return fingerprint(spec_part, repr(options))


def identity(*, tokenizer: Any, template: Any, layout: Any, max_length: int | None, truncation_strategy: str,
             loss_scale: str) -> dict[str, Any]:
    """What a cached folder records and a run compares."""
    from swiftkit.data.steps import tokenizer_fingerprint

    spec = getattr(template, "spec", None)
    return {
        "tokenizer": tokenizer_fingerprint(tokenizer),
        "tokenizer_class": type(tokenizer).__name__,
        "template": template_identity(template),
        "template_id": getattr(spec, "id", None),
        "layout": [str(x) for x in layout.fingerprint()],
        "max_length": max_length,
        "truncation_strategy": truncation_strategy,
        "loss_scale": loss_scale,
    }


def write_cached(folder: str, data: Any, ident: dict[str, Any], *, model: str, datasets_args: dict[str, Any],
                 overwrite: bool = False) -> dict[str, Any]:
    """Save ``data`` (a :class:`~swiftkit.data.PreparedData`) and its identity to ``folder``
    (written beside and renamed into place: a half-written folder is never taken for a cache)."""
    import shutil

    if os.path.exists(folder) and os.listdir(folder):
        if not overwrite:
            raise DatasetError(f"--output_dir {folder} exists and is not empty; pass --overwrite true to replace it")
    from swiftkit.data.progress import quiet_datasets

    staging = f"{folder.rstrip(os.sep)}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    with quiet_datasets():
        data.train.save_to_disk(os.path.join(staging, "train"))
        if data.val is not None:
            data.val.save_to_disk(os.path.join(staging, "val"))
    meta = {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": model,
        **datasets_args,
        "identity": ident,
        "rows": {"train": len(data.train), "val": len(data.val) if data.val is not None else 0},
        "report": _report_dict(data.report),
    }
    with open(os.path.join(staging, META_FILE), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2, ensure_ascii=False, default=str)
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.replace(staging, folder)
    return meta


def _report_dict(report: Any) -> dict[str, Any]:
    return report.to_dict() if hasattr(report, "to_dict") else {}


def read_meta(folder: str) -> dict[str, Any]:
    path = os.path.join(folder, META_FILE)
    if not os.path.isdir(folder):
        raise DatasetError(f"cached dataset {folder}: no such folder (write one with `swift export --to_cached_dataset "
                           "true --model M --dataset D --output_dir FOLDER`)")
    try:
        with open(path, encoding="utf-8") as fh:
            meta = json.load(fh)
    except OSError as exc:
        raise DatasetError(f"cached dataset {folder}: no {META_FILE}; it is not a folder `swift export "
                           "--to_cached_dataset true` wrote") from exc
    except ValueError as exc:
        raise DatasetError(f"cached dataset {folder}: {META_FILE} is not valid JSON: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise DatasetError(f"cached dataset {folder}: written in format {meta.get('format')!r}, this swiftkit reads "
                           f"{FORMAT}; export it again")
    return meta


_WHAT = {
    "tokenizer": "tokenizer (vocabulary, special tokens or chat template)",
    "template": "chat template",
    "layout": "data layout (the objective's kind of rows)",
    "loss_scale": "loss_scale",
}


def check_identity(folder: str, recorded: dict[str, Any], run: dict[str, Any]) -> None:
    """Refuse a cached folder encoded otherwise than this run would encode, naming what differs."""
    for key, what in _WHAT.items():
        if recorded.get(key) != run.get(key):
            mine, theirs = run.get(key), recorded.get(key)
            if key == "tokenizer":
                detail = f"cached with a {recorded.get('tokenizer_class')}, this run's is a {run.get('tokenizer_class')}"
                if recorded.get("tokenizer_class") == run.get("tokenizer_class"):
                    detail = "same class, different vocabulary/special tokens"
            elif key == "template":
                detail = f"cached with template {recorded.get('template_id')!r}, this run uses {run.get('template_id')!r}"
                if recorded.get("template_id") == run.get("template_id"):
                    detail = f"template {run.get('template_id')!r} with other options or another spec"
            else:
                detail = f"cached {theirs!r}, this run {mine!r}"
            why, fix = "its token ids would not match", "this run's --model/--template"
            if key == "layout":
                why, fix = "its rows are not the ones this objective trains on", "this run's --rlhf_type (none for sft)"
            elif key == "loss_scale":
                why, fix = "its labels would be wrong", "this run's --loss_scale"
            raise DatasetError(f"cached dataset {folder} was tokenized with another {what} than this run's ({detail}); "
                               f"{why}: export it again with {fix}, or train with --dataset")
    cached_max, run_max = recorded.get("max_length"), run.get("max_length")
    if run_max is not None and (cached_max is None or run_max < cached_max) and run.get("truncation_strategy") != "delete":
        raise DatasetError(f"cached dataset {folder} was tokenized with max_length {cached_max}; this run's max_length "
                           f"{run_max} is smaller and truncation_strategy {run.get('truncation_strategy')!r} cannot cut "
                           "cached rows: export again with this max_length, or use --truncation_strategy delete")


def load_cached(folders: list[str], split: str, run_identity: dict[str, Any], report: Any) -> Any:
    """The ``split`` rows ("train" or "val") of ``folders``, checked and concatenated; rows longer
    than the run's ``max_length`` are dropped and counted in ``report.too_long``."""
    import datasets
    import numpy as np

    parts = []
    for folder in folders:
        meta = read_meta(folder)
        check_identity(folder, meta.get("identity") or {}, run_identity)
        path = os.path.join(folder, split)
        if not os.path.isdir(path):
            if split == "train":
                raise DatasetError(f"cached dataset {folder}: no training rows (no train/ folder)")
            continue
        from swiftkit.data.report import SourceReport

        ds = datasets.load_from_disk(path)
        rep = SourceReport(name=folder, split="val" if split == "val" else "train", kind="cached", format="tokenized",
                           rows_read=len(ds), rows_valid=len(ds))
        run_max, cached_max = run_identity.get("max_length"), (meta.get("identity") or {}).get("max_length")
        if run_max is not None and (cached_max is None or run_max < cached_max) and len(ds):
            if "input_ids" not in ds.column_names:  # pair layouts: max_length applies per side
                raise DatasetError(f"cached dataset {folder} was tokenized with max_length {cached_max}; this run's "
                                   f"max_length {run_max} is smaller: export it again with --max_length {run_max}")
            lengths = np.asarray([len(ids) for ids in ds["input_ids"]])
            keep = np.flatnonzero(lengths <= run_max)
            if len(keep) < len(ds):
                report.too_long += int(len(ds) - len(keep))
                ds = ds.select(keep.tolist())
        rep.rows_used = len(ds)
        report.sources.append(rep)
        parts.append(ds)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)
