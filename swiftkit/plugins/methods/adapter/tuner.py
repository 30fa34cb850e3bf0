"""Adapter tuner: bottleneck adapters after each decoder layer's MLP; only they train.

Checkpoints hold the adapters' weights alone (``trained_weights.safetensors``, the same file the
freeze tuner writes); ``swift infer`` / ``deploy`` rebuild the adapters on the base model named
by the checkpoint's ``args.json`` (same ``adapter_length`` / ``adapter_act``) and copy them in.
An adapter with a non-linearity cannot be merged into the base weights: the model that
:meth:`AdapterTuner.load_trained` returns refuses ``save_pretrained`` (``swift export``) with
that reason rather than writing a folder that would load without its adapters.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    find_decoder_layers,
    load_trained_weights,
    save_trained_weights,
    set_trainable,
)

_UNMERGEABLE = (
    "adapter: bottleneck adapters (a non-linear branch after each MLP) cannot be merged into the base weights, "
    "so no plain model folder can hold them; serve the checkpoint itself (swift infer / swift deploy --model "
    "<checkpoint> with the pt engine)"
)


class AdapterTuner(OptionTuner):
    """Adds a bottleneck adapter after the MLP of every decoder layer and trains only the adapters."""

    def attach(self, model: Any) -> list[Any]:
        """Add the adapters to ``model`` in place (nothing frozen); return them."""
        from swiftkit.plugins.methods.adapter.layer import attach_adapters

        hidden = getattr(model.config, "hidden_size", None)
        if not isinstance(hidden, int):
            raise ValueError(f"adapter: {type(model).__name__}'s config has no hidden_size")
        _, layers = find_decoder_layers(model)
        return attach_adapters(layers, hidden, int(self.option("adapter_length")), str(self.option("adapter_act")))

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from swiftkit.plugins.methods.adapter.layer import ADAPTER_ATTR

        self.attach(model)
        marker = f".{ADAPTER_ATTR}."
        set_trainable(model, lambda name: marker in name)
        return model

    # -- checkpoints: only the adapters ---------------------------------------------------

    def save_pretrained(self, model: Any, output_dir: str, state_dict: dict[str, Any] | None = None) -> None:
        """Write the adapters' weights (``trained_weights.safetensors``)."""
        save_trained_weights(model, output_dir, self.spec.id, state_dict)

    def restore_checkpoint(self, model: Any, checkpoint_dir: str) -> bool:
        load_trained_weights(model, checkpoint_dir, self.spec.id)
        return True

    def trained_model_dir(self, checkpoint_dir: str) -> str | None:
        return None  # only the adapters are in the folder: rebuilt on the base by load_trained

    def load_trained(self, model: Any, checkpoint_dir: str) -> Any:
        """The base model with the adapters rebuilt and their trained weights copied in."""
        from swiftkit.core.errors import SwiftkitError

        self.attach(model)
        load_trained_weights(model, checkpoint_dir, self.spec.id)
        model.requires_grad_(False)

        def refuse_save(*args: Any, **kwargs: Any) -> None:
            raise SwiftkitError(f"{checkpoint_dir}: {_UNMERGEABLE}")

        model.save_pretrained = refuse_save  # this instance only: the adapters would be lost on reload
        return model
