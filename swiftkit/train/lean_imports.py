"""Optional packages kept out of a training process that does not use them.

transformers, peft and accelerate import some optional packages merely because they are
installed, whatever the run does:

- ``bitsandbytes``: ``import peft`` (``peft.helpers``) and every LoRA layer peft creates
  (``is_bnb_4bit_available``). It pulls in ``torch._inductor``: about 2 CPU s and 110 MB of
  resident memory on the benchmark's 2-core machine, and a warning about CPU kernels;
- ``sklearn`` (with scipy and pandas): any model class, through
  ``transformers.generation.candidate_generator`` (assisted decoding's ``roc_curve``): 0.8 s, 70 MB;
- ``deepspeed``: ``Trainer.__init__`` (accelerate's ``extract_model_from_parallel``): 0.3 s, 25 MB.

A package is kept out by ``sys.modules[name] = None``: ``importlib.util.find_spec`` then answers
``None``, which is how those libraries decide that it is absent, and they take their "not
installed" branch. It stays out for the rest of the process (peft caches its answer), so only a
process that runs exactly one training run does it: ``swift sft|pt|rlhf`` and its launched
workers (``run_training(..., lean_imports=True)``), never an in-process caller of
:func:`swiftkit.train.run.run_training`, which may do something else afterwards.

What the run asks for keeps a package in: quantization (a tuner whose ``load_kwargs`` carries a
``quantization_config`` such as QLoRA, ``--quant_method``/``--quant_bits``, a pre-quantized
checkpoint, also as the reference, teacher or reward model) or an optimizer that is not one of torch's keeps ``bitsandbytes``; any strategy but
none/ddp/fsdp/tp keeps ``deepspeed``; online RL (reward functions are arbitrary code) and live
evaluation keep ``sklearn``. ``SWIFTKIT_KEEP_IMPORTS=sklearn,deepspeed`` (or ``all``) keeps
packages in by hand, for a plugin that imports one of them itself: such an import otherwise fails
with ``import of sklearn halted; None in sys.modules``, which :func:`hint` explains.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from typing import Any

#: the variable that keeps packages in (comma-separated top-level names, or ``all``)
KEEP_ENV = "SWIFTKIT_KEEP_IMPORTS"
#: the packages this module may keep out
PACKAGES = ("bitsandbytes", "sklearn", "deepspeed")
#: torch's own optimizers (transformers' ``--optim`` names) that need no bitsandbytes
TORCH_OPTIMIZERS = frozenset({"adamw_torch", "adamw_torch_fused", "adamw_torch_xla", "adamw_torch_npu_fused",
                              "adafactor", "sgd", "adagrad", "rmsprop"})
#: strategies that never use DeepSpeed (none: a single process)
NO_DEEPSPEED_STRATEGIES = frozenset({None, "ddp", "fsdp", "tp"})
#: ``--rlhf_type`` values that train from a fixed dataset (no rollouts, no reward code)
OFFLINE_RLHF = frozenset({"dpo", "kto", "orpo", "simpo", "cpo", "rm"})


def _folder_quantized(model_dir: str | None) -> bool:
    """Whether the checkpoint in ``model_dir`` is stored quantized (its ``config.json`` says so);
    unknown (no folder, unreadable config) counts as quantized."""
    if not model_dir or not os.path.isdir(model_dir):
        return True
    try:
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as fh:
            cfg = json.load(fh)
    except (OSError, ValueError):
        return True
    if not isinstance(cfg, dict):
        return True
    return bool(cfg.get("quantization_config") or (cfg.get("text_config") or {}).get("quantization_config"))


def unused_packages(config: dict[str, Any], *, command: str, strategy_id: str | None, load_kwargs: dict[str, Any],
                    model_dir: str | None) -> list[str]:
    """The packages of :data:`PACKAGES` the run described does not use (see the module docstring).

    ``load_kwargs``: what the tuner passes to the model loader; ``model_dir``: the local
    checkpoint folder."""
    unused = []
    optim = config.get("optim") or "adamw_torch"
    others = [config[key] for key in ("ref_model", "teacher_model", "reward_model") if isinstance(config.get(key), str)]
    if not ("quantization_config" in load_kwargs or config.get("quant_method") or config.get("quant_bits")
            or optim not in TORCH_OPTIMIZERS or any(_folder_quantized(d) for d in [model_dir, *others])):
        unused.append("bitsandbytes")
    online_rl = command == "rlhf" and config.get("rlhf_type") not in OFFLINE_RLHF
    if not (online_rl or config.get("eval_use_evalscope")):
        unused.append("sklearn")
    if strategy_id in NO_DEEPSPEED_STRATEGIES and not config.get("deepspeed"):
        unused.append("deepspeed")
    keep = {name.strip() for name in os.environ.get(KEEP_ENV, "").split(",") if name.strip()}
    return [] if "all" in keep else [name for name in unused if name not in keep]


def keep_out(names: list[str]) -> list[str]:
    """Mark each installed package of ``names`` that is not imported yet as absent for the rest
    of the process; return those marked."""
    marked = []
    for name in names:
        if name in sys.modules:  # imported already (or marked): too late to save anything
            continue
        if importlib.util.find_spec(name) is None:
            continue
        sys.modules[name] = None  # type: ignore[assignment]
        marked.append(name)
    return marked


def kept_out() -> list[str]:
    """The packages of :data:`PACKAGES` this process keeps out."""
    return [name for name in PACKAGES if name in sys.modules and sys.modules[name] is None]


def hint(exc: BaseException) -> str | None:
    """For an import that failed because this module kept the package out, what to do."""
    if not isinstance(exc, ImportError):
        return None
    out = kept_out()
    name = (getattr(exc, "name", None) or "").partition(".")[0]
    # transformers reports remote code's missing imports in its own words, without ``name``
    words = {w.partition(".")[0] for w in re.findall(r"[A-Za-z_][\w.]*", str(exc))}
    top = name if name in out else next((p for p in out if p in words), None)
    if top is None:
        return None
    return (f"swiftkit kept {top} out of this training process because the run's options do not use it; "
            f"a plugin imported it anyway: set {KEEP_ENV}={top} (or all) to keep it in")
