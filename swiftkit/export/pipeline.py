"""``swift export`` with export steps: merge first, then every chosen exporter by stage.

A run chooses exporters through their specs' ``selected_by`` keys (``--quant_method bnb``,
``--to_gguf true``, ``--push_to_hub true``; :func:`swiftkit.core.config.selected_exporters`).
:func:`run_export_pipeline` then:

1. builds each exporter (``impl(spec, options)``) and asks every one's ``check(config)``, and
   refuses two ``convert`` steps unless the later ``accepts`` the earlier — all before anything
   loads, every problem in one error;
2. merges the adapter when the run names one (``--adapters``, a LoRA checkpoint as ``--model``,
   a checkpoint only its tuner reads) into a hidden folder beside the output
   (:func:`swiftkit.export.merge.merge_lora`), so each step starts from a complete model folder;
3. runs the steps in stage order (``convert`` -> ``package`` -> ``publish``), each on the folder
   the previous one produced; every file is written into one hidden staging folder, renamed to
   ``--output_dir`` (default ``<source>-<step ids>``) only when every step succeeded, so a failed
   export leaves nothing half-written (a killed one leaves a hidden ``.NAME.partial-*`` folder
   that the next export to the same place removes);
4. writes ``export.json`` (every step's files, metrics, notes and seconds) and, for a converted
   model folder, an ``args.json`` naming the model and template so ``swift infer`` reads it.

``--dry_run true`` runs the checks and asks every step what it would write or upload (each gets
``ctx.dry_run``, a throw-away staging folder and, when an adapter would be merged, the base
folder as its source), and writes nothing. ``--quality_check true`` reloads each converted
model through :meth:`~swiftkit.core.export.interface.Exporter.load_exported` and records
:func:`swiftkit.export.quality.compare_models`' figures in the step's metrics.

A run with only ``publish`` steps and nothing to merge writes no folder: the steps read the
source folder itself.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from swiftkit import __version__
from swiftkit.core.errors import ConfigError, SwiftkitError

EXPORT_RECORD = "export.json"
#: what a converted folder gets from its source when the step did not write it
CARRIED = ("args.json",)
#: keys recorded in export.json as the run's export settings
_RECORDED_KEYS = ("model", "adapters", "merge_lora", "template", "dataset", "max_length", "quant_method",
                  "quant_n_samples", "quant_batch_size", "group_size", "quality_check", "output_dir")


@dataclass
class StepRecord:
    """One step as ``export.json`` records it."""

    exporter: str
    stage: str
    plugin: str
    output_dir: str
    files: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class PipelineResult:
    """What :func:`run_export_pipeline` did. ``output_dir``: where the export was (with
    ``dry_run``: would be) written; ``None`` for a run that only published an existing folder."""

    output_dir: str | None
    source_dir: str
    steps: list[StepRecord]
    merged_from: str | None
    dry_run: bool
    seconds: float
    notes: list[str] = field(default_factory=list)


@dataclass
class PlannedStep:
    """An exporter built for this run, not yet run."""

    id: str
    stage: str
    plugin: str
    exporter: Any


def plan_exporters(config: dict[str, Any], registry: Any) -> list[PlannedStep]:
    """The exporters ``config`` chooses, built with their options (spec defaults filled in), in
    run order. A ``--quant_method`` no exporter takes is an error naming the ones installed."""
    from swiftkit.core.config import selected_exporters, spec_options
    from swiftkit.core.lazy import resolve

    ids = selected_exporters(config, registry)
    method = config.get("quant_method")
    if method is not None:
        chosen = {registry.get("exporter", i).id for i in ids}
        takers = [e for e in registry.entries("exporter") if "quant_method" in (e.data.get("selected_by") or {})]
        if not any(e.id in chosen for e in takers):
            known = sorted({str(v) for e in takers for v in e.data["selected_by"]["quant_method"]})
            raise ConfigError(f"--quant_method {method}: no installed exporter takes it (installed: "
                              f"{', '.join(known) or 'none'}; `swift list exporters`)")
    steps = []
    for name in ids:
        entry = registry.get("exporter", name)
        spec = entry.spec
        impl = resolve(spec.impl, spec.REFS["impl"])
        steps.append(PlannedStep(entry.id, entry.data.get("stage", "convert"), entry.plugin.label(),
                                 impl(spec, spec_options(registry, "exporter", name, config))))
    return steps


def check_steps(config: dict[str, Any], steps: list[PlannedStep]) -> None:
    """Every problem that stops the run, in one :class:`ConfigError`: two ``convert`` steps the
    later does not ``accept``, and each exporter's own ``check(config)`` lines."""
    problems: list[str] = []
    converts = [s for s in steps if s.stage == "convert"]
    for earlier, later in zip(converts, converts[1:], strict=False):
        if earlier.id not in (getattr(later.exporter.spec, "accepts", None) or []):
            problems.append(f"exporters {earlier.id} and {later.id} both convert the model and {later.id} does not "
                            f"accept {earlier.id}'s output: choose one")
    for step in steps:
        try:
            found = step.exporter.check(config) or []
        except Exception as exc:  # a broken check is the plugin's fault: say whose
            raise SwiftkitError(f"exporter {step.id} ({step.plugin}): check() failed: {exc}") from exc
        problems += [f"{step.id}: {line}" for line in found]
    if problems:
        raise ConfigError("swift export cannot start:\n  " + "\n  ".join(problems))


