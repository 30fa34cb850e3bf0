"""The cheapest training configuration that fits the devices at hand.

:func:`recommend` walks candidate configurations from cheapest to dearest and returns the first
whose :func:`~swiftkit.resources.estimate.estimate_memory` peak fits ``headroom`` (80 %,
:data:`DEFAULT_HEADROOM`) of one device's memory. "Cheapest" means, in this order of importance:

1. no CPU offload (ZeRO-3-offload runs several times slower: a last resort);
2. the best-quality tuner: full fine-tuning, then LoRA, then QLoRA (LoRA on a 4-bit base
   matches 16-bit LoRA in the QLoRA paper, but it is slower and needs bitsandbytes): the
   tuners' ``recommend.order`` (:class:`~swiftkit.core.specs.MethodSpec`);
3. the least engineering: plain (one device) or DDP, then ZeRO-2, ZeRO-3, FSDP: the strategy
   presets' ``order`` (:class:`~swiftkit.core.specs.StrategySpec`);
4. no gradient checkpointing (it recomputes every layer: about a third more compute);
5. the largest per-device batch up to ``max_batch`` (or exactly the one asked for).

Precision is not a choice: bfloat16 when the devices support it, float16 on older GPUs,
float32 on a CPU. Devices come from flags (:func:`parse_devices`) or from
:func:`swiftkit.core.parallel.env.probe_devices` (which imports torch).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.resources.estimate import Estimate, GiB, estimate_memory
from swiftkit.resources.profiles import (
    DEFAULT_RANK,
    configured_strategy,
    search_strategies,
    search_tuners,
    strategies_named,
    strategy_profile,
    tuner_profile,
)
from swiftkit.resources.shape import ModelShape, shape_of_model

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import Devices
    from swiftkit.core.registry import Registry

#: share of a device's memory a recommended configuration's estimated peak may take. The rest
#: covers what the estimate does not see: allocator fragmentation beyond its 5 % slack (rows of
#: varying length reshape every step), evaluation, a longer batch than planned, a desktop on a
#: consumer card, and the estimate's own error against real runs (ms-swift measured 22 GB for
#: the 7B LoRA run estimated at 20.2 GiB, +9 %; 2 x 16 GiB for 7B LoRA under ZeRO-3 estimated
#: at 13.1 GiB, +22 %). 0.8 lets a run need 25 % more than estimated before the card is full.
DEFAULT_HEADROOM = 0.8
#: share of the host's RAM that CPU offload may take
HOST_HEADROOM = 0.9
DEFAULT_SEQ_LEN = 2048
DEFAULT_MAX_BATCH = 16


# -- devices -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hardware:
    """What a run may use: ``count`` devices of ``memory_gib`` each (GiB: a "24 GB" card has
    24 GiB), whether they compute in bfloat16, and the host's RAM (for offload) when known."""

    count: int
    memory_gib: float
    bf16: bool = True
    kind: str = "cuda"
    host_memory_gib: float | None = None
    name: str = ""

    @property
    def label(self) -> str:
        if self.kind == "cpu":
            return f"CPU ({self.memory_gib:g} GiB RAM)"
        return f"{self.count}x{self.memory_gib:g}GB"

    @property
    def dtype(self) -> str:
        if self.kind == "cpu":
            return "float32"
        return "bfloat16" if self.bf16 else "float16"

    @classmethod
    def from_devices(cls, devices: Devices) -> Hardware:
        host = host_memory_gib()
        if not devices.has_gpu:
            return cls(count=1, memory_gib=round(host or 0, 1), bf16=False, kind="cpu", host_memory_gib=host, name="cpu")
        return cls(
            count=devices.count,
            memory_gib=round(min(devices.memory_gib), 1),
            bf16=devices.bf16,
            kind=devices.kind,
            host_memory_gib=host,
            name=devices.names[0] if devices.names else "",
        )


#: the hardware of ``swift recommend --table``: a 24 GB card (RTX 3090/4090), an 80 GB card
#: (A100/H100) and a node of eight
COMMON_HARDWARE = (Hardware(1, 24), Hardware(1, 80), Hardware(8, 80))

