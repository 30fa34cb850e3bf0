"""Whether a registered checkpoint can run here, decided from its spec before anything loads.

A spec's :attr:`~swiftkit.core.specs.ModelSpec.support` level, its ``task`` and its
pre-quantized format (``quant_method``) say what a checkpoint needs; this module turns a need
that is not met into one line naming the model, what is missing and what to do, and returns
the notices a run should print for what it lets through. Light: it imports no torch (a GPU is
looked for only when a format needs one).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.specs import MODEL_TASKS, QUANT_METHODS


@dataclass(frozen=True)
class QuantNeeds:
    """What loading a pre-quantized format takes: Python packages (import name, pip name) and
    whether it runs without a GPU (``cpu_note`` says how, or ``None`` when it does not)."""

    packages: tuple[tuple[str, str], ...]
    cpu_note: str | None


#: quant_method -> what transformers' quantizer for it needs (read from transformers 5.19's
#: ``validate_environment``: AWQ and GPTQ load through gptqmodel, GPTQ also through optimum;
#: FP8 weights are dequantized to bf16 where no GPU of compute capability 8.9+ is found)
QUANT_NEEDS: dict[str, QuantNeeds] = {
    "awq": QuantNeeds((("gptqmodel", "gptqmodel"), ("accelerate", "accelerate")), None),
    "gptq": QuantNeeds((("gptqmodel", "gptqmodel"), ("optimum", "optimum")),
                       "gptqmodel's torch kernels run GPTQ on a CPU (slowly)"),
    "fp8": QuantNeeds((("accelerate", "accelerate"),),
                      "without a GPU of compute capability 8.9+ transformers dequantizes the FP8 weights to bf16"),
    "bnb": QuantNeeds((("bitsandbytes", "bitsandbytes"),), "bitsandbytes runs nf4/int8 on a CPU"),
    "aqlm": QuantNeeds((("aqlm", "aqlm"),), None),
}

#: the tasks a run can train and serve (``--task_type``; each but causal_lm through its objective plugin)
RUNNABLE_TASKS = ("causal_lm", "seq_cls", "embedding", "reranker", "generative_reranker")


def _has_gpu() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def missing_packages(quant_method: str) -> list[str]:
    """The pip names of the packages ``quant_method`` needs that are not installed."""
    needs = QUANT_NEEDS.get(quant_method)
    if needs is None:
        return []
    return [pip for module, pip in needs.packages if importlib.util.find_spec(module) is None]


def folder_quantization(model_dir: str) -> tuple[str, int | None] | None:
    """``(quant_method, bits)`` from a local folder's ``config.json`` ``quantization_config``
    (``bitsandbytes`` reads as ``bnb``, ``compressed-tensors``/``fbgemm_fp8`` stay as named)."""
    import json
    import os

    try:
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as fh:
            quant = (json.load(fh) or {}).get("quantization_config")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(quant, dict):
        return None
    method = str(quant.get("quant_method") or "")
    if method == "bitsandbytes":
        bits = 4 if quant.get("load_in_4bit") else 8 if quant.get("load_in_8bit") else None
        return "bnb", bits
    if method:
        return method, quant.get("bits")
    return None


def check_support(spec: Any, config: dict[str, Any], *, command: str = "sft", trains: dict[str, Any] | None = None,
                  model_dir: str | None = None) -> list[str]:
    """Refuse what ``spec`` cannot do here with a one-line :class:`ConfigError`; return the
    notices to print for what it allows.

    ``config`` is the run configuration (``trust_remote_code``; ``task_type``, the task the run
    asks for: a causal LM may become any task, a checkpoint of another task runs only as that
    task; unset means the spec's own); ``command`` the CLI command
    (``sft``, ``infer``, ...) for messages; ``trains`` the chosen tuner's
    :attr:`~swiftkit.core.specs.MethodSpec.trains` when training (a pre-quantized checkpoint
    takes adapters only); ``model_dir`` the local folder about to load, whose ``config.json``
    says whether it is pre-quantized (the spec's format counts only when there is no folder yet).
    """
    name = spec.id
    notices: list[str] = []
    level = getattr(spec, "support", "untested") or "untested"
    note = getattr(spec, "support_note", None)
    task = getattr(spec, "task", "causal_lm") or "causal_lm"
    if level == "unsupported":
        raise ConfigError(f"model {name!r} cannot run with what is installed here: {note or 'no reason given by its plugin'}")
    wanted = config.get("task_type") or task
    if task not in RUNNABLE_TASKS:
        raise ConfigError(
            f"model {name!r} is a {MODEL_TASKS.get(task, task)} checkpoint (task {task!r}); `swift {command}` runs "
            f"the tasks {', '.join(RUNNABLE_TASKS)} only"
        )
    if wanted != task and task != "causal_lm":
        raise ConfigError(
            f"model {name!r} is a {MODEL_TASKS.get(task, task)} checkpoint (task {task!r}), but the run's task is "
            f"{wanted!r}: pass --task_type {task}"
        )
    if level == "remote_code":
        if not config.get("trust_remote_code"):
            raise ConfigError(
                f"model {name!r} needs the checkpoint's own modeling code ({note or 'custom code'}): pass "
                "--trust_remote_code true to run it (only for a checkpoint you trust; swiftkit has not tested it)"
            )
        notices.append(f"model {name!r} runs the checkpoint's own code (--trust_remote_code true); swiftkit has not tested it")
    quant, bits = getattr(spec, "quant_method", None), getattr(spec, "quant_bits", None)
    if model_dir and os.path.isfile(os.path.join(model_dir, "config.json")):
        # the checkpoint at hand decides: a bf16 re-upload (or a tiny model) of a family published
        # in FP8 is not quantized, whatever the registered checkpoint is
        quant, bits = folder_quantization(model_dir) or (None, None)
    if quant:
        notices.extend(_check_quantized(spec.id, quant, bits, trains))
    return notices


def _check_quantized(name: str, quant: str, bits: int | None, trains: dict[str, Any] | None) -> list[str]:
    label = f"{QUANT_METHODS.get(quant, quant)}" + (f" {bits}-bit" if bits else "")
    missing = missing_packages(quant)
    if missing:
        raise ConfigError(
            f"model {name!r} is pre-quantized ({label}): loading it needs {', '.join(missing)} "
            f"(pip install {' '.join(missing)})"
        )
    needs = QUANT_NEEDS.get(quant)
    notices = []
    if needs is not None and not _has_gpu():
        if needs.cpu_note is None:
            raise ConfigError(f"model {name!r} is pre-quantized ({label}), whose kernels need a CUDA GPU; none is visible here")
        notices.append(f"model {name!r} is pre-quantized ({label}): {needs.cpu_note}")
    if trains and trains.get("weights") in ("all", "fraction"):
        raise ConfigError(
            f"model {name!r} is pre-quantized ({label}): its weights cannot be trained directly; train an adapter "
            "on top (--train_type lora, as QLoRA does) or start from the unquantized checkpoint"
        )
    return notices
