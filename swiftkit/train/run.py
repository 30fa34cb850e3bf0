"""One training run, from a validated run configuration to a run folder.

The run folder holds ``args.json`` (everything a later command needs), ``logging.jsonl``,
``loss_curve.png`` and ``checkpoint-N`` folders (each with its own ``args.json``), so that
``swift infer``/``export``/``sft --resume_from_checkpoint`` need only a checkpoint path.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any

from swiftkit import __version__
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.models.load_errors import model_load_errors
from swiftkit.models.load_options import model_load_kwargs
from swiftkit.templates.backend import template_choice
from swiftkit.train.args_file import ARGS_FILE, read_args  # noqa: F401 - read_args: re-exported for callers

logger = logging.getLogger("swiftkit.train")

#: keys never written to ``args.json`` (a run folder is shared; the token stays in the environment)
SECRET_KEYS = frozenset({"hub_token"})

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
    names = os.listdir(output_dir) if os.path.isdir(output_dir) else []
    versions = [int(m.group(1)) for n in names if (m := re.match(r"^v(\d+)-", n))]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return os.path.join(output_dir, f"v{max(versions, default=-1) + 1}-{stamp}")


def _objective_id(registry: Any, command: str, config: dict[str, Any]) -> str:
    from swiftkit.core.config import CAUSAL_LM, task_objectives

    task = config.get("task_type")
    if task and task != CAUSAL_LM:
        if command != "sft" or config.get("rlhf_type"):
            raise ConfigError(f"--task_type {task}: `swift {command}` trains causal language models; train a {task} model "
                              "with `swift sft --task_type ...`")
        found = task_objectives(registry).get(task)
        if not found:
            raise ConfigError(f"--task_type {task}: no installed objective plugin trains it (see `swift list methods`)")
        return found
    if config.get("rlhf_type"):
        return registry.get("method", config["rlhf_type"]).id
    found = [e.id for e in registry.entries("method") if e.data.get("kind") == "objective" and e.data.get("command") == command
             and not e.data.get("task")]
    if len(found) != 1:
        raise ConfigError(f"`swift {command}` needs exactly one objective plugin for it; found {found or 'none'}")
    return found[0]


def _options(registry: Any, kind: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
    props = (registry.get(kind, name).data.get("options") or {}).get("properties", {})
    return {k: config[k] for k in props if k in config}


def _tuner_options(registry: Any, tuner_id: str, config: dict[str, Any]) -> dict[str, Any]:
    """The tuner's options; ``--target_regex`` (ms-swift's) replaces ``target_modules``, whose
    single-string form is a regular expression over full module names."""
    options = _options(registry, "method", tuner_id, config)
    if options.get("target_regex"):
        options["target_modules"] = options["target_regex"]
    return options


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




# ---------------------------------------------------------------------------------- the steps


@dataclass
class _Plan:
    """What a run trains: the resolved plugins and the completed configuration."""

    config: dict[str, Any]
    command: str
    registry: Any
    model_spec: Any
    model_dir: str
    template_id: str
    tuner_spec: Any
    tuner: Any
    objective_id: str
    objective: Any
    #: what the user should know about the model before the run starts (unregistered, remote code, quantized)
    notices: list[str] = field(default_factory=list)
    #: ``tuner.load_kwargs()`` when it was needed before the model loads (lean imports), else None
    load_kwargs: dict[str, Any] | None = None


def _complete_config(config: dict[str, Any]) -> dict[str, Any]:
    """ms-swift's defaults under the given values; the two keys no run can do without."""
    config = {**DEFAULTS, **{k: v for k, v in config.items() if v is not None}}
    if not config.get("model"):
        raise ConfigError("--model is required (a registered id, a hub id or a local folder)")
    from swiftkit.data.run_data import check_data_config

    check_data_config(config)  # --dataset or --cached_dataset; --streaming's needs
    return config


