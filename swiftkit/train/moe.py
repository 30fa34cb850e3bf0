"""Mixture-of-experts training: the router's auxiliary (load-balancing) loss.

transformers' MoE causal LMs (Mixtral, Qwen2/3-MoE, OLMoE, GPT-OSS ...) compute the loss
``load_balancing_loss_func`` of their routers when ``config.output_router_logits`` is on and
return it, unweighted, as ``outputs.aux_loss``; their own ``forward(labels=...)`` adds
``router_aux_loss_coef * aux_loss`` to the LM loss. swiftkit's objectives compute the LM loss
themselves and add the same term (:func:`swiftkit.train.losses.with_router_aux_loss`).
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import ConfigError


def has_router_aux_loss(model: Any) -> bool:
    """Whether ``model``'s config knows the router loss switches (a transformers MoE model)."""
    config = getattr(model, "config", None)
    return hasattr(config, "output_router_logits") and hasattr(config, "router_aux_loss_coef")


def enable_router_aux_loss(model: Any, coef: float, model_id: str) -> None:
    """``--router_aux_loss_coef coef`` (> 0): turn on ``output_router_logits`` and set the
    coefficient in the config and on every module that copied it at construction (the
    ``*ForCausalLM`` keeps ``self.router_aux_loss_coef``). Call on the loaded model, before a
    tuner wraps it. A model without a router is a :class:`ConfigError` naming it."""
    if not has_router_aux_loss(model):
        raise ConfigError(
            f"--router_aux_loss_coef {coef:g}: model {model_id!r} ({type(model).__name__}) has no router auxiliary loss "
            "(its config has no output_router_logits); the option applies to mixture-of-experts models only"
        )
    model.config.output_router_logits = True
    model.config.router_aux_loss_coef = float(coef)
    for module in model.modules():
        if isinstance(getattr(module, "router_aux_loss_coef", None), float):
            module.router_aux_loss_coef = float(coef)