def default_output_dir(source: str, steps: list[PlannedStep]) -> str:
    """``<source>-<ids of the steps that write>`` beside the source folder (a bare name: in the
    working folder)."""
    writing = [s.id for s in steps if s.stage != "publish"]
    return os.path.normpath(os.path.abspath(source)) + "-" + "-".join(writing)


def calibration_reader(config: dict[str, Any], registry: Any, model_dir: str,
                       template_id: str) -> Callable[[int], list[list[int]]] | None:
    """``calibration(n)``: up to ``n`` rows of ``--dataset`` encoded as training encodes them
    (the template, ``--max_length``, longer rows cut on the right), read on first use; ``None``
    when the run gives no ``--dataset``."""
    if not config.get("dataset"):
        return None
    cache: dict[str, list[list[int]]] = {}

    def calibration(n: int) -> list[list[int]]:
        if "rows" not in cache:
            cache["rows"] = _encode_dataset(config, registry, model_dir, template_id)
        return [list(r) for r in cache["rows"][:max(int(n), 0)]]

    return calibration


def _encode_dataset(config: dict[str, Any], registry: Any, model_dir: str, template_id: str) -> list[list[int]]:
    from transformers import AutoTokenizer

    from swiftkit.core.lazy import resolve
    from swiftkit.data.run_data import prepare_run_data

    tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=bool(config.get("trust_remote_code")))
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    template = registry.template(template_id, tokenizer=tokenizer)
    objective = registry.get("method", "sft").spec
    layout = resolve(objective.impl, objective.REFS["impl"])(objective, {}).data_layout()
    max_length = config.get("max_length") or 2048
    run_config = {**config, "packing": False, "streaming": False, "val_dataset": [], "split_dataset_ratio": 0.0,
                  "cached_dataset": None}
    # encoded whole and cut here: cut by the pipeline, a row whose reply falls past max_length
    # would have no trainable token left and be dropped, yet it calibrates as well as any
    data = prepare_run_data(run_config, registry=registry, template=template, tokenizer=tokenizer, layout=layout,
                            max_length=None)
    limit = int(config.get("quant_n_samples") or 256)
    rows = data.train.select(range(min(limit, len(data.train))))
    return [list(ids)[:max_length] for ids in rows["input_ids"] if len(ids)]


#: calibration rows the quality check measures perplexity on (when the run has --dataset)
QUALITY_ROWS = 8


def _step_metrics(step: PlannedStep, result: Any, source: str, config: dict[str, Any],
                  log: Callable[[str], None], calibration: Callable[[int], list[list[int]]] | None = None,
                  ) -> dict[str, Any]:
    """Size figures of a convert step, plus the quality check when asked and loadable (on the
    run's calibration rows when it has ``--dataset``, else on built-in texts)."""
    from swiftkit.export.quality import compare_models, size_on_disk

    metrics = dict(result.metrics or {})
    if step.stage != "convert":
        return metrics
    metrics.setdefault("size_bytes", size_on_disk(result.output_dir))
    metrics.setdefault("source_size_bytes", size_on_disk(source))
    if metrics["source_size_bytes"]:
        metrics.setdefault("size_ratio", round(metrics["size_bytes"] / metrics["source_size_bytes"], 6))
    if config.get("quality_check"):
        from swiftkit.core.export.interface import Exporter

        if type(step.exporter).load_exported is Exporter.load_exported:
            log(f"{step.id}: no in-process loader for its format; quality check skipped")
            return metrics

        def load_export() -> Any:  # after the source ran, so the two are not loaded at once
            model = step.exporter.load_exported(result.output_dir)
            if model is None:
                raise _NoLoader
            return model

        log(f"{step.id}: comparing the export with {source}")
        texts = calibration(QUALITY_ROWS) if calibration is not None else None
        try:
            report = compare_models(source, load_export, export_dir=result.output_dir, texts=texts or None)
        except _NoLoader:
            log(f"{step.id}: no in-process loader for this export; quality check skipped")
            return metrics
        for key, value in report.metrics().items():
            metrics.setdefault(key, value)
    return metrics


