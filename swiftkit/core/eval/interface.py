"""What an evaluation backend implements (:class:`~swiftkit.core.specs.EvalBackendSpec`).

``swift eval`` (and evaluation during training) composes the run config, resolves what is
evaluated into an :class:`EvalTarget`, asks the backend chosen with ``--eval_backend`` to
:meth:`~EvalBackend.check_datasets` and then :meth:`~EvalBackend.run`, and writes the
:class:`EvalReport` it returns as ``report.json`` plus a table. The backend drives its
evaluation library (EvalScope, lm-evaluation-harness ...) through that library's Python API;
it never parses command-line output.

Light: this module is imported by plugins on the discovery path.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class EvalTarget:
    """What is evaluated: a model loaded in-process, or a running OpenAI-compatible server.

    Exactly one of ``model_dir`` and ``url`` is set. ``model_dir`` is a local folder (a hub id
    already downloaded, a checkpoint, a merged export); ``adapters`` are LoRA folders applied on
    top; ``template`` is the chat template id the run resolved (the backend renders prompts with
    it through :attr:`engine` or the tokenizer's ``chat_template``). ``url`` is the server's base
    URL ending in ``/v1`` (``--eval_url``); ``served_model`` the model name to send; ``api_key``
    the bearer token (``--api_key``, default ``"EMPTY"``).

    ``engine`` is set when evaluation runs inside training: an
    :class:`~swiftkit.core.engines.interface.InferEngine` over the live model (no reload); a
    backend that supports it evaluates through the engine, else it refuses with the reason.
    """

    model_dir: str | None = None
    adapters: list[str] = field(default_factory=list)
    template: str | None = None
    model_id: str | None = None
    url: str | None = None
    served_model: str | None = None
    api_key: str = "EMPTY"
    torch_dtype: str | None = None
    engine: Any = None

    @property
    def kind(self) -> str:
        """``"model"`` or ``"url"`` (what :attr:`EvalBackendSpec.targets` lists)."""
        return "url" if self.url else "model"

    def label(self) -> str:
        """A short name for reports: the served model, the model id or the folder's name."""
        if self.url:
            return self.served_model or self.url
        return self.model_id or os.path.basename(os.path.normpath(self.model_dir or "model"))


@dataclass
class EvalDataset:
    """One dataset of ``--eval_dataset``: a benchmark name (``gsm8k``) or a local file/folder.

    ``name`` is what the user wrote; ``path`` is set when it names an existing local file or
    folder (then ``subset`` is the file's stem unless ``--eval_dataset_args`` says otherwise);
    ``args`` are this dataset's entry of ``--eval_dataset_args`` (backend-specific).
    """

    name: str
    path: str | None = None
    subset: str | None = None
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.path is not None


@dataclass
class EvalOptions:
    """The run's evaluation settings (ms-swift's flags), defaults filled in.

    ``output_dir`` is this run's own folder (the backend writes its predictions/reviews there);
    ``limit`` caps the rows per dataset (an int) or a fraction (a float < 1); ``generation``
    holds ``--eval_generation_config`` (``max_tokens``, ``temperature``, ``top_p`` ... OpenAI
    names); ``num_proc`` is the number of concurrent requests/workers; ``extra`` is
    ``--extra_eval_args`` (passed to the library untouched); ``options`` the backend's own
    plugin options; ``config`` the whole composed run config (read-only).
    """

    output_dir: str
    limit: int | float | None = None
    generation: dict[str, Any] = field(default_factory=dict)
    num_proc: int = 1
    batch_size: int = 8
    seed: int = 42
    extra: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalReport:
    """What a run measured.

    ``metrics`` maps each dataset (by the name the user gave; a benchmark's subsets as
    ``name/subset``) to ``{metric: score}``, scores as floats (accuracy in [0, 1]); ``samples``
    maps a dataset to the backend's per-row file (predictions and reviews, JSON lines) where it
    writes one; ``counts`` maps a dataset to the rows it scored. ``notes`` are one-line remarks
    shown after the table (a fallback taken, a metric that needs a download skipped ...).
    """

    backend: str
    target: str
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def flat(self, prefix: str = "") -> dict[str, float]:
        """``{"<prefix><dataset>_<metric>": score}``: the form logged next to the training loss."""
        return {f"{prefix}{name}_{metric}": score for name, scores in self.metrics.items()
                for metric, score in scores.items()}


class EvalBackend(ABC):
    """An evaluation library driven through its Python API. Created once per run as
    ``impl(spec, options)``, ``options`` being the values of the spec's option schema taken from
    the run config (defaults filled in)."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        self.spec = spec
        self.options = dict(options or {})

    def check_datasets(self, datasets: list[EvalDataset], *, offline: bool) -> list[str]:
        """Problems that stop the run before anything loads, one line each, naming the dataset:
        a local file in a format the backend cannot read (with the row/key at fault), a benchmark
        it does not know, or, when ``offline`` (``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE``), a
        benchmark that needs a download. Must not download or import the model. The default
        accepts everything."""
        return []

    @abstractmethod
    def run(self, target: EvalTarget, datasets: list[EvalDataset], options: EvalOptions) -> EvalReport:
        """Evaluate ``target`` on ``datasets`` and return the scores.

        Called once per ``swift eval`` run (and once per evaluation during training, with
        ``target.engine`` set). Writes only under ``options.output_dir``. A dataset that fails
        is an error naming the dataset (and the file/row where there is one): no partial report
        is presented as complete. Must not change the process's global state beyond what the
        library itself sets (environment variables it needs are set and restored)."""
