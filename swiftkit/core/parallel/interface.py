"""What a strategy's ``impl`` reference must implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.specs import StrategySpec


class Strategy(ABC):
    """Turns a run into launcher arguments and trainer settings."""

    def __init__(self, spec: StrategySpec, options: dict[str, Any] | None = None):
        self.spec = spec
        self.options = dict(options or {})

    def check(self) -> list[str]:
        """Return the reasons this strategy cannot run here (missing GPU, library ...); empty if it can."""
        return []

    @abstractmethod
    def trainer_args(self, run_config: dict[str, Any]) -> dict[str, Any]:
        """Return extra ``transformers.TrainingArguments`` fields (``deepspeed=``, ``fsdp=`` ...)."""
