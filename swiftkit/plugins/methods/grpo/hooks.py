"""The GRPO options that act across training steps, as Trainer callbacks: ``log_completions``
(a ``completions.jsonl`` in the run's output folder), ``dynamic_sample`` (a loader of fresh
prompts) and ``sync_ref_model`` (the reference moved towards the policy).

Light at import: transformers is imported inside the functions.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from swiftkit.core.errors import SwiftkitError

COMPLETIONS_FILE = "completions.jsonl"


class CompletionsLog:
    """Appends one JSON row per sampled completion: ``step``, ``prompt`` (its messages),
    ``completion``, each reward function's value, the total ``reward`` and the ``advantage``."""

    def __init__(self, path: str, state: Any, reward_weights: list[float] | None = None):
        self.path = path
        self.state = state  # the Trainer's TrainerState: global_step moves in place
        self.reward_weights = reward_weights
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)

    def write(self, data: dict[str, Any], advantages: list[float]) -> None:
        from swiftkit.train.rewards import total

        scores = data["scores"]
        totals = total(scores, self.reward_weights)
        with open(self.path, "a", encoding="utf-8") as f:
            for i, text in enumerate(data["texts"]):
                row = {"step": int(getattr(self.state, "global_step", 0)), "prompt": data["prompts"][i],
                       "completion": text, **{name: values[i] for name, values in scores.items()},
                       "reward": totals[i], "advantage": advantages[i]}
                f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def mix_reference(ref_model: Any, policy: Any, alpha: float) -> None:
    """``ref = alpha * policy + (1 - alpha) * ref``, parameter by parameter (same names)."""
    import torch

    from swiftkit.train.unwrap import unwrap_model

    policy_params = dict(unwrap_model(policy).named_parameters())
    with torch.no_grad():
        for name, ref_param in ref_model.named_parameters():
            src = policy_params.get(name)
            if src is None:
                raise SwiftkitError(f"--sync_ref_model: the policy has no parameter {name!r} of the reference; "
                                    "the reference must be a copy of the policy's architecture")
            ref_param.mul_(1 - alpha).add_(src.detach().to(ref_param.device, ref_param.dtype), alpha=alpha)


@cache
def _callback_class() -> type:
    from transformers import TrainerCallback

    class GrpoHooks(TrainerCallback):
        def __init__(self, objective: Any):
            self.objective = objective

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            obj = self.objective
            if obj.log_completions:
                rank = int(getattr(args, "process_index", 0) or 0)
                name = COMPLETIONS_FILE if rank == 0 else f"completions.rank{rank}.jsonl"
                obj.completions_log = CompletionsLog(os.path.join(args.output_dir, name), state, obj.reward_weights)
            if obj.dynamic_sample:
                loader = kwargs.get("train_dataloader")
                if loader is not None:  # a plain loader of its own: the Trainer's keeps its own position
                    from torch.utils.data import DataLoader

                    obj.resample_loader = DataLoader(loader.dataset, batch_size=args.per_device_train_batch_size,
                                                     shuffle=True, collate_fn=loader.collate_fn)
            if obj.sync_ref_model and obj.ref_model is None:
                raise SwiftkitError("--sync_ref_model needs a separate reference model (full fine-tuning, or "
                                    "--ref_model): with an adapter tuner the reference is the base model with the "
                                    "adapter switched off, which cannot be mixed")

        def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            obj = self.objective
            if obj.sync_ref_model and model is not None and state.global_step % obj.ref_model_sync_steps == 0:
                mix_reference(obj.ref_model, model, obj.ref_model_mixup_alpha)

    return GrpoHooks


def grpo_callbacks(objective: Any) -> list[Any]:
    """The callbacks the objective's options need (none when none of them is on)."""
    if objective.log_completions or objective.dynamic_sample or objective.sync_ref_model:
        return [_callback_class()(objective)]
    return []
