"""DeepSpeed ZeRO strategy: registration module (light: imports neither DeepSpeed nor torch).

``--deepspeed zero2`` (or any preset below, or the path of a DeepSpeed JSON file) selects it,
as in ms-swift. A preset becomes a complete DeepSpeed JSON generated from the run's settings
(:mod:`swiftkit.plugins.parallel.deepspeed.config`); a user's file is handed to the Trainer,
which fills its ``"auto"`` values. Behaviour: :mod:`swiftkit.plugins.parallel.deepspeed.strategy`.
"""

from __future__ import annotations

from swiftkit.core import StrategySpec, hookimpl
from swiftkit.core.options import DISTRIBUTED, option_properties

SWIFTKIT_PLUGIN_API = "1.5"

#: preset name -> (ZeRO stage, offload to CPU)
PRESETS: dict[str, tuple[int, bool]] = {
    "zero0": (0, False),
    "zero1": (1, False),
    "zero2": (2, False),
    "zero3": (3, False),
    "zero2_offload": (2, True),
    "zero3_offload": (3, True),
}
#: ms-swift's older spellings
PRESET_ALIASES = {"default-zero2": "zero2", "default-zero3": "zero3"}
#: what ``--strategy deepspeed`` without ``--deepspeed`` uses
DEFAULT_PRESET = "zero2"

_SHARDS = ("none", "optimizer", "gradients", "parameters")
#: the search order of ``swift recommend`` over several devices (the others only when asked for)
_ORDER = {"zero2": 20, "zero3": 30, "zero3_offload": 50}

#: what each preset does to memory (see :class:`swiftkit.core.specs.StrategySpec`)
MEMORY_PRESETS = {
    name: {
        "shards": _SHARDS[stage],
        "offload": offload,
        "memory_model": "zero",
        "select": {"deepspeed": name},
        **({"order": _ORDER[name]} if name in _ORDER else {}),
    }
    for name, (stage, offload) in PRESETS.items()
}

DEEPSPEED_OPTIONS = {
    "type": "object",
    "properties": {
        "deepspeed": {
            "type": ["string", "null"],
            "default": None,
            "description": "ZeRO preset or DeepSpeed JSON file. Presets: zero0 (DeepSpeed's data parallel), "
            "zero1 (optimizer states partitioned), zero2 (+ gradients), zero3 (+ parameters), zero2_offload / "
            "zero3_offload (optimizer states, and for zero3 parameters, kept in CPU memory). A preset becomes a "
            "generated config (run_dir/deepspeed_config.json) whose batch sizes, gradient clipping and "
            "bf16/fp16 follow the run's flags. A path is passed to the Trainer as is; its \"auto\" values "
            f"are filled from the run. Unset with --strategy deepspeed: {DEFAULT_PRESET}.",
        },
        "zero_hpz_partition_size": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "ZeRO++ hierarchical partitioning (ZeRO-3 presets only): keep a secondary copy of "
            "the parameters partitioned over groups of this many ranks (usually the GPUs of one machine), so "
            "that the forward/backward all-gathers stay inside a machine. 1: off.",
        },
        **option_properties(DISTRIBUTED),
    },
}


@hookimpl
def swift_register_strategies():
    return [
        StrategySpec(
            id="deepspeed",
            description="DeepSpeed ZeRO stages 0-3, optionally offloading to CPU, through the HF Trainer.",
            tags=["zero", "sharded", "offload"],
            requires=["deepspeed>=0.17"],
            options=DEEPSPEED_OPTIONS,
            # torchrun, like ms-swift: the same command on one machine or several (NNODES/NODE_RANK),
            # no hostfile or ssh; the Trainer starts DeepSpeed's comm from torchrun's variables.
            # --launcher deepspeed still works.
            launcher="torchrun",
            selected_by=["deepspeed"],
            presets=MEMORY_PRESETS,
            default_preset=DEFAULT_PRESET,
            impl="swiftkit.plugins.parallel.deepspeed.strategy:DeepSpeedStrategy",
        )
    ]
