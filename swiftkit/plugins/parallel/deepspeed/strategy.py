"""DeepSpeed ZeRO through the HF Trainer: a generated (or the user's) DeepSpeed JSON, the CPU
start-up patch, and ZeRO checkpoint consolidation. DeepSpeed is imported only by
:meth:`DeepSpeedStrategy.setup_process` and :meth:`DeepSpeedStrategy.consolidate_checkpoint`."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import json
import os
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.parallel.interface import Strategy
from swiftkit.plugins.parallel._common import (
    device_problems,
    load_json_file,
    mixed_precision,
    model_config,
    process_backend,
    process_group_args,
)
from swiftkit.plugins.parallel.deepspeed import DEFAULT_PRESET, PRESET_ALIASES, PRESETS
from swiftkit.plugins.parallel.deepspeed.config import build_config

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import ParallelEnv

#: the generated config's name inside the run folder
CONFIG_NAME = "deepspeed_config.json"
INSTALL_HINT = "pip install 'swiftkit[deepspeed]'"


def preset_name(value: str | None) -> str | None:
    """The preset ``value`` names (aliases resolved), or None when it is not a preset."""
    value = DEFAULT_PRESET if value is None else str(value).strip()
    value = PRESET_ALIASES.get(value.lower(), value.lower())
    return value if value in PRESETS else None


def _user_json_problems(data: dict[str, Any], path: str, run_config: dict[str, Any], env: ParallelEnv) -> list[str]:
    """Explicit values in a user's file that contradict the run (transformers would refuse them later)."""
    bf16, fp16 = mixed_precision(run_config, env)
    expected = {
        "train_micro_batch_size_per_gpu": int(run_config.get("per_device_train_batch_size") or 1),
        "gradient_accumulation_steps": int(run_config.get("gradient_accumulation_steps") or 1),
        "bf16.enabled": bf16,
        "fp16.enabled": fp16,
    }
    problems = []
    for key, want in expected.items():
        head, _, tail = key.partition(".")
        value = data.get(head)
        if tail:
            value = value.get(tail) if isinstance(value, dict) else None
        if value is None or value == "auto":
            continue
        if value != want:
            problems.append(f"deepspeed config {path!r} sets {key} = {json.dumps(value)} but the run has "
                            f"{json.dumps(want)}; set it to \"auto\" or change the run's flag "
                            "(--per_device_train_batch_size, --gradient_accumulation_steps, --torch_dtype; "
                            "bf16/fp16 are used only on GPUs)")
    return problems


