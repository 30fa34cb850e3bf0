"""DDP strategy: registration module (light: imports nothing heavy).

Data parallelism through ``torch.nn.parallel.DistributedDataParallel`` as the HF Trainer sets
it up: every process holds the whole model and trains on its own share of each batch. The core
picks it when more than one process is asked for and no strategy is named, so it is selected
by no option of its own. Behaviour: :mod:`swiftkit.plugins.parallel.ddp.strategy`.
"""

from __future__ import annotations

from swiftkit.core import StrategySpec, hookimpl
from swiftkit.core.options import DISTRIBUTED, option_properties

SWIFTKIT_PLUGIN_API = "1.5"

DDP_OPTIONS = {
    "type": "object",
    "properties": {
        **option_properties(DISTRIBUTED),
        "ddp_find_unused_parameters": {
            "enum": [True, False, None],
            "default": None,
            "description": "DistributedDataParallel's find_unused_parameters: whether to look for parameters "
            "that got no gradient in a step (needed when some branch is skipped, costs a graph walk). "
            "Unset: the Trainer's choice (off with gradient checkpointing, on otherwise).",
        },
    },
}


@hookimpl
def swift_register_strategies():
    return [
        StrategySpec(
            id="ddp",
            description="Data parallel (DistributedDataParallel): a full model copy per process; gloo on CPU, nccl on GPUs.",
            tags=["data-parallel"],
            options=DDP_OPTIONS,
            launcher="torchrun",
            selected_by=[],
            # several processes without a named strategy run DDP: no key selects it
            presets={"ddp": {"shards": "none", "memory_model": "replicated", "select": {}, "order": 10}},
            default_preset="ddp",
            impl="swiftkit.plugins.parallel.ddp.strategy:DDPStrategy",
        )
    ]
