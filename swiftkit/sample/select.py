"""Which completions become rows, and the rows ``swift sft`` / ``swift rlhf`` read.

Per prompt, completions are ranked by score (best first; ties keep generation order) and:

- ``--prm_threshold T`` rejects a completion scoring below T;
- ``--easy_query_threshold R`` drops the prompt when more than R of its completions pass (score
  at least T, or above 0 without a threshold): the model already answers it, there is nothing
  to teach;
- ``--sample_format sft`` (default) keeps the ``--n_best_to_keep`` best accepted completions,
  each as ``{"messages": [...prompt, {"role": "assistant", "content": completion}]}``;
- ``--sample_format preference`` pairs the i-th best accepted with the i-th worst completion
  (up to ``--n_best_to_keep`` pairs, only where the chosen scores strictly higher) as
  ``{"prompt": [...messages], "chosen": str, "rejected": str}`` (the ``prompt_chosen_rejected``
  format ``swift rlhf --rlhf_type dpo`` reads).

Without a scorer (``--sampler_type distill`` with no ``--orm_model``) every completion is
accepted in generation order. Each row also carries ``score`` (and ``rejected_score``), which
the training commands ignore.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from swiftkit.sample.prompts import Prompt


@dataclass
class Selection:
    rows: list[dict[str, Any]]
    accepted: int  #: completions that passed the threshold
    easy: bool  #: the prompt was dropped as too easy


def select_rows(prompt: Prompt, completions: list[str], scores: list[float] | None, *, fmt: str, keep: int,
                threshold: float | None, easy_threshold: float | None) -> Selection:
    order = list(range(len(completions)))
    if scores is not None:
        order.sort(key=lambda i: -scores[i])  # stable: ties keep generation order
    passed = [i for i in order if scores is None or threshold is None or scores[i] >= threshold]
    if scores is not None and easy_threshold is not None and completions:
        passing = passed if threshold is not None else [i for i in order if scores[i] > 0]
        if len(passing) / len(completions) > easy_threshold:
            return Selection([], len(passed), True)
    extra = {"images": list(prompt.images)} if prompt.images else {}
    rows: list[dict[str, Any]] = []
    if fmt == "preference":
        if scores is None:
            return Selection([], len(passed), False)
        worst = order[::-1]
        for good, bad in zip(passed[:keep], worst[:keep], strict=False):
            if scores[good] <= scores[bad]:
                break
            rows.append({"prompt": prompt.messages, "chosen": completions[good], "rejected": completions[bad],
                         "score": scores[good], "rejected_score": scores[bad], **extra})
    else:
        for i in passed[:keep]:
            row = {"messages": [*prompt.messages, {"role": "assistant", "content": completions[i]}], **extra}
            if scores is not None:
                row["score"] = scores[i]
            rows.append(row)
    return Selection(rows, len(passed), False)