class DeepSpeedStrategy(Strategy):
    """ZeRO-0/1/2/3 (+ CPU offload) via ``TrainingArguments(deepspeed=<json>)``."""

    # ------------------------------------------------------------------ launch side
    def check(self, env: ParallelEnv, run_config: dict[str, Any]) -> list[str]:
        problems = []
        if importlib.util.find_spec("deepspeed") is None:
            problems.append(f"DeepSpeed is not installed: {INSTALL_HINT}")
        value = self.options.get("deepspeed")
        preset = preset_name(value)
        stage = None
        if preset is not None:
            stage = PRESETS[preset][0]
        elif self._looks_like_path(value):
            try:
                data = load_json_file(str(value), "deepspeed config")
            except ConfigError as exc:
                problems.append(str(exc))
            else:
                stage = (data.get("zero_optimization") or {}).get("stage", 0)
                problems += _user_json_problems(data, str(value), run_config, env)
        else:
            names = [*PRESETS, *PRESET_ALIASES]
            near = difflib.get_close_matches(str(value).lower(), names, n=1, cutoff=0.5)
            problems.append(f"deepspeed {value!r} is neither a preset ({', '.join(PRESETS)}) nor an existing JSON "
                            f"file" + (f"; did you mean {near[0]!r}?" if near else ""))
        hpz = int(self.options.get("zero_hpz_partition_size") or 1)
        if hpz > 1:
            if preset is None:
                problems.append("zero_hpz_partition_size applies to the ZeRO-3 presets; in your own DeepSpeed "
                                "JSON set zero_optimization.zero_hpz_partition_size instead")
            elif stage != 3:
                problems.append(f"zero_hpz_partition_size needs ZeRO-3 (zero3 or zero3_offload), not {preset}")
            elif env.world_size % hpz:
                problems.append(f"zero_hpz_partition_size {hpz} does not divide the world size {env.world_size}")
        return problems + device_problems(self.options, env)

    def memory_preset(self, run_config: dict[str, Any]) -> str | None:
        """The preset a ``--deepspeed`` value amounts to: an alias's preset, or a JSON file's
        ZeRO stage and optimizer offload; None (the default preset) when the file cannot be read."""
        value = run_config.get("deepspeed")
        preset = preset_name(value)
        if preset is not None or value is None:
            return preset
        try:
            with open(str(value), encoding="utf-8") as fh:
                zero = json.load(fh).get("zero_optimization") or {}
            stage = min(max(int(zero.get("stage", 0) or 0), 0), 3)
        except (OSError, ValueError, AttributeError, TypeError):
            return None
        offload = str((zero.get("offload_optimizer") or {}).get("device", "none")).lower() == "cpu"
        name = f"zero{stage}" + ("_offload" if offload and stage >= 2 else "")
        return name if name in PRESETS else None

    @staticmethod
    def _looks_like_path(value: Any) -> bool:
        text = str(value)
        return text.endswith(".json") or os.sep in text or os.path.exists(text)

    # ------------------------------------------------------------------ worker side
    def setup_process(self, env: ParallelEnv) -> None:
        if env.devices.has_gpu:
            return
        # On CPU DeepSpeed's comm layer JIT-compiles its shared-memory op (~2 minutes of g++)
        # when it starts; without the op it uses plain torch.distributed (gloo). The module must
        # be looked up with import_module: ``import deepspeed.comm.torch as m`` binds m to the
        # real ``torch`` (an attribute of deepspeed.comm shadows the submodule), and the patch
        # would silently do nothing.
        importlib.import_module("deepspeed.comm.torch").build_shm_op = lambda: None
        if not env.launched():
            return
        # On GPUs accelerate starts DeepSpeed's comm layer when TrainingArguments are built; on CPU
        # it starts plain torch.distributed only. ZeRO-3 then reads the world size for its
        # zero.Init config before DeepSpeed's comm is up, takes it as 1, and refuses the (right)
        # train_batch_size. Starting DeepSpeed's comm here, on gloo, gives it the real world.
        from datetime import timedelta

        import deepspeed

        timeout = int(self.options.get("ddp_timeout") or 1800)
        deepspeed.init_distributed(dist_backend=process_backend(self.options, env), auto_mpi_discovery=False,
                                   timeout=timedelta(seconds=timeout), verbose=False)

    def deepspeed_config(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        """The generated config of the chosen preset for this run (no ``"auto"`` left)."""
        preset = preset_name(self.options.get("deepspeed"))
        if preset is None:
            raise ConfigError(f"deepspeed {self.options.get('deepspeed')!r} is not a preset ({', '.join(PRESETS)})")
        stage, offload = PRESETS[preset]
        bf16, fp16 = mixed_precision(run_config, env)
        max_grad_norm = run_config.get("max_grad_norm")
        return build_config(
            stage,
            offload,
            micro_batch_size=int(run_config.get("per_device_train_batch_size") or 1),
            gradient_accumulation_steps=int(run_config.get("gradient_accumulation_steps") or 1),
            world_size=int(run_config.get("world_size") or env.world_size),
            max_grad_norm=float(1.0 if max_grad_norm is None else max_grad_norm),
            bf16=bf16,
            fp16=fp16,
            gpu=env.devices.has_gpu,
            hidden_size=model_config(run_config).get("hidden_size"),
            hpz_partition_size=int(self.options.get("zero_hpz_partition_size") or 1),
        )

    def trainer_args(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        value = self.options.get("deepspeed")
        out = process_group_args(self.options, env)
        if preset_name(value) is None:  # the user's file: the Trainer fills its "auto" values
            path = os.path.abspath(str(value))
            load_json_file(path, "deepspeed config")  # fail here, naming the file, not inside DeepSpeed
            return {**out, "deepspeed": path}
        config = self.deepspeed_config(env, run_config)
        run_dir = run_config.get("run_dir")
        if not run_dir:
            raise ConfigError("the deepspeed strategy needs run_config['run_dir'] to write its config into")
        os.makedirs(run_dir, exist_ok=True)
        path = os.path.join(run_dir, CONFIG_NAME)
        # every rank writes the same bytes; a rank-private temporary file + rename means a reader
        # never sees a half-written file
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(config, fh, indent=2)
        os.replace(tmp, path)
        bf16, fp16 = mixed_precision(run_config, env)
        return {**out, "deepspeed": path, "bf16": bf16, "fp16": fp16}

    # ------------------------------------------------------------------ after training
    def consolidate_checkpoint(self, checkpoint_dir: str) -> dict[str, Any] | None:
        """fp32 weights gathered from ZeRO shards (``latest`` + ``global_step*/``), or None."""
        if not os.path.isfile(os.path.join(checkpoint_dir, "latest")):
            return None
        if not any(n.startswith("global_step") and os.path.isdir(os.path.join(checkpoint_dir, n))
                   for n in os.listdir(checkpoint_dir)):
            return None
        if importlib.util.find_spec("deepspeed") is None:
            raise ConfigError(f"{checkpoint_dir} holds DeepSpeed ZeRO shards; gathering them needs DeepSpeed: {INSTALL_HINT}")
        from deepspeed.utils.zero_to_fp32 import get_fp32_state_dict_from_zero_checkpoint

        return dict(get_fp32_state_dict_from_zero_checkpoint(checkpoint_dir))
