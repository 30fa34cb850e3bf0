"""What the memory estimator and ``swift recommend`` know about tuners and strategies: read
from the plugins' specs (``MethodSpec.trains`` / ``recommend``, ``StrategySpec.presets``), so
that a third party's tuner or strategy is estimated and proposed like a built-in one.

Light: reads the registry's spec data, imports no plugin code (except
:func:`configured_strategy`, which asks a strategy's ``memory_preset`` when the run's options
match none of its presets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import SwiftkitError

if TYPE_CHECKING:
    from swiftkit.core.registry import Entry, Registry

#: the rank a tuner's adapters are estimated with when it names no rank option
DEFAULT_RANK = 8
#: ZeRO-style stage of each ``shards`` value
SHARD_LEVELS = {"none": 0, "optimizer": 1, "gradients": 2, "parameters": 3}


@dataclass(frozen=True)
class TunerProfile:
    """A tuner as the estimator models it (see :class:`swiftkit.core.specs.MethodSpec`)."""

    id: str
    weights: str = "adapters"
    rank_option: str | None = None
    quantized: dict[str, str] | None = None
    label: str = ""
    order: int | None = None
    #: False when the spec declares no ``trains``: estimated like rank-8 LoRA adapters
    declared: bool = True

    @property
    def adapters(self) -> bool:
        return self.weights == "adapters"

    @property
    def trains_base_linears(self) -> bool:
        """Whether the base's linear layers (and so the output head) train."""
        return self.weights in ("all", "fraction")

    @property
    def trains_norms(self) -> bool:
        return self.weights in ("all", "fraction", "norms")

    def option(self, name: str) -> str | None:
        """The run-config key of the quantization setting ``name`` (``"bits"``, ``"upcast"`` ...)."""
        return (self.quantized or {}).get(f"{name}_option")


@dataclass(frozen=True)
class StrategyProfile:
    """A strategy preset as the estimator models it (see :class:`swiftkit.core.specs.StrategySpec`);
    :data:`NO_STRATEGY` is one process on one device."""

    name: str
    strategy: str | None = None
    shards: str = "none"
    offload: bool = False
    memory_model: str = "replicated"
    select: dict[str, Any] = field(default_factory=dict)
    order: int | None = None
    single_device: bool = False

    @property
    def stage(self) -> int:
        """0-3: what is partitioned (optimizer states, + gradients, + parameters)."""
        return SHARD_LEVELS[self.shards]

    @property
    def distributed(self) -> bool:
        """Whether a strategy plugin runs (processes in a group), not one plain process."""
        return self.strategy is not None


NO_STRATEGY = StrategyProfile("none")


def _registry(registry: Registry | None) -> Registry:
    if registry is None:
        from swiftkit.core.registry import get_registry

        registry = get_registry()
    return registry


def _tuner_entries(registry: Registry) -> list[Entry]:
    return [e for e in registry.entries("method") if e.data.get("kind") == "tuner"]


def _tuner(entry: Entry) -> TunerProfile:
    trains = entry.data.get("trains")
    rec = entry.data.get("recommend") or {}
    label = rec.get("label") or entry.id
    if not trains:
        return TunerProfile(entry.id, "adapters", None, None, label, rec.get("order"), declared=False)
    if trains.get("quantized") and trains["weights"] != "adapters":
        raise SwiftkitError(f"tuner {entry.id!r} ({entry.plugin.label()}): trains.quantized needs weights 'adapters' "
                            f"(a quantized base is frozen), not {trains['weights']!r}")
    return TunerProfile(entry.id, trains["weights"], trains.get("rank_option"), trains.get("quantized"), label, rec.get("order"))


def tuner_profile(name: str, registry: Registry | None = None) -> TunerProfile:
    """The profile of the tuner ``name`` (id or alias); :class:`SwiftkitError` naming the
    installed tuners when there is none."""
    reg = _registry(registry)
    if ("method", name) in reg and reg.get("method", name).data.get("kind") == "tuner":
        return _tuner(reg.get("method", name))
    names = ", ".join(sorted(e.id for e in _tuner_entries(reg)))
    raise SwiftkitError(f"unknown tuner {name!r}; installed tuners: {names}")


def search_tuners(registry: Registry | None = None) -> tuple[str, ...]:
    """The tuners ``swift recommend`` tries when the user fixes none, best first (by their
    ``recommend.order``)."""
    found = [(p.order, p.id) for p in map(_tuner, _tuner_entries(_registry(registry))) if p.order is not None]
    return tuple(tid for _, tid in sorted(found))


