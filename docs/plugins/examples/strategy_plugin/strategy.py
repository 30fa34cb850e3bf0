"""The ``ddp-bucketed`` strategy (behaviour; it needs no heavy import at all: the Trainer
wraps the model in DDP from the ``TrainingArguments`` fields this returns)."""

from __future__ import annotations

from typing import Any

from swiftkit.core.options import option_value
from swiftkit.core.parallel.env import ParallelEnv
from swiftkit.core.parallel.interface import Strategy


class BucketedDDPStrategy(Strategy):
    def check(self, env: ParallelEnv, run_config: dict[str, Any]) -> list[str]:
        problems = []
        if env.world_size < 2:
            problems.append("ddp-bucketed needs more than one process (--nproc_per_node 2 or more)")
        if env.devices.has_gpu and env.nproc_per_node > env.devices.count:
            problems.append(f"{env.nproc_per_node} processes per machine but {env.devices.count} GPU(s): one process per GPU")
        return problems

    def trainer_args(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        default_backend = "nccl" if env.devices.has_gpu else "gloo"  # --ddp_backend unset
        out: dict[str, Any] = {"ddp_backend": option_value(self.options, self.spec, "ddp_backend", default_backend)}
        if self.options.get("ddp_bucket_cap_mb") is not None:
            out["ddp_bucket_cap_mb"] = int(self.options["ddp_bucket_cap_mb"])
        return out
