"""GaLore tuner: full-parameter training with galore-torch's projected-gradient optimizers.

:meth:`GaloreTuner.prepare` makes every weight trainable (as ``full`` does); the method lives
in the optimizer (:meth:`GaloreTuner.create_optimizer`): the target matrices form a parameter
group that carries galore-torch's projection settings (``rank``, ``update_proj_gap``, ``scale``,
``proj_type``), every other parameter a plain group. Checkpoints are complete models, like full
fine-tuning's (the default :class:`~swiftkit.core.methods.interface.Tuner` members).
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    decay_parameter_names,
    floating_point_check,
    set_trainable,
)

#: ms-swift's default targets: linear layers whose name contains one of these
DEFAULT_KEYWORDS = ("attn", "mlp")

#: ``--optim`` values that pick galore-torch's Adafactor flavour; every other one gets its AdamW
_ADAFACTOR = ("adafactor",)


def galore_target_names(model: Any, keywords: list[str] | None, with_embedding: bool) -> list[str]:
    """Full names of the weight matrices GaLore projects: ``<module>.weight`` of each
    ``nn.Linear`` whose full module name contains
    one of ``keywords`` (ms-swift's defaults when None), plus every embedding matrix when
    ``with_embedding``. The output head is never a target."""
    import torch

    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    words = tuple(keywords) if keywords else DEFAULT_KEYWORDS
    names = []
    for name, module in model.named_modules():
        if module is head or not name:
            continue
        weight = getattr(module, "weight", None)
        if weight is None or weight.ndim != 2 or not weight.requires_grad:
            continue
        if isinstance(module, torch.nn.Embedding):
            if with_embedding:
                names.append(f"{name}.weight")
        elif isinstance(module, torch.nn.Linear) and any(w in name for w in words):
            names.append(f"{name}.weight")
    return names


class GaloreTuner(OptionTuner):
    """Full fine-tuning whose optimizer projects the target gradients to low rank."""

    def load_kwargs(self) -> dict[str, Any]:
        from swiftkit.core.errors import SwiftkitError
        from swiftkit.plugins.methods.galore import Q_GALORE_REFUSAL

        if self.option("galore_quantization"):
            raise SwiftkitError(f"galore: galore_quantization true: {Q_GALORE_REFUSAL}")
        try:
            import galore_torch  # noqa: F401
        except ImportError as exc:
            raise SwiftkitError(
                f"galore: the galore-torch package is not installed ({exc}); pip install 'swiftkit[galore]'"
            ) from None
        return {}

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        floating_point_check(model, "galore")
        set_trainable(model, lambda name: True)
        keywords = self.option("galore_target_modules")
        if not self.target_names(model):
            raise ValueError(
                f"galore: no linear layer matches galore_target_modules {keywords or list(DEFAULT_KEYWORDS)} "
                f"(module names look like {next(n for n, _ in model.named_modules() if n)!r})"
            )
        return model

    def target_names(self, model: Any) -> list[str]:
        """The full names of the weights whose gradients are projected (see :func:`galore_target_names`)."""
        return galore_target_names(model, self.option("galore_target_modules"), bool(self.option("galore_with_embedding")))

    def galore_group_settings(self) -> dict[str, Any]:
        """The parameter-group keys galore-torch's optimizers read."""
        return {
            "rank": int(self.option("galore_rank")),
            "update_proj_gap": int(self.option("galore_update_proj_gap")),
            "scale": float(self.option("galore_scale")),
            "proj_type": str(self.option("galore_proj_type")),
        }

    def create_optimizer(self, model: Any, args: Any) -> Any:
        """galore-torch's GaLoreAdamW (GaLoreAdafactor under ``--optim adafactor``) over three
        groups: the targets (projected, with weight decay), the other decayed weights, and the
        biases and norms (no decay); or, with ``galore_optim_per_parameter``, one such optimizer
        per parameter stepped from its gradient hook behind transformers' layer-wise placeholder
        (which the Trainer's scheduler knows)."""
        import galore_torch
        import torch
        from galore_torch.galore_projector import GaLoreProjector

        # the optimizer state holds each target's projector: a resumed run reads it back from
        # optimizer.pt, which transformers loads with torch.load(weights_only=True)
        torch.serialization.add_safe_globals([GaLoreProjector])
        optim = getattr(args, "optim", "adamw_torch")
        adafactor = str(getattr(optim, "value", optim)) in _ADAFACTOR
        cls = galore_torch.GaLoreAdafactor if adafactor else galore_torch.GaLoreAdamW
        lr = float(args.learning_rate)
        decay_rate = float(getattr(args, "weight_decay", 0.0))
        kwargs: dict[str, Any] = {"lr": lr}
        if adafactor:
            kwargs.update(scale_parameter=False, relative_step=False)
        else:
            kwargs.update(betas=(float(getattr(args, "adam_beta1", 0.9)), float(getattr(args, "adam_beta2", 0.999))),
                          eps=float(getattr(args, "adam_epsilon", 1e-8)))
        targets = set(self.target_names(model))
        decay = decay_parameter_names(model)
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        galore = self.galore_group_settings()
        groups = [
            {"params": [p for n, p in named if n in targets], "weight_decay": decay_rate, **galore},
            {"params": [p for n, p in named if n not in targets and n in decay], "weight_decay": decay_rate},
            {"params": [p for n, p in named if n not in targets and n not in decay], "weight_decay": 0.0},
        ]
        groups = [g for g in groups if g["params"]]
        if not self.option("galore_optim_per_parameter"):
            return cls(groups, **kwargs)
        return self._per_parameter(model, cls, groups, kwargs, args)

    def _per_parameter(self, model: Any, cls: Any, groups: list[dict[str, Any]], kwargs: dict[str, Any], args: Any) -> Any:
        from transformers.trainer_pt_utils import LayerWiseDummyOptimizer

        accumulation = int(getattr(args, "gradient_accumulation_steps", 1))
        if accumulation != 1:
            raise ValueError(
                f"galore: galore_optim_per_parameter steps each parameter as soon as its gradient is complete, so it "
                f"cannot accumulate gradients (gradient_accumulation_steps {accumulation}); set it to 1 or drop "
                "galore_optim_per_parameter"
            )
        if int(getattr(args, "world_size", 1)) > 1:
            raise ValueError("galore: galore_optim_per_parameter does not work with data parallelism (gradients "
                             "would be stepped before they are averaged); drop it for multi-process runs")
        per_param: dict[Any, Any] = {}
        for group in groups:
            settings = {k: v for k, v in group.items() if k != "params"}
            for param in group["params"]:
                per_param[param] = cls([{"params": [param], **settings}], **kwargs)

        def step_now(param: Any) -> None:
            if param.grad is not None:
                per_param[param].step()
                per_param[param].zero_grad(set_to_none=True)

        for param in per_param:
            param.register_post_accumulate_grad_hook(step_now)
        return LayerWiseDummyOptimizer(optimizer_dict=per_param, lr=kwargs["lr"])
