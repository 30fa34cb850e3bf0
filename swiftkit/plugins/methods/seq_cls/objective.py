"""Sequence classification (``--task_type seq_cls``): head, rows, loss, predictions.

- **model**: ``AutoModelForSequenceClassification`` with ``num_labels`` outputs; on a causal LM's
  weights its ``score`` head starts fresh (LoRA trains and saves it: peft's sequence-classification
  task puts it in ``modules_to_save``);
- **rows**: ``{"messages": [...], "label": ...}``, the conversation rendered by the template (it
  may end with a user message), the label checked against ``problem_type`` and ``num_labels``
  (an error names the row's ``label``);
- **logits**: the head applied to the last layer's hidden state at the last real token; a
  bidirectional encoder (BERT, ModernBERT, XLM-RoBERTa) reads its plain text with its own
  special tokens and classifies through its own forward (its head pools as the architecture does);
- **loss**: cross-entropy (single label; metric ``acc``), BCE with logits on the multi-hot
  labels (multi label; ``acc`` is exact-match), MSE on the single output (regression).
"""

from __future__ import annotations

import math
from typing import Any

from swiftkit.core.data.layout import DataLayout, EncodedRow, EncodeSettings
from swiftkit.core.errors import ConfigError, RowError
from swiftkit.core.methods.interface import Objective, TaskPredictor
from swiftkit.core.options import option_value
from swiftkit.plugins.methods._tasks import (
    TextInputs,
    classifier_logits,
    conversation,
    encoder_ids,
    floats_feature,
    ids_list_feature,
    is_encoder,
    load_classifier,
    pad,
    pad_id,
    plain_text,
    render_text,
    require_one_process,
    token_ids,
)

SINGLE, MULTI, REGRESSION = "single_label_classification", "multi_label_classification", "regression"

__all__ = ["ClassificationLayout", "SeqClsObjective", "SeqClsPredictor", "classification_loss", "resolve_problem"]


def resolve_problem(num_labels: int | None, problem_type: str | None) -> tuple[int, str]:
    """``(num_labels, problem_type)`` by ms-swift's rule: regression when ``num_labels`` is 1,
    single-label classification otherwise; regression alone may leave ``num_labels`` out (1)."""
    if problem_type is None:
        if num_labels is None:
            raise ConfigError("--task_type seq_cls needs --num_labels (the number of classes; 1 for regression)")
        problem_type = REGRESSION if num_labels == 1 else SINGLE
    if num_labels is None:
        if problem_type != REGRESSION:
            raise ConfigError(f"--problem_type {problem_type} needs --num_labels (the number of classes)")
        num_labels = 1
    if problem_type == SINGLE and num_labels < 2:
        raise ConfigError("--problem_type single_label_classification needs --num_labels of at least 2")
    return int(num_labels), problem_type


def _saved_problem(model_dir: str) -> tuple[int, str]:
    """``(num_labels, problem_type)`` of a folder holding a sequence classifier (its config.json),
    else the error asking for ``--num_labels``."""
    import json
    import os

    try:
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError):
        config = {}
    if not any("SequenceClassification" in a for a in config.get("architectures") or []):
        return resolve_problem(None, None)  # raises: a causal LM needs --num_labels
    labels = config.get("num_labels") or len(config.get("id2label") or {}) or None
    return resolve_problem(labels, config.get("problem_type"))


class ClassificationLayout(DataLayout):
    """``messages`` + ``label`` -> ``input_ids`` + ``label_values`` (a float list: the class,
    the class indices, or the value)."""

    id = "seq_cls"
    version = "1"
    accepts_plain_formats = True

    def __init__(self, num_labels: int, problem_type: str, encoder: bool = False):
        self.num_labels, self.problem_type, self.encoder = num_labels, problem_type, encoder

    def fingerprint(self) -> list[Any]:
        return [self.id, self.version, self.num_labels, self.problem_type] + (["encoder"] if self.encoder else [])

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        from swiftkit.data.layouts import messages_feature

        return {"messages": messages_feature(), "label_values": floats_feature()}

    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        return {"messages": conversation(row.get("messages"), "messages"), "label_values": self.label(row)}

    def label(self, row: dict[str, Any]) -> list[float]:
        if "label" not in row or row["label"] is None:
            raise RowError("label", "missing: seq_cls rows need a label")
        value = row["label"]
        if self.problem_type == REGRESSION:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise RowError("label", f"regression needs a number, got {value!r}")
            return [float(value)]
        classes = value if self.problem_type == MULTI and isinstance(value, list) else [value]
        if self.problem_type == SINGLE and isinstance(value, list):
            raise RowError("label", "single_label_classification needs one class index, got a list "
                           "(pass --problem_type multi_label_classification for several)")
        for c in classes:
            if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < self.num_labels:
                raise RowError("label", f"{c!r} is not a class index in 0..{self.num_labels - 1} (--num_labels {self.num_labels})")
        return [float(c) for c in classes]

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        return {"input_ids": ids_list_feature()}

    def consumes(self, converted_columns: list[str]) -> list[str]:
        return ["messages"]

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        if self.encoder:
            ids, truncated = encoder_ids(settings.tokenizer, plain_text(row["messages"]), None, settings.max_length,
                                         settings.truncation_strategy, "messages")
        else:
            text = render_text(settings.template, row["messages"])
            ids, truncated = token_ids(settings.tokenizer, text, settings.max_length, settings.truncation_strategy, "messages")
        return EncodedRow({"input_ids": ids}, length=len(ids), trainable=1, truncated=truncated)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        return ClassificationCollator(pad_id(tokenizer), self.num_labels, self.problem_type)


