"""A run's data from its configuration: the data arguments (ms-swift's names) mapped onto
:func:`~swiftkit.data.prepare_datasets`, :mod:`~swiftkit.data.cached` (``--cached_dataset``) and
:mod:`~swiftkit.data.streaming` (``--streaming``). Training and ``swift export
--to_cached_dataset`` both come through here, so a cached folder holds exactly the rows a run
would have tokenized."""

from __future__ import annotations

from typing import Any

from swiftkit.core.data.errors import DatasetError
from swiftkit.core.errors import ConfigError


def load_options(config: dict[str, Any]) -> Any:
    """:class:`~swiftkit.data.pipeline.LoadOptions` from the run config."""
    from swiftkit.data.custom_info import read_custom_info
    from swiftkit.data.pipeline import LoadOptions

    return LoadOptions(
        load_from_cache_file=config.get("load_from_cache_file", True),
        download_mode=config.get("download_mode"),
        columns=config.get("columns") or None,
        model_name=config.get("model_name"),
        model_author=config.get("model_author"),
        custom=read_custom_info(config.get("custom_dataset_info")) or None,
        interleave_prob=config.get("interleave_prob") or None,
        stopping_strategy=config.get("stopping_strategy") or "first_exhausted",
    )


def media_options(config: dict[str, Any], processor_dir: str | None) -> Any:
    """The run's :class:`~swiftkit.core.templates.media.MediaOptions` (``--max_pixels`` ...,
    else ``$MAX_PIXELS`` ...) for a template reading the processor files of ``processor_dir``
    (the checkpoint folder); a value that is not a positive number is a :class:`ConfigError`.
    Training and ``swift export --to_cached_dataset`` configure their templates with it, so a
    cached dataset matches the run that reads it."""
    from swiftkit.core.templates.media import MediaOptions

    try:
        return MediaOptions.from_config(config, processor_dir=processor_dir)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def data_seed(config: dict[str, Any]) -> int:
    """``--data_seed`` (default 42; ``--seed`` does not change the data, as in ms-swift)."""
    value = config.get("data_seed")
    return int(value if value is not None else 42)


def check_data_config(config: dict[str, Any]) -> None:
    """The data arguments that cannot go together, refused before anything loads."""
    if config.get("remove_unused_columns") is False:
        raise ConfigError("--remove_unused_columns false is not supported: swiftkit's rows carry exactly the columns the "
                          "objective's data layout declares (GRPO keeps its reward columns that way); to hand another "
                          "column to a loss, write a DataLayout that declares it (docs/plugins)")
    if config.get("to_cached_dataset"):
        raise ConfigError("--to_cached_dataset is an option of `swift export` (it writes the tokenized rows that "
                          "--cached_dataset then trains from)")
    if not config.get("dataset") and not config.get("cached_dataset"):
        raise ConfigError("--dataset is required (registered dataset ids or local files), or --cached_dataset")
    if config.get("streaming"):
        if (config.get("max_steps") or -1) <= 0:
            raise ConfigError("--streaming true needs --max_steps: a stream has no length to count epochs by")
        if config.get("cached_dataset") or config.get("cached_val_dataset"):
            raise ConfigError("--streaming true and --cached_dataset do not go together: a cached dataset is "
                              "tokenized already; drop --streaming")
        if float(config.get("split_dataset_ratio") or 0) > 0:
            raise ConfigError("--streaming true cannot split a validation set off a stream (--split_dataset_ratio); "
                              "give --val_dataset")
        if config.get("packing"):
            raise ConfigError("--streaming true does not pack rows (--packing); use --padding_free true instead")


def prepare_run_data(config: dict[str, Any], *, registry: Any, template: Any, tokenizer: Any, layout: Any,
                     max_length: int | None, console: Any = None) -> Any:
    """The run's :class:`~swiftkit.data.PreparedData` (``.streaming`` true for streams)."""
    from swiftkit.data import prepare_datasets

    check_data_config(config)
    options = load_options(config)
    seed = data_seed(config)
    common = dict(template=template, tokenizer=tokenizer, layout=layout, max_length=max_length,
                  truncation_strategy=config.get("truncation_strategy", "delete"),
                  loss_scale=config.get("loss_scale", "default"), strict=config.get("strict", True))
    hub = {"use_hf": config.get("use_hf"), "hub_token": config.get("hub_token")}
    if config.get("streaming"):
        from swiftkit.data.streaming import stream_datasets

        if console is not None:
            console.print("streaming: rows are checked and tokenized as training reads them")
        return stream_datasets(dataset=list(config.get("dataset") or []), val_dataset=list(config.get("val_dataset") or []),
                               registry=registry, shuffle=config.get("dataset_shuffle", True),
                               val_shuffle=config.get("val_dataset_shuffle", False), seed=seed,
                               shuffle_buffer_size=config.get("shuffle_buffer_size") or 1000, options=options, hub=hub,
                               **common)
    fresh = None
    if config.get("dataset"):
        fresh = prepare_datasets(
            dataset=config["dataset"], val_dataset=config.get("val_dataset") or [],
            split_dataset_ratio=config.get("split_dataset_ratio") or 0.0, registry=registry,
            num_proc=config.get("dataset_num_proc", 1), shuffle=config.get("dataset_shuffle", True),
            val_shuffle=config.get("val_dataset_shuffle", False), seed=seed,
            packing=bool(config.get("packing")) and not config.get("cached_dataset"),
            packing_length=config.get("packing_length"), packing_num_proc=config.get("packing_num_proc") or 1,
            console=None if config.get("cached_dataset") else console, hub=hub, options=options, **common)
    if not config.get("cached_dataset"):
        if config.get("cached_val_dataset"):
            fresh.val = _with_cached_val(fresh.val, config, common, layout, fresh.report)
        return fresh
    return _from_cache(config, common, layout, fresh, seed, console)


