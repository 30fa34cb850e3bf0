"""The ``half`` exporter (behaviour): every floating-point tensor cast to float16/bfloat16."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from swiftkit.core.export.interface import ExportContext, Exporter, ExportResult

DTYPES = {"fp16": "float16", "bf16": "bfloat16"}


class HalfExporter(Exporter):
    def check(self, config: dict[str, Any]) -> list[str]:
        if config.get("dataset"):  # nothing to calibrate: say so rather than ignore the flag
            return ["--dataset is not used: a half-precision copy needs no calibration data"]
        return []

    def export(self, ctx: ExportContext) -> ExportResult:
        dtype = DTYPES[str(ctx.config["quant_method"]).lower()]
        weights = sorted(n for n in os.listdir(ctx.source_dir) if n.endswith(".safetensors"))
        if not weights:
            raise FileNotFoundError(f"{ctx.source_dir}: no *.safetensors weights to convert")
        others = [n for n in os.listdir(ctx.source_dir)
                  if n not in weights and os.path.isfile(os.path.join(ctx.source_dir, n))]
        if ctx.dry_run:
            return ExportResult(ctx.output_dir, sorted(weights + others), notes=[f"would cast to {dtype}"])

        import torch
        from safetensors.torch import load_file, save_file

        keep = self.options.get("half_keep_float32") or []
        kept = 0
        for name in weights:
            tensors = load_file(os.path.join(ctx.source_dir, name))
            for key, tensor in tensors.items():
                if tensor.is_floating_point() and not any(k in key for k in keep):
                    tensors[key] = tensor.to(getattr(torch, dtype))
                elif tensor.is_floating_point():
                    kept += 1
            save_file(tensors, os.path.join(ctx.output_dir, name), metadata={"format": "pt"})
            ctx.log(f"half: {name} cast to {dtype}")
        for name in others:  # tokenizer, generation config, index ... as they are
            shutil.copy2(os.path.join(ctx.source_dir, name), os.path.join(ctx.output_dir, name))
        config_path = os.path.join(ctx.output_dir, "config.json")
        with open(config_path, encoding="utf-8") as fh:
            config = json.load(fh)
        config["torch_dtype"] = config["dtype"] = dtype
        with open(config_path, "w", encoding="utf-8") as fh:
            json.dump(config, fh, indent=2)
        notes = [f"{kept} tensor(s) kept in float32"] if kept else []
        return ExportResult(ctx.output_dir, sorted(weights + others), {"dtype": dtype}, notes)

    def load_exported(self, output_dir: str) -> Any:
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM.from_pretrained(output_dir, device_map="cpu")
