"""Embedding training (``--task_type embedding``): encoder, rows, losses, ``/v1/embeddings``.

- **model**: the checkpoint's bare backbone (``AutoModel``: a causal LM's decoder without its LM
  head; Qwen3-Embedding as published; a bidirectional encoder as it is); the embedding of a text
  is the last layer's hidden state pooled (a decoder's last token; an encoder's ``[CLS]`` token,
  or the mean over the real tokens: see :func:`~swiftkit.plugins.methods._tasks.resolve_pooling`),
  L2-normalised;
- **rows**: :class:`~swiftkit.plugins.methods._retrieval.EmbeddingLayout` (anchor, one positive,
  hard negatives, an optional ``label``), each conversation rendered by the template
  (Qwen3-Embedding: ``text<|endoftext|>``, a system message as the instruction prefix), or for
  an encoder its plain text with the tokenizer's special tokens;
- **loss** (``--loss_type``): ``infonce`` (temperature ``$INFONCE_TEMPERATURE``, default 0.1;
  in-batch negatives unless ``$INFONCE_USE_BATCH`` is false), ``cosine_similarity`` (MSE of the
  cosine against ``label``), ``contrastive`` (margin 0.5 on the cosine distance, 0/1 labels).
  With ``--mrl_dims`` the loss is the mean over the embedding cut to each size and renormalised.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.data.layout import DataLayout
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.core.methods.interface import Objective, TaskPredictor
from swiftkit.core.options import option_value
from swiftkit.plugins.methods._retrieval import (
    EmbeddingLayout,
    contrastive_loss,
    cosine_similarity_loss,
    infonce_loss,
)
from swiftkit.plugins.methods._tasks import (
    POOLING_KEY,
    TextInputs,
    env_bool,
    env_float,
    is_encoder,
    load_tokenizer,
    model_kwargs,
    pooled_hidden,
    require_one_process,
    resolve_pooling,
)

LOSSES = ("infonce", "cosine_similarity", "contrastive")

__all__ = ["EmbeddingObjective", "EmbeddingPredictor", "LOSSES", "embed_rows"]


def embed_rows(model: Any, input_ids: Any, attention_mask: Any, dims: int | None = None, pooling: str = "last") -> Any:
    """Normalised embeddings of token rows (the first ``dims`` components when given)."""
    import torch.nn.functional as F  # noqa: N812

    hidden = pooled_hidden(model, input_ids, attention_mask, pooling).float()
    return F.normalize(hidden[:, :dims] if dims else hidden, dim=-1)


class EmbeddingObjective(Objective):
    required_columns = ("messages", "positive_messages")

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self.loss_type = option_value(self.options, spec, "loss_type") or "infonce"
        if self.loss_type not in LOSSES:
            raise ConfigError(f"--task_type embedding: --loss_type {self.loss_type} is not an embedding loss; "
                              f"use one of {', '.join(LOSSES)}")
        self.mrl_dims = sorted(set(option_value(self.options, spec, "mrl_dims") or []))
        self.temperature = env_float("INFONCE_TEMPERATURE", 0.1)
        self.use_batch = env_bool("INFONCE_USE_BATCH", True)
        self.encoder, self.pooling = False, "last"  # set by load_model (see resolve_pooling)

    def load_model(self, loader: Any, model_dir: str, **kwargs: Any) -> tuple[Any, Any]:
        from transformers import AutoModel

        tokenizer = load_tokenizer(model_dir, **kwargs)
        model = AutoModel.from_pretrained(model_dir, **model_kwargs(kwargs))
        self.encoder, self.pooling = is_encoder(model), resolve_pooling(model, model_dir)
        setattr(model.config, POOLING_KEY, self.pooling)  # saved with a trained checkpoint's config.json
        return model, tokenizer

    def setup(self, *, model: Any, config: dict[str, Any], **kwargs: Any) -> None:
        require_one_process("embedding")
        hidden = getattr(getattr(model, "config", None), "hidden_size", None)
        too_big = [d for d in self.mrl_dims if hidden and d > hidden]
        if too_big:
            raise ConfigError(f"--mrl_dims {too_big}: larger than the model's hidden size {hidden}")

    def data_layout(self) -> DataLayout:
        return EmbeddingLayout(self.encoder)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        import torch
        import torch.nn.functional as F  # noqa: N812

        counts = batch["negative_counts"]
        rows = counts.shape[0]
        full = pooled_hidden(model, batch["input_ids"], batch["attention_mask"], self.pooling).float()
        losses, metrics = [], {}
        for dims in self.mrl_dims or [None]:
            emb = F.normalize(full[:, :dims] if dims else full, dim=-1)
            anchor, positive, rest = emb[:rows], emb[rows : 2 * rows], emb[2 * rows :]
            if self.loss_type == "infonce":
                negatives = list(rest.split([int(c) for c in counts.tolist()]))
                loss, found = infonce_loss(anchor, positive, negatives, temperature=self.temperature, use_batch=self.use_batch)
                metrics = metrics or found  # reported for the full (or largest) size
            else:
                labels = batch["label_values"]
                if torch.isnan(labels).any():
                    raise SwiftkitError(f"--loss_type {self.loss_type} needs a 'label' in every row")
                loss = (cosine_similarity_loss if self.loss_type == "cosine_similarity" else contrastive_loss)(anchor, positive, labels)
            losses.append(loss)
        return torch.stack(losses).mean(), metrics

    def predictor(self, model: Any, tokenizer: Any, template: Any, config: dict[str, Any]) -> TaskPredictor:
        return EmbeddingPredictor(TextInputs(model, tokenizer, template, config.get("max_length")), self.pooling)


class EmbeddingPredictor(TaskPredictor):
    task = "embedding"

    def __init__(self, inputs: TextInputs, pooling: str = "last"):
        self.inputs, self.pooling = inputs, pooling

    def embed(self, inputs: list[list[dict[str, Any]]], *, dimensions: int | None = None) -> list[list[float]]:
        import torch

        rows = [self.inputs.conversation_ids(messages) for messages in inputs]
        out: list[list[float]] = []
        with torch.no_grad():
            for ids, mask in self.inputs.id_batches(rows):
                out.extend(embed_rows(self.inputs.model, ids, mask, dimensions, self.pooling).tolist())
        return out
