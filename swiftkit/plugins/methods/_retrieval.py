"""Rows, batches and losses of the retrieval tasks (embedding, reranker, generative_reranker).

Rows follow ms-swift's layout: ``messages`` (the anchor / query), ``positive_messages`` (a list
of conversations) and ``negative_messages`` (a list, optional), plus ``label`` (a number) for the
pair losses of embedding training. ms-swift's environment settings are read where they apply
(``INFONCE_TEMPERATURE``, ``INFONCE_USE_BATCH``, ``INFONCE_HARD_NEGATIVES``,
``LISTWISE_RERANKER_TEMPERATURE``, ``MAX_POSITIVE_SAMPLES``, ``MAX_NEGATIVE_SAMPLES``).

- :class:`EmbeddingLayout`: ``anchor_ids``, ``positive_ids`` (the first positive: one per row, as
  ms-swift requires), ``negative_ids`` (each negative), each conversation rendered on its own;
- :class:`PairLayout`: groups of one positive followed by the negatives (the first
  ``MAX_NEGATIVE_SAMPLES``), one group per positive (the first ``MAX_POSITIVE_SAMPLES``), each
  pair rendered as the reranker's judging prompt (:func:`~._tasks.pair_conversation`), or for a
  bidirectional encoder the tokenizer's text pair (query, document);
- batches put every token row of the batch in one right-padded tensor, with the counts that
  say which row is what.
"""

from __future__ import annotations

import math
import os
from typing import Any

from swiftkit.core.data.layout import DataLayout, EncodedRow, EncodeSettings
from swiftkit.core.errors import RowError, SwiftkitError
from swiftkit.core.methods.interface import TaskPredictor
from swiftkit.plugins.methods._tasks import (
    conversation,
    conversations,
    encoder_ids,
    env_float,
    floats_feature,
    ids_list_feature,
    pad,
    pad_id,
    pair_text,
    plain_text,
    render_text,
    require_one_process,
    token_ids,
)


def _env_int(name: str, default: int | None) -> int | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SwiftkitError(f"${name}={raw!r} is not an integer") from None
    if value < 0:
        raise SwiftkitError(f"${name}={raw!r} must be >= 0")
    return value


def _label(row: dict[str, Any]) -> list[float]:
    value = row.get("label")
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RowError("label", f"must be a number, got {value!r}")
    return [float(value)]


class _RetrievalLayout(DataLayout):
    accepts_plain_formats = True
    #: a bidirectional encoder's rows: plain text / the tokenizer's text pairs, its own special
    #: tokens (set by the objective once the model is loaded)
    encoder = False

    def text_ids(self, settings: EncodeSettings, messages: list[dict[str, str]], field: str) -> tuple[list[int], bool]:
        if self.encoder:
            return encoder_ids(settings.tokenizer, plain_text(messages), None, settings.max_length,
                               settings.truncation_strategy, field)
        return token_ids(settings.tokenizer, render_text(settings.template, messages), settings.max_length,
                         settings.truncation_strategy, field)

    def pair_ids(self, settings: EncodeSettings, query: list[dict[str, str]], document: list[dict[str, str]],
                 field: str) -> tuple[list[int], bool]:
        if self.encoder:
            return encoder_ids(settings.tokenizer, plain_text(query), plain_text(document), settings.max_length,
                               settings.truncation_strategy, field)
        return token_ids(settings.tokenizer, pair_text(settings.template, query, document), settings.max_length,
                         settings.truncation_strategy, field)

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        from swiftkit.data.layouts import messages_feature
        from swiftkit.data.steps import _list

        return {"messages": messages_feature(), "positive_messages": _list(messages_feature()),
                "negative_messages": _list(messages_feature()), "label_values": floats_feature()}

    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        return {"messages": conversation(row.get("messages"), "messages"),
                "positive_messages": conversations(row, "positive_messages", required=True),
                "negative_messages": conversations(row, "negative_messages", required=False),
                "label_values": _label(row)}

    def consumes(self, converted_columns: list[str]) -> list[str]:
        return ["messages", "positive_messages", "negative_messages"]


class EmbeddingLayout(_RetrievalLayout):
    id = "embedding"
    version = "1"

    def __init__(self, encoder: bool = False) -> None:
        self.hard_negatives = _env_int("INFONCE_HARD_NEGATIVES", None)
        self.encoder = encoder

    def fingerprint(self) -> list[Any]:
        return [self.id, self.version, self.hard_negatives] + (["encoder"] if self.encoder else [])

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        return {"anchor_ids": ids_list_feature(), "positive_ids": ids_list_feature(), "negative_ids": ids_list_feature(2)}

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        def ids(messages: list[dict[str, str]], field: str) -> list[int]:
            out, cut = self.text_ids(settings, messages, field)
            truncated.append(cut)
            return out

        truncated: list[bool] = []
        negatives = row["negative_messages"]
        if self.hard_negatives is not None:
            negatives = negatives[: self.hard_negatives]
        columns = {"anchor_ids": ids(row["messages"], "messages"),
                   "positive_ids": ids(row["positive_messages"][0], "positive_messages[0]"),
                   "negative_ids": [ids(n, f"negative_messages[{i}]") for i, n in enumerate(negatives)]}
        length = len(columns["anchor_ids"]) + len(columns["positive_ids"]) + sum(map(len, columns["negative_ids"]))
        return EncodedRow(columns, length=length, trainable=1, truncated=any(truncated))

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        return EmbeddingCollator(pad_id(tokenizer))