class ClassificationCollator:
    """Rows -> ``input_ids`` / ``attention_mask`` (right-padded) and ``class_labels``: class
    indices (long), multi-hot rows (float) or values (float). Picklable."""

    def __init__(self, pad_token_id: int, num_labels: int, problem_type: str):
        self.pad_token_id, self.num_labels, self.problem_type = pad_token_id, num_labels, problem_type

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids, mask = pad([f["input_ids"] for f in features], self.pad_token_id)
        values = [list(f["label_values"]) for f in features]
        if self.problem_type == SINGLE:
            labels = torch.tensor([int(v[0]) for v in values], dtype=torch.long)
        elif self.problem_type == MULTI:
            labels = torch.zeros(len(values), self.num_labels)
            for i, v in enumerate(values):
                labels[i, [int(c) for c in v]] = 1.0
        else:
            labels = torch.tensor([v[0] for v in values], dtype=torch.float32)
        return {"input_ids": ids, "attention_mask": mask, "class_labels": labels}


def classification_loss(logits: Any, labels: Any, problem_type: str) -> tuple[Any, dict[str, Any]]:
    """The loss of ``problem_type`` on ``[rows, num_labels]`` float logits, and its metrics."""
    import torch.nn.functional as F  # noqa: N812

    if problem_type == SINGLE:
        loss = F.cross_entropy(logits, labels)
        return loss, {"acc": (logits.argmax(-1) == labels).float().mean()}
    if problem_type == MULTI:
        loss = F.binary_cross_entropy_with_logits(logits, labels)
        return loss, {"acc": ((logits > 0).float() == labels).all(-1).float().mean()}
    return F.mse_loss(logits.squeeze(-1), labels), {}


class SeqClsObjective(Objective):
    """Classification head + cross-entropy / BCE / MSE (see the module docstring)."""

    required_columns = ("messages", "label")

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        num_labels, problem_type = option_value(self.options, spec, "num_labels"), option_value(self.options, spec, "problem_type")
        # neither given: a saved classifier (a reward model) says them in its config.json (see load_model)
        self.deferred = num_labels is None and problem_type is None
        self.num_labels, self.problem_type = (0, "") if self.deferred else resolve_problem(num_labels, problem_type)
        self.encoder = False  # set by load_model: an encoder reads plain text, not the chat template

    def load_model(self, loader: Any, model_dir: str, **kwargs: Any) -> tuple[Any, Any]:
        if self.deferred:
            self.num_labels, self.problem_type = _saved_problem(model_dir)
            self.deferred = False
        model, tokenizer = load_classifier(model_dir, self.num_labels, self.problem_type, **kwargs)
        self.encoder = is_encoder(model)
        return model, tokenizer

    def setup(self, **kwargs: Any) -> None:
        require_one_process("seq_cls")

    def data_layout(self) -> DataLayout:
        return ClassificationLayout(self.num_labels, self.problem_type, self.encoder)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        logits = classifier_logits(model, batch["input_ids"], batch["attention_mask"])
        return classification_loss(logits, batch["class_labels"], self.problem_type)

    def predictor(self, model: Any, tokenizer: Any, template: Any, config: dict[str, Any]) -> TaskPredictor:
        return SeqClsPredictor(TextInputs(model, tokenizer, template, config.get("max_length")), self.problem_type)


class SeqClsPredictor(TaskPredictor):
    """Classes (argmax), class sets (sigmoid over 0.5) or values of conversations."""

    task = "seq_cls"

    def __init__(self, inputs: TextInputs, problem_type: str):
        self.inputs, self.problem_type = inputs, problem_type

    def classify(self, inputs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        import torch

        rows = [self.inputs.conversation_ids(messages) for messages in inputs]
        out: list[dict[str, Any]] = []
        with torch.no_grad():
            for ids, mask in self.inputs.id_batches(rows):
                logits = classifier_logits(self.inputs.model, ids, mask)
                for row in logits:
                    if self.problem_type == SINGLE:
                        probs = torch.softmax(row, -1)
                        out.append({"label": int(probs.argmax()), "probs": probs.tolist()})
                    elif self.problem_type == MULTI:
                        probs = torch.sigmoid(row)
                        out.append({"label": [i for i, p in enumerate(probs.tolist()) if p > 0.5], "probs": probs.tolist()})
                    else:
                        out.append({"label": float(row[0]), "probs": []})
        return out
