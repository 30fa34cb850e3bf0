"""LISA tuner and its layer-switching Trainer callback.

:meth:`LisaTuner.prepare` makes every weight trainable, so that the optimizer the Trainer builds
holds them all; :class:`~swiftkit.plugins.methods.lisa.callback.LisaCallback` then freezes all decoder layers but the drawn ones when
training starts and at every ``lisa_step_interval``-th step. A frozen parameter gets no
gradient, and torch's optimizers leave a parameter without a gradient untouched (no step, no
weight decay), so only the drawn layers (and the embeddings, final norm and head) change.

The draw of period ``k`` (steps ``k * interval`` to ``(k + 1) * interval - 1``) is a function of
the seed and ``k`` alone: every process of a data-parallel run draws the same layers, and a
resumed run draws what the interrupted one would have. Checkpoints are complete models, like
full fine-tuning's.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    find_decoder_layers,
    floating_point_check,
    set_trainable,
)


class LisaTuner(OptionTuner):
    """Full fine-tuning; :class:`~swiftkit.plugins.methods.lisa.callback.LisaCallback` (added by the plugin's ``swift_trainer_callbacks``)
    decides which decoder layers learn at each step."""

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        floating_point_check(model, "lisa")
        activated = int(self.option("lisa_activated_layers"))
        _, layers = find_decoder_layers(model)
        if not 1 <= activated <= len(layers):
            raise ValueError(
                f"lisa: lisa_activated_layers must be between 1 and the model's {len(layers)} decoder layers, "
                f"got {activated}"
            )
        set_trainable(model, lambda name: True)
        return model

    def callback(self, seed: int = 0) -> Any:
        """The :class:`~swiftkit.plugins.methods.lisa.callback.LisaCallback` for these options
        (what a ``lisa`` run adds to its Trainer)."""
        from swiftkit.plugins.methods.lisa.callback import LisaCallback

        return LisaCallback(int(self.option("lisa_activated_layers")), int(self.option("lisa_step_interval")), seed)
