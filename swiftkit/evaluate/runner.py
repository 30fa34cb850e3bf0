"""Run an evaluation: choose the backend, check the datasets before anything loads, run it,
write the report.

:func:`run_eval` is a whole ``swift eval`` run from its config; :func:`evaluate` runs one
backend on a target (evaluation inside training calls it with ``target.engine`` set).
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.eval.interface import EvalDataset, EvalOptions, EvalReport, EvalTarget
from swiftkit.evaluate.datasets import offline, resolve_datasets
from swiftkit.evaluate.report import report_table, write_report
from swiftkit.evaluate.targets import resolve_target

#: ms-swift's default backend (EvalScope), used when it is registered and evalscope is installed
NATIVE = "Native"
LM_EVAL = "lm_eval"
DEFAULT_OUTPUT_DIR = "eval_output"


def default_backend(registry: Any) -> str:
    """``Native`` (EvalScope, ms-swift's default) when a backend answers to that name and its
    spec's ``requires`` are met, else ``lm_eval``."""
    from swiftkit.core.requirements import check_requirement

    if ("eval_backend", NATIVE) in registry:
        native = registry.get("eval_backend", NATIVE)
        if all(check_requirement(r)[0] for r in native.data.get("requires") or []):
            return native.id
    return registry.get("eval_backend", LM_EVAL).id


def backend_options(registry: Any, backend_id: str, config: dict[str, Any]) -> dict[str, Any]:
    """The backend's own options from the run config (its schema's defaults filled in)."""
    from swiftkit.core.config import spec_options

    return spec_options(registry, "eval_backend", backend_id, config)


def eval_options(config: dict[str, Any], output_dir: str, options: dict[str, Any] | None = None) -> EvalOptions:
    """:class:`EvalOptions` from ms-swift's flags: ``--eval_limit``, ``--eval_generation_config``,
    ``--eval_num_proc`` (default 16 with ``--eval_url``, else 1), ``--extra_eval_args``, ``--seed``."""
    num_proc = config.get("eval_num_proc") or (16 if config.get("eval_url") else 1)
    batch = config.get("per_device_eval_batch_size") or 8
    limit = config.get("eval_limit")
    if isinstance(limit, float) and limit >= 1:  # a fraction of 1.0: every row (an integer 1 is one row)
        limit = None
    return EvalOptions(output_dir=output_dir, limit=limit,
                       generation=dict(config.get("eval_generation_config") or {}), num_proc=int(num_proc),
                       batch_size=int(batch), seed=int(config.get("seed") if config.get("seed") is not None else 42),
                       extra=dict(config.get("extra_eval_args") or {}), options=dict(options or {}), config=config)


def run_folder(root: str, now: datetime.datetime | None = None) -> str:
    """A fresh ``<root>/<YYYYmmdd-HHMMSS>`` folder (``-1``, ``-2`` ... appended when taken)."""
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder, n = os.path.join(root, stamp), 0
    while os.path.exists(folder):
        n += 1
        folder = os.path.join(root, f"{stamp}-{n}")
    os.makedirs(folder)
    return folder


def create_backend(registry: Any, backend_id: str, options: dict[str, Any]) -> Any:
    """The backend plugin's ``impl(spec, options)``."""
    from swiftkit.core.lazy import resolve

    spec = registry.get("eval_backend", backend_id).spec
    return resolve(spec.impl, spec.REFS["impl"])(spec, options)


def check_target_kind(registry: Any, backend_id: str, kind: str, *, live_engine: bool = False) -> None:
    """Refuse a target kind (``"model"`` / ``"url"``) the backend's spec does not list (a live
    training engine is always offered: the backend says itself whether it takes one)."""
    spec = registry.get("eval_backend", backend_id).spec
    if kind not in spec.targets and not live_engine:
        how = "--eval_url" if kind == "url" else "--model"
        raise ConfigError(f"eval backend {spec.id!r} cannot evaluate a {kind} ({how}); it takes "
                          f"{' or '.join(spec.targets)}")


def check_datasets(backend: Any, datasets: list[EvalDataset]) -> None:
    """The backend's dataset problems (offline hub benchmarks, bad local rows), all in one error."""
    problems = backend.check_datasets(datasets, offline=offline())
    if problems:
        raise ConfigError("\n".join(problems))


def evaluate(registry: Any, backend_id: str, target: EvalTarget, datasets: list[EvalDataset],
             options: EvalOptions, backend: Any = None, *, datasets_checked: bool = False) -> EvalReport:
    """Check (the target's kind; the datasets unless ``datasets_checked``), then run
    ``backend_id`` on ``target``; the report's ``seconds`` is the run's time."""
    backend = backend or create_backend(registry, backend_id, options.options)
    check_target_kind(registry, backend_id, target.kind, live_engine=target.engine is not None)
    if not datasets_checked:
        check_datasets(backend, datasets)
    os.makedirs(options.output_dir, exist_ok=True)
    start = time.perf_counter()
    report = backend.run(target, datasets, options)
    if not isinstance(report, EvalReport):
        raise ConfigError(f"eval backend {backend_id!r}: run() returned {type(report).__name__}, not an EvalReport")
    missing = [d.name for d in datasets if d.name not in report.metrics and not any(
        k.startswith(d.name + "/") for k in report.metrics)]
    if missing:
        raise ConfigError(f"eval backend {backend_id!r} returned no scores for {', '.join(map(repr, missing))}")
    report.seconds = report.seconds or time.perf_counter() - start
    return report


@dataclass
class EvalRun:
    """A finished ``swift eval`` run: the report, its folder, and the files written."""

    report: EvalReport
    run_dir: str
    report_json: str
    report_md: str

    def table(self) -> str:
        return report_table(self.report)


def run_eval(config: dict[str, Any], registry: Any, *, log: Callable[[str], None] = lambda _: None) -> EvalRun:
    """A whole ``swift eval`` run: backend (``--eval_backend`` or :func:`default_backend`),
    datasets and target resolved and checked before the model loads, then the run folder
    ``<eval_output_dir>/<timestamp>/`` with the backend's files, ``report.json`` and ``report.md``."""
    backend_id = registry.get("eval_backend", config["eval_backend"]).id if config.get("eval_backend") \
        else default_backend(registry)
    options = backend_options(registry, backend_id, config)
    backend = create_backend(registry, backend_id, options)
    datasets = resolve_datasets(config)
    # before the model is resolved (fetched from the hub) or the server asked anything
    check_target_kind(registry, backend_id, "url" if config.get("eval_url") else "model")
    check_datasets(backend, datasets)
    from swiftkit.models.noise import quiet_transformers

    quiet_transformers()  # imports transformers: only once the datasets passed
    target = resolve_target(config, registry)
    run_dir = run_folder(os.path.abspath(config.get("eval_output_dir") or DEFAULT_OUTPUT_DIR))
    log(f"evaluating {target.label()} with {backend_id} on {', '.join(d.name for d in datasets)} -> {run_dir}")
    report = evaluate(registry, backend_id, target, datasets, eval_options(config, run_dir, options), backend,
                      datasets_checked=True)
    extra = {"datasets": [vars(d) for d in datasets], "run_dir": run_dir,
             "target_detail": {k: v for k, v in vars(target).items() if k not in ("engine", "api_key")}}
    json_path, md_path = write_report(report, run_dir, extra=extra)
    return EvalRun(report=report, run_dir=run_dir, report_json=json_path, report_md=md_path)
