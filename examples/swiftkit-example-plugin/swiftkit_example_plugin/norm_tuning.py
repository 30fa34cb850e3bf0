"""The ``example-norm-tuning`` tuner's behaviour: freeze everything but the normalization layers.

Nothing heavy is imported: the model arrives as a ``torch.nn.Module`` and is changed in place.
A checkpoint is a whole model (the base Tuner's ``save_pretrained``), which ``swift infer`` and
``swift export`` load like any fine-tuned model.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Tuner


class NormTuner(Tuner):
    """Trains the weights of every module whose class name ends with one of
    ``norm_tuning_classes``; all other parameters get ``requires_grad=False``."""

    def norm_classes(self) -> tuple[str, ...]:
        value = self.options.get("norm_tuning_classes")
        if value is None:
            value = self.spec.options["properties"]["norm_tuning_classes"]["default"]
        return tuple(value)

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        endings = self.norm_classes()
        model.requires_grad_(False)
        for module in model.modules():
            if type(module).__name__.endswith(endings):
                for param in module.parameters(recurse=False):
                    param.requires_grad_(True)
        if not any(p.requires_grad for p in model.parameters()):
            raise ValueError(
                f"{self.spec.id}: {type(model).__name__} has no module whose class name ends with "
                f"{', '.join(endings)}; name its normalization layers with --norm_tuning_classes"
            )
        return model
