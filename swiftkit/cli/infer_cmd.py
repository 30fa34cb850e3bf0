"""``swift infer``: ask a model, in the terminal or over a dataset.

Flags are run-config keys (ms-swift's names, dashed spellings too, ``--config FILE``)::

    swift infer --model output/v0-xxx/checkpoint-100                 # a LoRA checkpoint: base, template, adapter from args.json
    swift infer --model Qwen/Qwen2.5-7B-Instruct --adapters ckpt --stream --system "Be brief."
    swift infer --model ckpt --val_dataset val.jsonl#200 --max_batch_size 32 --result_path out.jsonl

Without ``--val_dataset`` it is a multi-turn chat on stdin (``clear``, ``exit``); with it, every
row's conversation minus its final reply is asked, and the answers are written as jsonl next
to the reference replies, with the throughput printed. When adapters are served, requests use
the first one (ms-swift's ``--adapters``).
"""

from __future__ import annotations

from typing import Any

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "adapters", "infer_backend", "template", "system", "max_new_tokens", "temperature", "top_k",
              "top_p", "repetition_penalty", "stop_words", "logprobs", "stream", "val_dataset", "val_dataset_sample",
              "max_batch_size", "result_path", "torch_dtype", "max_length"]


def infer_config(args: list[str], registry: Any) -> dict[str, Any]:
    """The validated run config of ``swift infer`` (the ``pt`` engine unless ``--infer_backend``)."""
    from swiftkit.core.config import build_config

    args, config_file = pop_config_file(args)
    base = {"infer_backend": "pt"} if ("engine", "pt") in registry else None
    config = build_config(registry, command="infer", cli_args=args, config_file=config_file, base=base)
    return adjust_config(registry, "infer", config)


def sampling_options(config: dict[str, Any]) -> Any:
    from swiftkit.core.engines.interface import SamplingOptions

    defaults = SamplingOptions()

    def given(key: str, default: Any) -> Any:
        return config[key] if config.get(key) is not None else default

    return SamplingOptions(
        max_tokens=int(config.get("max_new_tokens") or defaults.max_tokens),
        temperature=float(given("temperature", defaults.temperature)),
        top_p=float(given("top_p", defaults.top_p)),
        top_k=int(given("top_k", defaults.top_k)),
        repetition_penalty=float(given("repetition_penalty", defaults.repetition_penalty)),
        stop=list(config.get("stop_words") or []),
        logprobs=bool(config.get("logprobs")),
        top_logprobs=int(config.get("top_logprobs") or 0) if config.get("logprobs") else 0,
        seed=config.get("seed"),
    )


def sample_rows(rows: list[Any], count: int | None, seed: int) -> list[Any]:
    """``--val_dataset_sample``: ``count`` rows drawn without replacement (kept in file order),
    or every row when there are no more than that."""
    if not count or count >= len(rows):
        return rows
    import random

    keep = sorted(random.Random(seed).sample(range(len(rows)), count))
    return [rows[i] for i in keep]


def _checkpoint_folder(config: dict[str, Any], resolved: Any) -> str | None:
    """Where results go by default: the first adapter's folder, or a training checkpoint given as --model."""
    import os

    if resolved.adapters:
        return next(iter(resolved.adapters.values()))
    model = config.get("model")
    if model and os.path.isdir(model) and resolved.run_args:
        return model
    return None


