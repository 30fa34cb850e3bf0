"""The parts of a multimodal model during training: ms-swift's ``--freeze_vit``,
``--freeze_aligner``, ``--freeze_llm``, ``--vit_lr``, ``--aligner_lr`` and what
``--target_modules all-linear`` means for such a model.

A family names its parts in :attr:`ModelSpec.model_parts <swiftkit.core.specs.ModelSpec.model_parts>`
as module-name prefixes of the loaded model (``{"vision_tower": ["model.visual"], "aligner":
["model.visual.merger"], "language_model": ["model.language_model", "lm_head"]}``). A parameter
belongs to the part with the longest matching prefix (the aligner may sit inside the vision
tower); one under no prefix belongs to none and is left as the tuner set it.

ms-swift's defaults: the vision tower and the aligner are frozen, the language model trains.
Then ``all-linear`` is the language model's linear layers (its output head excepted), and an
unfrozen vision tower or aligner adds its own; full fine-tuning trains every parameter of the
unfrozen parts. Heavy libraries are imported inside the functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from swiftkit.core.errors import SwiftkitError

#: part -> the flag that freezes it and ms-swift's default for that flag
FREEZE_FLAGS: dict[str, tuple[str, bool]] = {
    "vision_tower": ("freeze_vit", True),
    "aligner": ("freeze_aligner", True),
    "language_model": ("freeze_llm", False),
}
#: part -> the flag giving its own learning rate
LR_FLAGS: dict[str, str] = {"vision_tower": "vit_lr", "aligner": "aligner_lr"}
#: every flag of this module (run-config keys)
FLAGS: tuple[str, ...] = (*(flag for flag, _ in FREEZE_FLAGS.values()), *LR_FLAGS.values())
#: the prefixes peft puts before the base model's module names
_WRAPPER_PREFIXES = ("base_model.model.",)


def frozen_parts(config: Mapping[str, Any]) -> set[str]:
    """The parts the run's flags freeze (a flag not given takes ms-swift's default)."""
    frozen = set()
    for part, (flag, default) in FREEZE_FLAGS.items():
        value = config.get(flag)
        if default if value is None else bool(value):
            frozen.add(part)
    return frozen


def part_lrs(config: Mapping[str, Any]) -> dict[str, float]:
    """``{part: learning rate}`` for the parts whose own rate the run gives."""
    return {part: float(config[flag]) for part, flag in LR_FLAGS.items() if config.get(flag) is not None}


def given_flags(config: Mapping[str, Any]) -> list[str]:
    """The flags of this module the run sets."""
    return [flag for flag in FLAGS if config.get(flag) is not None]


def _strip(name: str) -> str:
    for prefix in _WRAPPER_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def part_of(name: str, parts: Mapping[str, Iterable[str]]) -> str | None:
    """The part a module or parameter name belongs to: the one with the longest prefix that
    is the name or a dotted ancestor of it (peft's ``base_model.model.`` is looked through)."""
    name = _strip(name)
    best, length = None, -1
    for part, prefixes in parts.items():
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > length:
                best, length = part, len(prefix)
    return best


def check_parts(model: Any, parts: Mapping[str, Iterable[str]], model_id: str) -> None:
    """Every prefix of ``parts`` names a module of ``model``: a family whose ``model_parts`` do
    not match the loaded model is told so (the flags would otherwise select nothing)."""
    names = {_strip(n) for n, _ in model.named_modules()} | {_strip(n) for n, _ in model.named_parameters()}
    for part, prefixes in parts.items():
        for prefix in prefixes:
            if prefix not in names:
                raise SwiftkitError(
                    f"model {model_id!r}: its model_parts {part} prefix {prefix!r} names no module of the loaded "
                    f"{type(model).__name__}; the family plugin's model_parts must use the loaded model's module names")


def linear_targets(model: Any, parts: Mapping[str, Iterable[str]], trainable: set[str]) -> list[str]:
    """Full names of the linear layers of the ``trainable`` parts (``all-linear`` for a
    multimodal model), the output head left out as peft's ``all-linear`` does."""
    import torch

    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    out = []
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear) or module is head:
            continue
        if part_of(name, parts) in trainable:
            out.append(name)
    return out


