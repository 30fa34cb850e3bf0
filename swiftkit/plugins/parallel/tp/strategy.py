"""Tensor parallelism through transformers' own distributed loading.

``from_pretrained(..., distributed_config=DistributedConfig(tp_size=N, fsdp_size=W/N))`` builds
a ``(pp, fsdp, tp)`` device mesh, shards the model along its ``base_model_tp_plan`` and applies
FSDP2 over the remaining data-parallel dimension; the Trainer then leaves the model's placement
and gradient reduction to it and feeds every rank of one TP group the same batch.

On CPU (gloo), accelerate would refuse the Trainer's ``ParallelismConfig(tp_size=N)`` because it
accepts one only for accelerator process types (``ValueError: ParallelismConfig is only
compatible DistributedType.FSDP (version 2) or DistributedType.Multi{Device} or
DistributedType.DEEPSPEED, but got DistributedType.MULTI_CPU``); :meth:`before_trainer`
declares the gloo group a multi-device one, as the fsdp strategy does, and the sharded model
then trains on CPU like on GPUs (the distributed tests compare its loss curve with one process).

Two more limits of transformers' sharded-at-load models, also checked in :meth:`check`: the
optimizer state is not checkpointed (``save_only_model`` is required, so a run cannot resume),
and a PEFT adapter is saved by rank 0 alone although gathering DTensor weights is collective
(seen on CPU with FSDP-at-load: ``gloo ... Received data size doesn't match expected size``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swiftkit.core.parallel.interface import Strategy
from swiftkit.plugins.parallel._common import (
    declare_cpu_group_multi_device,
    device_problems,
    model_config,
    process_group_args,
)

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import ParallelEnv

class TensorParallelStrategy(Strategy):
    """``tp_size`` ranks per layer, ``world_size / tp_size`` FSDP2 replicas of that group."""

    @property
    def tp_size(self) -> int:
        return int(self.options.get("tp_size") or 1)

    def check(self, env: ParallelEnv, run_config: dict[str, Any]) -> list[str]:
        tp = self.tp_size
        problems = []
        if tp == 1:
            problems.append("tp_size is 1: there is nothing to split; give --tp_size N (N > 1) or use --strategy ddp")
        if env.world_size % tp:
            problems.append(f"tp_size {tp} does not divide the world size {env.world_size} "
                            f"(nproc_per_node {env.nproc_per_node} x nnodes {env.nnodes})")
        model = model_config(run_config)
        for key in ("num_attention_heads", "num_key_value_heads"):
            value = model.get(key)
            if isinstance(value, int) and value % tp:
                problems.append(f"tp_size {tp} does not divide the model's {key} ({value}): each rank must hold "
                                "whole heads")
        if run_config.get("resume_from_checkpoint"):
            problems.append("a tensor-parallel run cannot resume: transformers does not checkpoint the optimizer "
                            "state of a model sharded at load time")
        tuner = run_config.get("train_type") or "lora"
        if tuner != "full" and (run_config.get("save_strategy") or "steps") != "no":
            problems.append(f"--train_type {tuner} with tensor parallelism: transformers saves an adapter on rank 0 "
                            "alone while gathering the sharded weights needs every rank (the save hangs); use "
                            "--train_type full, or --save_strategy no")
        return problems + device_problems(self.options, env)

    def model_load_kwargs(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        tp = self.tp_size
        try:
            from transformers.distributed import DistributedConfig
        except ImportError:  # transformers before DistributedConfig took the plan directly
            return {"tp_plan": "auto", "tp_size": tp}
        # the mesh must cover the world: what TP does not use becomes FSDP2 data parallelism
        return {"distributed_config": DistributedConfig(tp_size=tp, fsdp_size=max(env.world_size // tp, 1))}

    def before_trainer(self, env: ParallelEnv, training_args: Any) -> None:
        """On CPU, let accelerate take the tensor-parallel model (see the module docstring)."""
        declare_cpu_group_multi_device(env)

    def trainer_args(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        # transformers refuses to checkpoint the optimizer of a model sharded at load time
        return {**process_group_args(self.options, env), "save_only_model": True}
