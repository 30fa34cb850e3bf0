"""What a method's ``impl`` reference must implement: a :class:`Tuner` or an :class:`Objective`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.specs import MethodSpec


class Method(ABC):  # noqa: B024 - a common base, abstract through Tuner and Objective
    """Created per run as ``impl(spec, options)``, ``options`` being the validated values of
    the spec's option schema (defaults filled in)."""

    def __init__(self, spec: MethodSpec, options: dict[str, Any] | None = None):
        self.spec = spec
        self.options = dict(options or {})


class Tuner(Method):
    """Decides what is trainable."""

    @abstractmethod
    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        """Return the model ready to train (wrapped, frozen, expanded ...)."""

    def save_pretrained(self, model: Any, output_dir: str) -> None:
        """Write what a later run needs to rebuild the trained model (adapters or weights)."""
        model.save_pretrained(output_dir)


class Objective(Method):
    """Decides what is optimised."""

    #: canonical columns a batch row must carry (``messages``, ``text``, ``rejected_response`` ...)
    required_columns: tuple[str, ...] = ()

    @abstractmethod
    def compute_loss(self, model: Any, batch: dict[str, Any]) -> Any:
        """Return the scalar loss for one batch."""
