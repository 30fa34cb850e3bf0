"""FourierFT tuner: a ``peft.FourierFTConfig`` from the run options.

Each adapted linear layer learns ``fourier_n_frequency`` coefficients at fixed random positions of
its weight's spectrum; the update added to the weight is the real part of their inverse 2-D DFT
times ``fourier_scaling``. The spectrum starts random (peft's and ms-swift's default), so the
prepared model is not exactly the base model. The adapter merges into the base weights for export.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    causal_lm_task_type,
    optional_names,
    refuse_peft_model,
)
from swiftkit.plugins.methods.lora.tuner import ALL_LINEAR, linear_module_names, resolve_target_modules


def _too_small(model: Any, targets: Any, n_frequency: int) -> list[str]:
    """Adapted linear layers with fewer weight entries than ``n_frequency`` (peft would fail inside)."""
    import torch
    from peft.tuners.tuners_utils import check_target_module_exists

    if isinstance(targets, str) and targets.lower() == ALL_LINEAR:
        targets = linear_module_names(model)

    class _Probe:  # the matching rule peft applies to a config's target_modules
        target_modules = targets
        exclude_modules = None
        layers_to_transform = None
        layers_pattern = None

    small = []
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and check_target_module_exists(_Probe, name):
            if module.in_features * module.out_features < n_frequency:
                small.append(f"{name} ({module.out_features}x{module.in_features})")
    return small


class FourierFTTuner(OptionTuner):
    """peft FourierFT; only the spectral coefficients (and ``modules_to_save``) train."""

    def fourierft_config(self, model: Any, model_spec: Any = None) -> Any:
        from peft import FourierFTConfig

        targets = resolve_target_modules(self.option("target_modules"), model, model_spec)
        n_frequency = int(self.option("fourier_n_frequency"))
        small = _too_small(model, targets, n_frequency)
        if small:
            raise ValueError(
                f"fourierft: fourier_n_frequency={n_frequency} exceeds the weight entries of "
                f"{', '.join(small[:3])}{' ...' if len(small) > 3 else ''}; lower --fourier_n_frequency or "
                "narrow --target_modules"
            )
        return FourierFTConfig(
            task_type=causal_lm_task_type(model),
            target_modules=targets,
            n_frequency=n_frequency,
            scaling=float(self.option("fourier_scaling")),
            modules_to_save=optional_names(self.option("modules_to_save")),
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, "fourierft")
        return get_peft_model(model, self.fourierft_config(model, model_spec))
