"""What a strategy's ``impl`` reference must implement.

A strategy turns a run into (a) how it is launched and (b) what each launched process does
differently: extra ``TrainingArguments`` fields, per-process set-up before the model loads,
extra ``from_pretrained`` arguments. The launching itself is the core's
(:mod:`swiftkit.parallel.launch`); a strategy only says which launcher it needs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import ParallelEnv
    from swiftkit.core.specs import StrategySpec


class Strategy(ABC):
    """One way of spreading a training run over processes and devices.

    ``options`` are the run-config keys of the strategy's option schema (validated before
    the strategy is built).
    """

    def __init__(self, spec: StrategySpec, options: dict[str, Any] | None = None):
        self.spec = spec
        self.options = dict(options or {})

    def check(self, env: ParallelEnv, run_config: dict[str, Any]) -> list[str]:
        """Reasons this strategy cannot run as asked (no GPU where one is needed, a library
        missing, a size that does not divide the world ...); empty if it can.

        Called in the launching process before anything starts, so a GPU-only feature fails
        here with a message, not inside a worker. Must not import torch.
        """
        return []

    def launcher(self, env: ParallelEnv) -> str:
        """``"torchrun"`` or ``"deepspeed"``: which launcher starts the processes.

        Called in the launching process after :meth:`check` passed, when the run needs more
        than one process. The default is the spec's ``launcher`` (``torchrun`` when it says
        ``none``). Must not start anything: the core launches."""
        return self.spec.launcher if self.spec.launcher != "none" else "torchrun"

    def setup_process(self, env: ParallelEnv) -> None:
        """Called in every worker before the model is loaded (patches, environment variables
        a library reads at import). Returns nothing; the default does nothing. Must not load
        the model nor start the process group (``TrainingArguments`` does)."""
        return None

    def model_load_kwargs(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        """Extra keyword arguments for the family's model loader (``tp_plan=`` ...), merged
        over the tuner's :meth:`~swiftkit.core.methods.interface.Tuner.load_kwargs`.

        Called in every worker once, just before the model loads. The default adds nothing.
        Must not load anything itself."""
        return {}

    @abstractmethod
    def trainer_args(self, env: ParallelEnv, run_config: dict[str, Any]) -> dict[str, Any]:
        """Extra ``transformers.TrainingArguments`` fields (``deepspeed=``, ``fsdp=``,
        ``fsdp_config=``, ``ddp_backend=`` ...). ``run_config`` is the validated run
        configuration, including ``run_dir`` (where generated files may be written).

        Called in every worker before the model loads (ZeRO-3 must be known by then). The
        returned fields replace the core's, so return only what the strategy owns (DeepSpeed's
        ``bf16``/``fp16`` follow its JSON); never batch sizes, learning rate or ``output_dir``."""

    def before_trainer(self, env: ParallelEnv, training_args: Any) -> None:
        """Called in every worker once ``TrainingArguments`` exist (the process group is up)
        and before the Trainer, and so accelerate, is built. May adjust ``training_args`` in
        place; returns nothing; the default does nothing. Must not wrap the model (accelerate
        does, from the fields :meth:`trainer_args` returned)."""
        return None

    def memory_preset(self, run_config: dict[str, Any]) -> str | None:
        """The name of the spec's ``presets`` entry this run amounts to, for the memory
        estimate (``--auto``), when its options match no preset's ``select`` exactly (a
        DeepSpeed JSON file of ZeRO stage 3 with CPU offload: ``zero3_offload``); None for the
        spec's ``default_preset``. Called in the launching process with the options the user
        gave; must not import torch."""
        return None

    def consolidate_checkpoint(self, checkpoint_dir: str) -> dict[str, Any] | None:
        """A full state dict for a checkpoint this strategy wrote in a sharded form, or None
        when the checkpoint is not one of its kind (the default).

        Called by ``swift export --model CHECKPOINT`` (in one process, no process group) on
        every installed strategy, built with no options, until one answers. Must not write into
        ``checkpoint_dir``."""
        return None
