"""Sequence parallelism (Ulysses): registration module (light: imports neither torch nor DeepSpeed).

``--sequence_parallel_size N`` (ms-swift's flag) splits every sequence over N processes: each
rank holds 1/N of the tokens through the model; around attention an all-to-all trades the
sequence split for a split of the attention heads, so every head still sees the whole
sequence. Activation memory per rank falls by about N, which is what long-context training needs.

The implementation is DeepSpeed's Ulysses for HF models (ALST: ``UlyssesSPAttentionHF`` and its
data-loader adapter), switched on through accelerate's ``ParallelismConfig(sp_size=N,
sp_backend="deepspeed")`` and run by the HF Trainer, which computes the loss over the shards.
It needs the DeepSpeed engine, so this strategy is the DeepSpeed strategy plus sequence
parallelism: ``--deepspeed`` picks the ZeRO preset (zero2 when unset) exactly as it does there.
``--deepspeed zero3 --sequence_parallel_size 2`` selects this strategy alone.

What it needs, checked before anything starts (:meth:`SequenceParallelStrategy.check`): N divides
the number of processes (the rest is data parallelism), the model's attention heads divide by N
(key/value heads divide by N or N by them), an attention implementation Ulysses can wrap
(sdpa, the default, or flash_attention_2/3: not eager), DeepSpeed >= 0.18.2 and an accelerate
with ``sp_size``, and a causal-LM objective (sft or pt) without packing. It runs on CPU (gloo) too.
Behaviour: :mod:`swiftkit.plugins.parallel.sequence_parallel_strategy`.
"""

from __future__ import annotations

from swiftkit.core import StrategySpec, hookimpl
from swiftkit.core.options import DISTRIBUTED, option_properties

SWIFTKIT_PLUGIN_API = "1.5"

SEQUENCE_PARALLEL_OPTIONS = {
    "type": "object",
    "properties": {
        "sequence_parallel_size": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "Split every sequence over this many processes (Ulysses sequence parallelism, "
            "through DeepSpeed) to cut activation memory on long sequences; must divide the number of "
            "processes (the rest is data parallelism). 1: off.",
        },
        # the DeepSpeed strategy's key, with its schema: the ZeRO preset under sequence parallelism
        "deepspeed": {
            "type": ["string", "null"],
            "default": None,
            "description": "ZeRO preset (zero0 ... zero3_offload) or DeepSpeed JSON file; under "
            "--sequence_parallel_size the DeepSpeed engine runs the model. Unset: zero2.",
        },
        **option_properties(DISTRIBUTED),
    },
}


@hookimpl
def swift_register_strategies():
    return [
        StrategySpec(
            id="sequence_parallel",
            description="Ulysses sequence parallelism (DeepSpeed ALST through accelerate and the HF Trainer): "
            "each sequence split over --sequence_parallel_size processes, on top of a ZeRO stage.",
            tags=["sequence-parallel", "long-context", "zero"],
            requires=["deepspeed>=0.18.2", "accelerate>=1.12"],
            options=SEQUENCE_PARALLEL_OPTIONS,
            launcher="torchrun",
            selected_by=["sequence_parallel_size"],
            impl="swiftkit.plugins.parallel.sequence_parallel_strategy:SequenceParallelStrategy",
        )
    ]
