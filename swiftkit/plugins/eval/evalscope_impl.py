"""The ``Native`` backend: EvalScope's ``TaskConfig`` / ``run_task`` for each dataset of a run.

- local files: checked and rewritten in EvalScope's layout (:mod:`.evalscope_files`), then
  evaluated as its ``general_mcq`` (metric ``acc``) or ``general_qa`` (``Rouge-*``; BLEU only when
  NLTK's ``punkt_tab`` data is installed, which offline cannot be fetched);
- hub benchmarks by name (gsm8k, mmlu ...): passed to EvalScope as they are (online only);
- what answers: a live model's engine (training), swiftkit's ``pt`` engine over ``--model`` and
  ``--adapters`` (the model's own template), or ``--eval_url`` through EvalScope's OpenAI client.

Each dataset is one ``run_task`` under ``<output_dir>/evalscope/<label>`` (its predictions and
reviews stay there), so each gets its own ``--eval_dataset_args``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Iterator
from typing import Any

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.core.eval.interface import EvalBackend, EvalDataset, EvalOptions, EvalReport, EvalTarget
from swiftkit.plugins.eval import evalscope_files as files

#: ``--eval_dataset_args`` keys this backend reads itself (the others go to EvalScope's ``dataset_args``)
OWN_ARGS = ("subset",)
#: OpenAI generation names -> EvalScope's ``GenerateConfig`` names
_GENERATION_NAMES = {"stop": "stop_seqs", "max_new_tokens": "max_tokens"}


def dataset_label(dataset: EvalDataset) -> str:
    """A short name for a dataset in log keys and folders: a local file's subset (its stem), else
    the benchmark's name."""
    label = dataset.subset if dataset.is_local and dataset.subset else dataset.name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_") or "dataset"


def _punkt_installed() -> bool:
    try:
        import nltk

        nltk.data.find("tokenizers/punkt_tab")
        return True
    except (ImportError, LookupError):
        return False


def _warnings_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


@contextlib.contextmanager
def _quieter(*, html: bool, console: bool) -> Iterator[None]:
    """Without EvalScope's HTML report unless ``html`` (plotly charts: seconds per dataset;
    report.json and the per-row files stay), and with only its warnings on the console unless
    ``console`` (its INFO lines, the whole task config included, still go to
    ``logs/eval_log.log``): inside training the console keeps its progress line."""
    import evalscope.report as reports

    original = reports.gen_html_report_file
    if not html:
        reports.gen_html_report_file = lambda *args, **kwargs: None
    handlers = [] if console else [h for h in logging.getLogger("evalscope").handlers
                                   if type(h) is logging.StreamHandler]
    for handler in handlers:
        handler.addFilter(_warnings_only)
    try:
        yield
    finally:
        reports.gen_html_report_file = original
        for handler in handlers:
            handler.removeFilter(_warnings_only)