def target_regex(names: list[str], suffixes: Iterable[str] = ()) -> str:
    """A regular expression matching exactly ``names``, and any module whose name ends with one
    of ``suffixes`` (peft matches a string ``target_modules`` with ``re.fullmatch`` against full
    module names; a list entry as a name suffix)."""
    alternatives = [re.escape(n) for n in names] + [r"(?:.*\.)?" + re.escape(s) for s in suffixes]
    return "(?:" + "|".join(alternatives) + ")"


def all_linear_regex(model: Any, parts: Mapping[str, Iterable[str]], config: Mapping[str, Any], model_id: str,
                     target_modules: Any = "all-linear") -> str:
    """What ``--target_modules all-linear`` (plus the other names listed with it, e.g.
    ``lm_head``) adapts in a multimodal model under the run's freeze flags, as the regex peft
    takes. Raises when the flags leave no linear layer."""
    trainable = set(parts) - frozen_parts(config)
    names = linear_targets(model, parts, trainable)
    if not names:
        raise SwiftkitError(f"model {model_id!r}: --target_modules all-linear with the parts "
                            f"{sorted(frozen_parts(config))} frozen leaves no linear layer to adapt")
    extra = [] if isinstance(target_modules, str) else [str(t) for t in target_modules if str(t).lower() != "all-linear"]
    return target_regex(names, extra)


def wants_all_linear(target_modules: Any) -> bool:
    """Whether a tuner's ``target_modules`` option asks for ``all-linear``."""
    if isinstance(target_modules, str):
        return target_modules == "all-linear"
    return bool(target_modules) and "all-linear" in list(target_modules)


def freeze(model: Any, parts: Mapping[str, Iterable[str]], config: Mapping[str, Any]) -> dict[str, int]:
    """Stop the gradients of every parameter of the frozen parts (a tuner that trains the
    base weights: full, freeze ...). Returns ``{part: parameters frozen}``."""
    frozen = frozen_parts(config)
    counts: dict[str, int] = {}
    for name, param in model.named_parameters():
        part = part_of(name, parts)
        if part in frozen and param.requires_grad:
            param.requires_grad_(False)
            counts[part] = counts.get(part, 0) + param.numel()
    return counts


def split_param_groups(optimizer: Any, model: Any, parts: Mapping[str, Iterable[str]], lrs: Mapping[str, float]) -> Any:
    """Give the parameters of the parts in ``lrs`` their own learning rate: each of the
    optimizer's groups is split by part (weight decay and the rest of the group kept), in
    place, before the first step. Returns ``optimizer``."""
    if not lrs:
        return optimizer
    if any(optimizer.state.values()):
        raise SwiftkitError("--vit_lr/--aligner_lr: the optimizer has already stepped; its groups cannot be split")
    name_of = {id(p): n for n, p in model.named_parameters()}
    groups = []
    for group in optimizer.param_groups:
        buckets: dict[str | None, list[Any]] = {}
        for param in group["params"]:
            part = part_of(name_of.get(id(param), ""), parts)
            buckets.setdefault(part if part in lrs else None, []).append(param)
        for part, params in buckets.items():
            new = {k: v for k, v in group.items() if k not in ("params", "initial_lr")}
            new["params"] = params
            if part is not None:
                new["lr"] = float(lrs[part])
            groups.append(new)
    optimizer.param_groups.clear()
    for group in groups:
        optimizer.add_param_group(group)
    return optimizer


def describe(model: Any, parts: Mapping[str, Iterable[str]]) -> str:
    """``vision_tower 0.6M (frozen), aligner 0.1M (frozen), language_model 2.1M (trains)``:
    each part's parameters and whether any of them trains."""
    sizes: dict[str, list[int]] = {part: [0, 0] for part in parts}
    for name, param in model.named_parameters():
        part = part_of(name, parts)
        if part is not None:
            sizes[part][0] += param.numel()
            sizes[part][1] += param.numel() if param.requires_grad else 0
    return ", ".join(f"{part} {n / 1e6:.3g}M ({'trains' if t else 'frozen'})" for part, (n, t) in sizes.items())
