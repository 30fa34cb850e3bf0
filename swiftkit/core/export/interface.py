"""What an export step implements (:class:`~swiftkit.core.specs.ExporterSpec`).

``swift export`` composes the run config, merges a LoRA adapter first when one is given
(``--adapters``/``--merge_lora``), then runs every exporter the config selects (through each
spec's ``selected_by`` keys) in ``stage`` order: ``convert`` (a quantization method, GGUF),
``package`` (an Ollama Modelfile), ``publish`` (a hub upload). Each step reads the folder the
previous one produced (:attr:`ExportContext.source_dir`) and writes into a staging folder
(:attr:`ExportContext.output_dir`) that the core renames into place only when every step
succeeded, so a failed export leaves nothing half-written.

Light: this module is imported by plugins on the discovery path.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ExportContext:
    """Everything one export step gets.

    ``source_dir``: a complete Hugging Face model folder (weights, config, tokenizer with its
    ``chat_template``; adapters already merged), never modified. ``output_dir``: the staging
    folder this step writes into (exists, empty, except for a ``package``/``publish`` step, which
    gets the previous step's folder as both ``source_dir`` and ``output_dir`` and adds to it or
    only reads it). ``model_id``/``template``: the registered model and chat template the run
    resolved (``None`` when a folder matched no registered model). ``calibration``: a callable
    returning up to ``n`` token-id lists (``--dataset`` encoded with the template, cut to
    ``--max_length``) for methods that calibrate; ``None`` when the run gives no ``--dataset``.
    ``dry_run``: report what would be written/uploaded and write nothing.
    """

    source_dir: str
    output_dir: str
    config: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    model_id: str | None = None
    template: str | None = None
    calibration: Callable[[int], list[list[int]]] | None = None
    dry_run: bool = False
    log: Callable[[str], None] = print


@dataclass
class ExportResult:
    """What one step produced.

    ``output_dir``: the folder the next step reads (usually :attr:`ExportContext.output_dir`;
    a ``publish`` step returns its source). ``files``: the paths it wrote (relative to
    ``output_dir``) or, for a publisher, uploaded (or, with ``dry_run``, would upload).
    ``metrics``: figures to print and record in ``export.json`` (``size_bytes``,
    ``greedy_agreement``, ``perplexity_source``/``perplexity_export``, ``max_abs_logit_diff``,
    ``url`` ...). ``notes``: one-line remarks (a tensor kept in higher precision, a fallback).
    """

    output_dir: str
    files: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Exporter(ABC):
    """One export step. Created once per run as ``impl(spec, options)``, ``options`` being the
    values of the spec's option schema taken from the run config (defaults filled in)."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        self.spec = spec
        self.options = dict(options or {})

    def check(self, config: dict[str, Any]) -> list[str]:
        """Problems that stop the run before anything loads, one line each naming the flag
        (``--quant_bits 3 is not supported by bnb: use 4 or 8``), including a missing library
        with the command that installs it. Must not import heavy libraries. The default accepts
        everything."""
        return []

    @abstractmethod
    def export(self, ctx: ExportContext) -> ExportResult:
        """Do the step: read ``ctx.source_dir``, write under ``ctx.output_dir`` only.

        Called once per run, after :meth:`check` passed for every selected exporter. Raises an
        error naming the tensor/file/flag at fault; never catches and hides a failure."""

    def load_exported(self, output_dir: str) -> Any:
        """The model this step wrote into ``output_dir``, loaded back in-process as a causal LM
        (``model(input_ids=...)`` returns logits), or ``None`` when the format has no such loader
        (the default: a Modelfile, an upload).

        Called by ``swift export --quality_check true`` after :meth:`export` succeeded, to
        compare the export with its source (:mod:`swiftkit.export.quality`: greedy agreement,
        perplexity change, max-abs logit diff); never during discovery. Must not modify
        ``output_dir``. (API 1.5)"""
        return None
