"""LISA's layer-switching Trainer callback (imports transformers: loaded when a run trains)."""

from __future__ import annotations

import random
from typing import Any

from transformers import TrainerCallback

from swiftkit.plugins.methods._common import find_decoder_layers


def _unwrap(model: Any) -> Any:
    return getattr(model, "module", model)


class LisaCallback(TrainerCallback):
    """Draws which ``activated`` decoder layers learn, every ``interval`` optimizer steps."""

    def __init__(self, activated: int, interval: int, seed: int = 0):
        if activated < 1 or interval < 1:
            raise ValueError(f"lisa: lisa_activated_layers ({activated}) and lisa_step_interval ({interval}) must be >= 1")
        self.activated = activated
        self.interval = interval
        self.seed = seed
        self.period: int | None = None
        #: (global step, sorted active layer indices) of every switch, for logs and tests
        self.history: list[tuple[int, list[int]]] = []

    def draw(self, period: int, num_layers: int) -> list[int]:
        """The layers that learn during ``period``."""
        if self.activated > num_layers:
            raise ValueError(f"lisa: lisa_activated_layers {self.activated} but the model has {num_layers} decoder layers")
        return sorted(random.Random(self.seed * 1_000_003 + period).sample(range(num_layers), self.activated))

    def switch(self, model: Any, step: int) -> None:
        """Make the layers of the period of ``step`` trainable and freeze the other layers."""
        period = step // self.interval
        if period == self.period:
            return
        _, layers = find_decoder_layers(_unwrap(model))
        active = self.draw(period, len(layers))
        for index, layer in enumerate(layers):
            layer.requires_grad_(index in active)
        self.period = period
        self.history.append((step, active))

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        self.period = None
        self.switch(model, state.global_step)

    def on_step_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        self.switch(model, state.global_step)