def run_infer(args: list[str]) -> None:
    from rich.markup import escape

    from swiftkit.cli.output import console
    from swiftkit.core.registry import get_registry

    if "--help" in args or "-h" in args:
        print_help("infer", "Usage: swift infer --model M [--adapters A ...] [--val_dataset D] [--key value ...]",
                   _HELP_KEYS)
        return
    registry = get_registry()
    config = infer_config(list(args), registry)
    out = console()
    from swiftkit.infer.tasks import CAUSAL_LM, given_task

    if given_task(config) not in (None, CAUSAL_LM):  # a classifier, an embedding model: its own rows and answers
        _task_infer(config, registry, out)
        return
    rows = None
    for key in ("cached_dataset", "cached_val_dataset", "streaming", "to_cached_dataset"):
        if config.get(key):
            raise click.UsageError(f"--{key} is a training option; swift infer reads --val_dataset rows as they are")
    if config.get("val_dataset"):  # read (and check) the data before loading any model
        from swiftkit.data.rows import read_conversations
        from swiftkit.data.run_data import data_seed, load_options

        data = read_conversations(config["val_dataset"], registry=registry, strict=config.get("strict", True),
                                  seed=data_seed(config), hub=config, options=load_options(config))
        rows = sample_rows(data.rows, config.get("val_dataset_sample"), data_seed(config))
        if data.skipped:
            out.print(f"[yellow]skipped {data.skipped} malformed row(s)[/yellow]: " + escape("; ".join(data.first_skipped or [])))
        if not rows:
            raise click.UsageError("--val_dataset holds no rows to ask")

    from swiftkit.infer.factory import create_engine, default_adapter
    from swiftkit.models.noise import quiet_transformers

    quiet_transformers()
    engine, resolved = create_engine(config, registry)
    for line in resolved.notices:
        out.print(f"note: {escape(line)}")
    try:
        if getattr(engine, "predictor", None) is not None:  # a registered task model (Qwen3-Embedding ...)
            from swiftkit.infer.tasks import task_infer

            task_infer(engine, config, out, result_path=config.get("result_path"))
            return
        adapter = default_adapter(resolved)
        adapters = ", ".join(f"{name}={path}" for name, path in resolved.adapters.items()) or "none"
        out.print(f"[bold]model[/bold] {escape(resolved.model_dir)} ({resolved.model_id}), template {resolved.template}, "
                  f"backend {engine.spec.id}, adapters: {escape(adapters)}"
                  + (f" (requests use {escape(adapter)})" if adapter else ""))
        sampling = sampling_options(config)
        system = config.get("system")
        if rows is None:
            from swiftkit.infer.interactive import chat_loop

            chat_loop(engine, sampling=sampling, adapter=adapter, system=system, stream=bool(config.get("stream")))
            return
        from swiftkit.infer.batch import default_result_path, infer_rows

        result_path = config.get("result_path") or default_result_path(_checkpoint_folder(config, resolved))
        batch_size = int(config.get("max_batch_size") or engine.max_batch_size or 16)
        stats = infer_rows(engine, rows, sampling=sampling, result_path=result_path, adapter=adapter, system=system,
                           batch_size=batch_size, write_batch_size=int(config.get("write_batch_size") or 1000))
        out.print(f"[bold green]done[/bold green]: {stats.rows} rows in {stats.elapsed:.2f} s, "
                  f"{stats.tokens_per_s:.1f} tokens/s ({stats.completion_tokens} completion tokens), "
                  f"{stats.requests_per_s:.2f} requests/s")
        out.print(f"results: {escape(stats.result_path)}", highlight=False)
    finally:
        engine.close()


def _task_infer(config: dict[str, Any], registry: Any, out: Any) -> None:
    """``swift infer`` of a model trained for a task (``--task_type`` or its checkpoint's): the
    task's predictor answers each row or line (:func:`swiftkit.infer.tasks.task_infer`)."""
    from rich.markup import escape

    from swiftkit.infer.factory import create_engine
    from swiftkit.infer.tasks import task_infer
    from swiftkit.models.noise import quiet_transformers

    quiet_transformers()
    engine, resolved = create_engine(config, registry)
    for line in resolved.notices:
        out.print(f"note: {escape(line)}")
    try:
        task_infer(engine, config, out, result_path=config.get("result_path"))
    finally:
        engine.close()


@click.command("infer", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def infer_command(args: tuple[str, ...]) -> None:
    """Chat with a model in the terminal, or answer every row of --val_dataset."""
    run_infer(list(args))
