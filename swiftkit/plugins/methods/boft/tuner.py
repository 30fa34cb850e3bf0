"""BOFT tuner: a ``peft.BOFTConfig`` from the run options.

The orthogonal factors start at the identity, so the prepared model computes what the base
model does. The adapter merges into the base weights for export.

peft tries to build a CUDA extension (``fbd_cuda``) for the butterfly permutations when a BOFT
layer is created, and falls back to ``boft_n_butterfly_factor=1`` when that fails. On a machine
without CUDA the build cannot succeed, so the attempt (a compiler run per layer when ``nvcc``
happens to be installed) is skipped and a factor above 1 is reported instead of silently lowered.
"""

from __future__ import annotations

import warnings
from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    causal_lm_task_type,
    optional_names,
    refuse_peft_model,
)
from swiftkit.plugins.methods.lora.tuner import resolve_target_modules


def _skip_cuda_extension_without_cuda() -> bool:
    """Mark peft's BOFT CUDA extension unavailable when torch has no CUDA; return whether CUDA is there."""
    import torch

    if torch.cuda.is_available():
        return True
    from peft.tuners.boft import layer

    if getattr(layer, "_FBD_CUDA", None) is None:
        layer._FBD_CUDA = False  # get_fbd_cuda() returns it as is: "not available", no build attempt
    return False


class BoftTuner(OptionTuner):
    """peft BOFT; only the orthogonal factors (and ``modules_to_save``) train."""

    def boft_config(self, model: Any, model_spec: Any = None) -> Any:
        from peft import BOFTConfig

        size, num = int(self.option("boft_block_size")), int(self.option("boft_block_num"))
        if (size == 0) == (num == 0):
            raise ValueError(
                f"boft: set exactly one of boft_block_size ({size}) and boft_block_num ({num}); the other must be 0"
            )
        return BOFTConfig(
            task_type=causal_lm_task_type(model),
            target_modules=resolve_target_modules(self.option("target_modules"), model, model_spec),
            boft_block_size=size,
            boft_block_num=num,
            boft_n_butterfly_factor=int(self.option("boft_n_butterfly_factor")),
            boft_dropout=float(self.option("boft_dropout")),
            modules_to_save=optional_names(self.option("modules_to_save")),
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, "boft")
        config = self.boft_config(model, model_spec)
        if not _skip_cuda_extension_without_cuda() and config.boft_n_butterfly_factor > 1:
            warnings.warn(
                f"boft: boft_n_butterfly_factor={config.boft_n_butterfly_factor} needs peft's CUDA "
                "extension; without CUDA peft trains with factor 1 (block-diagonal OFT)",
                stacklevel=2,
            )
        return get_peft_model(model, config)
