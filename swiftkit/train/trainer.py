"""``transformers.Trainer`` glue: the objective computes the loss, the tuner may bring its own
optimizer and writes (and, on resume, reads back) what it trained, metrics are logged next to
the loss, and checkpoints are written atomically."""

from __future__ import annotations

import os
import shutil
from typing import Any

from transformers import Trainer

from swiftkit.train.sequence_parallel import SequenceShardCollator, sequence_parallel_size

#: checkpoints are written here first and renamed into place when complete; the name does not
#: match transformers' ``checkpoint-N`` pattern, so a half-written one is never resumed from
STAGING_PREFIX = ".staging-"


def clean_staging(run_dir: str) -> list[str]:
    """Remove checkpoint folders a killed run left half-written; return what was removed."""
    removed = []
    if os.path.isdir(run_dir):
        for name in os.listdir(run_dir):
            if name.startswith(STAGING_PREFIX):
                shutil.rmtree(os.path.join(run_dir, name), ignore_errors=True)
                removed.append(name)
    return removed


def _step(name: str) -> int:
    tail = name.rpartition("-")[2]
    return int(tail) if tail.isdigit() else -1


def checkpoint_write_failure(exc: BaseException) -> str | None:
    """Why a checkpoint could not be written, when that is the disk's or the folder's fault
    (``None`` for any other error). torch's zip writer reports a full disk as a
    ``RuntimeError`` (``unexpected pos ...`` / ``file write failed``) and safetensors as a
    ``SafetensorError`` (``StorageFull`` / ``os error 28``), not as an ``OSError``."""
    import errno

    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "the disk is full"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"the run folder is not writable ({exc.strerror})"
        return None
    text = str(exc)
    if any(sign in text for sign in ("unexpected pos", "file write failed", "No space left", "StorageFull", "os error 28")):
        return "the disk is full"
    return None


def _pad_token_id(tokenizer: Any) -> int:
    """The tokenizer's pad id (its eos id when it has none), as the run's collator pads."""
    for name in ("pad_token_id", "eos_token_id"):
        value = getattr(tokenizer, name, None)
        if value is not None:
            return int(value)
    return 0