class EvalScopeBackend(EvalBackend):
    """Evaluates through EvalScope's Python API (see the module docstring)."""

    def check_datasets(self, datasets: list[EvalDataset], *, offline: bool) -> list[str]:
        from swiftkit.evaluate.datasets import offline_message

        problems: list[str] = []
        for dataset in datasets:
            if dataset.is_local:
                try:
                    self._local_rows(dataset)
                except ConfigError as exc:
                    problems.append(str(exc))
            elif offline:
                problems.append(offline_message(dataset.name))
            else:
                problem = self._unknown_benchmark(dataset.name)
                if problem:
                    problems.append(problem)
        return problems

    @staticmethod
    def _local_rows(dataset: EvalDataset) -> tuple[str, list[dict[str, Any]]]:
        """``(kind, rows in EvalScope's columns)`` of a local dataset; a problem is a
        :class:`ConfigError` naming the dataset, file, row and key."""
        from swiftkit.evaluate.local_files import read_local

        data = read_local(dataset.path, dataset.subset, name=dataset.name)
        try:
            return data.kind, files.evalscope_rows(data.kind, data.rows, f"eval dataset {dataset.name}")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    @staticmethod
    def _unknown_benchmark(name: str) -> str | None:
        from evalscope.api.registry import BENCHMARK_REGISTRY

        if name in BENCHMARK_REGISTRY:
            return None
        import difflib

        close = difflib.get_close_matches(name, list(BENCHMARK_REGISTRY), n=3)
        return (f"eval dataset {name!r}: neither an existing local file nor a benchmark EvalScope knows"
                + (f" (did you mean {', '.join(close)}?)" if close else f" ({len(BENCHMARK_REGISTRY)} are registered)"))

    # ------------------------------------------------------------------ running

    def run(self, target: EvalTarget, datasets: list[EvalDataset], options: EvalOptions) -> EvalReport:
        started = time.monotonic()
        report = EvalReport(backend=self.spec.id, target=target.label())
        model, close = self._model(target)
        try:
            folders: set[str] = set()
            for dataset in datasets:
                folder = label = dataset_label(dataset)
                while folder in folders:  # two files of one name in different folders
                    folder = f"{label}-{len(folders)}"
                folders.add(folder)
                self._run_one(model, target, dataset, options, report, folder)
        finally:
            close()
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def _model(self, target: EvalTarget) -> tuple[Any, Any]:
        """``(EvalScope model or None for --eval_url, close())``: the live engine during training,
        else a ``pt`` engine over the folder and its adapters."""
        from swiftkit.plugins.eval.evalscope_engine import EngineModelAPI

        if target.engine is not None:
            return EngineModelAPI(target.engine, target.label()), lambda: None
        if target.url:
            return None, lambda: None
        from swiftkit.infer.factory import create_engine, default_adapter

        config = {"model": target.model_dir, "adapters": list(target.adapters), "template": target.template,
                  "infer_backend": "pt", "torch_dtype": target.torch_dtype, "command": "eval"}
        engine, resolved = create_engine({k: v for k, v in config.items() if v not in (None, [])})
        return EngineModelAPI(engine, target.label(), adapter=default_adapter(resolved)), engine.close

    def _generation(self, options: EvalOptions) -> dict[str, Any]:
        """``--eval_generation_config`` in EvalScope's names; greedy unless it says otherwise."""
        out: dict[str, Any] = {"temperature": 0.0}
        for key, value in (options.generation or {}).items():
            out[_GENERATION_NAMES.get(key, key)] = [value] if key == "stop" and isinstance(value, str) else value
        return out

    def _dataset_args(self, dataset: EvalDataset, folder: str, notes: list[str]) -> tuple[str, dict[str, Any]]:
        """``(EvalScope benchmark, its dataset_args)``; a local file is staged in ``folder`` first."""
        args = {k: v for k, v in dataset.args.items() if k not in OWN_ARGS}
        if not dataset.is_local:
            return dataset.name, args
        label = dataset_label(dataset)
        kind, rows = self._local_rows(dataset)
        benchmark = files.BENCHMARKS[kind][0]
        if kind == "qa":  # empty answers scored 0, not skipped (see evalscope_qa)
            from swiftkit.plugins.eval.evalscope_qa import scored_qa_benchmark

            benchmark = scored_qa_benchmark()
        out = {"local_path": files.stage(kind, rows, folder, label), "subset_list": [label], **args}
        if kind == "qa" and "metric_list" not in args:
            out["metric_list"] = self._qa_metrics(notes)
        return benchmark, out

    def _run_one(self, model: Any, target: EvalTarget, dataset: EvalDataset, options: EvalOptions,
                 report: EvalReport, folder: str) -> None:
        from evalscope import TaskConfig, run_task

        work_dir = os.path.join(options.output_dir, "evalscope", folder)
        notes: list[str] = []
        benchmark, args = self._dataset_args(dataset, os.path.join(work_dir, "data"), notes)
        kwargs: dict[str, Any] = {
            "datasets": [benchmark], "dataset_args": {benchmark: args}, "limit": options.limit, "work_dir": work_dir,
            "no_timestamp": True, "generation_config": self._generation(options),
            # a live model under training: EvalScope must not reseed the run's generators
            "seed": None if target.engine is not None else options.seed,
        }
        if model is None:
            kwargs.update(model=target.served_model or target.model_id or "default", api_url=target.url,
                          api_key=target.api_key, eval_type="openai_api", eval_batch_size=max(1, options.num_proc))
        else:  # concurrent requests: the pt engine decodes them in one batch
            kwargs.update(model=model, model_id=re.sub(r"[^A-Za-z0-9_.-]+", "_", target.label()), eval_type="custom",
                          eval_batch_size=max(1, options.batch_size))
        try:  # --extra_eval_args: TaskConfig's own names, over ours
            task = TaskConfig(**{**kwargs, **(options.extra or {})})
        except TypeError as exc:
            raise ConfigError(f"--extra_eval_args {sorted(options.extra or {})}: not all are EvalScope TaskConfig "
                              f"fields ({exc})") from None
        try:
            training = target.engine is not None
            with _quieter(html=bool(self.options.get("evalscope_html_report", True)) and not training,
                          console=not training):
                results = run_task(task_cfg=task)
        except SwiftkitError:
            raise
        except Exception as exc:
            raise SwiftkitError(f"eval dataset {dataset.name!r}: EvalScope's {benchmark} failed: "
                                f"{type(exc).__name__}: {exc}") from exc
        found = results.get(benchmark) if isinstance(results, dict) else None
        if found is None:
            raise SwiftkitError(f"eval dataset {dataset.name!r}: EvalScope's {benchmark} returned no report "
                                f"(see {work_dir}/logs/eval_log.log)")
        self._collect(found, dataset, work_dir, report)
        report.notes.extend(n for n in notes if n not in report.notes)

    @staticmethod
    def _collect(found: Any, dataset: EvalDataset, work_dir: str, report: EvalReport) -> None:
        """EvalScope's report as ``{dataset: {metric: score}}``: the dataset's overall scores, and
        a benchmark's own subsets as ``name/subset`` when it has several."""
        scores: dict[str, float] = {}
        per_subset: dict[str, dict[str, float]] = {}
        count = 0
        for metric in found.metrics:
            name = metric.name.removeprefix("mean_")
            scores[name] = float(metric.score)
            count = max(count, int(metric.num or 0))
            subsets = [s for category in metric.categories for s in category.subsets]
            if not dataset.is_local and len(subsets) > 1:
                for subset in subsets:
                    per_subset.setdefault(f"{dataset.name}/{subset.name}", {})[name] = float(subset.score)
        report.metrics[dataset.name] = scores
        report.metrics.update(per_subset)
        report.counts[dataset.name] = count
        reviews = os.path.join(work_dir, "reviews")
        for root, _, names in os.walk(reviews):
            for name in sorted(names):
                if name.endswith(".jsonl"):
                    report.samples[dataset.name] = os.path.join(root, name)
                    return

    def _qa_metrics(self, notes: list[str]) -> list[str]:
        chosen = self.options.get("evalscope_qa_metrics")
        punkt = _punkt_installed()
        if chosen:
            if "BLEU" in chosen and not punkt:
                raise ConfigError("--evalscope_qa_metrics BLEU needs NLTK's punkt_tab data, which is not installed "
                                  "(python -m nltk.downloader punkt_tab, online); use Rouge")
            return list(chosen)
        if not punkt:
            notes.append("open-QA files scored with Rouge only: BLEU needs NLTK's punkt_tab data (not installed)")
            return ["Rouge"]
        return ["BLEU", "Rouge"]