_DEVICES_RE = re.compile(r"^\s*(?:(\d+)\s*[x*×]\s*)?(\d+(?:\.\d+)?)\s*(?:gib|gb|g)?\s*$", re.IGNORECASE)


def parse_devices(text: str, *, bf16: bool = True) -> Hardware:
    """``"8x80GB"`` / ``"1x24GB"`` / ``"24GB"`` / ``"2*40"`` -> :class:`Hardware` (GB read as GiB,
    as cards are sold)."""
    m = _DEVICES_RE.match(text or "")
    if not m:
        raise SwiftkitError(f"cannot read devices {text!r}; write COUNTxMEMORY, e.g. 1x24GB or 8x80GB")
    count = int(m.group(1) or 1)
    memory = float(m.group(2))
    if count < 1 or memory <= 0:
        raise SwiftkitError(f"devices {text!r}: the count and the memory must be positive")
    return Hardware(count=count, memory_gib=memory, bf16=bf16)


def host_memory_gib() -> float | None:
    """Physical RAM of this machine, without importing anything (None where unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GiB
    except (AttributeError, ValueError, OSError):
        return None


def detect_hardware() -> Hardware:
    """This machine's devices (imports torch through :func:`probe_devices`)."""
    from swiftkit.core.parallel.env import probe_devices

    return Hardware.from_devices(probe_devices())


