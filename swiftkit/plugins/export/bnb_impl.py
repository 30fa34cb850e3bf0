"""bitsandbytes export (see :mod:`swiftkit.plugins.export.bnb`): the source loaded through
transformers' ``BitsAndBytesConfig`` and saved with its quantization config, so
``AutoModelForCausalLM.from_pretrained(folder)`` gives the quantized model back."""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import Any

from swiftkit.core.export.interface import ExportContext, Exporter, ExportResult

#: tokenizer and generation files copied verbatim from the source (the chat_template included)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
                   "chat_template.json", "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json",
                   "generation_config.json")
_DTYPES = ("float32", "bfloat16", "float16")


def _device_map() -> Any:
    import torch

    return {"": 0} if torch.cuda.is_available() else "cpu"


def _source_dtype(source_dir: str) -> str | None:
    import json

    try:
        with open(os.path.join(source_dir, "config.json"), encoding="utf-8") as fh:
            cfg = json.load(fh)
    except (OSError, ValueError):
        return None
    value = cfg.get("dtype") or cfg.get("torch_dtype") or (cfg.get("text_config") or {}).get("dtype")
    return value if value in _DTYPES else None


class BnbExporter(Exporter):
    """``--quant_method bnb``: 4-bit (``--bnb_4bit_quant_type nf4|fp4``) or 8-bit weights."""

    def check(self, config: dict[str, Any]) -> list[str]:
        problems = []
        if importlib.util.find_spec("bitsandbytes") is None:
            problems.append("bitsandbytes is not installed: pip install 'bitsandbytes>=0.43'")
        if config.get("group_size") is not None:
            problems.append(f"--group_size {config['group_size']} does not apply to bnb (it quantizes in fixed blocks); "
                            "drop it, or use a method that takes it (gptq, awq)")
        return problems

    def compute_dtype(self, source_dir: str) -> str:
        """``--bnb_4bit_compute_dtype`` resolved: ``auto`` is the source's half dtype, else float32."""
        name = self.options.get("bnb_4bit_compute_dtype") or "auto"
        if name != "auto":
            return name
        found = _source_dtype(source_dir)
        return found if found in ("bfloat16", "float16") else "float32"

    def quantization_config(self, source_dir: str) -> Any:
        import torch
        from transformers import BitsAndBytesConfig

        if int(self.options.get("quant_bits") or 4) == 8:
            return BitsAndBytesConfig(load_in_8bit=True)
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=self.options.get("bnb_4bit_quant_type") or "nf4",
            bnb_4bit_compute_dtype=getattr(torch, self.compute_dtype(source_dir)),
            bnb_4bit_use_double_quant=bool(self.options.get("bnb_4bit_use_double_quant", True)),
        )

    def describe(self) -> str:
        bits = int(self.options.get("quant_bits") or 4)
        if bits == 8:
            return "LLM.int8 (8-bit)"
        double = " + double quant" if self.options.get("bnb_4bit_use_double_quant", True) else ""
        return f"{self.options.get('bnb_4bit_quant_type') or 'nf4'} (4-bit){double}"

    def export(self, ctx: ExportContext) -> ExportResult:
        carried = [n for n in TOKENIZER_FILES if os.path.isfile(os.path.join(ctx.source_dir, n))]
        metrics = {"quant_bits": int(self.options.get("quant_bits") or 4), "format": f"bnb {self.describe()}"}
        if ctx.dry_run:
            files = sorted({"config.json", "model.safetensors", *carried})
            return ExportResult(ctx.output_dir, files, metrics,
                                [f"would quantize {ctx.source_dir} to {self.describe()} with bitsandbytes"])
        import torch
        from transformers import AutoModelForCausalLM

        ctx.log(f"bnb: quantizing {ctx.source_dir} to {self.describe()}")
        model = AutoModelForCausalLM.from_pretrained(
            ctx.source_dir, quantization_config=self.quantization_config(ctx.source_dir), device_map=_device_map(),
            dtype=getattr(torch, self.compute_dtype(ctx.source_dir)),
            trust_remote_code=bool(ctx.config.get("trust_remote_code")))
        model.save_pretrained(ctx.output_dir)
        for name in carried:
            target = os.path.join(ctx.output_dir, name)
            if not os.path.exists(target) or name == "generation_config.json":
                shutil.copy2(os.path.join(ctx.source_dir, name), target)
        kept = sorted({name.rsplit(".", 1)[0] for name, p in model.named_parameters()
                       if p.dtype.is_floating_point and p.dim() == 2})
        notes = []
        if kept:
            notes.append(f"kept in {self.compute_dtype(ctx.source_dir)}: {', '.join(kept[:4])}"
                         + (f" (+{len(kept) - 4} more)" if len(kept) > 4 else "") + " (embeddings / output head)")
        files = sorted(os.path.relpath(os.path.join(r, f), ctx.output_dir)
                       for r, _d, fs in os.walk(ctx.output_dir) for f in fs)
        return ExportResult(ctx.output_dir, files, metrics, notes)

    def load_exported(self, output_dir: str) -> Any:
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM.from_pretrained(output_dir, device_map=_device_map()).eval()
