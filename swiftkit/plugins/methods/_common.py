"""Behaviour shared by the tuner plugins (imported by their ``tuner.py`` modules only).

Heavy libraries (torch, peft) are imported inside the functions, like everywhere else in a
behaviour module, so resolving a tuner reference stays cheap until a model is prepared.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Tuner
from swiftkit.core.options import option_value

#: names of the list of decoder blocks in the causal LMs transformers ships
#: (``model.layers`` for llama/qwen/mistral/gemma/phi3, ``transformer.h`` for gpt2 ...)
_LAYER_LIST_NAMES = ("layers", "h", "blocks", "decoder_layers")


class OptionTuner(Tuner):
    """A tuner whose options are read with their schema defaults filled in."""

    def option(self, key: str) -> Any:
        """The option's value, or the default declared in the spec's option schema."""
        return option_value(self.options, self.spec, key)


def is_sequence_classifier(model: Any) -> bool:
    """A transformers ``*ForSequenceClassification`` model (``--task_type seq_cls`` / ``reranker``)."""
    return type(model).__name__.endswith("ForSequenceClassification")


def causal_lm_task_type(model: Any) -> Any:
    """peft's task type for ``model``: ``SEQ_CLS`` for a sequence classifier (peft then trains and
    saves its ``score``/``classifier`` head with the adapter, as ``modules_to_save``),
    ``CAUSAL_LM`` for a model that can generate, else ``None`` (peft's plain model)."""
    from peft import TaskType

    if is_sequence_classifier(model):
        return TaskType.SEQ_CLS
    can_generate = getattr(model, "can_generate", None)
    return TaskType.CAUSAL_LM if callable(can_generate) and can_generate() else None


def refuse_peft_model(model: Any, method: str) -> None:
    """A tuner wraps a base model; stacking a second peft wrapper is almost always a mistake."""
    from peft import PeftModel

    if isinstance(model, PeftModel):
        raise TypeError(f"{method}: the model already carries peft adapters; pass the base model")


def optional_names(values: Any) -> list[str] | None:
    """``[]`` / ``None`` -> ``None`` (peft's "not set"), anything else -> a list of names."""
    return list(values) if values else None


def find_decoder_layers(model: Any) -> tuple[str, Any]:
    """Return ``(dotted name, ModuleList)`` of the model's decoder blocks.

    The list is the longest ``torch.nn.ModuleList`` whose attribute name is one of the usual
    ones (``layers``, ``h``, ``blocks``) and whose length is ``config.num_hidden_layers`` when
    the config has that field. Raises ``ValueError`` when no such list exists.
    """
    import torch

    expected = getattr(getattr(model, "config", None), "num_hidden_layers", None)
    found: list[tuple[str, Any]] = []
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.ModuleList) or name.split(".")[-1] not in _LAYER_LIST_NAMES:
            continue
        if expected is not None and len(module) != expected:
            continue
        found.append((name, module))
    if not found:
        raise ValueError(
            f"cannot find the decoder layers of {type(model).__name__}: no ModuleList named "
            f"{'/'.join(_LAYER_LIST_NAMES)}"
            + (f" with num_hidden_layers={expected} blocks" if expected is not None else "")
        )
    # the outermost list wins over lists nested inside a block (e.g. MoE experts)
    found.sort(key=lambda item: (item[0].count("."), -len(item[1])))
    return found[0]


def set_trainable(model: Any, predicate: Any) -> None:
    """``requires_grad = predicate(name)`` for every parameter of ``model``."""
    for name, param in model.named_parameters():
        param.requires_grad_(bool(predicate(name)))


def floating_point_check(model: Any, method: str) -> None:
    """Refuse a model with non-floating-point (quantised) weights for a tuner that trains base weights."""
    bad = [f"{n} ({p.dtype})" for n, p in model.named_parameters() if not (p.dtype.is_floating_point or p.dtype.is_complex)]
    if bad:
        raise TypeError(
            f"{method}: cannot train non-floating-point parameters (a quantised model?): "
            + ", ".join(bad[:5])
            + (" ..." if len(bad) > 5 else "")
            + "; use a LoRA tuner (qlora) on quantised models"
        )


