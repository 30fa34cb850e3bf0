"""``--use_liger_kernel``: Liger's fused Triton kernels for training (ms-swift's flag).

Liger replaces a model's RMSNorm, RoPE, SwiGLU and cross-entropy (fused with the output head)
by Triton kernels, which cuts activation memory and time on NVIDIA GPUs. It needs the
``liger-kernel`` package, Triton and a CUDA GPU; without any of them the run is refused when its
configuration is checked (this plugin's ``swift_config_adjust``), before anything loads. With
them the flag reaches ``transformers.TrainingArguments(use_liger_kernel=True)``, and the Trainer
patches the model when it is built.

Registration and the check import nothing heavy: torch is imported only once both libraries are
found (to ask for a GPU), liger itself only to read which model types it patches.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from swiftkit.core import OptionsSpec, hookimpl
from swiftkit.core.errors import ConfigError

SWIFTKIT_PLUGIN_API = "1.5"

#: the commands that train (the flag means nothing to infer, deploy or export)
TRAINING_COMMANDS = ("sft", "pt", "rlhf")

INSTALL_HINT = "pip install liger-kernel (it brings triton)"

LIGER_OPTIONS = {
    "type": "object",
    "properties": {
        "use_liger_kernel": {
            "type": "boolean",
            "default": False,
            "description": "Train with Liger's fused Triton kernels (RMSNorm, RoPE, SwiGLU, cross-entropy fused "
            "with the output head): less activation memory, faster steps. Needs liger-kernel, triton and a CUDA "
            "GPU; refused otherwise.",
        },
    },
}


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _cuda_gpus() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _liger_model_types() -> set[str] | None:
    """The ``model_type`` values liger patches, or None when the installed liger does not say."""
    try:
        from liger_kernel.transformers.monkey_patch import MODEL_TYPE_TO_APPLY_LIGER_FN
    except Exception:  # noqa: BLE001 - an older or newer layout: leave the check to the Trainer
        return None
    return set(MODEL_TYPE_TO_APPLY_LIGER_FN)


def liger_problems(config: dict[str, Any]) -> list[str]:
    """Why ``--use_liger_kernel`` cannot run here; empty when it can."""
    missing = [name for name, module in (("liger-kernel", "liger_kernel"), ("triton", "triton")) if not _installed(module)]
    if missing:
        return [f"--use_liger_kernel needs {' and '.join(missing)}, not installed: {INSTALL_HINT}; Liger's kernels "
                "are Triton GPU kernels, so it also needs a CUDA GPU"]
    if _cuda_gpus() == 0:
        return ["--use_liger_kernel needs a CUDA GPU (Liger's kernels are Triton GPU kernels) and none is visible; "
                "drop the flag to train on CPU"]
    from swiftkit.plugins.parallel._common import model_config

    model_type = model_config(config).get("model_type")
    supported = _liger_model_types()
    if model_type and supported is not None and model_type not in supported:
        return [f"--use_liger_kernel: liger has no kernels for model type {model_type!r} (it patches "
                f"{', '.join(sorted(supported))}); drop the flag"]
    return []


@hookimpl
def swift_register_options() -> list[OptionsSpec]:
    return [OptionsSpec(
        id="liger-kernel",
        description="--use_liger_kernel: Liger's fused Triton training kernels (CUDA GPUs only).",
        options=LIGER_OPTIONS,
        commands=list(TRAINING_COMMANDS),
    )]


@hookimpl
def swift_config_adjust(config: dict[str, Any], command: str) -> None:
    """Refuse ``--use_liger_kernel`` where it cannot run, before anything loads."""
    if command in TRAINING_COMMANDS and config.get("use_liger_kernel"):
        problems = liger_problems(config)
        if problems:
            raise ConfigError("; ".join(problems))
