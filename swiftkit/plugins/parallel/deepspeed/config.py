"""Generate a complete DeepSpeed JSON config for a ZeRO preset (pure Python: no DeepSpeed import).

Every value transformers would fill from an ``"auto"`` is written out, so the file records what
the run used and can be read on its own. The rules:

* batch: ``train_micro_batch_size_per_gpu`` = per_device_train_batch_size,
  ``train_batch_size`` = micro x gradient_accumulation_steps x world size (DeepSpeed checks it);
* ``gradient_clipping`` = max_grad_norm;
* bf16/fp16 as the run's ``TrainingArguments`` have them (only on GPUs, never on CPU);
* bucket sizes from the model's hidden size the way transformers fills its ``auto`` values,
  else DeepSpeed's own defaults;
* no ``optimizer``/``scheduler`` section: the Trainer builds them from ``--optim``,
  ``--learning_rate`` and ``--lr_scheduler_type``. With offload, DeepSpeed would insist on its
  C++ ``DeepSpeedCPUAdam`` for that client optimizer (a ~2 minute JIT build on first use);
  ``zero_force_ds_cpu_optimizer: false`` lets torch's AdamW run on the offloaded CPU states.
"""

from __future__ import annotations

from typing import Any

#: DeepSpeed's defaults, used when the model's hidden size is unknown
_DEFAULT_BUCKET = 500_000_000
_DEFAULT_PREFETCH = 50_000_000
_DEFAULT_PERSISTENCE = 100_000


def zero_optimization(
    stage: int, offload: bool, *, gpu: bool, hidden_size: int | None = None, hpz_partition_size: int = 1
) -> dict[str, Any]:
    """The ``zero_optimization`` section of one preset."""
    if stage == 0:
        return {"stage": 0}
    bucket = hidden_size * hidden_size if hidden_size else _DEFAULT_BUCKET
    out: dict[str, Any] = {"stage": stage, "overlap_comm": True, "contiguous_gradients": True, "reduce_bucket_size": bucket}
    if stage in (1, 2):
        out.update(allgather_partitions=True, allgather_bucket_size=bucket, reduce_scatter=True)
    else:
        out.update(
            sub_group_size=1_000_000_000,
            stage3_prefetch_bucket_size=int(0.9 * hidden_size * hidden_size) if hidden_size else _DEFAULT_PREFETCH,
            stage3_param_persistence_threshold=10 * hidden_size if hidden_size else _DEFAULT_PERSISTENCE,
            stage3_max_live_parameters=1_000_000_000,
            stage3_max_reuse_distance=1_000_000_000,
            # checkpoints then carry the full 16-bit weights (model.safetensors), not only ZeRO shards
            stage3_gather_16bit_weights_on_model_save=True,
        )
        if hpz_partition_size > 1:
            out["zero_hpz_partition_size"] = hpz_partition_size
    if offload:
        # pinned memory needs a CUDA driver; on CPU there is nothing to pin for
        out["offload_optimizer"] = {"device": "cpu", "pin_memory": gpu}
        if stage == 3:
            out["offload_param"] = {"device": "cpu", "pin_memory": gpu}
    return out


def build_config(
    stage: int,
    offload: bool,
    *,
    micro_batch_size: int,
    gradient_accumulation_steps: int,
    world_size: int,
    max_grad_norm: float,
    bf16: bool,
    fp16: bool,
    gpu: bool,
    hidden_size: int | None = None,
    hpz_partition_size: int = 1,
) -> dict[str, Any]:
    """The whole DeepSpeed config of one preset, with no ``"auto"`` left."""
    config: dict[str, Any] = {
        "train_micro_batch_size_per_gpu": micro_batch_size,
        "gradient_accumulation_steps": gradient_accumulation_steps,
        "train_batch_size": micro_batch_size * gradient_accumulation_steps * world_size,
        "gradient_clipping": max_grad_norm,
        "bf16": {"enabled": bf16},
        "fp16": {"enabled": fp16},
        "zero_optimization": zero_optimization(
            stage, offload, gpu=gpu, hidden_size=hidden_size, hpz_partition_size=hpz_partition_size
        ),
        "zero_allow_untested_optimizer": True,
        "steps_per_print": 2_000_000_000,  # the Trainer logs; DeepSpeed's own step lines would repeat it
        "wall_clock_breakdown": False,
    }
    if fp16:  # dynamic loss scaling, DeepSpeed's recommended settings
        config["fp16"].update(loss_scale=0, loss_scale_window=1000, initial_scale_power=16, hysteresis=2, min_loss_scale=1)
    if offload:
        config["zero_force_ds_cpu_optimizer"] = False
    return config


def auto_values(config: Any, path: str = "") -> list[str]:
    """Dotted paths of every ``"auto"`` value left in ``config``."""
    if isinstance(config, dict):
        return [p for k, v in config.items() for p in auto_values(v, f"{path}.{k}" if path else str(k))]
    if isinstance(config, list):
        return [p for i, v in enumerate(config) for p in auto_values(v, f"{path}[{i}]")]
    return [path] if config == "auto" else []
