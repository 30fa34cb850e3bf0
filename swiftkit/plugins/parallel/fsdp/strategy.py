"""FSDP2 through the HF Trainer (accelerate applies ``fully_shard`` per decoder layer).

transformers 5 takes ``fsdp=True`` plus an ``fsdp_config`` dict; its old token string
(``"full_shard auto_wrap offload"``) is deprecated there, so the tokens users write are
translated into ``fsdp_config`` keys here:

* ``full_shard`` -> ``reshard_after_forward: true``; ``shard_grad_op`` -> ``false``;
* ``hybrid_shard[_zero2]`` -> the same, on a 2-D device mesh (replicate across machines, shard
  inside each) given to accelerate as ``ParallelismConfig(dp_replicate_size, dp_shard_size)``
  — FSDP2 has no ``sharding_strategy`` any more;
* ``offload`` -> ``cpu_offload: true``; ``auto_wrap`` -> nothing (transformers always wraps).

Only FSDP version 2 is generated: version 1 is deprecated in transformers 5 and cannot start on
CPU-only machines. On CPU, accelerate would not enter its FSDP mode at all (it allows FSDP only
for accelerator process types, and the Trainer would silently train with plain DDP); the
process type is therefore declared a multi-device one before the Trainer builds accelerate
(:meth:`FSDPStrategy.before_trainer`), after which ``fully_shard`` runs over gloo like on GPUs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.parallel.interface import Strategy
from swiftkit.plugins.parallel._common import (
    declare_cpu_group_multi_device,
    device_problems,
    load_json_file,
    process_group_args,
)
from swiftkit.plugins.parallel.fsdp import MODIFIERS, SHARDING

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import ParallelEnv



def parse_tokens(value: Any) -> tuple[str, set[str]]:
    """``(sharding, modifiers)`` of an ``fsdp`` value; :class:`ConfigError` for an unknown token."""
    if value is None or value is True or value == "":
        return "full_shard", set()
    if value is False:
        raise ConfigError("fsdp is false: leave --fsdp out, or name another strategy")
    tokens = value.split() if isinstance(value, str) else [str(t) for t in value]
    tokens = [t.lower() for t in tokens if t]
    unknown = [t for t in tokens if t not in SHARDING and t not in MODIFIERS]
    if unknown:
        hint = " (use --strategy ddp for unsharded data parallel)" if "no_shard" in unknown else ""
        raise ConfigError(f"fsdp: unknown token(s) {', '.join(map(repr, unknown))}; allowed: "
                          f"{', '.join(SHARDING + MODIFIERS)}{hint}")
    shardings = [t for t in tokens if t in SHARDING]
    if len(set(shardings)) > 1:
        raise ConfigError(f"fsdp: choose one sharding strategy, not {' and '.join(shardings)}")
    return (shardings[0] if shardings else "full_shard"), {t for t in tokens if t in MODIFIERS}


def user_fsdp_config(value: Any) -> dict[str, Any]:
    """The user's ``fsdp_config`` (a dict or a JSON file), with transformers' ``fsdp_`` key
    prefixes dropped as transformers drops them."""
    if value is None:
        return {}
    data = load_json_file(str(value), "fsdp_config") if isinstance(value, str) else dict(value)
    return {(k[5:] if k.startswith("fsdp_") else k): v for k, v in data.items()}


class FSDPStrategy(Strategy):
    """``TrainingArguments(fsdp=True, fsdp_config={"version": 2, ...})``."""

    def _plan(self, run_config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """``(sharding, fsdp_config)`` for this run."""
        sharding, modifiers = parse_tokens(self.options.get("fsdp"))
        layer = run_config.get("decoder_layer_cls")
        config: dict[str, Any] = {
            "version": 2,
            "reshard_after_forward": sharding in ("full_shard", "hybrid_shard"),
            "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "activation_checkpointing": bool(self.options.get("fsdp_activation_checkpointing")),
            "cpu_offload": "offload" in modifiers,
            # one consolidated model.safetensors per checkpoint, loadable like any other
            "state_dict_type": "FULL_STATE_DICT",
        }
        if layer:
            config["transformer_layer_cls_to_wrap"] = [layer]
        # without a layer class, accelerate wraps the model's own ``_no_split_modules`` (every
        # transformers model declares its decoder layer there)
        config.update(user_fsdp_config(self.options.get("fsdp_config")))
        return sharding, config

    def check(self, env: ParallelEnv, run_config: dict[str, Any]) -> list[str]:
        problems = []
        try:
            sharding, config = self._plan(run_config)
        except ConfigError as exc:
            return [str(exc), *device_problems(self.options, env)]
        if int(config.get("version", 2)) != 2:
            problems.append(f"fsdp_config version {config['version']}: only FSDP2 (version 2) is supported "
                            "(FSDP1 is deprecated in transformers 5 and does not start on CPU-only machines)")
        if sharding.startswith("hybrid_shard"):
            if env.nnodes < 2:
                problems.append(f"fsdp {sharding} replicates across machines and shards inside each: it needs "
                                "--nnodes > 1 (on one machine use full_shard or shard_grad_op)")
            if env.nproc_per_node < 2:
                problems.append(f"fsdp {sharding} shards over the processes of one machine: it needs "
                                "--nproc_per_node > 1")
        if config.get("activation_checkpointing") and run_config.get("gradient_checkpointing"):
            problems.append("choose one of fsdp_activation_checkpointing (FSDP's own; preferred) and "
                            "--gradient_checkpointing: together every layer is recomputed twice")
        # A model plugin without ``decoder_layer_cls`` is not a failure: accelerate then wraps the
        # classes the model lists in ``_no_split_modules`` (every transformers model has them).
        return problems + device_problems(self.options, env)

    def before_trainer(self, env: ParallelEnv, training_args: Any) -> None:
        """On CPU, let accelerate enter its FSDP mode (see the module docstring)."""
        declare_cpu_group_multi_device(env)

    def trainer_args(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        sharding, config = self._plan(run_config)
        out: dict[str, Any] = {**process_group_args(self.options, env), "fsdp": True, "fsdp_config": config}
        if sharding.startswith("hybrid_shard"):
            from accelerate import ParallelismConfig

            out["parallelism_config"] = ParallelismConfig(
                dp_replicate_size=env.nnodes, dp_shard_size=env.nproc_per_node
            )
        return out

    def consolidate_checkpoint(self, checkpoint_dir: str) -> dict[str, Any] | None:
        """The full state dict of a checkpoint saved with ``state_dict_type: SHARDED_STATE_DICT``
        (a ``pytorch_model_fsdp_0/`` torch.distributed.checkpoint folder), or None."""
        shards = sorted(n for n in os.listdir(checkpoint_dir)
                        if n.startswith("pytorch_model_fsdp") and os.path.isfile(os.path.join(checkpoint_dir, n, ".metadata")))
        if not shards:
            return None
        import tempfile

        import torch
        from torch.distributed.checkpoint.format_utils import dcp_to_torch_save

        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "full.pt")
            dcp_to_torch_save(os.path.join(checkpoint_dir, shards[0]), out)
            state = torch.load(out, map_location="cpu", weights_only=True)
        # accelerate saves {"model": state_dict}
        if isinstance(state, dict) and len(state) == 1 and isinstance(next(iter(state.values())), dict):
            state = next(iter(state.values()))
        return dict(state)
