"""``swift sft`` and ``swift pt``: flags are the run-config keys (ms-swift's names, dashed
spellings too), composed from the core and the chosen plugins' option schemas and validated
before any model is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "model_type", "template", "dataset", "val_dataset", "train_type", "max_length",
              "num_train_epochs", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
              "learning_rate", "output_dir", "resume_from_checkpoint", "packing", "torch_dtype",
              "nproc_per_node", "strategy", "auto"]


def help_keys(registry: Any) -> list[str]:
    """The main options ``--help`` shows: :data:`_HELP_KEYS`, with the keys that select each
    installed strategy (its spec's ``selected_by``: ``--deepspeed``, ``--fsdp`` ...) after ``--strategy``."""
    selecting = [k for e in registry.entries("strategy") for k in e.data.get("selected_by") or []]
    at = _HELP_KEYS.index("strategy") + 1
    return [*_HELP_KEYS[:at], *dict.fromkeys(k for k in selecting if k not in _HELP_KEYS), *_HELP_KEYS[at:]]


def _flag_name(arg: str) -> str | None:
    """``--resume-from-checkpoint=x`` -> ``resume_from_checkpoint``; not a flag -> None."""
    if not arg.startswith("--"):
        return None
    return arg[2:].partition("=")[0].replace("-", "_")


def run_command(command: str, args: list[str]) -> None:
    from swiftkit.cli.output import console
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.parallel.launch import launch
    from swiftkit.train.args_file import read_args
    from swiftkit.train.run import run_training

    registry = get_registry()
    if "--help" in args or "-h" in args:
        print_help(command, f"Usage: swift {command} [--config FILE.yaml] --model M --dataset D [--key value ...]",
                   help_keys(registry))
        return
    args, config_file = pop_config_file(args)
    flags = [_flag_name(a) for a in args]
    if command == "rlhf" and "rlhf_type" not in flags:
        args += ["--rlhf_type", "dpo"]  # ms-swift's default
    base = None
    for i, arg in enumerate(args):  # a checkpoint brings its run's arguments with it
        if _flag_name(arg) == "resume_from_checkpoint":
            value = arg.partition("=")[2] or (args[i + 1] if i + 1 < len(args) else "")
            if value:
                base = read_args(value)
    config = build_config(registry, command=command, cli_args=args, config_file=config_file, base=base)
    out = console()
    if config.get("auto"):
        config = _apply_auto(registry, command, args, config_file, base, out)
    config = adjust_config(registry, command, config)
    plan = plan_launch(config, registry, command)
    if plan is not None:
        if plan.env.node_rank == 0:  # refuse another run's checkpoints before any process starts
            from rich.markup import escape

            from swiftkit.train.run_folder import claim

            claim(plan.run_dir, config, lambda line: out.print(f"[yellow]{escape(line)}[/yellow]"))
        summary = launch(command, config, plan.env, launcher=plan.launcher, run_dir=plan.run_dir, console=out)
        if not summary:  # a machine other than node 0: rank 0 reports
            out.print(f"[bold green]done[/bold green]: node {plan.env.node_rank}'s processes finished")
            return
        _print_done(out, summary["global_step"], summary["train_loss"], summary.get("last_log") or {},
                    summary["run_dir"], summary["last_checkpoint"])
        return
    from swiftkit import cli

    # a `swift sft` process trains once: what the run does not use may stay out of it
    result = run_training(config, command=command, registry=registry, console=out, lean_imports=cli.OWN_PROCESS)
    _print_done(out, result.global_step, result.train_loss, result.log[-1] if result.log else {},
                result.run_dir, result.last_checkpoint)


def _apply_auto(registry: Any, command: str, args: list[str], config_file: str | None, base: Any, out: Any) -> dict[str, Any]:
    """``--auto``: what the user gave constrains `swift recommend`'s search; what it chooses
    fills the rest, and the run is validated again with it."""
    from swiftkit.core.config import build_config, compose_schema, load_config_file, parse_cli_args
    from swiftkit.resources.recommend import auto_overrides

    given: dict[str, Any] = dict(base or {})
    if config_file:
        given.update(load_config_file(config_file))
    given.update(parse_cli_args(args, compose_schema(registry, command=command)))
    chosen = auto_overrides(given, registry)
    if chosen:
        out.print("--auto chose: " + " ".join(f"--{k} {v}" for k, v in chosen.items()), markup=False, highlight=False)
    return build_config(registry, command=command, cli_args=args, config_file=config_file, base=base, overrides=chosen)


def _print_done(out: Any, steps: int, loss: float | None, last: dict[str, Any], run_dir: str, checkpoint: str | None) -> None:
    loss_text = f", train loss {loss:.4f}" if loss is not None else ""
    out.print(f"[bold green]done[/bold green]: {steps} steps{loss_text}"
              + (f", token_acc {last['token_acc']:.3f}" if "token_acc" in last else ""))
    out.print(f"run folder: {run_dir}\nlast checkpoint: {checkpoint}")


@dataclass
class LaunchPlan:
    env: Any
    launcher: str
    run_dir: str


def plan_launch(config: dict[str, Any], registry: Any, command: str) -> LaunchPlan | None:
    """How to start the run on several processes, or None to train in this process: more than
    one process asked for, or a strategy chosen, outside a launched worker. Checks the strategy
    before anything starts."""
    from swiftkit.core.parallel.env import ParallelEnv, probe_devices
    from swiftkit.parallel.select import build_strategy, check_strategy, strategy_id
    from swiftkit.train.run import resolve_run_dir

    if ParallelEnv.launched():
        return None
    env = ParallelEnv.from_config(config)
    if not env.distributed and not config.get("strategy"):
        return None
    env.devices = probe_devices()
    sid = strategy_id(config, env, registry)
    strategy = build_strategy(sid, config, registry)
    check_strategy(strategy, env, config)
    launcher = config.get("launcher") or strategy.launcher(env)
    if launcher == "deepspeed":
        import importlib.util

        if importlib.util.find_spec("deepspeed") is None:
            from swiftkit.core.errors import ConfigError

            raise ConfigError("--launcher deepspeed needs DeepSpeed: pip install 'swiftkit[deepspeed]'")
    return LaunchPlan(env=env, launcher=launcher, run_dir=resolve_run_dir(config))


@click.command("sft", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def sft_command(args: tuple[str, ...]) -> None:
    """Supervised fine-tuning."""
    run_command("sft", list(args))


@click.command("pt", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def pt_command(args: tuple[str, ...]) -> None:
    """Continued pre-training on plain text."""
    run_command("pt", list(args))


@click.command("rlhf", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def rlhf_command(args: tuple[str, ...]) -> None:
    """Alignment: --rlhf_type dpo, kto, orpo, simpo, cpo, rm, ppo, grpo, gkd (`swift list methods`)."""
    run_command("rlhf", list(args))