def _presets(entry: Entry) -> dict[str, StrategyProfile]:
    out = {}
    for name, p in (entry.data.get("presets") or {}).items():
        model, shards = p["memory_model"], p["shards"]
        problem = ""
        if p.get("offload") and model != "zero":
            problem = "offloads, which the memory estimate models only for memory_model 'zero'"
        elif model == "replicated" and shards != "none":
            problem = f"shards {shards!r}, but memory_model 'replicated' shards nothing"
        elif model == "fsdp" and shards != "parameters":
            problem = f"shards {shards!r}; memory_model 'fsdp' models full sharding ('parameters') only"
        if problem:
            raise SwiftkitError(f"strategy {entry.id!r} ({entry.plugin.label()}): preset {name!r} {problem}")
        out[name] = StrategyProfile(
            name, entry.id, p["shards"], bool(p.get("offload")), p["memory_model"],
            dict(p.get("select", {"strategy": entry.id})), p.get("order"), bool(p.get("single_device")),
        )
    default = entry.data.get("default_preset")
    if default and default not in out:
        raise SwiftkitError(f"strategy {entry.id!r} ({entry.plugin.label()}): default_preset {default!r} is not one of "
                            f"its presets ({', '.join(out) or 'none'})")
    return out


def strategy_profiles(registry: Registry | None = None) -> dict[str, StrategyProfile]:
    """Every modelled strategy preset by name, :data:`NO_STRATEGY` (``"none"``) first."""
    out = {"none": NO_STRATEGY}
    for entry in _registry(registry).entries("strategy"):
        for name, prof in _presets(entry).items():
            if name in out:
                other = out[name].strategy
                raise SwiftkitError(f"strategy preset {name!r} is declared by both {other!r} and {entry.id!r}; "
                                    "preset names must be unique across strategy plugins")
            out[name] = prof
    return out


def strategy_profile(name: str, registry: Registry | None = None) -> StrategyProfile:
    """The preset ``name``, or a strategy's ``default_preset`` when ``name`` is a strategy id."""
    reg = _registry(registry)
    profiles = strategy_profiles(reg)
    if name in profiles:
        return profiles[name]
    if ("strategy", name) in reg:
        entry = reg.get("strategy", name)
        default = entry.data.get("default_preset")
        if default:
            return profiles[default]
        raise SwiftkitError(f"strategy {entry.id!r} declares no memory presets: the estimate does not model it")
    raise SwiftkitError(f"unknown strategy {name!r}; modelled strategies: {', '.join(profiles)}")


def search_strategies(registry: Registry | None = None, *, devices: int = 2) -> list[str]:
    """The presets ``swift recommend`` tries on ``devices`` devices when the user fixes none,
    cheapest first: ``none`` alone on one device (with presets marked ``single_device``),
    the presets with an ``order`` on several."""
    profiles = [p for p in strategy_profiles(registry).values() if p.order is not None]
    if devices <= 1:
        return ["none", *(p.name for p in sorted(profiles, key=lambda p: p.order) if p.single_device)]
    return [p.name for p in sorted(profiles, key=lambda p: p.order)]


def strategies_named(config: dict[str, Any], registry: Registry | None = None) -> list[str]:
    """The strategy ids a run's given options name: ``--strategy`` or a strategy's own flag."""
    from swiftkit.core.config import implied_strategies

    if config.get("strategy"):
        return [str(config["strategy"])]
    return implied_strategies(config, _registry(registry))


def configured_strategy(config: dict[str, Any], registry: Registry | None = None) -> StrategyProfile | None:
    """The preset a run's given options amount to, or None when they name no modelled strategy.

    A preset whose ``select`` keys all hold the given values; otherwise the strategy's
    :meth:`~swiftkit.core.parallel.interface.Strategy.memory_preset`, else its ``default_preset``."""
    reg = _registry(registry)
    named = strategies_named(config, reg)
    if len(named) != 1 or ("strategy", named[0]) not in reg:
        return None
    entry = reg.get("strategy", named[0])
    presets = _presets(entry)
    for prof in presets.values():
        if prof.select and all(config.get(k) == v for k, v in prof.select.items()):
            return prof
    if not presets:
        return None
    from swiftkit.parallel.select import build_strategy

    name = build_strategy(entry.id, config, reg).memory_preset(config) or entry.data.get("default_preset")
    return presets.get(name) if name else None
