"""What a method's ``impl`` reference must implement: a :class:`Tuner` or an :class:`Objective`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.data.layout import DataLayout
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

    def set_total_steps(self, total_steps: int) -> None:
        """Called once before training with the number of optimizer steps the run will take
        (schedules over the run: AdaLoRA's rank budget). Default: nothing."""

    def save_pretrained(self, model: Any, output_dir: str) -> None:
        """Write what a later run needs to rebuild the trained model (adapters or weights)."""
        model.save_pretrained(output_dir)


class Objective(Method):
    """Decides what is optimised.

    Only :meth:`compute_loss` is required. Every other member has a no-op default, and the
    training run (:func:`swiftkit.train.run.run_training`) uses each of them unconditionally,
    in this order: ``needs_reference`` (after the tuner wrapped the model), :meth:`setup`,
    :meth:`data_layout` (data preparation), :meth:`make_collator`, :meth:`callbacks`,
    ``token_normalized_loss`` and ``batch_repeats`` (the trainer), :meth:`compute_loss`.
    """

    #: canonical columns a batch row must carry (``messages``, ``text``, ``rejected_response`` ...);
    #: documentation for ``swift list``/guides, not checked by the pipeline (the layout checks rows)
    required_columns: tuple[str, ...] = ()

    #: the layout of the plain objectives, when :meth:`data_layout` is not overridden: "sft"
    #: (conversations with labels on assistant replies) or "pt" (plain text, every token a label)
    data_mode: str = "sft"

    #: True when ``compute_loss`` divides a token sum by ``num_items_in_batch`` (the label
    #: tokens of the whole global batch: every accumulation step on every process); False when
    #: it returns a mean over its own micro-batch (then the trainer divides by the
    #: accumulation steps and data parallelism averages gradients over processes)
    token_normalized_loss: bool = False

    #: True when ``compute_loss`` compares against a frozen reference model. With a tuner that
    #: has an adapter to switch off the reference is the adapter-less model (nothing is set);
    #: otherwise the run loads a frozen copy (``--ref_model``, else the base model) into
    #: :attr:`ref_model` before :meth:`setup`
    needs_reference: bool = False

    #: the frozen reference model the run loaded (see :attr:`needs_reference`), else None
    ref_model: Any = None

    #: how many optimizer steps reuse each batch (online RL reuses one rollout): the trainer
    #: yields every block of ``batch * accumulation * processes`` sample indices this many
    #: times in a row. Read once, when the train sampler is built. 1: each batch once
    batch_repeats: int = 1

    def setup(self, *, model: Any, tokenizer: Any, template: Any, registry: Any, config: dict[str, Any]) -> None:
        """Called once after the tuner prepared ``model`` and before the data is prepared
        (online RL starts its sampling engine and reward functions here). Raise
        :class:`~swiftkit.core.errors.SwiftkitError` with the reason to stop the run. Default:
        nothing. Implementations should accept ``**kwargs``: later versions may pass more."""

    def data_layout(self) -> DataLayout:
        """The rows this objective trains on: formats, conversion, encoding, collation
        (:class:`~swiftkit.core.data.layout.DataLayout`). Called before data preparation.

        Default: the machinery's layout for :attr:`data_mode` ("sft" or "pt")."""
        from swiftkit.core.lazy import resolve

        return resolve("swiftkit.data.layouts:layout_for_mode")(self.data_mode)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        """The trainer's ``data_collator`` for this objective's encoded rows. Default: the
        :meth:`data_layout`'s collator."""
        return self.data_layout().make_collator(tokenizer, config)

    def callbacks(self) -> list[Any]:
        """Extra ``transformers.TrainerCallback`` objects for the run (close an engine when
        training ends ...). Called once, when the trainer is built. Default: none."""
        return []

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
