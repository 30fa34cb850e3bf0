"""Strategy plugin: ``ddp-bucketed``, data parallelism with a chosen gradient bucket size.

Registration module: imports nothing but ``swiftkit.core``. ``--strategy ddp-bucketed`` names
it; giving its own flag ``--ddp_bucket_cap_mb 100`` selects it too (``selected_by``).
"""

from __future__ import annotations

from swiftkit.core import StrategySpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.1"


@hookimpl
def swift_register_strategies() -> list[StrategySpec]:
    return [
        StrategySpec(
            id="ddp-bucketed",
            description="DistributedDataParallel with --ddp_bucket_cap_mb gradient buckets (fewer, larger all-reduces).",
            tags=["data-parallel"],
            # ddp_backend is shared with the built-in strategies (swiftkit.core.options.DISTRIBUTED):
            # taken from there, it is the same flag whichever strategy runs
            options=option_schema(
                "ddp_backend",
                own={
                    "ddp_bucket_cap_mb": {
                        "type": ["integer", "null"],
                        "minimum": 1,
                        "default": None,
                        "description": "Size of DDP's gradient buckets in MiB (unset: torch's 25).",
                    },
                },
            ),
            launcher="torchrun",
            selected_by=["ddp_bucket_cap_mb"],
            impl="strategy_plugin.strategy:BucketedDDPStrategy",
        )
    ]
