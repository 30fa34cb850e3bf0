"""Cross-encoder reranker (``--task_type reranker``): a one-output classification head scores a
query-document pair (rendered as the judging prompt of
:func:`~swiftkit.plugins.methods._tasks.pair_conversation`; a bidirectional encoder such as a BGE
reranker reads the tokenizer's own text pair and scores through its own head); the loss is pointwise BCE on the
score or a listwise softmax over each group (positive first), see
:mod:`swiftkit.plugins.methods._retrieval`."""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Objective, TaskPredictor
from swiftkit.core.options import option_value
from swiftkit.plugins.methods._retrieval import RerankObjective, RerankPredictor
from swiftkit.plugins.methods._tasks import TextInputs, classifier_logits, is_encoder, load_classifier

__all__ = ["RerankerObjective"]


class RerankerObjective(RerankObjective, Objective):
    required_columns = ("messages", "positive_messages")
    POINTWISE, LISTWISE = "reranker", "listwise_reranker"

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        Objective.__init__(self, spec, options)
        self.init_rerank("reranker", option_value(self.options, spec, "loss_type"))

    def load_model(self, loader: Any, model_dir: str, **kwargs: Any) -> tuple[Any, Any]:
        model, tokenizer = load_classifier(model_dir, 1, None, **kwargs)
        self.encoder = is_encoder(model)  # BGE / GTE-ModernBERT rerankers: the tokenizer's text pairs
        return model, tokenizer

    def pair_scores(self, model: Any, input_ids: Any, attention_mask: Any) -> Any:
        return classifier_logits(model, input_ids, attention_mask)[:, 0]

    def predictor(self, model: Any, tokenizer: Any, template: Any, config: dict[str, Any]) -> TaskPredictor:
        use = config.get("reranker_use_activation")
        return RerankPredictor(self, TextInputs(model, tokenizer, template, config.get("max_length")), use is not False)
