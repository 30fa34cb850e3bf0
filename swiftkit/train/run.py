"""One training run, from a validated run configuration to a run folder.

The run folder holds ``args.json`` (everything a later command needs), ``logging.jsonl``,
``loss_curve.png`` and ``checkpoint-N`` folders (each with its own ``args.json``), so that
``swift infer``/``export``/``sft --resume_from_checkpoint`` need only a checkpoint path.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from swiftkit import __version__
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.train.args_file import ARGS_FILE, read_args  # noqa: F401 - read_args: re-exported for callers

#: ms-swift's defaults where the user gives none
DEFAULTS: dict[str, Any] = {
    "train_type": "lora",
    "output_dir": "output",
    "num_train_epochs": 1,
    "max_steps": -1,
    "per_device_train_batch_size": 1,
    "per_device_eval_batch_size": 1,
    "gradient_accumulation_steps": 1,
    "logging_steps": 5,
    "save_steps": 500,
    "eval_steps": 500,
    "seed": 42,
    "torch_dtype": "auto",
    "weight_decay": 0.1,
    "warmup_ratio": 0.0,
    "lr_scheduler_type": "cosine",
    "gradient_checkpointing": False,
    "packing": False,
    "padding_free": False,
    "split_dataset_ratio": 0.0,
}


@dataclass
class TrainResult:
    run_dir: str
    last_checkpoint: str | None
    global_step: int
    train_loss: float | None
    log: list[dict[str, Any]] = field(default_factory=list)
    data_report: Any = None
    #: the class that wrapped the model for training (``DistributedDataParallel``,
    #: ``DeepSpeedEngine``, ``FSDP<Model>`` ...): what the strategy really did
    wrapped_as: str | None = None
    #: how many of the model's parameters are DTensors (sharded by FSDP2 or tensor parallelism)
    sharded_params: int = 0


def _new_run_dir(output_dir: str, add_version: bool) -> str:
    if not add_version:
        return output_dir
    os.makedirs(output_dir, exist_ok=True)
    versions = [int(m.group(1)) for n in os.listdir(output_dir) if (m := re.match(r"^v(\d+)-", n))]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return os.path.join(output_dir, f"v{max(versions, default=-1) + 1}-{stamp}")


def _objective_id(registry: Any, command: str, config: dict[str, Any]) -> str:
    if config.get("rlhf_type"):
        return registry.get("method", config["rlhf_type"]).id
    found = [e.id for e in registry.entries("method") if e.data.get("kind") == "objective" and e.data.get("command") == command]
    if len(found) != 1:
        raise ConfigError(f"`swift {command}` needs exactly one objective plugin for it; found {found or 'none'}")
    return found[0]


def _options(registry: Any, kind: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
    props = (registry.get(kind, name).data.get("options") or {}).get("properties", {})
    return {k: config[k] for k in props if k in config}


def _collator(data_mode: str, tokenizer: Any, config: dict[str, Any]) -> Any:
    """The batch layout the objective's data mode needs."""
    if data_mode == "preference":
        from swiftkit.data.pair_collator import make_pair_collator

        return make_pair_collator(tokenizer)
    if data_mode == "kto":
        from swiftkit.data.pair_collator import make_kto_collator

        return make_kto_collator(tokenizer, max_length=config.get("max_length"))
    if data_mode == "prompt":
        from swiftkit.data.pair_collator import make_prompt_collator

        return make_prompt_collator(tokenizer)
    from swiftkit.data import make_collator

    return make_collator(tokenizer, padding_free=bool(config.get("padding_free")))


def _dtype_flags(dtype: str, cuda: bool) -> dict[str, bool]:
    return {"bf16": cuda and dtype == "bfloat16", "fp16": cuda and dtype == "float16"}


def resolve_run_dir(config: dict[str, Any]) -> str:
    """The folder a run writes to: a resumed checkpoint's run folder, else a new
    ``vN-<timestamp>`` folder under ``output_dir`` (or ``output_dir`` itself with
    ``add_version`` false)."""
    resume = config.get("resume_from_checkpoint")
    if resume:
        if not os.path.isdir(resume):
            raise ConfigError(f"--resume_from_checkpoint {resume}: no such checkpoint folder")
        return os.path.dirname(os.path.normpath(resume))
    return _new_run_dir(config.get("output_dir") or DEFAULTS["output_dir"], config.get("add_version", True))


