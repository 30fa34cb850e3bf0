"""Generative reranker (``--task_type generative_reranker``): the family's causal LM judges the
pair prompt; the relevance logit is ``logit(yes) - logit(no)`` of the next token at the prompt's
last position (the LM head applied there only). Pointwise, that is BCE on the difference (the
two-way softmax of "yes" against "no"); listwise, a softmax over each group's differences."""

from __future__ import annotations

import os
from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import Objective, TaskPredictor
from swiftkit.core.options import option_value
from swiftkit.plugins.methods._retrieval import RerankObjective, RerankPredictor
from swiftkit.plugins.methods._tasks import TextInputs, head_logits

__all__ = ["GenerativeRerankerObjective", "judge_token_id"]


def judge_token_id(tokenizer: Any, text: str, variable: str) -> int:
    """The id of the single token ``text`` (as a vocabulary entry, else as it encodes)."""
    vocab = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else {}
    if text in vocab:
        return int(vocab[text])
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        raise SwiftkitError(f"generative_reranker: {text!r} is {len(ids)} tokens for this tokenizer, not one; "
                            f"name a single-token word with ${variable}")
    return int(ids[0])


class GenerativeRerankerObjective(RerankObjective, Objective):
    required_columns = ("messages", "positive_messages")
    POINTWISE, LISTWISE = "generative_reranker", "listwise_generative_reranker"

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        Objective.__init__(self, spec, options)
        self.init_rerank("generative_reranker", option_value(self.options, spec, "loss_type"))
        self.positive = os.environ.get("GENERATIVE_RERANKER_POSITIVE_TOKEN") or "yes"
        self.negative = os.environ.get("GENERATIVE_RERANKER_NEGATIVE_TOKEN") or "no"
        self.token_ids: tuple[int, int] | None = None

    def bind_tokens(self, tokenizer: Any) -> None:
        self.token_ids = (judge_token_id(tokenizer, self.positive, "GENERATIVE_RERANKER_POSITIVE_TOKEN"),
                          judge_token_id(tokenizer, self.negative, "GENERATIVE_RERANKER_NEGATIVE_TOKEN"))

    def setup(self, *, tokenizer: Any, **kwargs: Any) -> None:
        super().setup(tokenizer=tokenizer, **kwargs)
        self.bind_tokens(tokenizer)

    def pair_scores(self, model: Any, input_ids: Any, attention_mask: Any) -> Any:
        if self.token_ids is None:
            raise SwiftkitError("generative_reranker: the yes/no tokens are not bound to a tokenizer (setup was not called)")
        logits = head_logits(model, "lm_head", input_ids, attention_mask)
        yes, no = self.token_ids
        return logits[:, yes] - logits[:, no]

    def predictor(self, model: Any, tokenizer: Any, template: Any, config: dict[str, Any]) -> TaskPredictor:
        self.bind_tokens(tokenizer)
        use = config.get("reranker_use_activation")
        return RerankPredictor(self, TextInputs(model, tokenizer, template, config.get("max_length")), use is not False)
