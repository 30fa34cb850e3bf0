"""Freeze tuner: choose which base weights train.

The rules apply in this order, each on the result of the previous one:

1. every floating-point parameter trainable (a quantised model is refused, as with ``full``);
2. ``freeze_trainable_layers`` N != 0: everything frozen except the last N (N > 0) or first
   |N| (N < 0) decoder blocks;
3. ``freeze_parameters_ratio``: the first fraction of the parameters (in registration order,
   by element count, as ms-swift counts) frozen;
4. ``freeze_parameters`` prefixes and ``freeze_parameters_regex`` frozen;
5. ``trainable_parameters`` prefixes and ``trainable_parameters_regex`` made trainable again.

A selection that freezes nothing (use ``full``) or trains nothing is an error, so that a typo
in a prefix cannot silently turn a run into full fine-tuning or into a no-op.

Checkpoints hold only the trained weights (``trained_weights.safetensors``), not a copy of the
whole model: ``swift infer`` / ``deploy`` / ``export`` load the base model named by the
checkpoint's ``args.json`` and copy them in (:meth:`FreezeTuner.load_trained`); ``swift export``
writes the complete model for engines that load by path.
"""

from __future__ import annotations

import re
from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    find_decoder_layers,
    floating_point_check,
    load_trained_weights,
    save_trained_weights,
)


def _compile(pattern: str, key: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"freeze: {key} {pattern!r} is not a valid regular expression: {exc}") from exc


class FreezeTuner(OptionTuner):
    """Trains a chosen subset of the base model's own weights (no adapter)."""

    def layer_prefixes(self, model: Any) -> list[str] | None:
        """Name prefixes of the decoder blocks ``freeze_trainable_layers`` keeps trainable."""
        n = int(self.option("freeze_trainable_layers"))
        if n == 0:
            return None
        name, layers = find_decoder_layers(model)
        if abs(n) > len(layers):
            raise ValueError(
                f"freeze: freeze_trainable_layers={n} but the model has {len(layers)} decoder layers"
            )
        chosen = range(len(layers) - n, len(layers)) if n > 0 else range(-n)
        return [f"{name}.{i}." for i in chosen]

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        floating_point_check(model, "freeze")
        freeze_re = _compile(self.option("freeze_parameters_regex"), "freeze_parameters_regex")
        train_re = _compile(self.option("trainable_parameters_regex"), "trainable_parameters_regex")
        freeze_prefixes = tuple(self.option("freeze_parameters"))
        train_prefixes = tuple(self.option("trainable_parameters"))
        ratio = float(self.option("freeze_parameters_ratio"))

        params = list(model.named_parameters())
        trainable = {name: True for name, _ in params}
        layer_prefixes = self.layer_prefixes(model)
        if layer_prefixes is not None:
            for name in trainable:
                trainable[name] = name.startswith(tuple(layer_prefixes))
        if ratio > 0:
            budget = int(sum(p.numel() for _, p in params) * ratio)
            seen = 0
            for name, param in params:
                seen += param.numel()
                if seen > budget:
                    break
                trainable[name] = False
        for name in trainable:
            if (freeze_prefixes and name.startswith(freeze_prefixes)) or (freeze_re and freeze_re.search(name)):
                trainable[name] = False
        for name in trainable:
            if (train_prefixes and name.startswith(train_prefixes)) or (train_re and train_re.search(name)):
                trainable[name] = True

        for prefix in (*freeze_prefixes, *train_prefixes):
            if not any(name.startswith(prefix) for name in trainable):
                raise ValueError(
                    f"freeze: no parameter name starts with {prefix!r} (names look like {params[0][0]!r})"
                )
        if all(trainable.values()):
            raise ValueError(
                "freeze: the options freeze no parameter; set freeze_trainable_layers, "
                "freeze_parameters(_regex) or freeze_parameters_ratio, or use --train_type full"
            )
        if not any(trainable.values()):
            raise ValueError("freeze: the options leave no parameter trainable")
        for name, param in params:
            param.requires_grad_(trainable[name])
        return model

    # -- checkpoints: only the trained weights ----------------------------------------------

    def save_pretrained(self, model: Any, output_dir: str, state_dict: dict[str, Any] | None = None) -> None:
        """Write the trainable weights only (``trained_weights.safetensors``)."""
        save_trained_weights(model, output_dir, self.spec.id, state_dict)

    def restore_checkpoint(self, model: Any, checkpoint_dir: str) -> bool:
        load_trained_weights(model, checkpoint_dir, self.spec.id)
        return True

    def trained_model_dir(self, checkpoint_dir: str) -> str | None:
        return None  # the folder holds a part of the model: the base is loaded, then load_trained

    def load_trained(self, model: Any, checkpoint_dir: str) -> Any:
        """The base model with the trained weights copied in."""
        return load_trained_weights(model, checkpoint_dir, self.spec.id).requires_grad_(False)