# -- candidates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One training configuration: a tuner and a strategy preset by name (see
    :mod:`swiftkit.resources.profiles`), read from the process-wide registry."""

    tuner: str
    dtype: str
    strategy: str
    world_size: int
    gradient_checkpointing: bool
    batch_size: int
    quant_bits: int | None = None

    def describe(self) -> str:
        tuner = tuner_profile(self.tuner)
        parts = [tuner.label + (f" ({self.quant_bits}-bit base)" if tuner.quantized and self.quant_bits else "")]
        parts.append(self.dtype)
        if self.strategy != "none":
            parts.append(f"{self.strategy} over {self.world_size} devices")
        parts.append("gradient checkpointing" if self.gradient_checkpointing else "no gradient checkpointing")
        parts.append(f"batch {self.batch_size} per device")
        return ", ".join(parts)

    def overrides(self) -> dict[str, Any]:
        """The run-config keys that select this configuration."""
        out: dict[str, Any] = {
            "train_type": self.tuner,
            "torch_dtype": self.dtype,
            "gradient_checkpointing": self.gradient_checkpointing,
            "per_device_train_batch_size": self.batch_size,
        }
        tuner, strategy = tuner_profile(self.tuner), strategy_profile(self.strategy)
        if self.quant_bits and tuner.option("bits"):
            out[tuner.option("bits")] = self.quant_bits
            # FSDP / ZeRO-3 shard by dtype: bitsandbytes must pack the weights in the compute dtype
            if strategy.shards == "parameters" and tuner.option("storage"):
                out[tuner.option("storage")] = self.dtype
        out.update(strategy.select)
        if self.world_size > 1:
            out["nproc_per_node"] = self.world_size
        return out

    def sft_flags(self, seq_len: int | None = None) -> list[str]:
        """Ready-to-paste ``swift sft`` flags (the process count goes in ``NPROC_PER_NODE``,
        see :meth:`command`)."""
        flags = []
        for key, value in self.overrides().items():
            if key != "nproc_per_node":
                flags += [f"--{key}", str(value).lower() if isinstance(value, bool) else str(value)]
        if seq_len:
            flags += ["--max_length", str(seq_len)]
        return flags

    def command(self, model: str, seq_len: int | None = None) -> str:
        """The whole ``swift sft`` command line, ms-swift style (``NPROC_PER_NODE=8 swift sft ...``)."""
        env = f"NPROC_PER_NODE={self.world_size} " if self.world_size > 1 else ""
        return f"{env}swift sft --model {model} {' '.join(self.sft_flags(seq_len))} --dataset ..."


def _strategies(hw: Hardware, allowed: tuple[str, ...] | None) -> list[str]:
    if allowed:  # what the user fixed, even ZeRO-offload on one GPU
        return list(allowed)
    return search_strategies(devices=1 if hw.kind == "cpu" else hw.count)


def candidates(
    hw: Hardware,
    *,
    tuners: tuple[str, ...] | None = None,
    strategies: tuple[str, ...] | None = None,
    checkpointing: tuple[bool, ...] = (False, True),
    dtype: str | None = None,
    quant_bits: int = 4,
) -> Iterator[Candidate]:
    """Every configuration worth trying on ``hw``, cheapest first (batch size 1; the caller
    grows it). ``tuners`` defaults to the tuners whose spec gives a ``recommend.order``, in
    that order; ``strategies`` to the presets with an ``order``. See the module docstring."""
    order = []
    for name in _strategies(hw, strategies):
        strategy = strategy_profile(name)
        s_rank = -1 if not strategy.distributed else strategy.order if strategy.order is not None else float("inf")
        for t_rank, tuner in enumerate(tuners or search_tuners()):
            quantized = tuner_profile(tuner).quantized
            for ckpt in checkpointing:
                cand = Candidate(
                    tuner=tuner,
                    dtype=dtype or hw.dtype,
                    strategy=strategy.name,  # a strategy id given: its default preset
                    world_size=hw.count if strategy.distributed else 1,
                    gradient_checkpointing=ckpt,
                    batch_size=1,
                    quant_bits=quant_bits if quantized else None,
                )
                order.append(((strategy.offload, t_rank, s_rank, ckpt), cand))
    for _, cand in sorted(order, key=lambda rc: rc[0]):
        yield cand


# -- recommending ------------------------------------------------------------------------------


@dataclass
class Recommendation:
    """The configuration chosen for ``model`` on ``hardware`` (``candidate`` None when nothing
    fits) and its estimate; ``nearest`` is the smallest estimate seen when nothing fits."""

    model: str
    shape: ModelShape
    hardware: Hardware
    seq_len: int
    headroom: float
    candidate: Candidate | None
    estimate: Estimate | None
    tried: int = 0
    nearest: tuple[Candidate, Estimate] | None = None
    notes: list[str] = field(default_factory=list)
    #: the tuners and strategy presets the search went through, in its order
    searched: dict[str, list[str]] = field(default_factory=dict)

    @property
    def budget_bytes(self) -> int:
        return int(self.hardware.memory_gib * GiB * self.headroom)

    @property
    def fits(self) -> bool:
        return self.candidate is not None

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        out: dict[str, Any] = {
            "model": self.model,
            "hardware": asdict(self.hardware) | {"label": self.hardware.label},
            "seq_len": self.seq_len,
            "headroom": self.headroom,
            "budget_gib": round(self.budget_bytes / GiB, 3),
            "fits": self.fits,
            "approximate_shape": self.shape.approximate,
            "shape": self.shape.to_dict(),
            "tried": self.tried,
            "searched": self.searched,
            "notes": self.notes,
        }
        if self.candidate is not None and self.estimate is not None:
            out["config"] = asdict(self.candidate)
            out["description"] = self.candidate.describe()
            out["overrides"] = self.candidate.overrides()
            out["sft_flags"] = self.candidate.sft_flags(self.seq_len)
            out["command"] = self.candidate.command(self.model, self.seq_len)
            out["estimate"] = self.estimate.to_dict()
        elif self.nearest is not None:
            cand, est = self.nearest
            out["nearest"] = {"config": asdict(cand), "description": cand.describe(), "estimate": est.to_dict()}
        return out


def _estimate(
    shape: ModelShape, cand: Candidate, hw: Hardware, seq_len: int, lora_rank: int, qlora_upcast: str = "norms",
    freezes: dict[str, bool] | None = None,
) -> Estimate:
    return estimate_memory(
        shape,
        tuner=cand.tuner,
        lora_rank=lora_rank,
        quant_bits=cand.quant_bits or 4,
        dtype=cand.dtype,
        seq_len=seq_len,
        batch_size=cand.batch_size,
        gradient_checkpointing=cand.gradient_checkpointing,
        strategy=cand.strategy,
        world_size=cand.world_size,
        device="cpu" if hw.kind == "cpu" else "cuda",
        qlora_upcast=qlora_upcast,
        **(freezes or {}),
    )


def _host_ok(est: Estimate, hw: Hardware) -> bool:
    return not est.host_bytes or hw.host_memory_gib is None or est.host_bytes <= hw.host_memory_gib * GiB * HOST_HEADROOM


def recommend(
    shape: ModelShape,
    hardware: Hardware,
    *,
    model: str = "",
    seq_len: int = DEFAULT_SEQ_LEN,
    batch_size: int | None = None,
    max_batch: int = DEFAULT_MAX_BATCH,
    tuners: tuple[str, ...] | None = None,
    strategies: tuple[str, ...] | None = None,
    gradient_checkpointing: bool | None = None,
    dtype: str | None = None,
    lora_rank: int = DEFAULT_RANK,
    quant_bits: int = 4,
    headroom: float = DEFAULT_HEADROOM,
    qlora_upcast: str = "norms",
    freezes: dict[str, bool] | None = None,
) -> Recommendation:
    """The cheapest configuration of ``shape`` that fits ``headroom`` of one device of
    ``hardware``, with its estimate. ``tuners`` (registered tuner names) / ``strategies``
    (strategy presets or strategy ids) / ``gradient_checkpointing`` / ``dtype`` / ``batch_size``
    restrict the search to what the user fixed; otherwise the batch grows in powers of two up
    to ``max_batch``. ``lora_rank`` is the adapters' rank, ``quant_bits`` and ``qlora_upcast``
    the values of a quantized tuner's bits and upcast options (``"norms"``, the qlora tuner's
    default, or ``"all"``). ``freezes``: a multimodal run's ``freeze_vit`` / ``freeze_aligner`` /
    ``freeze_llm`` (ms-swift's defaults when left out)."""
    budget = int(hardware.memory_gib * GiB * headroom)
    tuners = tuple(t for t in (tuners or search_tuners()) if t)
    ckpts = (False, True) if gradient_checkpointing is None else (bool(gradient_checkpointing),)
    searched = {"tuners": list(tuners), "strategies": [strategy_profile(n).name for n in _strategies(hardware, strategies)]}
    tried = 0
    nearest: tuple[Candidate, Estimate] | None = None
    for cand in candidates(hardware, tuners=tuners, strategies=strategies, checkpointing=ckpts, dtype=dtype, quant_bits=quant_bits):
        sizes = [batch_size] if batch_size else [b for b in (1, 2, 4, 8, 16, 32, 64, 128) if b <= max(max_batch, 1)]
        best: tuple[Candidate, Estimate] | None = None
        for size in sizes:
            trial = replace(cand, batch_size=size)
            est = _estimate(shape, trial, hardware, seq_len, lora_rank, qlora_upcast, freezes)
            tried += 1
            if nearest is None or est.total < nearest[1].total:
                nearest = (trial, est)
            if est.total <= budget and _host_ok(est, hardware):
                best = (trial, est)
            else:
                break  # a larger batch only needs more
        if best is not None:
            notes = list(best[1].notes)
            return Recommendation(model, shape, hardware, seq_len, headroom, best[0], best[1], tried, None, notes, searched)
    notes = ["nothing fits: try a shorter --max_length, more devices, or devices with more memory"]
    if shape.approximate:
        notes.append(f"approximate: the model's shape was {shape.source}")
    return Recommendation(model, shape, hardware, seq_len, headroom, None, None, tried, nearest, notes, searched)


def recommend_table(shape: ModelShape, hardware: tuple[Hardware, ...] = COMMON_HARDWARE, **kwargs: Any) -> list[Recommendation]:
    """:func:`recommend` for each of ``hardware`` (by default 1x24GB, 1x80GB, 8x80GB)."""
    return [recommend(shape, hw, **kwargs) for hw in hardware]


# -- --auto ------------------------------------------------------------------------------------


def auto_overrides(config: dict[str, Any], registry: Registry | None = None, *, hardware: Hardware | None = None) -> dict[str, Any]:
    """Run-config keys ``--auto`` sets: the cheapest configuration that fits this machine.

    ``config`` holds what the user gave (no schema defaults filled in): a key given there is a
    constraint (``train_type``, ``torch_dtype``, ``gradient_checkpointing``,
    ``per_device_train_batch_size``, a strategy: ``--strategy`` or a strategy's own flag such
    as ``--deepspeed``, ``nproc_per_node``, the tuner's rank / quantization options) and is not
    returned. The run is sized for ``max_length`` (2048 when not given; it is then returned
    too, so that no row can outgrow the estimate). Returned keys may include ``train_type``,
    the tuner's quantization keys, ``torch_dtype``, ``gradient_checkpointing``,
    ``per_device_train_batch_size``, the strategy preset's ``select`` keys, ``nproc_per_node``
    and ``max_length``. Devices are probed (torch) unless ``hardware`` is given. Raises
    :class:`SwiftkitError` when nothing fits.
    """
    from swiftkit.core.registry import get_registry

    model = config.get("model") or config.get("model_type")
    if not model:
        raise SwiftkitError("--auto needs --model")
    registry = get_registry() if registry is None else registry
    shape, model_id = shape_of_model(str(model), registry)
    hw = hardware or detect_hardware()
    if config.get("nproc_per_node"):
        hw = replace(hw, count=min(hw.count, int(config["nproc_per_node"])))
    seq_len = int(config.get("max_length") or DEFAULT_SEQ_LEN)
    dtype = config.get("torch_dtype") if config.get("torch_dtype") not in (None, "auto") else None
    tuner = tuner_profile(str(config["train_type"]), registry) if config.get("train_type") else None
    fixed = configured_strategy(config, registry)  # None: the search is not constrained
    # the tuners' own option keys (rank, bits, upcast) carry the values the estimate needs
    profiles = [tuner] if tuner else [tuner_profile(t, registry) for t in search_tuners(registry)]

    def given(keys: list[str | None], default: Any) -> Any:
        values = [config[k] for k in dict.fromkeys(keys) if k and config.get(k) is not None]
        return values[0] if values else default

    rec = recommend(
        shape,
        hw,
        model=model_id,
        seq_len=seq_len,
        batch_size=config.get("per_device_train_batch_size"),
        tuners=(tuner.id,) if tuner else None,
        strategies=(fixed.name,) if fixed else None,
        gradient_checkpointing=config.get("gradient_checkpointing"),
        dtype=dtype,
        lora_rank=int(given([p.rank_option for p in profiles], DEFAULT_RANK)),
        quant_bits=int(given([p.option("bits") for p in profiles], 4)),
        qlora_upcast=str(given([p.option("upcast") for p in profiles], "norms")),
        freezes={k: bool(config[k]) for k in ("freeze_vit", "freeze_aligner", "freeze_llm") if config.get(k) is not None},
    )
    if rec.candidate is None:
        near = ""
        if rec.nearest is not None:
            cand, est = rec.nearest
            near = f"; the smallest ({cand.describe()}) needs {est.gib():.1f} GiB"
        raise SwiftkitError(
            f"--auto: no configuration of {model_id} at max_length {seq_len} fits {hw.label} "
            f"(budget {rec.budget_bytes / GiB:.1f} GiB per device){near}. Try a shorter --max_length or more devices."
        )
    out = {k: v for k, v in rec.candidate.overrides().items() if config.get(k) is None}
    if strategies_named(config, registry):  # the user's strategy stays as given
        for key in ("strategy", *strategy_profile(rec.candidate.strategy, registry).select):
            out.pop(key, None)
    if not config.get("max_length"):
        out["max_length"] = seq_len
    return out
