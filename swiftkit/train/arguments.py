"""The ``transformers.TrainingArguments`` of a run, from its configuration and strategy."""

from __future__ import annotations

from typing import Any


def _dtype_flags(dtype: str, cuda: bool) -> dict[str, bool]:
    return {"bf16": cuda and dtype == "bfloat16", "fp16": cuda and dtype == "float16"}


def _report_to(config: dict[str, Any]) -> Any:
    report_to = config.get("report_to")
    if report_to is None:
        import importlib.util

        report_to = ["tensorboard"] if importlib.util.find_spec("tensorboard") else []
    return report_to


#: run-config keys that are ``TrainingArguments`` fields of the same name and meaning
PASSTHROUGH = (
    "adam_epsilon", "lr_scheduler_kwargs", "optim_args", "full_determinism", "logging_first_step",
    "metric_for_best_model", "greater_is_better", "eval_on_start", "save_on_each_node", "save_only_model",
    "ignore_data_skip", "dataloader_pin_memory", "dataloader_persistent_workers", "dataloader_prefetch_factor",
    "neftune_noise_alpha", "average_tokens_across_devices", "push_to_hub", "hub_model_id", "hub_private_repo",
)


def _sampling_strategy(config: dict[str, Any]) -> str | None:
    """transformers 5 folds ``group_by_length`` and an unshuffled loader into ``train_sampling_strategy``."""
    if config.get("group_by_length"):
        return "group_by_length"
    if config.get("train_dataloader_shuffle") is False:
        return "sequential"
    return None


def passthrough_fields(config: dict[str, Any]) -> dict[str, Any]:
    """The ``TrainingArguments`` fields the config sets through ms-swift's names (given keys only,
    so transformers keeps its defaults for the rest)."""
    fields = {key: config[key] for key in PASSTHROUGH if config.get(key) is not None}
    if fields.get("push_to_hub") and config.get("hub_token"):
        fields["hub_token"] = config["hub_token"]
    strategy = _sampling_strategy(config)
    if strategy:
        fields["train_sampling_strategy"] = strategy
    return fields


def training_arguments(config: dict[str, Any], *, run_dir: str, env: Any, strategy: Any, model_spec: Any) -> Any:
    """Build the arguments and initialise the process group (a no-op for one process).

    Built before the model loads: they start the process group, and ZeRO-3 must be known then
    so that the model loads partitioned. The strategy adds its own fields (DeepSpeed, FSDP)."""
    import torch
    from transformers import TrainingArguments

    cuda = torch.cuda.is_available()
    wants_val = bool(config.get("val_dataset")) or float(config.get("split_dataset_ratio") or 0) > 0
    fields: dict[str, Any] = dict(
        output_dir=run_dir,
        num_train_epochs=config["num_train_epochs"],
        max_steps=config["max_steps"],
        per_device_train_batch_size=config["per_device_train_batch_size"],
        per_device_eval_batch_size=config["per_device_eval_batch_size"],
        gradient_accumulation_steps=config["gradient_accumulation_steps"],
        learning_rate=config["learning_rate"],
        weight_decay=config["weight_decay"],
        warmup_steps=float(config["warmup_ratio"]) or 0,  # transformers 5: a float in [0, 1) is a ratio
        lr_scheduler_type=config["lr_scheduler_type"],
        logging_steps=config["logging_steps"],
        save_strategy=config.get("save_strategy") or "steps",
        save_steps=config["save_steps"],
        save_total_limit=config.get("save_total_limit"),
        eval_strategy=(config.get("eval_strategy") or "steps") if wants_val else "no",
        eval_steps=config["eval_steps"],
        seed=config["seed"],
        data_seed=config["seed"] if config.get("data_seed") is None else config["data_seed"],
        optim=config.get("optim") or "adamw_torch",
        adam_beta1=config.get("adam_beta1", 0.9),
        adam_beta2=config.get("adam_beta2", 0.999),
        max_grad_norm=config.get("max_grad_norm", 1.0),
        dataloader_num_workers=config.get("dataloader_num_workers", 0),
        remove_unused_columns=False,
        report_to=_report_to(config),
        disable_tqdm=True,
        use_cpu=not cuda,
        **_dtype_flags(config["torch_dtype"], cuda),
    )
    fields.update(passthrough_fields(config))
    if config.get("logging_dir"):  # transformers 5 reads TensorBoard's folder from the environment only
        import os

        os.environ["TENSORBOARD_LOGGING_DIR"] = os.path.abspath(config["logging_dir"])
    # (the field itself is passed through above; --eval_use_evalscope evaluates its own datasets on start)
    if config.get("eval_on_start") and not wants_val and not config.get("eval_use_evalscope"):
        from swiftkit.core.errors import ConfigError

        raise ConfigError("--eval_on_start evaluates the validation set: give --val_dataset or --split_dataset_ratio")
    if config.get("use_liger_kernel"):
        # the liger-kernel options plugin checked the GPU and libraries before anything loaded;
        # the Trainer patches the model with Liger's kernels when it is built
        fields["use_liger_kernel"] = True
    if strategy is not None:
        fields.update(strategy.trainer_args(env, {
            **config, "run_dir": run_dir, "world_size": env.world_size,
            "decoder_layer_cls": model_spec.decoder_layer_cls, "model_family": model_spec.family,
        }))
    args = TrainingArguments(**fields)
    _ = args.device  # initialise the process group now
    return args
