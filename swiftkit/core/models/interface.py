"""What a model family's ``loader`` reference must implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.specs import ModelSpec


class ModelLoader(ABC):
    """Loads a checkpoint of one family, and describes a tiny config of its architecture.

    Instances are created per spec: ``loader_cls(spec)``. Heavy libraries are imported inside
    the methods, never at module level.
    """

    def __init__(self, spec: ModelSpec):
        self.spec = spec

    @abstractmethod
    def load(self, model_dir: str, *, torch_dtype: Any = None, device_map: Any = None, **kwargs: Any) -> tuple[Any, Any]:
        """Return ``(model, tokenizer)`` loaded from a local folder or hub id."""

    @abstractmethod
    def tiny_config(self, vocab_size: int, **overrides: Any) -> Any:
        """Return a ``transformers.PretrainedConfig`` of this family's real architecture at a
        size that trains in milliseconds on a CPU (used by :mod:`swiftkit.testing.tiny`)."""
