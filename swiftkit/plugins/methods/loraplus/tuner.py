"""LoRA+ tuner: the ``lora`` tuner, plus the optimizer with per-matrix learning rates.

The adapters are plain peft LoRA adapters (saved, reloaded, merged and served exactly like
``lora``'s); what differs is training, through :meth:`LoraPlusTuner.create_optimizer`, which
the trainer calls instead of building its default optimizer.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import optimizer_cls_and_kwargs
from swiftkit.plugins.methods.lora.tuner import LoraTuner


class LoraPlusTuner(LoraTuner):
    """LoRA with peft's LoRA+ optimizer (``peft.optimizers.create_loraplus_optimizer``)."""

    def create_optimizer(self, model: Any, args: Any) -> Any:
        """The LoRA+ optimizer for ``model`` as :meth:`prepare` returned it.

        ``args`` is the run's ``transformers.TrainingArguments`` (its ``--optim`` class, betas,
        epsilon are kept; any object with ``learning_rate`` / ``weight_decay`` works too, with
        AdamW). Parameter groups: LoRA A matrices at ``learning_rate``; LoRA B matrices and 1-d
        adapter parameters (biases, DoRA magnitudes) at ``learning_rate * lorap_lr_ratio``;
        adapters on embedding layers at ``lorap_lr_embedding``. ``weight_decay`` applies to
        every trainable parameter but biases and norm weights.
        """
        from peft.optimizers import create_loraplus_optimizer

        cls, kwargs = optimizer_cls_and_kwargs(model, args)
        return create_loraplus_optimizer(
            model,
            cls,
            lr=float(args.learning_rate),
            loraplus_lr_ratio=float(self.option("lorap_lr_ratio")),
            loraplus_lr_embedding=float(self.option("lorap_lr_embedding")),
            loraplus_weight_decay=float(getattr(args, "weight_decay", 0.0)),
            **kwargs,
        )
