"""DDP: the process-group settings the HF Trainer needs; it wraps the model itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swiftkit.core.parallel.interface import Strategy
from swiftkit.plugins.parallel._common import device_problems, process_group_args

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import ParallelEnv


class DDPStrategy(Strategy):
    """``DistributedDataParallel`` through ``TrainingArguments(ddp_backend=, ddp_timeout=, ...)``."""

    def check(self, env: ParallelEnv, run_config: dict[str, Any]) -> list[str]:
        return device_problems(self.options, env)

    def trainer_args(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        out = process_group_args(self.options, env)
        if self.options.get("ddp_find_unused_parameters") is not None:
            out["ddp_find_unused_parameters"] = bool(self.options["ddp_find_unused_parameters"])
        return out