def optimizer_cls_and_kwargs(model: Any, args: Any) -> tuple[Any, dict[str, Any]]:
    """The optimizer class and its keyword arguments (``lr`` left out) that ``transformers.Trainer``
    would use for ``args``.

    ``args`` is a ``transformers.TrainingArguments`` (its ``--optim``, betas, epsilon ... are
    honoured through ``Trainer.get_optimizer_cls_and_kwargs``) or any object with a
    ``learning_rate`` (then ``torch.optim.AdamW`` with ``adam_beta1`` / ``adam_beta2`` /
    ``adam_epsilon`` when present).
    """
    from transformers import TrainingArguments

    if isinstance(args, TrainingArguments):
        from transformers import Trainer

        cls, kwargs = Trainer.get_optimizer_cls_and_kwargs(args, model)
    else:
        import torch

        cls = torch.optim.AdamW
        kwargs = {
            "betas": (float(getattr(args, "adam_beta1", 0.9)), float(getattr(args, "adam_beta2", 0.999))),
            "eps": float(getattr(args, "adam_epsilon", 1e-8)),
        }
    kwargs = dict(kwargs)
    kwargs.pop("lr", None)
    return cls, kwargs


def decay_parameter_names(model: Any) -> set[str]:
    """Names of the parameters weight decay applies to: all but biases and norm weights
    (``transformers.Trainer``'s rule)."""
    from transformers.pytorch_utils import ALL_LAYERNORM_LAYERS
    from transformers.trainer_pt_utils import get_parameter_names

    return {n for n in get_parameter_names(model, ALL_LAYERNORM_LAYERS) if "bias" not in n}


def default_optimizer(model: Any, args: Any) -> Any:
    """The optimizer ``transformers.Trainer`` builds by default: the trainable parameters in a
    weight-decay group and a no-decay group (biases, norms), ``args.learning_rate``."""
    cls, kwargs = optimizer_cls_and_kwargs(model, args)
    decay = decay_parameter_names(model)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in named if n in decay], "weight_decay": float(getattr(args, "weight_decay", 0.0))},
        {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0},
    ]
    return cls([g for g in groups if g["params"]], lr=float(args.learning_rate), **kwargs)


#: the file a tuner that trains some of the base model's own weights saves them to (not
#: ``model.safetensors``: the folder is not a complete model, and no loader may take it for one)
TRAINED_WEIGHTS = "trained_weights.safetensors"


def save_trained_weights(model: Any, output_dir: str, method: str, state_dict: dict[str, Any] | None = None) -> str:
    """Write the trainable parameters of ``model`` (taken from ``state_dict`` when a sharded
    strategy gathered one) to ``output_dir/trained_weights.safetensors``; return the path."""
    import os

    from safetensors.torch import save_file

    names = [n for n, p in model.named_parameters() if p.requires_grad]
    source = state_dict if state_dict is not None else dict(model.named_parameters())
    tensors = {n: source[n].detach().to("cpu").contiguous() for n in names if n in source}
    path = os.path.join(output_dir, TRAINED_WEIGHTS)
    save_file(tensors, path, metadata={"format": "pt", "tuner": method})
    return path


def load_trained_weights(model: Any, checkpoint_dir: str, method: str) -> Any:
    """Copy the tensors of ``checkpoint_dir/trained_weights.safetensors`` into ``model`` in
    place and return it. A tensor the model has no parameter for, or of another shape, is an
    error naming it (the checkpoint belongs to another model or other options)."""
    import os

    import torch
    from safetensors.torch import load_file

    from swiftkit.core.errors import SwiftkitError

    path = os.path.join(checkpoint_dir, TRAINED_WEIGHTS)
    if not os.path.isfile(path):
        raise SwiftkitError(f"{checkpoint_dir}: no {TRAINED_WEIGHTS}; this is not a checkpoint of a {method} run")
    tensors = load_file(path)
    params = dict(model.named_parameters())
    unknown = sorted(n for n in tensors if n not in params)
    if unknown:
        raise SwiftkitError(f"{path}: the model has no parameter {', '.join(unknown[:5])} (a checkpoint of another model?)")
    wrong = [f"{n} {tuple(t.shape)} vs {tuple(params[n].shape)}" for n, t in tensors.items() if t.shape != params[n].shape]
    if wrong:
        raise SwiftkitError(f"{path}: shapes differ from the model's: {', '.join(wrong[:5])}")
    with torch.no_grad():
        for name, tensor in tensors.items():
            params[name].copy_(tensor.to(params[name].device))
    return model