def run_training(
    config: dict[str, Any], *, command: str, registry: Any = None, console: Any = None, callbacks: list[Any] | None = None
) -> TrainResult:
    """Train as ``config`` says (validated by :func:`swiftkit.core.config.build_config`).

    ``callbacks`` are extra ``transformers.TrainerCallback`` objects."""
    import torch
    from transformers import TrainingArguments
    from transformers.utils import logging as hf_logging

    from swiftkit.core.lazy import resolve
    from swiftkit.core.parallel.env import ParallelEnv, probe_devices
    from swiftkit.core.registry import get_registry
    from swiftkit.data import prepare_datasets
    from swiftkit.parallel.select import build_strategy, strategy_id
    from swiftkit.train.callbacks import ConsoleProgress, JsonlLogger, plot_loss_curve, read_log
    from swiftkit.train.plugin_hooks import plugin_callbacks
    from swiftkit.train.trainer import SwiftTrainer, clean_staging

    registry = registry or get_registry()
    config = {**DEFAULTS, **{k: v for k, v in config.items() if v is not None}}
    if not config.get("model"):
        raise ConfigError("--model is required (a registered id, a hub id or a local folder)")
    if not config.get("dataset"):
        raise ConfigError("--dataset is required (registered dataset ids or local files)")

    # ---- what to train: model, template, tuner, objective -------------------------------
    entry = registry.resolve_model(config["model_type"]) if config.get("model_type") else registry.resolve_model(config["model"])
    model_spec = entry.spec
    model_dir = config["model"] if os.path.isdir(config["model"]) else (model_spec.hf_id or model_spec.ms_id or config["model"])
    template_id = config.get("template") or model_spec.template
    tuner_spec = registry.get("method", config["train_type"]).spec
    objective_id = _objective_id(registry, command, config)
    objective_spec = registry.get("method", objective_id).spec
    tuner = resolve(tuner_spec.impl, tuner_spec.REFS["impl"])(tuner_spec, _options(registry, "method", tuner_spec.id, config))
    objective = resolve(objective_spec.impl, objective_spec.REFS["impl"])(
        objective_spec, _options(registry, "method", objective_id, config)
    )
    if config.get("learning_rate") is None:
        config["learning_rate"] = tuner_spec.default_learning_rate or 1e-4

    # ---- where: processes, devices, strategy ---------------------------------------------
    env = ParallelEnv.from_config(config, devices=probe_devices())
    if env.distributed and not ParallelEnv.launched():
        raise ConfigError(f"{env.world_size} processes are asked for: start the run with `swift {command}`, which "
                          "launches them, or under torchrun yourself")
    sid = strategy_id(config, env, registry)
    strategy = build_strategy(sid, config, registry) if sid else None
    if strategy is not None:
        strategy.setup_process(env)

    # ---- the run folder ------------------------------------------------------------------
    resume = config.get("resume_from_checkpoint")
    run_dir = resolve_run_dir(config)
    os.makedirs(run_dir, exist_ok=True)
    removed = clean_staging(run_dir) if env.is_main else []
    if removed and console is not None:
        console.print(f"removed half-written checkpoint(s) of an interrupted save: {', '.join(removed)}")
    record = {
        **config,
        "command": command,
        "model_id": model_spec.id,
        "model_dir": model_dir,
        "model_family": model_spec.family,
        "template": template_id,
        "objective": objective_id,
        "strategy": sid,
        "world_size": env.world_size,
        "run_dir": run_dir,
        "swiftkit_version": __version__,
    }
    if not resume and env.is_main:  # a resumed run keeps the args it started with
        with open(os.path.join(run_dir, ARGS_FILE), "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=2, ensure_ascii=False, default=str)

    # ---- trainer arguments (first: they start the process group, and ZeRO-3 must be known
    # before the model loads so that it loads partitioned) -----------------------------------
    cuda = torch.cuda.is_available()
    report_to = config.get("report_to")
    if report_to is None:
        import importlib.util

        report_to = ["tensorboard"] if importlib.util.find_spec("tensorboard") else []
    wants_val = bool(config.get("val_dataset")) or float(config.get("split_dataset_ratio") or 0) > 0
    arg_fields: dict[str, Any] = dict(
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
        data_seed=config["seed"],
        optim=config.get("optim") or "adamw_torch",
        adam_beta1=config.get("adam_beta1", 0.9),
        adam_beta2=config.get("adam_beta2", 0.999),
        max_grad_norm=config.get("max_grad_norm", 1.0),
        dataloader_num_workers=config.get("dataloader_num_workers", 0),
        remove_unused_columns=False,
        report_to=report_to,
        disable_tqdm=True,
        use_cpu=not cuda,
        **_dtype_flags(config["torch_dtype"], cuda),
    )
    if strategy is not None:
        arg_fields.update(strategy.trainer_args(env, {
            **config, "run_dir": run_dir, "world_size": env.world_size,
            "decoder_layer_cls": model_spec.decoder_layer_cls, "model_family": model_spec.family,
        }))
    args = TrainingArguments(**arg_fields)
    _ = args.device  # initialise the process group now (a no-op for one process)

    # ---- model, tuner, data --------------------------------------------------------------
    from transformers import set_seed

    set_seed(config["seed"])  # adapter initialisation happens before the Trainer seeds anything
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    loader = resolve(model_spec.loader, model_spec.REFS["loader"])(model_spec)
    try:
        load_kwargs = {**tuner.load_kwargs(), **(strategy.model_load_kwargs(env, config) if strategy is not None else {})}
        model, tokenizer = loader.load(model_dir, torch_dtype=config["torch_dtype"], **load_kwargs)
    except OSError as exc:  # not downloaded, offline, or not a checkpoint folder
        raise SwiftkitError(
            f"cannot load model {model_dir!r} (registered as {model_spec.id}): {str(exc).splitlines()[0]} "
            "-- pass a local folder with --model, or allow downloads from the hub"
        ) from exc
    template = registry.template(template_id, tokenizer=tokenizer)
    if config.get("gradient_checkpointing"):
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
        if hasattr(model, "enable_input_require_grads"):
            model.enable_input_require_grads()
    model = tuner.prepare(model, model_spec)
    if getattr(objective, "needs_reference", False) and not hasattr(model, "disable_adapter"):
        # no adapter to switch off: the reference is a frozen second copy (--ref_model, else the base)
        ref_dir = config.get("ref_model") or model_dir
        ref_model, _ = loader.load(ref_dir, torch_dtype=config["torch_dtype"])
        objective.ref_model = ref_model.eval().requires_grad_(False).to(args.device)  # the Trainer moves only the policy
    if hasattr(objective, "setup"):  # objectives that need more than batches (online RL: sampling, rewards)
        objective.setup(model=model, tokenizer=tokenizer, template=template, registry=registry, config=config)
    max_length = config.get("max_length") or model_spec.max_length or getattr(tokenizer, "model_max_length", None)
    with args.main_process_first(desc="dataset preparation"):  # the other ranks then read the cache
        data = prepare_datasets(
            dataset=config["dataset"],
            val_dataset=config.get("val_dataset") or [],
            split_dataset_ratio=config.get("split_dataset_ratio") or 0.0,
            registry=registry,
            template=template,
            tokenizer=tokenizer,
            mode=objective.data_mode,
            max_length=max_length,
            truncation_strategy=config.get("truncation_strategy", "delete"),
            loss_scale=config.get("loss_scale", "default"),
            strict=config.get("strict", True),
            num_proc=config.get("dataset_num_proc", 1),
            shuffle=config.get("dataset_shuffle", True),
            seed=config["seed"],
            packing=bool(config.get("packing")),
            console=console,
        )
    if len(data.train) == 0:
        raise SwiftkitError("no training rows are left after validation and truncation; see the data report above")

    if hasattr(tuner, "set_total_steps"):  # schedules over the run (AdaLoRA's rank budget)
        steps = config["max_steps"]
        if steps <= 0:
            import math

            per_epoch = math.ceil(len(data.train) / (config["per_device_train_batch_size"] * config["gradient_accumulation_steps"]))
            steps = math.ceil(per_epoch * config["num_train_epochs"])
        tuner.set_total_steps(steps)

    # ---- trainer -------------------------------------------------------------------------
    has_val = data.val is not None and len(data.val) > 0
    if not has_val and args.eval_strategy != "no":
        from transformers.trainer_utils import IntervalStrategy

        args.eval_strategy = IntervalStrategy.NO  # the split left no validation rows
    if strategy is not None:
        strategy.before_trainer(env, args)
    trainer = SwiftTrainer(
        model=model,
        args=args,
        train_dataset=data.train,
        eval_dataset=data.val if has_val else None,
        data_collator=_collator(objective.data_mode, tokenizer, config),
        processing_class=tokenizer,
        objective=objective,
        tuner=tuner,
        callbacks=[JsonlLogger(run_dir), ConsoleProgress(console), *getattr(objective, "callbacks", list)(), *(callbacks or []), *plugin_callbacks(record, run_dir, registry)],
    )
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # the rich progress line and logging.jsonl replace it
    output = trainer.train(resume_from_checkpoint=resume or None)
    last = os.path.join(run_dir, f"checkpoint-{trainer.state.global_step}")
    if not os.path.isdir(last):  # the final step always lands in a checkpoint
        trainer._save_checkpoint(trainer.model, trial=None)
    if env.is_main:
        plot_loss_curve(run_dir)
    return TrainResult(
        run_dir=run_dir,
        last_checkpoint=last,
        global_step=trainer.state.global_step,
        train_loss=output.training_loss,
        log=read_log(run_dir),
        data_report=data.report,
        wrapped_as=type(trainer.model_wrapped).__name__,
        sharded_params=sum(type(p.data).__name__ == "DTensor" for p in trainer.model.parameters()),
    )
