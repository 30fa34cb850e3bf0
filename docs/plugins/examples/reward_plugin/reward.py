"""The ``keywords`` reward (behaviour; the standard library is all it needs)."""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import RewardFunction


class KeywordsReward(RewardFunction):
    """One float per completion: the share of that row's ``keywords`` it contains."""

    def __call__(self, prompts: list[Any], completions: list[str], **columns: list[Any]) -> list[float]:
        if "keywords" not in columns:
            raise SwiftkitError(f"reward 'keywords' needs a 'keywords' dataset column; the rows have: {sorted(columns) or 'none'}")
        exact = bool(self.options.get("keywords_case_sensitive"))
        scores = []
        for completion, keywords in zip(completions, columns["keywords"], strict=True):
            text = completion if exact else completion.lower()
            wanted = [k if exact else k.lower() for k in keywords or []]
            scores.append(sum(k in text for k in wanted) / len(wanted) if wanted else 0.0)
        return scores
