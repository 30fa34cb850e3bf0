"""Helpers the built-in strategies share (light: only the standard library and swiftkit.core).

They answer the questions every strategy asks: which process-group backend, whether the run
uses bf16/fp16 (by the same rule as the core's ``TrainingArguments``), how many GPUs a machine
needs, and what the model's ``config.json`` says (hidden size, head counts) when the model is a
local folder — read as JSON, so that ``check()`` stays free of torch.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import ConfigError

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import ParallelEnv


def process_backend(options: dict[str, Any], env: ParallelEnv) -> str:
    """``ddp_backend`` as given, else gloo on CPU and nccl on CUDA GPUs."""
    backend = options.get("ddp_backend")
    if backend:
        return str(backend)
    return "nccl" if env.devices.kind == "cuda" and env.devices.has_gpu else "gloo"


def process_group_args(options: dict[str, Any], env: ParallelEnv) -> dict[str, Any]:
    """The ``TrainingArguments`` fields of the shared ``ddp_backend`` / ``ddp_timeout`` options.

    A single process gets no backend: given one, accelerate expects a process group to exist.
    """
    out: dict[str, Any] = {"ddp_backend": process_backend(options, env)} if env.world_size > 1 else {}
    if options.get("ddp_timeout") is not None:
        out["ddp_timeout"] = int(options["ddp_timeout"])
    return out


def device_problems(options: dict[str, Any], env: ParallelEnv) -> list[str]:
    """What the shared options and the machine's devices rule out, whatever the strategy."""
    problems = []
    backend = options.get("ddp_backend")
    if backend == "nccl" and not env.devices.has_gpu:
        problems.append("ddp_backend 'nccl' needs CUDA GPUs and none is visible; leave ddp_backend unset "
                        "(gloo on CPU) or set it to gloo")
    if env.devices.has_gpu and env.nproc_per_node > env.devices.count:
        problems.append(f"{env.nproc_per_node} processes per machine are asked for but only {env.devices.count} "
                        f"GPU(s) are visible: one process per GPU (lower --nproc_per_node)")
    return problems


def mixed_precision(run_config: dict[str, Any], env: ParallelEnv) -> tuple[bool, bool]:
    """``(bf16, fp16)``: half precision only on GPUs and only when ``torch_dtype`` asks for it.

    This is the core's rule for ``TrainingArguments(bf16=, fp16=)``; a DeepSpeed config must
    agree with it, or transformers refuses the mismatch.
    """
    dtype = run_config.get("torch_dtype") or "auto"
    gpu = env.devices.has_gpu
    return gpu and dtype == "bfloat16", gpu and dtype == "float16"


def load_json_file(path: str, what: str) -> dict[str, Any]:
    """A JSON object from ``path``; :class:`ConfigError` naming the file when it is missing,
    unreadable, not JSON, or not an object."""
    if not os.path.isfile(path):
        raise ConfigError(f"{what} file {path!r} does not exist")
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {path!r}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"{what} file {path!r} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{what} file {path!r} must hold a JSON object, not {type(data).__name__}")
    return data


def model_config(run_config: dict[str, Any]) -> dict[str, Any]:
    """The language model's ``config.json`` fields when the run names a local model folder
    (``text_config`` of a multimodal checkpoint merged over the top level); ``{}`` otherwise.

    Fields given in the run config itself (``hidden_size``, ``num_attention_heads``,
    ``num_key_value_heads``) win, so the core or a test can pass them without a folder.
    """
    out: dict[str, Any] = {}
    for key in ("model_dir", "model"):
        folder = run_config.get(key)
        if isinstance(folder, str) and os.path.isfile(os.path.join(folder, "config.json")):
            try:
                with open(os.path.join(folder, "config.json"), encoding="utf-8") as fh:
                    data = json.load(fh)
            except (OSError, ValueError):
                break
            if isinstance(data, dict):
                out = {**data, **(data.get("text_config") or {})}
            break
    for key in ("hidden_size", "num_attention_heads", "num_key_value_heads"):
        if run_config.get(key) is not None:
            out[key] = run_config[key]
    return out


def declare_cpu_group_multi_device(env: ParallelEnv) -> None:
    """On CPU, have accelerate treat the gloo process group as a multi-device one.

    accelerate enters its FSDP mode, and accepts a tensor-parallel ``ParallelismConfig``, only
    for accelerator process types; for ``MULTI_CPU`` it silently falls back to DDP (FSDP) or
    refuses (TP). ``fully_shard`` and DTensor work over gloo, so declaring the type before the
    Trainer builds accelerate is all that is missing. Call after ``TrainingArguments`` exist."""
    if env.devices.has_gpu or not env.distributed:
        return
    from accelerate.state import PartialState
    from accelerate.utils import DistributedType

    state = PartialState()
    if state.distributed_type == DistributedType.MULTI_CPU:
        state.distributed_type = DistributedType.MULTI_GPU