def _identity(common: dict[str, Any], layout: Any) -> dict[str, Any]:
    from swiftkit.data.cached import identity

    return identity(tokenizer=common["tokenizer"], template=common["template"], layout=layout,
                    max_length=common["max_length"], truncation_strategy=common["truncation_strategy"],
                    loss_scale=common["loss_scale"])


def _with_cached_val(val: Any, config: dict[str, Any], common: dict[str, Any], layout: Any, report: Any) -> Any:
    import datasets

    from swiftkit.data.cached import load_cached

    cached = load_cached(list(config["cached_val_dataset"]), "train", _identity(common, layout), report)
    if val is None:
        return cached
    return datasets.concatenate_datasets([val, cached])


def _from_cache(config: dict[str, Any], common: dict[str, Any], layout: Any, fresh: Any, seed: int, console: Any) -> Any:
    """Train (and validation) rows from ``--cached_dataset`` folders, with any fresh rows."""
    import time

    import datasets

    from swiftkit.data.cached import load_cached
    from swiftkit.data.pipeline import PreparedData, _Run
    from swiftkit.data.report import DataReport, TokenStats

    started = time.perf_counter()
    report = fresh.report if fresh is not None else DataReport()
    ident = _identity(common, layout)
    train = load_cached(list(config["cached_dataset"]), "train", ident, report)
    val = load_cached(list(config["cached_dataset"]), "val", ident, report)
    if config.get("cached_val_dataset"):
        extra = load_cached(list(config["cached_val_dataset"]), "train", ident, report)
        val = extra if val is None else datasets.concatenate_datasets([val, extra])
    if fresh is not None:
        train = datasets.concatenate_datasets([fresh.train, train])
        if fresh.val is not None:
            val = fresh.val if val is None else datasets.concatenate_datasets([fresh.val, val])
    if config.get("dataset_shuffle", True) and len(train) > 1:
        train = train.shuffle(seed=seed)
    if val is None and float(config.get("split_dataset_ratio") or 0) > 0 and len(train) > 1:
        n_val = max(1, round(len(train) * float(config["split_dataset_ratio"])))
        if n_val >= len(train):
            raise DatasetError(f"split_dataset_ratio {config['split_dataset_ratio']} of {len(train)} rows leaves no training rows")
        parts = train.train_test_split(test_size=n_val, shuffle=True, seed=seed)
        train, val = parts["train"], parts["test"]
    report.train = _stats(train, TokenStats)
    if val is not None:
        report.val = _stats(val, TokenStats)
    if config.get("packing"):
        run = _Run(registry=None, template=None, tokenizer=common["tokenizer"], layout=layout,
                   max_length=common["max_length"], truncation_strategy=common["truncation_strategy"],
                   loss_scale=common["loss_scale"], strict=True, num_proc=1, shuffle=config.get("dataset_shuffle", True),
                   seed=seed, cache_dir=None, progress=None, options=load_options(config))
        run.report = report
        length = config.get("packing_length") or common["max_length"]
        train = run.pack(train, "train", report.train, length, config.get("packing_num_proc") or 1)
        if val is not None:
            val = run.pack(val, "val", report.val, length, config.get("packing_num_proc") or 1)
    report.seconds = time.perf_counter() - started
    if console is not None:
        console.print(f"cached dataset: {len(train)} training rows"
                      + (f", {len(val)} validation rows" if val is not None else "") + " (not tokenized again)")
        report.render(console)
    return PreparedData(train=train, val=val, report=report)


def _stats(ds: Any, cls: Any) -> Any:
    import numpy as np
    import pyarrow.compute as pc

    from swiftkit.data.pipeline import _arrow_column, _column

    lengths = _column(ds, "length").astype(int) if len(ds) else np.asarray([], dtype=int)
    trainable = 0
    if len(ds) and "labels" in ds.column_names:  # pair layouts label chosen/rejected columns instead
        trainable = int(pc.sum(pc.not_equal(_arrow_column(ds, "labels").flatten(), -100)).as_py() or 0)
    return cls(rows=len(ds), tokens=int(lengths.sum()), trainable_tokens=trainable,
               min_length=int(lengths.min()) if len(lengths) else 0, max_length=int(lengths.max()) if len(lengths) else 0,
               mean_length=float(lengths.mean()) if len(lengths) else 0.0)
