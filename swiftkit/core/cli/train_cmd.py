"""``swift sft`` and ``swift pt``: flags are the run-config keys (ms-swift's names, dashed
spellings too), composed from the core and the chosen plugins' option schemas and validated
before any model is loaded."""

from __future__ import annotations

import click

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "model_type", "template", "dataset", "val_dataset", "train_type", "max_length",
              "num_train_epochs", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
              "learning_rate", "output_dir", "resume_from_checkpoint", "packing", "torch_dtype"]


def _print_help(command: str) -> None:
    from swiftkit.core.cli.output import console
    from swiftkit.core.config import compose_schema
    from swiftkit.core.registry import get_registry

    props = compose_schema(get_registry(), command=command)["properties"]
    out = console()
    out.print(f"Usage: swift {command} [--config FILE.yaml] --model M --dataset D [--key value ...]\n")
    out.print("Main options (all run-config keys are accepted as --key or --key-name; "
              f"`swift config-schema --command {command}` lists every one):")
    for key in _HELP_KEYS:
        sub = props.get(key, {})
        kind = sub.get("type") or ("one of " + ", ".join(map(str, sub["enum"])) if "enum" in sub else "")
        out.print(f"  --{key:<30} {kind:<12} {sub.get('description', '')}", markup=False, highlight=False)


def _flag_name(arg: str) -> str | None:
    """``--resume-from-checkpoint=x`` -> ``resume_from_checkpoint``; not a flag -> None."""
    if not arg.startswith("--"):
        return None
    return arg[2:].partition("=")[0].replace("-", "_")


def run_command(command: str, args: list[str]) -> None:
    from swiftkit.core.cli.output import console
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.core.train.run import read_args, run_training

    if "--help" in args or "-h" in args:
        _print_help(command)
        return
    args = list(args)
    config_file = None
    for flag in ("--config", "--config_file", "--config-file"):
        if flag in args:
            i = args.index(flag)
            if i + 1 >= len(args):
                raise click.UsageError(f"{flag} needs a file")
            config_file = args[i + 1]
            del args[i : i + 2]
    registry = get_registry()
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
    result = run_training(config, command=command, registry=registry, console=out)
    last = result.log[-1] if result.log else {}
    out.print(f"[bold green]done[/bold green]: {result.global_step} steps, train loss {result.train_loss:.4f}"
              + (f", token_acc {last['token_acc']:.3f}" if "token_acc" in last else ""))
    out.print(f"run folder: {result.run_dir}\nlast checkpoint: {result.last_checkpoint}")


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
    """Preference alignment (--rlhf_type dpo, kto, orpo, simpo, cpo)."""
    run_command("rlhf", list(args))
