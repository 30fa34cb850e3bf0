"""``swift sample``: N completions per prompt, scored and filtered, written as training data.

    swift sample --model M --dataset prompts.jsonl --orm_model accuracy --num_return_sequences 8
    swift sample --model M --dataset q.jsonl --orm_model contains --contains_text 7 --sample_format preference
    swift sample --model M --dataset q.jsonl --orm_model rm_checkpoint/ --prm_threshold 0.5 --n_best_to_keep 2
    swift sample --sampler_type distill --sampler_engine client --base_url http://127.0.0.1:8000/v1 --dataset q.jsonl

The rows go to ``--output_dir``/``--output_file`` (default ``sample_output/<sampler_type>.jsonl``)
in a format ``swift sft`` (``--sample_format sft``) or ``swift rlhf --rlhf_type dpo``
(``--sample_format preference``) reads as ``--dataset``. The run can be interrupted and run
again: it continues. See :mod:`swiftkit.sample` and docs/sample.md.
"""

from __future__ import annotations

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "adapters", "dataset", "sampler_type", "sampler_engine", "base_url", "num_return_sequences",
              "n_best_to_keep", "orm_model", "prm_model", "prm_threshold", "easy_query_threshold", "sample_format",
              "output_dir", "output_file", "override_exist_file", "cache_files", "num_sampling_batch_size",
              "num_sampling_batches", "data_range", "temperature", "max_new_tokens", "system", "seed"]


def run_sample_command(args: list[str]) -> None:
    from rich.markup import escape

    from swiftkit.cli.output import console
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry

    if "--help" in args or "-h" in args:
        print_help("sample", "Usage: swift sample --model M --dataset D --orm_model REWARD [--num_return_sequences N] "
                   "[--key value ...]", _HELP_KEYS)
        return
    args, config_file = pop_config_file(args)
    registry = get_registry()
    config = adjust_config(registry, "sample", build_config(registry, command="sample", cli_args=args,
                                                            config_file=config_file,
                                                            overrides=_engine_override(args, registry)))
    from swiftkit.models.noise import quiet_transformers
    from swiftkit.sample.run import check_config, run_sample

    check_config(config)
    quiet_transformers()
    out = console()
    result = run_sample(config, registry, log=lambda text: out.print(escape(text), highlight=False))
    score = f", mean score {result.mean_score:.3f}" if result.mean_score is not None else ""
    easy = f", {result.easy} too easy" if result.easy else ""
    out.print(f"[bold green]done[/bold green] in {result.seconds:.1f} s: {result.sampled} prompts sampled "
              f"({result.skipped} skipped), {result.completions} completions, {result.accepted} accepted{easy}{score}; "
              f"{result.rows} rows -> {escape(result.output_file)}", highlight=False)


def _engine_override(args: list[str], registry: object) -> dict[str, str] | None:
    """``--sampler_engine vllm`` chooses the engine as ``--infer_backend`` would, so that its own
    flags (``--vllm_max_model_len`` ...) are accepted."""
    flags = [a.split("=", 1) if "=" in a else [a] for a in args]
    names = [f[0].lstrip("-").replace("-", "_") for f in flags]
    if "infer_backend" in names or "sampler_engine" not in names:
        return None
    i = names.index("sampler_engine")
    value = flags[i][1] if len(flags[i]) > 1 else (args[i + 1] if i + 1 < len(args) else "")
    return {"infer_backend": value} if ("engine", value) in registry else None  # type: ignore[operator]


@click.command("sample", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def sample_command(args: tuple[str, ...]) -> None:
    """Sample N completions per prompt, score and filter them, write SFT or preference rows."""
    run_sample_command(list(args))
