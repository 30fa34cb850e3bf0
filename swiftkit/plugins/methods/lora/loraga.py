"""LoRA-GA (https://arxiv.org/abs/2407.05000): LoRA adapters initialised from the gradient of the
full weights on the first training batches, so that the first step moves like full fine-tuning.

peft implements the initialisation (``init_lora_weights="lora_ga"``: an SVD of each target
weight's gradient gives A and B, and ``scaling * B @ A`` is subtracted from the base weight so
that the model starts unchanged). peft expects the gradients before the adapters exist; a
swiftkit tuner is prepared before the data is, so the ``lora`` tuner wraps the model with plain
adapters and :class:`LoraGaCallback` estimates the gradients and re-initialises the adapters
in place when training starts (the optimizer already holds them; its state is still empty).
"""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback

#: ms-swift's ``lora_ga_scale`` names -> peft's ``LoraGAConfig.scale``
SCALES = {"gd": "gd_scale", "unit": "unit", "stable": "stable", "weightS": "weight_svd"}
#: attribute of the prepared model naming the tuner that initialises it (read by the callback)
TUNER_ATTR = "_swiftkit_lora_ga_tuner"


def is_lora_ga(init: Any) -> bool:
    return isinstance(init, str) and init.lower().replace("-", "_") == "lora_ga"


def lora_ga_config(direction: str, scale: str, stable_gamma: int) -> Any:
    from peft import LoraGAConfig

    return LoraGAConfig(direction=direction, scale=SCALES.get(scale, scale), stable_gamma=int(stable_gamma))


def lora_layers(model: Any, adapter: str) -> list[tuple[str, Any]]:
    """The peft LoRA layers of ``model`` that hold ``adapter`` around a plain linear weight."""
    import torch
    from peft.tuners.lora import LoraLayer

    return [(name, module) for name, module in model.named_modules()
            if isinstance(module, LoraLayer) and adapter in module.lora_A
            and isinstance(module.get_base_layer(), torch.nn.Linear)]


def calibration_batches(dataloader: Any, batch_size: int, iters: int, max_length: int) -> list[dict[str, Any]]:
    """The first ``iters`` batches of ``batch_size`` rows of the dataloader's dataset (in order,
    collated by its collator), each sequence cut to ``max_length`` tokens."""
    import torch

    loader = torch.utils.data.DataLoader(dataloader.dataset, batch_size=batch_size, shuffle=False,
                                         collate_fn=dataloader.collate_fn)
    batches = []
    for batch in loader:
        batches.append({k: (v[:, :max_length] if isinstance(v, torch.Tensor) and v.ndim == 2 else v)
                        for k, v in batch.items()})
        if len(batches) == iters:
            break
    if not batches:
        raise ValueError("lora: LoRA-GA needs training rows to estimate gradients from; the dataset is empty")
    if not all(isinstance(b, dict) and "input_ids" in b and "labels" in b for b in batches):
        raise ValueError("lora: LoRA-GA estimates gradients from the causal-LM loss of sft/pt batches (input_ids and "
                         "labels); this run's batches are of another kind: use another init_lora_weights")
    return batches


def estimate_gradients(model: Any, layers: list[tuple[str, Any]], batches: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean gradient of the causal-LM loss over ``batches`` for the base weight of each layer,
    computed with the adapters switched off; nothing else gets a gradient, nothing is changed."""
    import torch

    device = next(model.parameters()).device
    weights = {name: layer.get_base_layer().weight for name, layer in layers}
    bad = [n for n, w in weights.items() if not w.dtype.is_floating_point]
    if bad:
        raise TypeError(f"lora: LoRA-GA needs full-precision base weights to estimate gradients; {bad[0]} is "
                        f"{weights[bad[0]].dtype} (a quantized model: use another init_lora_weights)")
    grad_state = {n: p.requires_grad for n, p in model.named_parameters()}
    was_training = model.training
    for p in model.parameters():
        p.requires_grad_(False)
    for w in weights.values():
        w.requires_grad_(True)
        w.grad = None
    model.train()
    try:
        with model.disable_adapter(), torch.enable_grad():
            for batch in batches:
                out = model(**{k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in batch.items()})
                (out.loss / len(batches)).backward()
        grads = {n: w.grad.detach().clone() for n, w in weights.items() if w.grad is not None}
    finally:
        for w in weights.values():
            w.grad = None
        for n, p in model.named_parameters():
            p.requires_grad_(grad_state[n])
        model.train(was_training)
    return grads


def initialise(model: Any, batches: list[dict[str, Any]], config: Any, adapter: str = "default") -> int:
    """Re-initialise ``adapter``'s LoRA layers of the peft ``model`` in place by LoRA-GA (peft's
    ``lora_ga_init``: A, B from the gradient's SVD, the base weight reduced by ``scaling * B @ A``);
    return how many layers were initialised."""
    layers = lora_layers(model, adapter)
    grads = estimate_gradients(model, layers, batches)
    for name, layer in layers:
        if name not in grads:
            continue  # a layer the loss does not reach keeps its plain initialisation
        base = layer.get_base_layer()
        base._peft_loraga_grad = grads[name].to(base.weight.device)
        # peft assigns new data to the same Parameter objects: an optimizer built already keeps them
        layer.lora_ga_init(adapter, config)
    return len(grads)


class LoraGaCallback(TrainerCallback):
    """Initialises the adapters of a ``lora`` run with ``init_lora_weights lora_ga`` when
    training starts (not when it resumes: the checkpoint restores that state)."""

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None,
                       train_dataloader: Any = None, **kwargs: Any) -> None:
        tuner = getattr(model, TUNER_ATTR, None)
        if tuner is None or state.global_step > 0:
            return
        tuner.initialise_lora_ga(model, train_dataloader)
