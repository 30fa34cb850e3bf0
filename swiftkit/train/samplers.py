"""Samplers the Trainer glue adds on top of transformers' own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class RepeatBlocks:
    """Yield ``sampler``'s indices in blocks of ``block``, each block ``repeats`` times in a row.

    Online objectives reuse one rollout for several optimizer steps; with their blocks
    (one accumulation cycle on every process) repeated, the batches those steps receive are
    the prompts already sampled, so an epoch still covers every prompt once per rollout."""

    def __init__(self, sampler: Any, block: int, repeats: int):
        self.sampler, self.block, self.repeats = sampler, max(1, int(block)), max(1, int(repeats))

    def __iter__(self) -> Iterator[int]:
        chunk: list[int] = []
        for index in self.sampler:
            chunk.append(index)
            if len(chunk) == self.block:
                for _ in range(self.repeats):
                    yield from chunk
                chunk = []
        for _ in range(self.repeats if chunk else 0):
            yield from chunk

    def __len__(self) -> int:
        return len(self.sampler) * self.repeats

    def set_epoch(self, epoch: int) -> None:  # distributed samplers reshuffle per epoch
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)