class SwiftTrainer(Trainer):
    """A Trainer whose loss comes from an :class:`~swiftkit.core.methods.interface.Objective`."""

    def __init__(self, *args: Any, objective: Any, tuner: Any = None, model_parts: Any = None,
                 part_lrs: dict[str, float] | None = None, **kwargs: Any):
        self.objective = objective
        self.tuner = tuner
        # a multimodal model's parts and their own learning rates (--vit_lr / --aligner_lr)
        self.model_parts = model_parts
        self.part_lrs = dict(part_lrs or {})
        self._metric_sums: dict[str, Any] = {}
        self._metric_counts: dict[str, int] = {}  # per name: a metric may be absent from some steps
        super().__init__(*args, **kwargs)
        # transformers skips dividing by the accumulation steps for models that take loss
        # kwargs; whether that is right depends on how the objective reduces its loss
        self.model_accepts_loss_kwargs = bool(objective.token_normalized_loss)
        self.sequence_parallel_size = sequence_parallel_size(self.args)
        if self.sequence_parallel_size > 1:
            # each rank sees a shard of every sequence: the Trainer's sharded loss (a per-shard mean
            # weighted by label tokens), and batches the sharding data loader accepts
            self.model_accepts_loss_kwargs = False
            self.data_collator = SequenceShardCollator(self.data_collator, self.sequence_parallel_size,
                                                       _pad_token_id(self.processing_class))

    # ------------------------------------------------------------------ loss and metrics

    def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None) -> Any:
        if self.sequence_parallel_size > 1 and model.training:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        result = self.objective.compute_loss(model, inputs, num_items_in_batch=num_items_in_batch)
        loss, metrics = result if isinstance(result, tuple) else (result, {})
        if self.model_accepts_loss_kwargs and num_items_in_batch is not None and self.args.average_tokens_across_devices:
            # the token count covers every process and DDP averages gradients over them: the
            # sum of per-process losses, not their mean, is the global per-token loss
            # (ranks of one tensor-parallel group see the same batch: they count once)
            tp_size = self.get_tp_size() if hasattr(self, "get_tp_size") else 1
            loss = loss * max(1, self.accelerator.num_processes // max(1, tp_size))
        if model.training:
            for name, value in metrics.items():  # tensors stay on device until logged
                value = value.detach() if hasattr(value, "detach") else value
                self._metric_sums[name] = self._metric_sums.get(name, 0.0) + value
                self._metric_counts[name] = self._metric_counts.get(name, 0) + 1
        if return_outputs:  # evaluation asks for outputs; objectives report metrics instead
            return loss, {"loss": loss}
        return loss

    def prediction_step(self, model: Any, inputs: dict[str, Any], prediction_loss_only: bool, ignore_keys: Any = None) -> Any:
        """Evaluation asks the objective for the loss too: preference, KTO and prompt batches
        have no ``labels`` for the model's own forward."""
        import torch

        inputs = self._prepare_inputs(inputs)
        with torch.no_grad(), self.compute_loss_context_manager():
            loss = self.compute_loss(model, inputs)
        return loss.detach().mean(), None, None

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        if "loss" in logs and self._metric_sums:
            for name, total in self._metric_sums.items():
                logs[name] = round(float(total) / self._metric_counts[name], 6)
            self._metric_sums, self._metric_counts = {}, {}
        super().log(logs, start_time)

    def _get_train_sampler(self, train_dataset: Any = None) -> Any:
        sampler = super()._get_train_sampler(train_dataset)
        repeats = int(self.objective.batch_repeats or 1)
        if sampler is None or repeats <= 1:
            return sampler
        from swiftkit.train.samplers import RepeatBlocks

        args = self.args
        block = args.per_device_train_batch_size * args.gradient_accumulation_steps * max(1, args.world_size)
        return RepeatBlocks(sampler, block, repeats)

    def create_optimizer(self, model: Any = None) -> Any:
        if self.optimizer is None and self.tuner is not None:
            custom = self.tuner.create_optimizer(self.model, self.args)
            if custom is not None:
                self.optimizer = custom
                return self._split_part_lrs(custom)
        return self._split_part_lrs(super().create_optimizer(model))

    def _split_part_lrs(self, optimizer: Any) -> Any:
        """Each part given its own learning rate gets its own parameter groups (before the
        scheduler, which then scales every group's rate alike)."""
        if not self.part_lrs or not self.model_parts or optimizer is None:
            return optimizer
        from swiftkit.train.multimodal import split_param_groups

        inner = getattr(optimizer, "optimizer", optimizer)  # accelerate's wrapper keeps the torch optimizer
        split_param_groups(inner, self.model, self.model_parts, self.part_lrs)
        return optimizer

    # ------------------------------------------------------------------ the tuner's checkpoints

    def _save(self, output_dir: str | None = None, state_dict: dict[str, Any] | None = None) -> None:
        """The model's part of a checkpoint is what the tuner writes (``Tuner.save_pretrained``);
        the tokenizer and the training arguments are added as transformers does."""
        if self.tuner is None:
            return super()._save(output_dir, state_dict)
        import torch
        from transformers.trainer import TRAINING_ARGS_NAME

        output_dir = output_dir if output_dir is not None else self.args.output_dir
        os.makedirs(output_dir, exist_ok=True)
        model = self.accelerator.unwrap_model(self.model, keep_torch_compile=False)
        # a model sharded at load time gathers inside save_pretrained: every rank takes part
        if self.args.should_save or self.is_distributed_loading_by_transformers:
            extra = {} if state_dict is None else {"state_dict": state_dict}
            self.tuner.save_pretrained(model, output_dir, **extra)
        if not self.args.should_save:
            return
        if self.processing_class is not None:
            self.processing_class.save_pretrained(output_dir)
        torch.save(self.args, os.path.join(output_dir, TRAINING_ARGS_NAME))

    def _load_from_checkpoint(self, resume_from_checkpoint: str, model: Any = None) -> None:
        """``--resume_from_checkpoint``: the tuner restores what it wrote, or leaves it to transformers."""
        if self.tuner is not None and not self.is_fsdp_enabled:  # FSDP restores its own sharded files
            target = self.accelerator.unwrap_model(model if model is not None else self.model, keep_torch_compile=False)
            if self.tuner.restore_checkpoint(target, resume_from_checkpoint):
                return
        super()._load_from_checkpoint(resume_from_checkpoint, model)

    # ------------------------------------------------------------------ atomic checkpoints

    def _get_output_dir(self, trial: Any) -> str:
        staging = getattr(self, "_staging_dir", None)
        return staging if staging is not None else super()._get_output_dir(trial)

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        """Write ``checkpoint-N`` into a staging folder, then rename it into place.

        A kill during the save leaves only the staging folder (removed on the next start),
        so the previous checkpoint stays the latest complete one.
        """
        run_dir = super()._get_output_dir(trial)
        name = f"checkpoint-{self.state.global_step}"
        staging = os.path.join(run_dir, f"{STAGING_PREFIX}{name}")
        if self.args.should_save:
            shutil.rmtree(staging, ignore_errors=True)
        # Sharded strategies (ZeRO, FSDP) write from every rank: all write into staging, and
        # the rename waits until the last rank is done.
        self.accelerator.wait_for_everyone()
        limit, self.args.save_total_limit = self.args.save_total_limit, None  # rotate after the rename
        self._staging_dir = staging
        try:
            super()._save_checkpoint(model, trial)
        except Exception as exc:  # torch and safetensors report a full disk in their own types
            error = self._save_error(exc, run_dir, name, staging)
            if error is exc:
                raise
            raise error from exc
        finally:
            self._staging_dir = None
            self.args.save_total_limit = limit
        self.accelerator.wait_for_everyone()
        if self.args.should_save:
            final = os.path.join(run_dir, name)
            if os.path.isdir(final):  # saved again at the same step (e.g. at the end of training)
                shutil.rmtree(final)
            try:
                os.replace(os.path.join(staging, name), final)
            except OSError as exc:
                error = self._save_error(exc, run_dir, name, staging)
                if error is exc:
                    raise
                raise error from exc
            os.rmdir(staging)
            if self.state.best_model_checkpoint and self.state.best_model_checkpoint.startswith(staging):
                self.state.best_model_checkpoint = final
            self._write_run_files(final)
            from transformers.trainer_utils import rotate_checkpoints

            rotate_checkpoints(run_dir, save_total_limit=limit, best_model_checkpoint=self.state.best_model_checkpoint, use_mtime=False)
        self.accelerator.wait_for_everyone()  # no rank reads checkpoint-N before it is in place

    def _save_error(self, exc: BaseException, run_dir: str, name: str, staging: str) -> BaseException:
        """A checkpoint that could not be written: its staging folder removed, and the reason in
        one line (a full disk or a folder that is not writable); any other error unchanged."""
        reason = checkpoint_write_failure(exc)
        if reason is None:
            return exc
        if self.args.should_save:
            shutil.rmtree(staging, ignore_errors=True)  # no half-written checkpoint stays behind
        from swiftkit.core.errors import SwiftkitError

        latest = [n for n in sorted(os.listdir(run_dir)) if n.startswith("checkpoint-")] if os.path.isdir(run_dir) else []
        kept = (f"; the latest complete checkpoint is {os.path.join(run_dir, max(latest, key=_step))}" if latest
                else "; the run has no complete checkpoint")
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        return SwiftkitError(f"{reason}: {name} was not written to {run_dir} (the partial save was removed){kept} "
                             f"[{type(exc).__name__}: {detail}]")

    def _write_run_files(self, checkpoint_dir: str) -> None:
        """Each checkpoint carries the run's ``args.json``, so it alone is enough to resume,
        infer or export."""
        args_path = os.path.join(super()._get_output_dir(None), "args.json")
        if os.path.exists(args_path):
            shutil.copy2(args_path, os.path.join(checkpoint_dir, "args.json"))
