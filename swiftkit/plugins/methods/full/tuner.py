"""Full fine-tuning: every parameter of the model is trainable."""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Tuner


class FullTuner(Tuner):
    """Makes every floating-point parameter trainable and returns the model unchanged otherwise.

    Integer or quantised parameters cannot carry gradients; a model holding any is refused
    with a clear error rather than trained partially.
    """

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        frozen = []
        for name, param in model.named_parameters():
            if param.dtype.is_floating_point or param.dtype.is_complex:
                param.requires_grad_(True)
            else:
                frozen.append(f"{name} ({param.dtype})")
        if frozen:
            raise TypeError(
                "full: cannot train non-floating-point parameters (a quantised model?): "
                + ", ".join(frozen[:5])
                + (" ..." if len(frozen) > 5 else "")
                + "; use a LoRA tuner on quantised models"
            )
        return model
