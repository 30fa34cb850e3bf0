"""The quantization itself, run inside an environment that has llm-compressor.

llm-compressor pins versions of transformers and compressed-tensors that the main environment
cannot hold (vLLM's CPU build pins another compressed-tensors), so ``swift export`` usually
runs this file as a script with another Python (``python llm_compressor_worker.py job.json``)
and reads back the result file it writes; when llm-compressor imports in the current
environment, :func:`run_job` is called in process instead. Either way this module imports
nothing from swiftkit: the other environment need not have swiftkit at all.

The job (a JSON object): ``source_dir``, ``output_dir`` (exists, empty), ``method`` (gptq, awq,
fp8, w8a8), ``bits`` (4 or 8; gptq/awq only), ``group_size`` (-1: one scale per output
channel), ``calibration`` (a JSON file holding a list of token-id lists; absent for fp8),
``batch_size`` (-1: all rows in one batch), ``seed``, ``result`` (where the result is written).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from typing import Any

#: modules never quantized: the output head (small, and the most sensitive), MoE routers,
#: and the vision/audio towers of multimodal models (vLLM keeps those unquantized too)
IGNORE = ["lm_head", "re:.*mlp\\.gate$", "re:.*shared_expert_gate$", "re:.*visual\\..*", "re:.*vision_tower\\..*",
          "re:.*multi_modal_projector\\..*", "re:.*audio_tower\\..*"]

_WEIGHT_FILES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")
_WEIGHT_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
#: a training checkpoint's state (optimizer, scheduler, rng: caught by the suffixes above)
_TRAINING_STATE = ("trainer_state.json",)


def weight_scheme(method: str, bits: int, group_size: int) -> dict[str, Any]:
    """The weight quantization arguments of a gptq/awq job (compressed-tensors ``QuantizationArgs``
    fields): integer, ``bits`` wide, one scale per ``group_size`` inputs (-1: per output channel).
    GPTQ is symmetric (as ms-swift's and vLLM's GPTQ checkpoints); AWQ keeps a zero point (as
    AutoAWQ's ``zero_point=True``)."""
    args: dict[str, Any] = {"num_bits": bits, "type": "int", "symmetric": method != "awq"}
    if group_size == -1:
        args["strategy"] = "channel"
    else:
        args.update(strategy="group", group_size=group_size)
    return args


def _recipe(job: dict[str, Any]) -> list[Any]:
    from compressed_tensors.quantization import QuantizationArgs, QuantizationScheme

    method = job["method"]
    if method == "fp8":  # weights per channel, activations per token at run time: no calibration
        from llmcompressor.modifiers.quantization import QuantizationModifier

        return [QuantizationModifier(targets="Linear", scheme="FP8_DYNAMIC", ignore=IGNORE)]
    if method == "w8a8":  # int8 weights (GPTQ, per channel) and int8 activations per token, smoothed first
        from llmcompressor.modifiers.quantization import GPTQModifier
        from llmcompressor.modifiers.transform.smoothquant import SmoothQuantModifier

        return [SmoothQuantModifier(smoothing_strength=0.8), GPTQModifier(targets="Linear", scheme="W8A8", ignore=IGNORE)]
    groups = {"group_0": QuantizationScheme(targets=["Linear"],
                                            weights=QuantizationArgs(**weight_scheme(method, job["bits"], job["group_size"])))}
    if method == "gptq":
        from llmcompressor.modifiers.quantization import GPTQModifier

        return [GPTQModifier(config_groups=groups, ignore=IGNORE)]
    if method == "awq":
        from llmcompressor.modifiers.awq import AWQModifier

        return [AWQModifier(config_groups=groups, ignore=IGNORE)]
    raise ValueError(f"llm-compressor worker: unknown method {method!r} (gptq, awq, fp8, w8a8)")


def _check_group_size(model: Any, job: dict[str, Any]) -> None:
    """Every quantized linear's input size must be a multiple of the group size; say which is not."""
    group = job.get("group_size", -1)
    if job["method"] not in ("gptq", "awq") or group == -1:
        return
    import re

    import torch

    skip = [re.compile(p[3:]) if p.startswith("re:") else re.compile(re.escape(p) + "$") for p in IGNORE]
    bad = [(name, mod.in_features) for name, mod in model.named_modules()
           if isinstance(mod, torch.nn.Linear) and not any(s.match(name) for s in skip) and mod.in_features % group]
    if bad:
        name, size = bad[0]
        sizes = sorted({size for _, size in bad})
        fits = [g for g in (32, 64, 128, 256) if all(s % g == 0 for s in sizes)]
        hint = f"use --group_size {fits[-1]}" if fits else "use --group_size -1 (one scale per output channel)"
        raise ValueError(f"--group_size {group} does not divide the input size {size} of {name} "
                         f"({len(bad)} layers affected): {hint}")


def _copy_side_files(source: str, output: str) -> list[str]:
    """Tokenizer, chat template, args.json ...: every top-level file of the source that is not a
    weight file and that saving did not write."""
    copied = []
    for name in sorted(os.listdir(source)):
        path = os.path.join(source, name)
        if (not os.path.isfile(path) or name.endswith(_WEIGHT_FILES) or name in _WEIGHT_INDEXES
                or name in _TRAINING_STATE
                or os.path.exists(os.path.join(output, name))):
            continue
        shutil.copy2(path, os.path.join(output, name))
        copied.append(name)
    return copied


def _no_pinned_memory_without_gpu() -> None:
    """llm-compressor's activation cache pins host memory for faster copies to the GPU, which
    fails outright without one (AWQ: "Cannot access accelerator device when none is available")."""
    import torch

    if torch.cuda.is_available():
        return
    from llmcompressor.pipelines.cache import IntermediatesCache

    IntermediatesCache.pin_memory = lambda self, *args, **kwargs: None


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Quantize ``job["source_dir"]`` into ``job["output_dir"]``; returns (and writes to
    ``job["result"]`` when given) ``{"seconds", "device", "rows", "format", "copied",
    "versions"}``."""
    import llmcompressor
    import torch
    from llmcompressor import oneshot
    from transformers import AutoModelForCausalLM

    start = time.time()
    torch.manual_seed(int(job.get("seed", 42)))
    _no_pinned_memory_without_gpu()
    model = AutoModelForCausalLM.from_pretrained(job["source_dir"], dtype="auto")
    _check_group_size(model, job)
    kwargs: dict[str, Any] = {}
    rows: list[list[int]] = []
    if job.get("calibration"):
        from datasets import Dataset

        with open(job["calibration"], encoding="utf-8") as fh:
            rows = json.load(fh)
        if not rows:
            raise ValueError(f"--quant_method {job['method']}: no calibration rows came from --dataset")
        batch = len(rows) if int(job.get("batch_size", 1)) == -1 else max(1, int(job.get("batch_size", 1)))
        kwargs.update(dataset=Dataset.from_dict({"input_ids": rows, "attention_mask": [[1] * len(r) for r in rows]}),
                      num_calibration_samples=len(rows), max_seq_length=max(len(r) for r in rows),
                      shuffle_calibration_samples=False, batch_size=batch,
                      data_collator="padding" if batch > 1 else "truncation")
    oneshot(model=model, recipe=_recipe(job), **kwargs)
    model.save_pretrained(job["output_dir"], save_compressed=True)
    copied = _copy_side_files(job["source_dir"], job["output_dir"])
    with open(os.path.join(job["output_dir"], "config.json"), encoding="utf-8") as fh:
        qconfig = json.load(fh).get("quantization_config") or {}
    import compressed_tensors
    import transformers

    result = {"seconds": round(time.time() - start, 2), "device": "cuda" if torch.cuda.is_available() else "cpu",
              "rows": len(rows), "format": qconfig.get("format"), "copied": copied,
              "versions": {"llmcompressor": llmcompressor.__version__, "compressed-tensors": compressed_tensors.__version__,
                           "transformers": transformers.__version__, "torch": torch.__version__}}
    if job.get("result"):
        with open(job["result"], "w", encoding="utf-8") as fh:
            json.dump(result, fh)
    return result


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python llm_compressor_worker.py JOB.json")
    with open(sys.argv[1], encoding="utf-8") as fh:
        run_job(json.load(fh))
