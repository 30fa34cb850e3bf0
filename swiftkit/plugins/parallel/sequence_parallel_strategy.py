"""Ulysses sequence parallelism: the DeepSpeed strategy plus accelerate's ``ParallelismConfig``.

The Trainer does the rest when ``TrainingArguments(parallelism_config=...)`` asks for
``sp_backend="deepspeed"``: accelerate registers DeepSpeed's Ulysses attention with transformers
and wraps the train data loader so that each rank gets its shard of every batch's tokens
(with labels pre-shifted as ``shift_labels``), and the Trainer's loss weighs each shard's mean by
its label tokens. The run's collator must give ``position_ids`` and a length that divides by N:
:mod:`swiftkit.train.sequence_parallel` adapts it (the trainer reads ``parallelism_config``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from typing import TYPE_CHECKING, Any

from swiftkit.plugins.parallel._common import model_config
from swiftkit.plugins.parallel.deepspeed.strategy import DeepSpeedStrategy

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import ParallelEnv

#: DeepSpeed's first release with Ulysses for HF models (accelerate refuses older ones)
MIN_DEEPSPEED = (0, 18, 2)
#: attention implementations Ulysses can wrap (it drops the 4-D mask that eager needs)
ATTENTION = ("sdpa", "flash_attention_2", "flash_attention_3")
#: the attention implementation used when the run names none
DEFAULT_ATTENTION = "sdpa"


def _version(dist: str) -> tuple[int, ...] | None:
    try:
        text = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None
    parts = []
    for piece in text.split("+")[0].split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _accelerate_has_sequence_parallelism() -> bool:
    """Whether the installed accelerate's ``ParallelismConfig`` takes ``sp_size`` (read, not imported:
    importing accelerate imports torch)."""
    spec = importlib.util.find_spec("accelerate")
    if spec is None or not spec.submodule_search_locations:
        return False
    import os

    path = os.path.join(list(spec.submodule_search_locations)[0], "parallelism_config.py")
    try:
        with open(path, encoding="utf-8") as fh:
            return "sp_size" in fh.read()
    except OSError:
        return False


def attention_implementation(run_config: dict[str, Any]) -> str:
    """The run's attention implementation (``--attn_impl``), sdpa when it names none."""
    return str(run_config.get("attn_impl") or DEFAULT_ATTENTION)


class SequenceParallelStrategy(DeepSpeedStrategy):
    """DeepSpeed ZeRO (the ``--deepspeed`` preset) with each sequence split over ``sequence_parallel_size`` ranks."""

    @property
    def size(self) -> int:
        return int(self.options.get("sequence_parallel_size") or 1)

    # ------------------------------------------------------------------ launch side
    def check(self, env: ParallelEnv, run_config: dict[str, Any]) -> list[str]:
        problems = super().check(env, run_config)
        n = self.size
        if env.world_size % n:
            problems.append(f"the number of processes ({env.world_size}) must be a multiple of sequence_parallel_size "
                            f"{n} (each sequence is split over {n} of them): e.g. --nproc_per_node {n}")
        have = _version("deepspeed")
        if have is not None and have < MIN_DEEPSPEED:
            problems.append(f"sequence parallelism needs DeepSpeed >= {'.'.join(map(str, MIN_DEEPSPEED))} (Ulysses for "
                            f"HF models), found {'.'.join(map(str, have))}: pip install -U deepspeed")
        if not _accelerate_has_sequence_parallelism():
            problems.append("sequence parallelism needs an accelerate whose ParallelismConfig has sp_size: "
                            "pip install -U accelerate")
        attention = attention_implementation(run_config)
        if attention not in ATTENTION:
            problems.append(f"sequence parallelism wraps the attention kernel and needs one of {', '.join(ATTENTION)}; "
                            f"attn_impl {attention!r} cannot be split (set --attn_impl sdpa)")
        if attention.startswith("flash_attention") and not env.devices.has_gpu:
            problems.append(f"attn_impl {attention!r} needs a CUDA GPU; on CPU use sdpa")
        shape = model_config(run_config)
        heads, kv = shape.get("num_attention_heads"), shape.get("num_key_value_heads")
        if heads and heads % n:
            problems.append(f"the model's {heads} attention heads do not divide by sequence_parallel_size {n} "
                            "(Ulysses gives each rank whole heads)")
        if kv and kv % n and n % kv:
            problems.append(f"the model's {kv} key/value heads and sequence_parallel_size {n}: one must divide the other")
        if run_config.get("rlhf_type"):
            problems.append(f"sequence parallelism computes the causal-LM loss over the shards itself; rlhf_type "
                            f"{run_config['rlhf_type']!r} has its own loss (use swift sft or swift pt)")
        if run_config.get("task_type") not in (None, "causal_lm"):
            problems.append(f"sequence parallelism trains causal LMs; task_type {run_config['task_type']!r} is not one")
        for key in ("packing", "padding_free"):
            if run_config.get(key):
                problems.append(f"--{key} with sequence parallelism is not supported yet (rows are padded and sharded); "
                                f"drop --{key}")
        return problems

    # ------------------------------------------------------------------ worker side
    def model_load_kwargs(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        # Ulysses checks that the model runs the attention it wraps
        return {"attn_implementation": attention_implementation(run_config)}

    def trainer_args(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        from accelerate import ParallelismConfig
        from accelerate.utils import DeepSpeedSequenceParallelConfig

        out = super().trainer_args(env, run_config)
        if self.size > 1:
            out["parallelism_config"] = ParallelismConfig(
                sp_size=self.size,
                sp_backend="deepspeed",
                sp_handler=DeepSpeedSequenceParallelConfig(
                    sp_seq_length_is_variable=True,  # rows are padded per batch, not to one length
                    sp_attn_implementation=attention_implementation(run_config),
                ),
            )
        return out