def _is_main_process() -> bool:
    """Rank 0 (or no launcher): the process that shows download progress."""
    return os.environ.get("RANK", "0") == "0"


def _default_learning_rate(tuner_spec: Any) -> float:
    """The learning rate when the user gives none."""
    return tuner_spec.default_learning_rate or 1e-4


def _resolve_plugins(registry: Any, command: str, config: dict[str, Any]) -> _Plan:
    """The model, template, tuner and objective the configuration names (the tuner and the
    objective created with their options)."""
    from swiftkit.core.lazy import resolve
    from swiftkit.models.hub import fetch_model
    from swiftkit.models.support import check_support

    tuner_spec = registry.get("method", config["train_type"]).spec
    trained = {**config, "task_type": config.get("task_type") or "causal_lm"}  # what the objective trains
    # a hub id is downloaded (or found in the hub's cache) first: the run loads a local folder; a
    # folder of an architecture no plugin registers gets a spec made on the spot (with a notice).
    # Before anything is fetched or loaded: remote code untrusted, unsupported here, a quantized
    # format without its kernels (the registered spec, then the folder's own config.json)
    fetched = fetch_model(config["model"], registry, config, model_type=config.get("model_type"),
                          progress=_is_main_process(),
                          check=lambda spec: check_support(spec, trained, command=command, trains=tuner_spec.trains))
    model_spec, notices, model_dir = fetched.spec, list(fetched.notices), fetched.folder
    notices += check_support(model_spec, trained, command=command, trains=tuner_spec.trains, model_dir=model_dir)
    objective_id = _objective_id(registry, command, config)
    objective_spec = registry.get("method", objective_id).spec
    tuner = resolve(tuner_spec.impl, tuner_spec.REFS["impl"])(tuner_spec, _tuner_options(registry, tuner_spec.id, config))
    objective = resolve(objective_spec.impl, objective_spec.REFS["impl"])(
        objective_spec, _options(registry, "method", objective_id, config)
    )
    if config.get("learning_rate") is None:
        config["learning_rate"] = _default_learning_rate(tuner_spec)
    return _Plan(config=config, command=command, registry=registry, model_spec=model_spec, model_dir=model_dir,
                 template_id=template_choice(config, model_spec.template), tuner_spec=tuner_spec, tuner=tuner,
                 objective_id=objective_id, objective=objective, notices=notices)


def _parallel_setup(plan: _Plan, lean_imports: bool = False) -> tuple[Any, str | None, Any]:
    """Processes, devices and the strategy: ``(env, strategy id, strategy or None)``. With
    ``lean_imports``, the optional packages the run does not use are kept out of the process
    first (:mod:`swiftkit.train.lean_imports`)."""
    from swiftkit.core.parallel.env import ParallelEnv, probe_devices
    from swiftkit.parallel.select import build_strategy, strategy_id

    config, command = plan.config, plan.command
    env = ParallelEnv.from_config(config, devices=probe_devices())
    if env.distributed and not ParallelEnv.launched():
        raise ConfigError(f"{env.world_size} processes are asked for: start the run with `swift {command}`, which "
                          "launches them, or under torchrun yourself")
    sid = strategy_id(config, env, plan.registry)
    if lean_imports:
        _keep_out_unused(plan, sid)
    strategy = build_strategy(sid, config, plan.registry) if sid else None
    if strategy is not None:
        strategy.setup_process(env)
    return env, sid, strategy


def _keep_out_unused(plan: _Plan, sid: str | None) -> None:
    from swiftkit.train.lean_imports import keep_out, unused_packages

    plan.load_kwargs = plan.tuner.load_kwargs()  # a quantizing tuner keeps bitsandbytes in
    marked = keep_out(unused_packages(plan.config, command=plan.command, strategy_id=sid, load_kwargs=plan.load_kwargs,
                                      model_dir=plan.model_dir))
    if marked:
        logger.info("kept out of this process (the run does not use them): %s", ", ".join(marked))


