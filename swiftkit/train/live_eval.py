"""Evaluation during training (ms-swift's ``--eval_use_evalscope true --eval_dataset ...``).

At each evaluation (``--eval_strategy`` steps / epoch, every ``--eval_steps``; also before the
first step with ``--eval_on_start``) the model being trained answers ``--eval_dataset`` through
a ``pt`` engine over the live model (no reload, no checkpoint needed), with the eval backend of
``--eval_backend`` (default: Native when EvalScope is installed, else lm_eval; the backend must
take a live engine). The scores are logged as ``eval_<dataset>_<metric>`` through the Trainer's
own ``log``, so they land in ``logging.jsonl``, the console and every ``--report_to`` next to
the loss; each evaluation's report (``report.json`` / ``report.md`` and the backend's per-row
files) is kept in ``<run>/eval/step-<N>/``.

The backend, the datasets and their files are checked when the callback is built, before the
model loads, so a bad ``--eval_dataset`` fails the run at once rather than at the first
evaluation.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from transformers import TrainerCallback

from swiftkit.core.errors import ConfigError
from swiftkit.core.eval.interface import EvalDataset, EvalReport, EvalTarget

logger = logging.getLogger("swiftkit.train")

#: the folder of a run that holds each evaluation's report
EVAL_DIR = "eval"


def wants_live_eval(config: dict[str, Any]) -> bool:
    """Whether the run evaluates ``--eval_dataset`` while it trains."""
    return bool(config.get("eval_use_evalscope"))


def metric_keys(report: EvalReport, datasets: list[EvalDataset], prefix: str = "eval_") -> dict[str, float]:
    """The report's scores as ``{"eval_<dataset>_<metric>": score}``: a local file is named by its
    subset (the file's stem), a benchmark by its name (its subsets as ``<name>/<subset>``)."""
    labels = {d.name: (d.subset if d.is_local and d.subset else d.name) for d in datasets}
    out: dict[str, float] = {}
    for name, scores in report.metrics.items():
        head, sep, sub = name.partition("/")
        label = labels.get(name) or (labels.get(head, head) + sep + sub)
        label = re.sub(r"[^\w./-]+", "_", label)
        out.update({f"{prefix}{label}_{metric}": float(score) for metric, score in scores.items()})
    return out


class LiveEvalCallback(TrainerCallback):
    """Evaluates the live model on ``--eval_dataset`` at each evaluation and logs the scores.

    Built by ``run_training`` with the run's config, folder and registry before the model loads;
    the trainer and the template are bound with :meth:`bind` once they exist."""

    def __init__(self, config: dict[str, Any], run_dir: str, registry: Any, *, template_id: str | None = None,
                 model_id: str | None = None):
        from swiftkit.evaluate.datasets import resolve_datasets
        from swiftkit.evaluate.runner import backend_options, check_datasets, create_backend, default_backend

        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            raise ConfigError("--eval_use_evalscope evaluates the model in the training process; it runs with one "
                              "process only (evaluate a checkpoint with `swift eval` after a multi-process run)")
        self.config = config
        self.run_dir = run_dir
        self.registry = registry
        self.template: Any = None
        self.template_id = template_id
        self.model_id = model_id
        self.backend_id = (registry.get("eval_backend", config["eval_backend"]).id if config.get("eval_backend")
                           else default_backend(registry))
        self.options = backend_options(registry, self.backend_id, config)
        self.backend = create_backend(registry, self.backend_id, self.options)
        self.datasets = resolve_datasets(config)
        check_datasets(self.backend, self.datasets)
        strategy = str(config.get("eval_strategy") or "steps")
        self.strategy = strategy.split(".")[-1].lower()
        self.every = int(config.get("eval_steps") or 500)
        self.trainer: Any = None
        self.reports: list[tuple[int, EvalReport]] = []
        self._done_at: int | None = None

    def bind(self, trainer: Any, template: Any) -> None:
        """The trainer whose ``log`` carries the scores, and the run's template (bound to its
        tokenizer) that renders the prompts."""
        self.trainer = trainer
        self.template = template

    # ------------------------------------------------------------------ when

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.config.get("eval_on_start") and state.global_step == 0:
            self._evaluate(state, kwargs.get("model"), kwargs.get("processing_class"))

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.strategy == "steps" and self.every > 0 and state.global_step % self.every == 0:
            self._evaluate(state, kwargs.get("model"), kwargs.get("processing_class"))

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.strategy == "epoch":
            self._evaluate(state, kwargs.get("model"), kwargs.get("processing_class"))

    # ------------------------------------------------------------------ how

    def _engine(self, model: Any, tokenizer: Any) -> Any:
        """A ``pt`` engine over the live model (the model's train/eval mode is left as it was)."""
        from swiftkit.train.unwrap import unwrap_model

        model = unwrap_model(model)
        cls = self.registry.impl("engine", "pt")
        spec = self.registry.get("engine", "pt").spec
        was_training = model.training
        engine = cls(spec, "", self.template, {"max_batch_size": 64}, model=model,
                     tokenizer=tokenizer if tokenizer is not None else getattr(self.template, "tokenizer", None))
        return engine, model, was_training

    def _evaluate(self, state: Any, model: Any, tokenizer: Any) -> None:
        from swiftkit.evaluate.report import write_report
        from swiftkit.evaluate.runner import eval_options, evaluate

        if model is None or not state.is_world_process_zero or self._done_at == state.global_step:
            return
        self._done_at = state.global_step
        engine, live, was_training = self._engine(model, tokenizer)
        folder = os.path.join(self.run_dir, EVAL_DIR, f"step-{state.global_step}")
        target = EvalTarget(model_dir=self.config.get("model"), template=self.template_id, model_id=self.model_id,
                            engine=engine)
        try:
            live.eval()
            report = evaluate(self.registry, self.backend_id, target, self.datasets,
                              eval_options(self.config, folder, self.options), self.backend, datasets_checked=True)
        finally:
            live.train(was_training)
            engine.close()
        write_report(report, folder, extra={"step": state.global_step, "datasets": [vars(d) for d in self.datasets]})
        self.reports.append((state.global_step, report))
        metrics = metric_keys(report, self.datasets)
        if self.trainer is not None:
            # Trainer.log clears control.should_log, which the flow callback set for this step's loss
            should_log = self.trainer.control.should_log
            self.trainer.log(metrics)
            self.trainer.control.should_log = should_log
        else:  # not bound (a caller's own Trainer): the scores still reach the log handlers
            logger.info("step %d: %s", state.global_step, metrics)
