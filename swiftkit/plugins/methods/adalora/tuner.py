"""AdaLoRA tuner: a ``peft.AdaLoraConfig`` from the run options, plus the per-step rank update.

Two things set AdaLoRA apart from the other adapters:

* **the run length.** The rank schedule (``tinit`` warm-up, budget pruning, ``tfinal`` fixed
  budget) is laid out over ``total_step`` optimizer steps. It is, in order of precedence:
  ``--adalora_total_step`` when > 0; the count the trainer hands over with
  :meth:`AdaLoraTuner.set_total_steps`; ``max_steps`` among the options; and finally
  ``args.max_steps`` of the ``TrainingArguments`` given to :meth:`AdaLoraTuner.create_optimizer`.
  A run whose length is known by none of them (epochs only) is refused with a clear message
  when the optimizer is created, before the first step.
* **the rank update.** After every optimizer step, while the gradients are still there, peft's
  ``update_and_allocate`` must run. :meth:`AdaLoraTuner.create_optimizer` builds the optimizer
  ``transformers.Trainer`` would build and registers a step post-hook on it that does this, so a
  trainer that calls ``tuner.create_optimizer(model, args)`` needs nothing else. The step
  counter lives in the optimizer's first param group (``adalora_step``), so it is saved with
  the optimizer state and a resumed run continues the schedule. A hand-written loop with its
  own optimizer calls :meth:`AdaLoraTuner.on_optimizer_step` itself.

The orthogonality regulariser is added by peft to ``outputs.loss``, i.e. when the model is
called with ``labels``; an objective that computes its own loss from the logits leaves it out.
Saved adapters carry the final ``rank_pattern``; peft trims the matrices to it on load, and the
adapter merges into the base weights for export.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.plugins.methods._common import (
    OptionTuner,
    causal_lm_task_type,
    default_optimizer,
    optional_names,
    refuse_peft_model,
)
from swiftkit.plugins.methods.lora.tuner import resolve_target_modules

#: key of the step counter in the optimizer's first param group
STEP_KEY = "adalora_step"


class AdaLoraTuner(OptionTuner):
    """peft AdaLoRA; only the adapters (and ``modules_to_save``) train."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self.total_steps: int | None = None
        self.model: Any = None
        self._total_pending = False

    # -- the run length -------------------------------------------------------------------

    def set_total_steps(self, total_steps: int) -> None:
        """Tell the tuner how many optimizer steps the run takes (``--adalora_total_step`` wins).

        Call it before :meth:`prepare`, or later, before training starts."""
        self.total_steps = int(total_steps)
        if self.model is not None and self._total_pending:
            self._apply_total_step(self.total_steps)

    def known_total_step(self) -> int | None:
        explicit = int(self.option("adalora_total_step") or 0)
        if explicit > 0:
            return explicit
        if self.total_steps and self.total_steps > 0:
            return self.total_steps
        max_steps = self.options.get("max_steps")
        if isinstance(max_steps, int) and max_steps > 0:
            return max_steps
        return None

    def _check_schedule(self, total: int) -> None:
        tinit, tfinal = int(self.option("adalora_tinit")), int(self.option("adalora_tfinal"))
        if tinit >= total - tfinal:
            raise ValueError(
                f"adalora: adalora_tinit ({tinit}) + adalora_tfinal ({tfinal}) leave no rank-allocation "
                f"phase in {total} steps; lower them or train longer"
            )

    def _apply_total_step(self, total: int) -> None:
        self._check_schedule(total)
        config = self.model.peft_config["default"]
        config.total_step = total  # peft reads it at every update_and_allocate
        allocator = getattr(self.model.base_model, "rankallocator", None)
        if allocator is not None:
            allocator.set_total_step(total)
        self._total_pending = False

    # -- preparing ------------------------------------------------------------------------

    def adalora_config(self, model: Any, model_spec: Any = None) -> Any:
        from peft import AdaLoraConfig

        total = self.known_total_step()
        tinit, tfinal = int(self.option("adalora_tinit")), int(self.option("adalora_tfinal"))
        if total is not None:
            self._check_schedule(total)
        init_r, target_r = int(self.option("adalora_init_r")), int(self.option("adalora_target_r"))
        if init_r < target_r:
            raise ValueError(f"adalora: adalora_init_r ({init_r}) is smaller than adalora_target_r ({target_r})")
        self._total_pending = total is None
        return AdaLoraConfig(
            task_type=causal_lm_task_type(model),
            target_modules=resolve_target_modules(self.option("target_modules"), model, model_spec),
            lora_alpha=int(self.option("lora_alpha")),
            lora_dropout=float(self.option("lora_dropout")),
            modules_to_save=optional_names(self.option("modules_to_save")),
            bias=self.option("lora_bias"),
            init_r=init_r,
            target_r=target_r,
            tinit=tinit,
            tfinal=tfinal,
            deltaT=int(self.option("adalora_deltaT")),
            beta1=float(self.option("adalora_beta1")),
            beta2=float(self.option("adalora_beta2")),
            orth_reg_weight=float(self.option("adalora_orth_reg_weight")),
            # peft needs a value now; a provisional one is replaced before training starts
            total_step=total if total is not None else tinit + tfinal + 1,
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, "adalora")
        self.model = get_peft_model(model, self.adalora_config(model, model_spec))
        return self.model

    # -- training -------------------------------------------------------------------------

    def create_optimizer(self, model: Any, args: Any) -> Any:
        """``transformers.Trainer``'s default optimizer for ``args``, with the rank update hooked
        to its steps. Raises :class:`SwiftkitError` when the run length is still unknown."""
        if self._total_pending:
            max_steps = int(getattr(args, "max_steps", 0) or 0)
            if max_steps <= 0:
                raise SwiftkitError(
                    "adalora: the rank schedule needs the run's number of optimizer steps; set "
                    "--adalora_total_step or --max_steps"
                )
            self._apply_total_step(max_steps)
        optimizer = default_optimizer(model, args)
        optimizer.param_groups[0][STEP_KEY] = 0

        def after_step(opt: Any, *_: Any) -> None:
            group = opt.param_groups[0]
            step = int(group.get(STEP_KEY, 0))
            self.on_optimizer_step(model, step)
            group[STEP_KEY] = step + 1

        optimizer.register_step_post_hook(after_step)
        return optimizer

    def on_optimizer_step(self, model: Any, step: int) -> None:
        """Re-allocate ranks; call after ``optimizer.step()`` and before ``zero_grad()``.

        ``step`` is the 0-based index of the optimizer step just taken. ``model`` may be the
        prepared model, a DDP/accelerate wrapper around it, or ``None`` (the prepared one).
        """
        from peft import PeftModel

        if self._total_pending:
            raise SwiftkitError(
                "adalora: the rank schedule needs the run's number of optimizer steps; set "
                "--adalora_total_step, or call set_total_steps() before training"
            )
        target = self.model if model is None else model
        while not isinstance(target, PeftModel) and hasattr(target, "module"):
            target = target.module
        if not isinstance(target, PeftModel):
            raise TypeError(f"adalora: on_optimizer_step needs the prepared model, got {type(target).__name__}")
        target.base_model.update_and_allocate(int(step))
