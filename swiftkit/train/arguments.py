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
    if strategy is not None:
        fields.update(strategy.trainer_args(env, {
            **config, "run_dir": run_dir, "world_size": env.world_size,
            "decoder_layer_cls": model_spec.decoder_layer_cls, "model_family": model_spec.family,
        }))
    args = TrainingArguments(**fields)
    _ = args.device  # initialise the process group now
    return args
