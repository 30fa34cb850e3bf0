"""How completions are scored.

``--orm_model`` (outcome reward) is one of:

- a reward plugin id (``swift list rewards``: ``accuracy``, ``contains`` ... with their options
  as flags, ``--contains_text 7``) or ``module:function`` / ``module:Class``, loaded exactly as
  GRPO's ``--reward_funcs`` (:func:`swiftkit.train.rewards.load_reward_functions`); the
  function gets ``prompts``, ``completions`` and ``solution`` (the row's reference reply, when
  the row had one);
- a folder: a sequence-classification checkpoint (``swift sft --task_type seq_cls``, or a
  model registered with that task) read as a reward model: the value of a one-label
  (regression) head, else the probability of the last class, of the prompt plus completion.

``--prm_model`` is such a folder too. A completion's score is the sum of the scores given.
"""

from __future__ import annotations

import os
from typing import Any

from swiftkit.core.errors import ConfigError
from swiftkit.sample.prompts import Prompt


class RewardFunctions:
    """A reward plugin or a user reward function."""

    def __init__(self, name: str, config: dict[str, Any], registry: Any):
        from swiftkit.train.rewards import load_reward_functions

        self.functions = load_reward_functions([name], registry, options=config)
        self.name = self.functions[0][0]

    def __call__(self, prompts: list[Prompt], completions: list[list[str]]) -> list[list[float]]:
        import math

        from swiftkit.train.rewards import score

        flat_prompts = [p.messages for p, group in zip(prompts, completions, strict=True) for _ in group]
        flat = [c for group in completions for c in group]
        solutions = [p.reference or "" for p, group in zip(prompts, completions, strict=True) for _ in group]
        values = score(self.functions, flat_prompts, flat, {"solution": solutions})[self.name]
        values = [0.0 if math.isnan(v) else v for v in values]
        return _regroup(values, completions)


class RewardModel:
    """A sequence-classification checkpoint scoring prompt + completion."""

    def __init__(self, folder: str, config: dict[str, Any], registry: Any, flag: str):
        from swiftkit.infer.factory import create_engine

        keep = ("torch_dtype", "max_length", "template", "trust_remote_code")
        self.engine, _ = create_engine({"model": folder, "task_type": "seq_cls", "infer_backend": "pt",
                                        **{k: config[k] for k in keep if config.get(k) is not None}}, registry)
        self.name = f"{flag} {folder}"

    def __call__(self, prompts: list[Prompt], completions: list[list[str]]) -> list[list[float]]:
        conversations = [[*p.messages, {"role": "assistant", "content": c}]
                         for p, group in zip(prompts, completions, strict=True) for c in group]
        answers = self.engine.predictor.classify(conversations)
        values = [float(a["label"]) if not a.get("probs") else float(a["probs"][-1]) for a in answers]
        return _regroup(values, completions)

    def close(self) -> None:
        self.engine.close()


def _regroup(values: list[float], like: list[list[str]]) -> list[list[float]]:
    out, start = [], 0
    for group in like:
        out.append(values[start:start + len(group)])
        start += len(group)
    return out


class Scorer:
    """The sum of ``--orm_model``'s and ``--prm_model``'s scores; ``None`` when neither is given."""

    def __init__(self, parts: list[Any]):
        self.parts = parts

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parts]

    def __call__(self, prompts: list[Prompt], completions: list[list[str]]) -> list[list[float]]:
        totals = [[0.0] * len(group) for group in completions]
        for part in self.parts:
            for i, row in enumerate(part(prompts, completions)):
                for j, value in enumerate(row):
                    totals[i][j] += value
        return totals

    def close(self) -> None:
        for part in self.parts:
            if hasattr(part, "close"):
                part.close()


def create_scorer(config: dict[str, Any], registry: Any) -> Scorer | None:
    parts: list[Any] = []
    orm = config.get("orm_model")
    if orm:
        parts.append(RewardModel(orm, config, registry, "--orm_model") if os.path.isdir(orm)
                     else RewardFunctions(orm, config, registry))
    prm = config.get("prm_model")
    if prm:
        if not os.path.isdir(prm):
            raise ConfigError(f"--prm_model {prm}: not a folder; give a sequence-classification checkpoint "
                              "(a reward plugin or function goes to --orm_model)")
        parts.append(RewardModel(prm, config, registry, "--prm_model"))
    return Scorer(parts) if parts else None
