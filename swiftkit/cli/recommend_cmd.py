"""``swift recommend``: the cheapest training configuration that fits, with its memory estimate.

Devices come from ``--devices 8x80GB`` or ``--gpus 8 --gpu_memory 80``; without them this
machine's devices are probed, which is the only case that imports torch.
"""

from __future__ import annotations

from typing import Any

import click

from swiftkit.cli.output import console, echo_json, table

_TERM_ORDER = ("weights", "gradients", "optimizer", "activations", "logits", "step", "overhead")


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f}"


def _hardware(devices: str | None, gpus: int | None, gpu_memory: float | None, bf16: bool, host_memory: float | None) -> Any:
    from dataclasses import replace

    from swiftkit.resources.recommend import Hardware, detect_hardware, parse_devices

    if devices:
        hw = parse_devices(devices, bf16=bf16)
    elif gpu_memory:
        hw = Hardware(count=gpus or 1, memory_gib=gpu_memory, bf16=bf16)
    else:
        hw = detect_hardware()  # imports torch; --gpus alone caps the devices found
        if gpus:
            hw = replace(hw, count=min(hw.count, gpus))
    if host_memory is not None:
        hw = replace(hw, host_memory_gib=host_memory)
    return hw


def _check_names(train_type: str | None, strategy: str | None) -> None:
    """A tuner or strategy preset the estimate cannot resolve is a usage error naming the choices."""
    from swiftkit.core.errors import SwiftkitError
    from swiftkit.resources.profiles import strategy_profile, tuner_profile

    for value, lookup, hint in ((train_type, tuner_profile, "--train_type"), (strategy, strategy_profile, "--strategy")):
        try:
            if value:
                lookup(value)
        except SwiftkitError as exc:
            raise click.BadParameter(str(exc), param_hint=hint) from exc


def _sft_line(model: str, rec: Any) -> str:
    return rec.candidate.command(model, rec.seq_len)


def _print_one(model: str, rec: Any) -> None:
    out = console()
    hw = rec.hardware
    shape = rec.shape
    out.print(
        f"{rec.model}: {shape.num_params() / 1e9:.2f}B parameters "
        f"({'APPROXIMATE ' if shape.approximate else ''}shape: {shape.source or 'the spec'})",
        markup=False, highlight=False,
    )
    out.print(
        f"devices: {hw.label}{f' ({hw.name})' if hw.name else ''}; budget {_gib(rec.budget_bytes)} GiB per device "
        f"({rec.headroom:.0%} of {hw.memory_gib:g} GiB); max_length {rec.seq_len}",
        markup=False, highlight=False,
    )
    searched = rec.searched
    out.print(f"searched: tuners {', '.join(searched['tuners'])}; strategies {', '.join(searched['strategies'])}",
              markup=False, highlight=False)
    if rec.candidate is None:
        out.print("nothing fits.", markup=False, highlight=False)
        if rec.nearest is not None:
            cand, est = rec.nearest
            out.print(f"smallest tried: {cand.describe()} needs {_gib(est.total)} GiB", markup=False, highlight=False)
            _terms_table(est, "estimate of the smallest configuration tried (GiB per device)")
        for note in rec.notes:
            out.print(f"note: {note}", markup=False, highlight=False)
        return
    out.print(f"recommended: {rec.candidate.describe()}", markup=False, highlight=False)
    out.print(f"  {_sft_line(model, rec)}", markup=False, highlight=False, soft_wrap=True)
    _terms_table(rec.estimate, "estimate per device (GiB)")
    for note in rec.notes:
        out.print(f"note: {note}", markup=False, highlight=False)


def _terms_table(est: Any, title: str) -> None:
    from swiftkit.resources.estimate import TERM_TITLES, TOTAL_FORMULA

    rows = [[TERM_TITLES[k], _gib(est.terms[k]), est.formulas.get(k, "")] for k in _TERM_ORDER]
    rows.append(["peak", _gib(est.total), TOTAL_FORMULA])
    table(title, ["TERM", "GiB", "HOW"], rows, wrap=("TERM", "HOW"))


def _print_table(model: str, recs: list[Any]) -> None:
    rows = []
    for rec in recs:
        c, est = rec.candidate, rec.estimate
        if c is None:
            near = f"{_gib(rec.nearest[1].total)} (smallest)" if rec.nearest else ""
            rows.append([rec.hardware.label, "nothing fits", "", "", "", "", "", near, _gib(rec.budget_bytes)])
            continue
        rows.append([
            rec.hardware.label, c.tuner, f"{c.quant_bits}-bit" if c.quant_bits else "-", c.dtype,
            c.strategy, "yes" if c.gradient_checkpointing else "no", str(c.batch_size), _gib(est.total), _gib(rec.budget_bytes),
        ])
    approx = " (APPROXIMATE shape)" if recs and recs[0].shape.approximate else ""
    title = f"{recs[0].model if recs else model}, max_length {recs[0].seq_len if recs else ''}{approx}"
    table(title, ["DEVICES", "TUNER", "QUANT", "PRECISION", "STRATEGY", "GRAD CKPT", "BATCH", "PEAK GiB", "BUDGET GiB"], rows,
          wrap=("DEVICES",), drop_order=("GRAD CKPT", "BATCH", "PRECISION", "BUDGET GiB", "QUANT", "STRATEGY"))