def _prepare_run_dir(plan: _Plan, env: Any, sid: str | None, console: Any) -> tuple[str, dict[str, Any], bool]:
    """Claim the run folder (see :func:`swiftkit.train.run_folder.claim`), clear an interrupted
    save, cut a resumed run's log back to its checkpoint, write ``args.json`` (not on resume:
    a resumed run keeps the args it started with). Returns the folder, the record and whether
    this run created the folder."""
    from swiftkit.train import run_folder
    from swiftkit.train.callbacks import LOG_FILE, truncate_log
    from swiftkit.train.trainer import clean_staging

    config = plan.config
    run_dir = resolve_run_dir(config)
    created = run_folder.claim(run_dir, config, lambda line: _say(console, env, line)) if env.is_main else False
    os.makedirs(run_dir, exist_ok=True)  # the other ranks: rank 0 has claimed it
    removed = clean_staging(run_dir) if env.is_main else []
    if removed:
        _say(console, env, f"removed half-written checkpoint(s) of an interrupted save: {', '.join(removed)}")
    resume = config.get("resume_from_checkpoint")
    step = run_folder.checkpoint_step(resume) if resume else None
    if step is not None and env.is_main:
        dropped = truncate_log(run_dir, step)
        if dropped:
            _say(console, env, f"{LOG_FILE}: dropped {dropped} record(s) past step {step} (they are trained again)")
    record = {
        **{k: v for k, v in config.items() if k not in SECRET_KEYS},
        "command": plan.command,
        "model_id": plan.model_spec.id,
        "model_dir": plan.model_dir,
        "model_family": plan.model_spec.family,
        "template": plan.template_id,
        "agent_template": _agent_template_id(plan, config),
        "objective": plan.objective_id,
        "strategy": sid,
        "world_size": env.world_size,
        "run_dir": run_dir,
        "swiftkit_version": __version__,
    }
    _write_args(plan, env, run_dir, record)
    return run_dir, record, created


def _agent_template_id(plan: _Plan, config: dict[str, Any]) -> str:
    """The tool-calling format the run trains (recorded so that infer/deploy parse replies with it)."""
    from swiftkit.core.specs import DEFAULT_AGENT_TEMPLATE

    name = config.get("agent_template") or plan.registry.get("template", plan.template_id).spec.agent_template
    return plan.registry.get("agent_template", name or DEFAULT_AGENT_TEMPLATE).id


def _say(console: Any, env: Any, line: str) -> None:
    """A notice about the run folder: on rank 0's console, else in the log."""
    if console is None or not env.is_main:
        logger.warning(line)
        return
    from rich.markup import escape

    console.print(f"[yellow]{escape(line)}[/yellow]")