class EmbeddingCollator:
    """Rows -> one padded batch of anchors, then positives, then every negative;
    ``negative_counts`` per row; ``label_values`` (NaN where a row has none). Picklable."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        rows = [list(f["anchor_ids"]) for f in features] + [list(f["positive_ids"]) for f in features]
        counts = []
        for f in features:
            rows.extend(list(n) for n in f["negative_ids"])
            counts.append(len(f["negative_ids"]))
        ids, mask = pad(rows, self.pad_token_id)
        labels = [(list(f.get("label_values") or []) or [math.nan])[0] for f in features]
        return {"input_ids": ids, "attention_mask": mask, "negative_counts": torch.tensor(counts, dtype=torch.long),
                "label_values": torch.tensor(labels, dtype=torch.float32)}


class PairLayout(_RetrievalLayout):
    """Query-document pairs in groups (positive first) for rerankers."""

    version = "2"

    def __init__(self, task: str, encoder: bool = False) -> None:
        self.id = task
        self.max_positives = _env_int("MAX_POSITIVE_SAMPLES", 1) or 1
        self.max_negatives = _env_int("MAX_NEGATIVE_SAMPLES", 7)
        self.encoder = encoder

    def fingerprint(self) -> list[Any]:
        return [self.id, self.version, self.max_positives, self.max_negatives] + (["encoder"] if self.encoder else [])

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        return {"pair_ids": ids_list_feature(2), "pair_labels": floats_feature(), "group_sizes": ids_list_feature()}

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        query, truncated = row["messages"], False
        negatives = row["negative_messages"][: self.max_negatives]
        pair_ids: list[list[int]] = []
        labels: list[float] = []
        sizes: list[int] = []
        for p, positive in enumerate(row["positive_messages"][: self.max_positives]):
            docs = [(positive, 1.0, f"positive_messages[{p}]")]
            docs += [(n, 0.0, f"negative_messages[{i}]") for i, n in enumerate(negatives)]
            for doc, label, field in docs:
                ids, cut = self.pair_ids(settings, query, doc, field)
                pair_ids.append(ids)
                labels.append(label)
                truncated = truncated or cut
            sizes.append(len(docs))
        columns = {"pair_ids": pair_ids, "pair_labels": labels, "group_sizes": sizes}
        return EncodedRow(columns, length=sum(map(len, pair_ids)), trainable=len(pair_ids), truncated=truncated)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        return PairCollator(pad_id(tokenizer))


class PairCollator:
    """Rows -> every pair of the batch in one padded tensor, ``pair_labels`` (1 positive, 0
    negative) and ``group_sizes`` (each group: its positive, then its negatives). Picklable."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        rows = [list(ids) for f in features for ids in f["pair_ids"]]
        ids, mask = pad(rows, self.pad_token_id)
        labels = [float(x) for f in features for x in f["pair_labels"]]
        sizes = [int(x) for f in features for x in f["group_sizes"]]
        return {"input_ids": ids, "attention_mask": mask, "pair_labels": torch.tensor(labels),
                "group_sizes": torch.tensor(sizes, dtype=torch.long)}


# ----------------------------------------------------------------------------- losses


def infonce_loss(anchor: Any, positive: Any, negatives: list[Any], *, temperature: float, use_batch: bool) -> tuple[Any, dict[str, Any]]:
    """InfoNCE on normalised embeddings: each anchor against its positive (the target) and the
    negatives: with ``use_batch`` every positive and hard negative of the batch (in-batch
    negatives), else its own hard negatives only. Metrics: ``acc`` (the positive scores highest),
    ``margin`` (positive minus the best other candidate)."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    rows = anchor.shape[0]
    if use_batch:
        candidates = torch.cat([positive, *[n for n in negatives if n.shape[0]]], dim=0)
        logits = anchor @ candidates.T / temperature
        target = torch.arange(rows, device=anchor.device)
    else:
        if any(n.shape[0] == 0 for n in negatives):
            raise SwiftkitError("infonce with INFONCE_USE_BATCH=false needs negative_messages in every row")
        width = max(n.shape[0] for n in negatives) + 1
        logits = anchor.new_full((rows, width), float("-inf"))
        for i in range(rows):
            sims = torch.cat([positive[i : i + 1], negatives[i]]) @ anchor[i]
            logits[i, : sims.shape[0]] = sims / temperature
        target = torch.zeros(rows, dtype=torch.long, device=anchor.device)
    loss = F.cross_entropy(logits, target)
    with torch.no_grad():
        pos = logits[torch.arange(rows), target]
        others = logits.clone()
        others[torch.arange(rows), target] = float("-inf")
        best = others.max(-1).values
        finite = torch.isfinite(best)
        margin = ((pos - best)[finite] * temperature).mean() if finite.any() else pos.new_zeros(())
        acc = (logits.argmax(-1) == target).float().mean()
    return loss, {"acc": acc, "margin": margin}


def cosine_similarity_loss(anchor: Any, positive: Any, labels: Any) -> Any:
    """MSE between each pair's cosine similarity and its ``label``."""
    import torch.nn.functional as F  # noqa: N812

    return F.mse_loss((anchor * positive).sum(-1), labels)