@click.command("recommend")
@click.option("--model", required=True, help="Registered model id, hub id, family, or a local folder with config.json.")
@click.option("--devices", help="Devices as COUNTxMEMORY, e.g. 1x24GB or 8x80GB (GB read as GiB, as cards are sold).")
@click.option("--gpus", type=click.IntRange(min=1), help="Number of GPUs (with --gpu_memory).")
@click.option("--gpu_memory", "--gpu-memory", "gpu_memory", type=click.FloatRange(min=0, min_open=True), help="GiB per GPU.")
@click.option("--bf16/--no-bf16", default=True, show_default=True, help="Whether the given GPUs compute in bfloat16 (Ampere or newer).")
@click.option("--host_memory", "--host-memory", "host_memory", type=float, help="Host RAM in GiB (checked for CPU offload).")
@click.option("--max_length", "--max-length", "max_length", type=click.IntRange(min=1), default=2048, show_default=True,
              help="Longest training row in tokens (the estimate's sequence length).")
@click.option("--batch_size", "--batch-size", "--per_device_train_batch_size", "batch_size", type=click.IntRange(min=1),
              help="Fix the per-device batch size (default: the largest that fits, up to --max_batch).")
@click.option("--max_batch", "--max-batch", "max_batch", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--train_type", "--train-type", "train_type",
              help="Fix the tuner: any installed one (`swift list methods`); by default the tuners whose spec "
              "gives a recommend order are tried, best first.")
@click.option("--strategy", help="Fix the parallel strategy: none, or a strategy preset its plugin declares "
              "(ddp, zero1 ... zero3_offload, fsdp ...) or a strategy id (its default preset).")
@click.option("--gradient_checkpointing", "--gradient-checkpointing", "gradient_checkpointing", type=bool,
              help="Fix gradient checkpointing on (true) or off (false).")
@click.option("--lora_rank", "--lora-rank", "lora_rank", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--freeze_vit", "freeze_vit", type=bool, help="Multimodal models: whether the vision tower stays frozen "
              "(default true, as in swift sft).")
@click.option("--freeze_aligner", "freeze_aligner", type=bool, help="Multimodal models: whether the aligner stays frozen "
              "(default true).")
@click.option("--freeze_llm", "freeze_llm", type=bool, help="Multimodal models: whether the language model is frozen "
              "(default false).")
@click.option("--headroom", type=click.FloatRange(0, 1, min_open=True), default=0.8, show_default=True,
              help="Share of each device's memory the estimate may use.")
@click.option("--table", "as_table", is_flag=True, help="The matrix over common hardware: 1x24GB, 1x80GB, 8x80GB.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def recommend_command(
    model: str, devices: str | None, gpus: int | None, gpu_memory: float | None, bf16: bool, host_memory: float | None,
    max_length: int, batch_size: int | None, max_batch: int, train_type: str | None, strategy: str | None,
    gradient_checkpointing: bool | None, lora_rank: int, headroom: float, as_table: bool, as_json: bool,
    freeze_vit: bool | None = None, freeze_aligner: bool | None = None, freeze_llm: bool | None = None,
) -> None:
    """Propose the cheapest configuration that fits: tuner, quantization, precision, strategy,
    batch size and gradient checkpointing, with the memory estimate term by term.

    Cheapest means: no CPU offload, then the best tuner (full fine-tuning > LoRA > QLoRA, and
    any installed tuner by its spec's recommend order), then the fewest tricks (no sharding,
    then ZeRO-2, ZeRO-3; no gradient checkpointing), then the largest batch. See
    docs/recommend.md for the formulas and the sources they were checked against.
    """
    from swiftkit.resources.recommend import COMMON_HARDWARE, recommend, recommend_table
    from swiftkit.resources.shape import shape_of_model

    _check_names(train_type, strategy)
    shape, model_id = shape_of_model(model)
    kwargs: dict[str, Any] = dict(
        model=model_id, seq_len=max_length, batch_size=batch_size, max_batch=max_batch,
        tuners=(train_type,) if train_type else None, strategies=(strategy,) if strategy else None,
        gradient_checkpointing=gradient_checkpointing, lora_rank=lora_rank, headroom=headroom,
        freezes={k: v for k, v in (("freeze_vit", freeze_vit), ("freeze_aligner", freeze_aligner),
                                   ("freeze_llm", freeze_llm)) if v is not None},
    )
    if as_table:
        hardware = COMMON_HARDWARE
        if devices or gpus or gpu_memory:
            hardware = (*COMMON_HARDWARE, _hardware(devices, gpus, gpu_memory, bf16, host_memory))
        recs = recommend_table(shape, hardware, **kwargs)
        if as_json:
            echo_json([r.to_dict() for r in recs])
            return
        _print_table(model, recs)
        for note in recs[0].notes if recs and recs[0].shape.approximate else []:
            console().print(f"note: {note}", markup=False, highlight=False)
        return
    rec = recommend(shape, _hardware(devices, gpus, gpu_memory, bf16, host_memory), **kwargs)
    if as_json:
        echo_json(rec.to_dict())
        return
    _print_one(model, rec)