class _NoLoader(Exception):
    """``load_exported`` returned ``None``: this export has no in-process loader."""


def _carry_files(source: str, target: str) -> list[str]:
    """:data:`CARRIED` files of ``source`` a converted model folder lacks, copied in."""
    copied = []
    if not os.path.isfile(os.path.join(target, "config.json")):
        return copied
    for name in CARRIED:
        src, dst = os.path.join(source, name), os.path.join(target, name)
        if os.path.isfile(src) and not os.path.exists(dst):
            shutil.copy2(src, dst)
            copied.append(name)
    return copied


def _write_record(folder: str, record: dict[str, Any]) -> None:
    with open(os.path.join(folder, EXPORT_RECORD), "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2, ensure_ascii=False, default=str)


def _run_step(step: PlannedStep, ctx: Any, log: Callable[[str], None]) -> tuple[Any, float]:
    started = time.perf_counter()
    log(f"{step.stage} step {step.id} ({step.plugin}): {ctx.source_dir} -> {ctx.output_dir}"
        + (" [dry run]" if ctx.dry_run else ""))
    result = step.exporter.export(ctx)
    if result is None or not getattr(result, "output_dir", None):
        raise SwiftkitError(f"exporter {step.id} ({step.plugin}): export() returned no ExportResult with an output_dir")
    return result, time.perf_counter() - started


def run_export_pipeline(config: dict[str, Any], registry: Any = None, *,
                        log: Callable[[str], None] | None = None) -> PipelineResult:
    """Run ``swift export`` with its selected exporters; see the module docstring."""
    from swiftkit.core.export.interface import ExportContext
    from swiftkit.core.registry import get_registry
    from swiftkit.export.merge import merge_lora, new_partial_dir, remove_stale_partials, staged_folder
    from swiftkit.infer.factory import resolve_model

    started = time.perf_counter()
    registry = registry or get_registry()
    say = log or (lambda _text: None)
    steps = plan_exporters(config, registry)
    if not steps:
        raise ConfigError("swift export: no export step chosen (--quant_method, --to_gguf, --push_to_hub ...; "
                          "`swift list exporters`)")
    check_steps(config, steps)
    resolved = resolve_model(config, registry)
    merge_from = resolved.trained_checkpoint or (next(iter(resolved.adapters.values())) if resolved.adapters else None)
    if resolved.adapters and len(resolved.adapters) > 1:
        raise ConfigError(f"swift export merges one adapter; got {len(resolved.adapters)}: "
                          + ", ".join(resolved.adapters.values()))
    dry_run = bool(config.get("dry_run"))
    writes = merge_from is not None or any(s.stage != "publish" for s in steps)
    output_dir = None
    if writes:
        given = str(config.get("model") or "")
        # a hub id resolves into the hub's cache: its export goes to the working folder instead
        named = merge_from or (resolved.model_dir if os.path.isdir(given) else given.rstrip("/").split("/")[-1]
                               or resolved.model_id)
        output_dir = os.path.abspath(config.get("output_dir") or default_output_dir(named, steps))
        for what, path in (("the model", resolved.model_dir), ("the checkpoint", merge_from)):
            if path and os.path.exists(output_dir) and os.path.samefile(path, output_dir):
                raise ConfigError(f"output folder {output_dir} is {what} being exported; choose another --output_dir")
        if not dry_run and os.path.lexists(output_dir) and not config.get("overwrite"):
            raise ConfigError(f"output folder {output_dir} already exists; pass --overwrite to replace it")
    calibration = calibration_reader(config, registry, resolved.model_dir, resolved.template)
    records: list[StepRecord] = []
    notes: list[str] = list(resolved.notices)

    def context(step: PlannedStep, source: str, out: str) -> Any:
        return ExportContext(source_dir=source, output_dir=out, config=config, options=step.exporter.options,
                             model_id=resolved.model_id, template=resolved.template, calibration=calibration,
                             dry_run=dry_run, log=say)

    def record(step: PlannedStep, result: Any, seconds: float, metrics: dict[str, Any], shown_dir: str) -> None:
        records.append(StepRecord(step.id, step.stage, step.plugin, shown_dir, list(result.files or []), metrics,
                                  list(result.notes or []), round(seconds, 3)))
        for note in result.notes or []:
            say(f"{step.id}: {note}")

    if dry_run:
        if merge_from:
            notes.append(f"would merge {merge_from} into {resolved.model_dir} first; the steps below saw the base")
        scratch = tempfile.mkdtemp(prefix="swiftkit-export-dry-")
        try:
            current = resolved.model_dir
            for step in steps:
                out = os.path.join(scratch, step.id) if step.stage == "convert" else current
                os.makedirs(out, exist_ok=True)
                result, seconds = _run_step(step, context(step, current, out), say)
                record(step, result, seconds, dict(result.metrics or {}), output_dir or result.output_dir)
                current = result.output_dir
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return PipelineResult(output_dir, resolved.model_dir, records, merge_from, True, time.perf_counter() - started, notes)

    if output_dir is None:  # publish only: the steps read the model folder itself
        current = resolved.model_dir
        for step in steps:
            result, seconds = _run_step(step, context(step, current, current), say)
            record(step, result, seconds, dict(result.metrics or {}), result.output_dir)
        return PipelineResult(None, resolved.model_dir, records, None, False, time.perf_counter() - started, notes)

    def write_record(folder: str) -> None:
        _write_record(folder, {
            "command": "export",
            "created": datetime.datetime.now().isoformat(timespec="seconds"),
            "swiftkit_version": __version__,
            "model_id": resolved.model_id,
            "template": resolved.template,
            "source_dir": resolved.model_dir,
            "merged_from": merge_from,
            "config": {k: config.get(k) for k in _RECORDED_KEYS if config.get(k) is not None},
            "steps": [asdict(r) for r in records],
        })

    removed = remove_stale_partials(output_dir)
    if removed:
        say(f"removed the partial folder(s) of an interrupted export: {', '.join(removed)}")
    scratch_dirs: list[str] = []
    try:
        with staged_folder(output_dir, bool(config.get("overwrite"))) as staging:
            source = resolved.model_dir
            if merge_from:
                merged = new_partial_dir(output_dir) + "-merge"
                scratch_dirs.append(merged)
                say(f"merging {merge_from} into {resolved.model_dir}")
                merge_lora({**config, "output_dir": merged}, registry, overwrite=True, log=say)
                source = merged
            current = source
            converts = [s for s in steps if s.stage == "convert"]
            for step in steps:
                if step.stage == "convert":
                    if step is converts[-1]:
                        out = staging
                    else:
                        out = new_partial_dir(output_dir) + f"-{step.id}"
                        os.makedirs(out)
                        scratch_dirs.append(out)
                    result, seconds = _run_step(step, context(step, current, out), say)
                    carried = _carry_files(current, result.output_dir)
                    if carried:
                        say(f"{step.id}: {', '.join(carried)} carried over from {current}")
                    metrics = _step_metrics(step, result, current, config, say, calibration)
                else:
                    if current != staging:  # the folder becomes the output: bring it into staging
                        _fill_staging(current, staging, move=current in scratch_dirs)
                        current = staging
                    if step.stage == "publish":  # what is published carries the steps so far (the card reads it)
                        write_record(staging)
                    result, seconds = _run_step(step, context(step, current, staging), say)
                    metrics = dict(result.metrics or {})
                shown = output_dir if os.path.abspath(result.output_dir) == os.path.abspath(staging) else result.output_dir
                record(step, result, seconds, metrics, shown)
                current = result.output_dir if step.stage != "publish" else current
            if current != staging:  # only a merge (and publish steps): the merged folder is the output
                _fill_staging(current, staging, move=current in scratch_dirs)
            write_record(staging)
    finally:
        for path in scratch_dirs:
            shutil.rmtree(path, ignore_errors=True)
    return PipelineResult(output_dir, resolved.model_dir, records, merge_from, False, time.perf_counter() - started, notes)


def _fill_staging(folder: str, staging: str, *, move: bool) -> None:
    """Put ``folder``'s files into the (empty or partly written) staging folder: moved when it is
    a scratch folder of this run, else copied (a user's folder is never changed)."""
    for name in os.listdir(folder):
        src, dst = os.path.join(folder, name), os.path.join(staging, name)
        if os.path.exists(dst):
            continue
        if move:
            os.replace(src, dst)
        elif os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
