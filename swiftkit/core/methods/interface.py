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

    def load_kwargs(self) -> dict[str, Any]:
        """Extra keyword arguments for the model loader (e.g. a 4-bit ``quantization_config``).

        Called before the model is loaded; raise :class:`~swiftkit.core.errors.SwiftkitError`
        with the reason when the tuner cannot run here (a missing library, no GPU)."""
        return {}

    def create_optimizer(self, model: Any, args: Any) -> Any:
        """An optimizer for ``model`` under ``transformers.TrainingArguments`` ``args``, or
        ``None`` to let the trainer build its default one (LoRA+ uses this for its separate
        learning rate of B)."""
        return None

    def save_pretrained(self, model: Any, output_dir: str) -> None:
        """Write what a later run needs to rebuild the trained model (adapters or weights)."""
        model.save_pretrained(output_dir)


class Objective(Method):
    """Decides what is optimised."""

    #: canonical columns a batch row must carry (``messages``, ``text``, ``rejected_response`` ...)
    required_columns: tuple[str, ...] = ()

    #: what the data pipeline feeds this objective: "sft" (conversations with labels on
    #: assistant replies) or "pt" (plain text, every token a label)
    data_mode: str = "sft"

    #: True when ``compute_loss`` divides a token sum by ``num_items_in_batch`` (the label
    #: tokens of the whole global batch: every accumulation step on every process); False when
    #: it returns a mean over its own micro-batch (then the trainer divides by the
    #: accumulation steps and data parallelism averages gradients over processes)
    token_normalized_loss: bool = False

    # Optional hooks, looked up with getattr by the training run:
    #   needs_reference: bool           -- give the objective ``ref_model`` (a frozen copy) when
    #                                      the tuner has no adapter to switch off
    #   setup(model=, tokenizer=, template=, registry=, config=)
    #                                   -- before the data is prepared (online RL: engine, rewards)
    #   callbacks() -> list[TrainerCallback]
    #                                   -- extra Trainer callbacks (close an engine on train end)

    @abstractmethod
    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        """Return the scalar loss for one batch, or ``(loss, metrics)`` where ``metrics`` maps
        names to floats logged next to the loss (averaged over the logging interval).

        ``num_items_in_batch`` is the label-token count over all gradient-accumulation
        micro-batches, as ``transformers.Trainer`` passes it; divide the summed loss by it so
        that accumulation matches one large batch."""


class RewardFunction(ABC):
    """Scores completions for online RL. Created as ``impl(spec, options)``.

    Called with the prompts (canonical message lists), the completions (text) and any extra
    dataset columns of those rows (a reference ``solution`` ...), each a list aligned with
    ``completions``; returns one float per completion.
    """

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        self.spec = spec
        self.options = dict(options or {})

    @abstractmethod
    def __call__(self, prompts: list[Any], completions: list[str], **columns: list[Any]) -> list[float]:
        """One reward per completion."""
