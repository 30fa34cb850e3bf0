"""EvalScope's ``general_qa`` with empty answers scored 0.

EvalScope 1.5's Rouge scorer skips an empty answer (``rouge`` raises on it; the sample's score
comes back empty), so the mean is taken over the non-empty answers only (a model that answers
half the questions right and stays silent on the rest scores 1.0), and when every answer is
empty the report itself fails (``KeyError: 'metric_name'``). A model that stops at once is common
(a tiny or an undertrained one), so local open-QA files are evaluated with this variant,
registered once in EvalScope's benchmark registry as :data:`QA_BENCHMARK`: the same data, prompt
and metrics, with an empty answer's Rouge scores set to 0.

Heavy: imports EvalScope.
"""

from __future__ import annotations

import copy
from typing import Any

from evalscope.api.registry import BENCHMARK_REGISTRY, register_benchmark
from evalscope.benchmarks.general_qa.general_qa_adapter import GeneralQAAdapter

QA_BENCHMARK = "swiftkit_general_qa"
ROUGE_KEYS = tuple(f"Rouge-{n}-{part}" for n in ("1", "2", "L") for part in "RPF")


class ScoredQAAdapter(GeneralQAAdapter):
    """``general_qa`` whose empty answers score 0 on every Rouge metric instead of being skipped."""

    def match_score(self, original_prediction: str, filtered_prediction: str, reference: str,
                    task_state: Any) -> Any:
        score = super().match_score(original_prediction, filtered_prediction, reference, task_state)
        if score is not None and "Rouge" in self.metric_list and not filtered_prediction.strip():
            for key in ROUGE_KEYS:
                score.value.setdefault(key, 0.0)
        return score


def scored_qa_benchmark() -> str:
    """The name of the variant, registered on first use."""
    if QA_BENCHMARK not in BENCHMARK_REGISTRY:
        meta = copy.deepcopy(BENCHMARK_REGISTRY["general_qa"])
        meta.name = QA_BENCHMARK
        register_benchmark(meta)(ScoredQAAdapter)
    return QA_BENCHMARK
