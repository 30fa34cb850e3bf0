"""Which strategy a run uses, built with its options (schema defaults filled in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.options import option_values

if TYPE_CHECKING:
    from swiftkit.core.parallel.env import ParallelEnv
    from swiftkit.core.parallel.interface import Strategy
    from swiftkit.core.registry import Registry

#: the strategy a run of several processes uses when none is named or implied
DEFAULT_DISTRIBUTED = "ddp"


def strategy_id(config: dict[str, Any], env: ParallelEnv, registry: Registry) -> str | None:
    """The run's strategy id: named (``--strategy``), implied by a strategy's own flag (set by
    :func:`swiftkit.core.config.build_config`), ``ddp`` for several processes, else None."""
    name = config.get("strategy")
    if not name and env.distributed:
        if ("strategy", DEFAULT_DISTRIBUTED) not in registry:
            raise ConfigError(
                f"{env.world_size} processes are asked for but no strategy is named and the default "
                f"{DEFAULT_DISTRIBUTED!r} strategy plugin is not installed"
            )
        name = DEFAULT_DISTRIBUTED
    return registry.get("strategy", name).id if name else None


def build_strategy(name: str, config: dict[str, Any], registry: Registry) -> Strategy:
    """The strategy plugin ``name``, given its options from ``config`` over its schema defaults."""
    from swiftkit.core.lazy import resolve

    entry = registry.get("strategy", name)
    spec = entry.spec
    return resolve(spec.impl, spec.REFS["impl"])(spec, option_values(entry.data, config))


def check_strategy(strategy: Strategy, env: ParallelEnv, config: dict[str, Any]) -> None:
    """Raise :class:`ConfigError` with every reason ``strategy`` cannot run as asked."""
    problems = strategy.check(env, config)
    if problems:
        raise ConfigError(f"strategy {strategy.spec.id!r} cannot run here:\n  " + "\n  ".join(problems))