def _write_args(plan: _Plan, env: Any, run_dir: str, record: dict[str, Any]) -> None:
    if plan.config.get("resume_from_checkpoint") or not env.is_main:
        return
    path = os.path.join(run_dir, ARGS_FILE)
    try:
        with open(f"{path}.tmp", "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=2, ensure_ascii=False, default=str)
        os.replace(f"{path}.tmp", path)
    except OSError as exc:
        from swiftkit.train.run_folder import folder_error

        raise folder_error(run_dir, exc) from exc


def _load_model(plan: _Plan, env: Any, strategy: Any, args: Any) -> tuple[Any, Any, Any]:
    """Load the model and tokenizer through the family's loader, bind the template, let the
    tuner wrap the model and load a frozen reference when the objective needs one.
    Returns ``(model, tokenizer, template)``."""
    from transformers import set_seed

    from swiftkit.core.lazy import resolve
    from swiftkit.data.run_data import media_options
    from swiftkit.models.noise import quiet_transformers

    config, model_spec, model_dir, objective = plan.config, plan.model_spec, plan.model_dir, plan.objective
    set_seed(config["seed"])  # adapter initialisation happens before the Trainer seeds anything
    quiet_transformers()
    loader = resolve(model_spec.loader, model_spec.REFS["loader"])(model_spec)
    tuner_kwargs = plan.load_kwargs if plan.load_kwargs is not None else plan.tuner.load_kwargs()
    load_kwargs = {**tuner_kwargs, **(strategy.model_load_kwargs(env, config) if strategy is not None else {})}
    if config.get("trust_remote_code"):
        load_kwargs["trust_remote_code"] = True
    load_kwargs.update(model_load_kwargs(config, model_dir))
    with model_load_errors(model_dir, model_spec.id):
        # the objective decides the head: a causal LM (the loader's), a classifier, a bare encoder
        model, tokenizer = objective.load_model(loader, model_dir, torch_dtype=config["torch_dtype"], **load_kwargs)
    if (config.get("router_aux_loss_coef") or 0) > 0:
        from swiftkit.train.moe import enable_router_aux_loss

        enable_router_aux_loss(model, config["router_aux_loss_coef"], model_spec.id)
    template = plan.registry.template(plan.template_id, tokenizer=tokenizer)
    template = template.configure(
        enable_thinking=config.get("enable_thinking"),  # the prompts of online RL rollouts
        add_non_thinking_prefix=config.get("add_non_thinking_prefix"),
        # writes tool rows (--agent_template, else the chat template's default)
        agent_template=plan.registry.agent_template(config.get("agent_template"), template=template.spec),
        # --max_pixels, --fps_max_frames ... (else ms-swift's environment variables) for the media processor
        media_options=media_options(config, model_dir))
    if config.get("gradient_checkpointing"):
        model.gradient_checkpointing_enable(
            gradient_checkpointing_kwargs=config.get("gradient_checkpointing_kwargs") or {"use_reentrant": False})
        model.config.use_cache = False
        if hasattr(model, "enable_input_require_grads"):
            model.enable_input_require_grads()
    model = _prepare_multimodal(plan, model)
    ref_adapters = list(config.get("ref_adapters") or [])
    if objective.needs_reference and (not hasattr(model, "disable_adapter") or ref_adapters):
        # no adapter to switch off, or adapters to merge into the reference: a frozen second copy
        # (--ref_model, else the base; --ref_adapters merged into it)
        ref_dir, ref_loader, ref_id = model_dir, loader, model_spec.id
        if config.get("ref_model"):
            from swiftkit.models.hub import fetch_model

            fetched = fetch_model(config["ref_model"], plan.registry, config, revision_key="ref_model_revision",
                                  model_type=config.get("ref_model_type"), progress=env.is_main)
            ref_dir = fetched.folder
            if config.get("ref_model_type"):  # another family: its own loader
                ref_loader = resolve(fetched.spec.loader, fetched.spec.REFS["loader"])(fetched.spec)
                ref_id = fetched.spec.id
        with model_load_errors(ref_dir, ref_id):
            ref_model, _ = ref_loader.load(ref_dir, torch_dtype=config["torch_dtype"], **model_load_kwargs(config, ref_dir))
        from swiftkit.models.merge_adapters import merge_adapters

        ref_model = merge_adapters(ref_model, ref_adapters, "--ref_adapters")
        objective.ref_model = ref_model.eval().requires_grad_(False).to(args.device)  # the Trainer moves only the policy
    return model, tokenizer, template


def _prepare_with_tuner(plan: _Plan, model: Any) -> Any:
    """``Tuner.prepare``; an exception from it names the tuner, its plugin and distribution."""
    from swiftkit.core.errors import PluginError

    try:
        return plan.tuner.prepare(model, plan.model_spec)
    except SwiftkitError:
        raise
    except Exception as exc:
        plugin = plan.registry.get("method", plan.tuner_spec.id).plugin
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise PluginError(plugin.name, f"tuner {plan.tuner_spec.id!r}: Tuner.prepare raised {type(exc).__name__}"
                          + (f": {detail}" if detail else ""), dist=plugin.dist, version=plugin.version) from exc


def _prepare_multimodal(plan: _Plan, model: Any) -> Any:
    """The tuner's ``prepare`` under the multimodal flags (``--freeze_vit`` ...): for a model whose
    family names its parts, ``all-linear`` becomes the linear layers of the unfrozen parts, and a
    tuner that trains base weights (full, freeze ...) leaves the frozen parts' weights frozen.
    A text model ignores the flags (as ms-swift does)."""
    from swiftkit.train import multimodal

    parts = plan.model_spec.model_parts
    if not parts:
        return _prepare_with_tuner(plan, model)
    multimodal.check_parts(model, parts, plan.model_spec.id)
    options = getattr(plan.tuner, "options", None)
    if isinstance(options, dict) and "target_modules" in _option_keys(plan.tuner_spec):
        # the option's schema default ("all-linear") counts as asked for
        from swiftkit.core.options import option_value

        targets = option_value(options, plan.tuner_spec, "target_modules")
        if multimodal.wants_all_linear(targets):
            options["target_modules"] = multimodal.all_linear_regex(model, parts, plan.config, plan.model_spec.id,
                                                                   targets)
    model = _prepare_with_tuner(plan, model)
    if not hasattr(model, "peft_config"):  # adapters: their targets decide what trains
        multimodal.freeze(model, parts, plan.config)
    logger.info("multimodal parts: %s", multimodal.describe(model, parts))
    return model


def _option_keys(spec: Any) -> set[str]:
    return set((getattr(spec, "options", None) or {}).get("properties") or {})


def _part_lrs(plan: _Plan) -> dict[str, float]:
    """``--vit_lr`` / ``--aligner_lr`` of a model whose family names its parts."""
    from swiftkit.train.multimodal import part_lrs

    return part_lrs(plan.config) if plan.model_spec.model_parts else {}


def _record_parameters(plan: _Plan, env: Any, model: Any, run_dir: str, record: dict[str, Any], console: Any) -> None:
    """Print the trainable and total parameter counts and add them to ``args.json``."""
    from swiftkit.train.params import count_parameters, describe_parameters

    trainable, total = count_parameters(model)
    line = describe_parameters(trainable, total)
    if console is not None and env.is_main:
        console.print(line)
    logger.info(line)
    # not "trainable_parameters": that is the freeze tuner's option (ms-swift's flag), read back on resume
    record.update(trainable_parameter_count=trainable, total_parameter_count=total)
    _write_args(plan, env, run_dir, record)


def _prepare_data(plan: _Plan, template: Any, tokenizer: Any, args: Any, console: Any) -> Any:
    """Load, check and tokenize the datasets as the objective's data layout says (or read a
    ``--cached_dataset``, or stream them with ``--streaming``)."""
    from swiftkit.data.run_data import prepare_run_data

    config = plan.config
    max_length = config.get("max_length") or plan.model_spec.max_length or getattr(tokenizer, "model_max_length", None)
    with args.main_process_first(desc="dataset preparation"):  # the other ranks then read the cache
        data = prepare_run_data(config, registry=plan.registry, template=template, tokenizer=tokenizer,
                                layout=plan.objective.data_layout(), max_length=max_length, console=console)
    if not getattr(data, "streaming", False) and len(data.train) == 0:
        raise SwiftkitError("no training rows are left after validation and truncation; see the data report above")
    return data


def _total_steps(config: dict[str, Any], train_rows: int) -> int:
    """The optimizer steps the run will take (``max_steps``, else from epochs and batch size)."""
    import math

    if config["max_steps"] > 0:
        return int(config["max_steps"])
    per_epoch = math.ceil(train_rows / (config["per_device_train_batch_size"] * config["gradient_accumulation_steps"]))
    return math.ceil(per_epoch * config["num_train_epochs"])


def _callbacks(plan: _Plan, run_dir: str, record: dict[str, Any], console: Any, extra: list[Any] | None) -> list[Any]:
    """The trainer callbacks: logging.jsonl, the progress line, the objective's, the caller's,
    then those of plugins implementing ``swift_trainer_callbacks``."""
    from swiftkit.train.callbacks import ConsoleProgress, JsonlLogger
    from swiftkit.train.plugin_hooks import plugin_callbacks
    from swiftkit.train.stopping import stopping_callbacks

    return [JsonlLogger(run_dir), ConsoleProgress(console), *stopping_callbacks(plan.config), *plan.objective.callbacks(),
            *(extra or []),
            *plugin_callbacks(record, run_dir, plan.registry)]


def _live_eval(plan: _Plan, run_dir: str) -> list[Any]:
    """The callback of ``--eval_use_evalscope`` (evaluation of ``--eval_dataset`` during training), if asked."""
    from swiftkit.train.live_eval import LiveEvalCallback, wants_live_eval

    if not wants_live_eval(plan.config):
        return []
    return [LiveEvalCallback(plan.config, run_dir, plan.registry, template_id=plan.template_id,
                             model_id=plan.model_spec.id)]


def _build_trainer(plan: _Plan, model: Any, tokenizer: Any, args: Any, data: Any, env: Any, strategy: Any,
                   callbacks: list[Any], template: Any = None) -> Any:
    from transformers.trainer_callback import PrinterCallback

    from swiftkit.data.media_collator import with_media
    from swiftkit.train.trainer import SwiftTrainer

    has_val = data.val is not None and (getattr(data, "streaming", False) or len(data.val) > 0)
    if not has_val:
        from transformers.trainer_utils import IntervalStrategy

        args.eval_strategy = IntervalStrategy.NO  # the split left no validation rows
        args.eval_on_start = False  # (--eval_use_evalscope evaluates its own --eval_dataset: live_eval.py)
    if strategy is not None:
        strategy.before_trainer(env, args)
    trainer = SwiftTrainer(
        model=model,
        args=args,
        train_dataset=data.train,
        eval_dataset=data.val if has_val else None,
        # rows with media: the family's pixel inputs decoded a batch at a time
        data_collator=with_media(plan.objective.make_collator(tokenizer, plan.config), template, tokenizer, plan.config,
                                 plan.objective.data_layout()),
        processing_class=tokenizer,
        objective=plan.objective,
        tuner=plan.tuner,
        callbacks=callbacks,
        model_parts=plan.model_spec.model_parts,
        part_lrs=_part_lrs(plan),
    )
    trainer.remove_callback(PrinterCallback)  # the rich progress line and logging.jsonl replace it
    return trainer


def _train_and_finalize(trainer: Any, run_dir: str, resume: str | None, env: Any, data: Any,
                        console: Any = None, symlinks: bool = False) -> TrainResult:
    """Train (resuming if asked), make sure the last step is a checkpoint, plot the loss."""
    from swiftkit.train.callbacks import read_log

    output = trainer.train(resume_from_checkpoint=resume or None)
    last = os.path.join(run_dir, f"checkpoint-{trainer.state.global_step}")
    if not _on_main(os.path.isdir(last), env):  # the final step always lands in a checkpoint
        trainer._save_checkpoint(trainer.model, trial=None)
        # as the Trainer does after its own saves: observers (swift_checkpoint_saved) see this one too
        trainer.control = trainer.callback_handler.on_save(trainer.args, trainer.state, trainer.control)
    if env.is_main:
        _plot(run_dir, env, console)
        if symlinks:
            from swiftkit.train.stopping import link_checkpoints

            link_checkpoints(run_dir, last, trainer.state.best_model_checkpoint)
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


def _on_main(value: bool, env: Any) -> bool:
    """Rank 0's ``value`` on every rank: the nodes of a multi-node job do not share a file
    system, so only rank 0's view of its checkpoints says whether all must save again (a rank
    that decided alone would enter the save's collectives without the others and hang)."""
    if not env.distributed:
        return value
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return bool(box[0])


def _plot(run_dir: str, env: Any, console: Any) -> None:
    """The loss curve is a convenience: failing to draw it never fails a finished run."""
    from swiftkit.train.callbacks import CURVE_FILE, plot_loss_curve

    try:
        plot_loss_curve(run_dir)
    except Exception as exc:  # noqa: BLE001 - matplotlib, fonts, a full disk: the checkpoints are saved
        _say(console, env, f"warning: {CURVE_FILE} not drawn ({type(exc).__name__}: {exc}); the run itself is complete")


def run_training(
    config: dict[str, Any], *, command: str, registry: Any = None, console: Any = None, callbacks: list[Any] | None = None,
    lean_imports: bool = False,
) -> TrainResult:
    """Train as ``config`` says (validated by :func:`swiftkit.core.config.build_config`).

    ``callbacks`` are extra ``transformers.TrainerCallback`` objects. A run that fails before
    its first training step removes the run folder it created (no ``vN-`` version is used up).
    ``lean_imports``: this process runs this one training and nothing else (``swift sft`` and
    its workers), so the optional packages the run does not use may be kept out of it for good
    (:mod:`swiftkit.train.lean_imports`); an in-process caller leaves it false."""
    from swiftkit.core.registry import get_registry

    registry = registry or get_registry()
    plan = _resolve_plugins(registry, command, _complete_config(config))
    env, sid, strategy = _parallel_setup(plan, lean_imports)
    for line in plan.notices:
        _say(console, env, f"note: {line}")
    run_dir, record, created = _prepare_run_dir(plan, env, sid, console)
    started: list[Any] = []  # the trainer, once built: its global_step says whether training began
    try:
        return _run(plan, env, strategy, run_dir, record, console, callbacks, started)
    except BaseException:
        if created and env.is_main and (not started or started[0].state.global_step == 0):
            from swiftkit.train.run_folder import discard_untrained

            discard_untrained(run_dir)
        raise


def _run(plan: _Plan, env: Any, strategy: Any, run_dir: str, record: dict[str, Any], console: Any,
         callbacks: list[Any] | None, started: list[Any]) -> TrainResult:
    """Everything after the run folder: load, prepare the data, train."""
    from swiftkit.train.arguments import training_arguments

    args = training_arguments(plan.config, run_dir=run_dir, env=env, strategy=strategy, model_spec=plan.model_spec)
    live_eval = _live_eval(plan, run_dir)  # --eval_use_evalscope: its datasets checked before the model loads
    model, tokenizer, template = _load_model(plan, env, strategy, args)
    from swiftkit.data.media_collator import check_media_flags

    check_media_flags(plan.config, template)  # before the data is prepared
    # objectives that need more than batches (online RL: sampling, rewards; a reward model's head)
    plan.objective.setup(model=model, tokenizer=tokenizer, template=template, registry=plan.registry, config=plan.config)
    _record_parameters(plan, env, model, run_dir, record, console)
    data = _prepare_data(plan, template, tokenizer, args, console)
    rows = 0 if getattr(data, "streaming", False) else len(data.train)  # a stream runs --max_steps
    plan.tuner.set_total_steps(_total_steps(plan.config, rows))  # schedules over the run (AdaLoRA)
    trainer = _build_trainer(plan, model, tokenizer, args, data, env, strategy,
                             _callbacks(plan, run_dir, record, console, [*(callbacks or []), *live_eval]), template)
    for callback in live_eval:
        callback.bind(trainer, template)
    started.append(trainer)
    result = _train_and_finalize(trainer, run_dir, plan.config.get("resume_from_checkpoint"), env, data, console,
                                 symlinks=bool(plan.config.get("create_checkpoint_symlink")))
    if getattr(data, "streaming", False):
        if console is not None and env.is_main:
            from swiftkit.data.streaming import render_stream_report

            render_stream_report(data.report, console)
        else:
            for line in data.report.warnings():
                logger.warning(line)
    return result