def contrastive_loss(anchor: Any, positive: Any, labels: Any, margin: float = 0.5) -> Any:
    """Margin contrastive loss on the cosine distance ``1 - cos``: similar pairs (label 1) pulled
    together, dissimilar ones (label 0) pushed past ``margin``."""
    distance = 1 - (anchor * positive).sum(-1)
    return 0.5 * (labels * distance.pow(2) + (1 - labels) * (margin - distance).clamp(min=0).pow(2)).mean()


def split_groups(scores: Any, sizes: Any) -> list[Any]:
    return list(scores.split([int(s) for s in sizes.tolist()]))


def pointwise_loss(scores: Any, labels: Any) -> tuple[Any, dict[str, Any]]:
    """Binary cross-entropy of each pair's relevance logit against its 0/1 label."""
    import torch.nn.functional as F  # noqa: N812

    loss = F.binary_cross_entropy_with_logits(scores, labels)
    return loss, {"acc": ((scores > 0).float() == labels).float().mean()}


def listwise_loss(scores: Any, sizes: Any, temperature: float) -> tuple[Any, dict[str, Any]]:
    """Softmax cross-entropy over each group (positive first) at ``temperature``; groups of one
    pair carry no ranking and are left out (ms-swift's minimum group size 2)."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    groups = [g for g in split_groups(scores, sizes) if g.shape[0] >= 2]
    if not groups:
        raise SwiftkitError("listwise reranker loss: no group has a negative; give negative_messages")
    losses = [F.cross_entropy((g / temperature).unsqueeze(0), torch.zeros(1, dtype=torch.long, device=g.device)) for g in groups]
    acc = torch.stack([(g.argmax() == 0).float() for g in groups]).mean()
    return torch.stack(losses).mean(), {"acc": acc}


# ----------------------------------------------------------------------------- rerankers


class RerankObjective:
    """What the two rerankers share (mixed into an ``Objective``): the pair layout, the
    pointwise / listwise loss chosen by ``--loss_type``, the predictor. Subclasses give
    :meth:`pair_scores` (one relevance logit per pair) and :attr:`LISTWISE` / :attr:`POINTWISE`."""

    POINTWISE = ""
    LISTWISE = ""

    def init_rerank(self, task: str, loss_type: str | None) -> None:
        from swiftkit.core.errors import ConfigError

        self.task = task
        self.encoder = False  # a cross-encoder (BERT-style) reads the tokenizer's text pairs: set on load
        self.loss_type = loss_type or self.POINTWISE
        if self.loss_type not in (self.POINTWISE, self.LISTWISE):
            raise ConfigError(f"--task_type {task}: --loss_type {self.loss_type} is not one of its losses: "
                              f"{self.POINTWISE} (pointwise BCE) or {self.LISTWISE} (listwise softmax)")
        self.temperature = env_float("LISTWISE_RERANKER_TEMPERATURE", 1.0)

    def pair_scores(self, model: Any, input_ids: Any, attention_mask: Any) -> Any:
        raise NotImplementedError

    def setup(self, **kwargs: Any) -> None:
        require_one_process(self.task)

    def data_layout(self) -> DataLayout:
        return PairLayout(self.task, self.encoder)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        scores = self.pair_scores(model, batch["input_ids"], batch["attention_mask"])
        if self.loss_type == self.LISTWISE:
            return listwise_loss(scores, batch["group_sizes"], self.temperature)
        return pointwise_loss(scores, batch["pair_labels"].to(scores.dtype))


class RerankPredictor(TaskPredictor):
    """``score(query, documents)`` through a reranker objective's :meth:`RerankObjective.pair_scores`
    (a :class:`~swiftkit.core.methods.interface.TaskPredictor`; sigmoid with ``use_activation``)."""

    def __init__(self, objective: Any, inputs: Any, use_activation: bool):
        self.objective, self.inputs, self.use_activation = objective, inputs, use_activation
        self.task = objective.task

    def score(self, query: list[dict[str, Any]], documents: list[list[dict[str, Any]]]) -> list[float]:
        import torch

        rows = [self.inputs.pair_ids(query, doc) for doc in documents]
        out: list[float] = []
        with torch.no_grad():
            for ids, mask in self.inputs.id_batches(rows):
                scores = self.objective.pair_scores(self.inputs.model, ids, mask).float()
                out.extend((torch.sigmoid(scores) if self.use_activation else scores).tolist())
        return out
