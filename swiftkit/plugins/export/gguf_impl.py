"""The GGUF export step (see :mod:`swiftkit.plugins.export.gguf`)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from typing import Any

from swiftkit.core.export.interface import ExportContext, Exporter, ExportResult

INSTALL_HINT = "pip install 'gguf>=0.10' (or: pip install 'swiftkit[gguf]')"


def gguf_file_name(ctx: ExportContext, quant: str) -> str:
    """``<model>-<quant>.gguf``: the registered model id, else the source folder's name."""
    base = ctx.model_id or os.path.basename(os.path.normpath(ctx.source_dir)).lstrip(".")
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base.split("/")[-1]).strip("-.") or "model"
    return f"{base}-{quant}.gguf"


def find_gguf(folder: str) -> str | None:
    """The one ``.gguf`` file in ``folder`` (None when there is none; an error when several)."""
    found = sorted(f for f in os.listdir(folder) if f.endswith(".gguf")) if os.path.isdir(folder) else []
    if len(found) > 1:
        raise ValueError(f"{folder}: several GGUF files ({', '.join(found)}); expected one")
    return found[0] if found else None


def gguf_problems(config: dict[str, Any], quant: Any) -> list[str]:
    """What stops a GGUF write before anything loads (shared with the ollama exporter)."""
    from swiftkit.plugins.export.gguf_quants import GGUF_QUANTS

    problems = []
    if importlib.util.find_spec("gguf") is None:
        problems.append(f"the gguf library is not installed: {INSTALL_HINT}")
    if quant not in GGUF_QUANTS:
        problems.append(f"--gguf_quant {quant!r} is not supported: use one of {', '.join(GGUF_QUANTS)}")
    return problems


def write_step(ctx: ExportContext, quant: str) -> ExportResult:
    """Write ``ctx.source_dir`` as ``<output_dir>/<model>-<quant>.gguf`` (nothing with dry_run)."""
    name = gguf_file_name(ctx, quant)
    path = os.path.join(ctx.output_dir, name)
    if ctx.dry_run:
        from swiftkit.plugins.export.gguf_writer import ARCHITECTURES

        with open(os.path.join(ctx.source_dir, "config.json"), encoding="utf-8") as fh:
            model_type = json.load(fh).get("model_type")
        if model_type not in ARCHITECTURES:
            raise ValueError(f"{ctx.source_dir}/config.json: model_type {model_type!r} has no GGUF writer; written "
                             f"are {', '.join(sorted(ARCHITECTURES))}")
        return ExportResult(ctx.output_dir, [name], {"gguf_quant": quant, "format": "gguf"},
                            [f"would write {name} ({model_type})"])
    from swiftkit.plugins.export.gguf_writer import write_gguf

    written = write_gguf(ctx.source_dir, path, quant, name=ctx.model_id, log=ctx.log)
    metrics = {"gguf_quant": quant, "format": "gguf", "gguf_file": name, "size_bytes": os.path.getsize(path),
               "tensor_types": dict(sorted(written.types.items()))}
    return ExportResult(ctx.output_dir, [name], metrics, written.notes)


def load_gguf(folder: str) -> Any:
    """The causal LM in ``folder``'s GGUF file, read back (dequantized to float32) by transformers."""
    import torch
    from transformers import AutoModelForCausalLM

    name = find_gguf(folder)
    if name is None:
        raise ValueError(f"{folder}: no .gguf file to load")
    return AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()


class GgufExporter(Exporter):
    """``--to_gguf true``: one GGUF file with the tensor types of ``--gguf_quant``."""

    def check(self, config: dict[str, Any]) -> list[str]:
        return gguf_problems(config, self.options.get("gguf_quant", "f16"))

    def export(self, ctx: ExportContext) -> ExportResult:
        return write_step(ctx, self.options.get("gguf_quant") or "f16")

    def load_exported(self, output_dir: str) -> Any:
        return load_gguf(output_dir)
