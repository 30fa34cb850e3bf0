"""What the trainer does differently when a strategy asks for sequence parallelism.

A strategy switches it on through ``TrainingArguments(parallelism_config=ParallelismConfig(
sp_size=N, sp_backend="deepspeed"))`` (accelerate's Ulysses via DeepSpeed). Then accelerate
wraps the train data loader: every rank gathers the batches of its sequence-parallel group and
keeps 1/N of each one's tokens. That adapter needs two things of each batch, which the run's
collator is adapted to give (:class:`SequenceShardCollator`): ``position_ids`` (each token keeps
its global position after sharding) and a length divisible by N. And the loss is the Trainer's
own (the causal-LM loss of each shard, weighted across the group by label tokens), since no
rank sees whole sequences.
"""

from __future__ import annotations

from typing import Any

IGNORE_INDEX = -100


def sequence_parallel_size(args: Any) -> int:
    """N when ``args`` (``TrainingArguments``) ask for DeepSpeed's Ulysses over N > 1 ranks, else 1."""
    config = getattr(args, "parallelism_config", None)
    if config is None or getattr(config, "sp_backend", None) != "deepspeed":
        return 1
    return max(int(getattr(config, "sp_size", 1) or 1), 1)


class SequenceShardCollator:
    """Wraps a padded-batch collator: right-pads every sequence tensor to a multiple of ``multiple``
    (``input_ids`` with ``pad_token_id``, ``labels`` with -100, others with 0), adds ``position_ids``
    (0, 1, 2 ... per row) and drops ``attention_mask``.

    Dropping the mask is exact for right-padded rows: the sharded attention is causal, so real
    tokens never attend to the pads after them, and the pads carry no labels. A batch whose rows are
    packed (it brings its own ``position_ids``) is refused: the shards would need its segments.
    """

    def __init__(self, collator: Any, multiple: int, pad_token_id: int):
        self.collator = collator
        self.multiple = int(multiple)
        self.pad_token_id = int(pad_token_id)

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        batch = self.collator(features)
        if "position_ids" in batch:
            raise ValueError("sequence parallelism: the collator produced packed rows (position_ids); "
                             "drop --packing / --padding_free")
        ids = batch["input_ids"]
        rows, length = ids.shape
        extra = -length % self.multiple
        batch.pop("attention_mask", None)
        if extra:
            fill = {"input_ids": self.pad_token_id, "labels": IGNORE_INDEX}
            for key, value in list(batch.items()):
                if torch.is_tensor(value) and value.dim() == 2 and value.shape == (rows, length):
                    batch[key] = torch.nn.functional.pad(value, (0, extra), value=fill.get(key, 0))
        batch["position_ids"] = torch.arange(length + extra, dtype=torch.long).unsqueeze(0).expand(rows, -1).contiguous()
        return batch
