"""``swift eval``: score a model, a training checkpoint or a running server on benchmarks and
local evaluation files, through an evaluation backend plugin (``swift list eval-backends``).

    swift eval --model output/v0-xxx/checkpoint-50 --eval_dataset mcq.jsonl qa.jsonl --eval_limit 20
    swift eval --model Qwen/Qwen2.5-0.5B-Instruct --eval_backend lm_eval --eval_dataset gsm8k
    swift eval --eval_url http://127.0.0.1:8000/v1 --eval_dataset qa.jsonl --eval_num_proc 4

Each run writes ``<eval_output_dir>/<timestamp>/`` (report.json, report.md, the backend's
per-row files) and prints the table; see :mod:`swiftkit.evaluate` and docs/eval.md.
"""

from __future__ import annotations

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "adapters", "eval_url", "eval_backend", "eval_dataset", "eval_limit", "eval_output_dir",
              "eval_generation_config", "eval_num_proc", "eval_dataset_args", "extra_eval_args", "template",
              "torch_dtype"]


def run_eval_command(args: list[str]) -> None:
    from rich.markup import escape

    from swiftkit.cli.output import console
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.evaluate.runner import run_eval

    if "--help" in args or "-h" in args:
        print_help("eval", "Usage: swift eval (--model M [--adapters DIR] | --eval_url URL) --eval_dataset NAME|FILE ... "
                   "[--eval_backend lm_eval|Native] [--eval_limit N]", _HELP_KEYS,
                   intro="Local files: multiple choice {question, choices, answer} or open QA {question, answer} "
                   "(jsonl); benchmark names (gsm8k, mmlu ...) need the hub.")
        return
    args, config_file = pop_config_file(args)
    registry = get_registry()
    config = adjust_config(registry, "eval", build_config(registry, command="eval", cli_args=args,
                                                          config_file=config_file))
    out = console()
    result = run_eval(config, registry, log=lambda text: out.print(escape(text), highlight=False, soft_wrap=True))
    out.print(result.table(), markup=False, highlight=False, soft_wrap=True)
    out.print(f"[bold green]done[/bold green] in {result.report.seconds:.1f} s: {escape(result.report_json)}",
              soft_wrap=True)  # a path stays whole


@click.command("eval", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def eval_command(args: tuple[str, ...]) -> None:
    """Evaluate a model, checkpoint or server on benchmarks and local files (lm_eval, EvalScope)."""
    run_eval_command(list(args))
