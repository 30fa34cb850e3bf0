"""What a method's ``impl`` reference must implement: a :class:`Tuner` or an :class:`Objective`."""

from __future__ import annotations

import os
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
    """Decides what is trainable, and owns the checkpoints of what it trained.

    The run calls, in order: :meth:`load_kwargs` (before the model loads), :meth:`prepare`,
    :meth:`set_total_steps` (once the data is known), :meth:`create_optimizer` (when the Trainer
    builds its optimizer), :meth:`save_pretrained` (every checkpoint) and, when a run resumes,
    :meth:`restore_checkpoint`. ``swift infer`` / ``deploy`` / ``export`` build the tuner named by
    a checkpoint's ``args.json`` (``train_type`` and its options) and read the checkpoint back
    with :meth:`trained_model_dir` and :meth:`load_trained`. Every member but :meth:`prepare`
    has a default that is right for a tuner whose checkpoint is what ``model.save_pretrained``
    writes (a peft adapter, or a complete model folder).
    """

    @abstractmethod
    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        """Return the model ready to train (wrapped, frozen, expanded ...).

        Called once per run, after the model is loaded and before the data is prepared, with the
        family's :class:`~swiftkit.core.specs.ModelSpec`. May modify ``model`` in place. Must not
        move the model to a device (the Trainer does) nor start training."""

    def load_kwargs(self) -> dict[str, Any]:
        """Extra keyword arguments for the model loader (e.g. a 4-bit ``quantization_config``).

        Called before the model is loaded; raise :class:`~swiftkit.core.errors.SwiftkitError`
        with the reason when the tuner cannot run here (a missing library, no GPU)."""
        return {}

    def set_total_steps(self, total_steps: int) -> None:
        """Called once before training starts, after :meth:`prepare`, with the number of optimizer
        steps the run will take (``--max_steps``, or what the epochs come to). For schedules
        laid over the whole run (AdaLoRA's rank budget). Returns nothing; the default ignores it.
        Must not touch the optimizer (it does not exist yet)."""
        return None

    def create_optimizer(self, model: Any, args: Any) -> Any:
        """An optimizer for ``model`` under ``transformers.TrainingArguments`` ``args``, or
        ``None`` to let the trainer build its default one (LoRA+ uses this for its separate
        learning rate of B)."""
        return None

    # ------------------------------------------------------------------ checkpoints

    def save_pretrained(self, model: Any, output_dir: str, state_dict: dict[str, Any] | None = None) -> None:
        """Write what a later run needs to rebuild the trained model: what this tuner trained.

        Called by the trainer for every checkpoint (``checkpoint-N``, written into a staging
        folder that is renamed into place once complete) with the prepared model (unwrapped from
        DDP/accelerate), on the process that saves; the trainer adds the tokenizer, its own state
        and ``args.json`` to the folder. ``state_dict`` is given when a sharded strategy (ZeRO-3,
        FSDP) gathered the full state dict: the model's own tensors are then shards, save these.

        The default is ``model.save_pretrained``: a peft model writes its adapter
        (``adapter_config.json``), any other model its complete folder. Must write only inside
        ``output_dir`` and must not change the model. What is written must be read back by
        :meth:`restore_checkpoint` (resume) and :meth:`load_trained` (infer, export)."""
        if state_dict is None:
            model.save_pretrained(output_dir)
        else:
            model.save_pretrained(output_dir, state_dict=state_dict)

    def restore_checkpoint(self, model: Any, checkpoint_dir: str) -> bool:
        """Put the trained state of ``checkpoint_dir`` back into ``model`` in place, for
        ``--resume_from_checkpoint``; return True when done.

        Called by the trainer when a run resumes, with the model :meth:`prepare` returned (the
        same options as the run that saved), before the optimizer state is restored; not under
        DeepSpeed or FSDP, whose sharded checkpoint files accelerate restores itself. The default
        returns False: transformers restores the checkpoint itself (it reads
        ``model.safetensors`` or a peft adapter, which the default :meth:`save_pretrained`
        writes). Must not replace the model object or change which parameters train."""
        return False

    def trained_model_dir(self, checkpoint_dir: str) -> str | None:
        """The folder that, loaded by the family's loader, *is* the trained model; or None when
        the model must be rebuilt as ``load_trained(<base model>, checkpoint_dir)``.

        Called by ``swift infer`` / ``deploy`` / ``export`` for a training checkpoint that holds
        no peft adapter (``adapter_config.json``: engines serve those themselves as adapters).
        The default returns ``checkpoint_dir`` when it holds a complete model folder (a
        ``config.json`` and weights, what full fine-tuning saves), else None. Engines that load
        by path (vLLM, SGLang, LMDeploy) can serve only a checkpoint with a folder here; the
        others need ``swift export`` first. Must not load anything heavy."""
        if not os.path.isfile(os.path.join(checkpoint_dir, "config.json")):
            return None
        weights = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
        return checkpoint_dir if any(os.path.isfile(os.path.join(checkpoint_dir, w)) for w in weights) else None

    def load_trained(self, model: Any, checkpoint_dir: str) -> Any:
        """Return the trained model: ``model`` (the base, loaded by the family's loader from the
        run's ``--model``) with what :meth:`save_pretrained` wrote in ``checkpoint_dir`` applied.

        Called by ``swift infer`` / ``deploy`` (the ``pt`` engine) and ``swift export`` when
        :meth:`trained_model_dir` is None, and by ``swift export --merge_lora`` for adapters;
        the tuner is built from the checkpoint's ``args.json``, so its options are those of
        the run. The result answers like the model at the end of training (inference only: no
        parameter needs a gradient). The default reads a peft adapter
        (``PeftModel.from_pretrained``) and raises :class:`~swiftkit.core.errors.SwiftkitError`
        for anything else. Must not write into ``checkpoint_dir``."""
        from swiftkit.core.errors import SwiftkitError

        if not os.path.isfile(os.path.join(checkpoint_dir, "adapter_config.json")):
            raise SwiftkitError(
                f"{checkpoint_dir}: tuner {self.spec.id!r} cannot read this checkpoint back: it holds neither a peft "
                "adapter (adapter_config.json) nor a complete model (config.json and weights); a sharded (ZeRO/FSDP) "
                f"checkpoint is gathered first with: swift export --model {checkpoint_dir}"
            )
        from peft import PeftModel

        return PeftModel.from_pretrained(model, checkpoint_dir, is_trainable=False)


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

    def load_model(self, loader: Any, model_dir: str, **kwargs: Any) -> tuple[Any, Any]:
        """Return ``(model, tokenizer)`` for a local folder: the model with the head this
        objective trains (API 1.3).

        Called once per run before the tuner prepares the model (``kwargs``: ``torch_dtype`` and
        the tuner's and strategy's load arguments), and by ``swift infer`` / ``deploy`` for a
        model of this objective's :attr:`~swiftkit.core.specs.MethodSpec.task` (then the
        checkpoint's tuner reads its trained state into the result). ``loader`` is the family's
        :class:`~swiftkit.core.models.interface.ModelLoader`. Default: ``loader.load(model_dir,
        **kwargs)``, the family's causal LM. A task objective returns a classifier
        (``AutoModelForSequenceClassification``) or a bare encoder instead. Must not move the
        model to a device nor wrap it (the tuner does)."""
        return loader.load(model_dir, **kwargs)

    def predictor(self, model: Any, tokenizer: Any, template: Any, config: dict[str, Any]) -> TaskPredictor | None:
        """What ``swift infer`` / ``deploy`` answer with for a model of this objective's task
        (API 1.3): a :class:`TaskPredictor` around ``model`` (from :meth:`load_model`, trained
        state applied, in eval mode), or None for a generative model served by the chat engines.
        ``config`` is the command's run configuration (``reranker_use_activation`` ...).
        Default: None."""
        return None

    @abstractmethod
    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        """Return the scalar loss for one batch, or ``(loss, metrics)`` where ``metrics`` maps
        names to floats logged next to the loss (averaged over the logging interval).

        ``num_items_in_batch`` is the label-token count over all gradient-accumulation
        micro-batches, as ``transformers.Trainer`` passes it; divide the summed loss by it so
        that accumulation matches one large batch."""


class TaskPredictor:
    """A model trained for a task other than text generation, as ``swift infer`` / ``deploy``
    use it (returned by :meth:`Objective.predictor`; API 1.3). Inputs are canonical
    conversations (``[{"role", "content"}, ...]``); a plain text is one user message. Methods a
    task cannot answer raise ``NotImplementedError`` naming the task (the server answers 400).
    Calls come from one thread at a time; batching is the predictor's choice."""

    #: the ``task_type`` this predictor answers for (``seq_cls``, ``embedding`` ...)
    task: str = ""

    def embed(self, inputs: list[list[dict[str, Any]]], *, dimensions: int | None = None) -> list[list[float]]:
        """One L2-normalised vector per input (``/v1/embeddings``); ``dimensions`` keeps the
        first N components, renormalised (Matryoshka)."""
        raise NotImplementedError(f"a {self.task or 'this'} model does not produce embeddings")

    def score(self, query: list[dict[str, Any]], documents: list[list[dict[str, Any]]]) -> list[float]:
        """Relevance of each document to the query (``/v1/rerank``), higher is more relevant."""
        raise NotImplementedError(f"a {self.task or 'this'} model does not score query-document pairs")

    def classify(self, inputs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Per input ``{"label": int | list[int] | float, "probs": list[float]}`` (``/v1/classify``,
        ``swift infer``): the class, the classes over 0.5 (multi-label) or the value (regression)."""
        raise NotImplementedError(f"a {self.task or 'this'} model does not classify")


class RewardFunction(ABC):
    """Scores completions for online RL (GRPO). Created once per run as ``impl(spec, options)``,
    ``options`` being the values of the spec's option schema taken from the run config (schema
    defaults filled in); a user class named as ``module:Class`` gets ``spec=None``.
    """

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        self.spec = spec
        self.options = dict(options or {})

    @abstractmethod
    def __call__(self, prompts: list[Any], completions: list[str], **columns: list[Any]) -> list[float]:
        """One reward per completion.

        Called once per generation batch with the prompts (canonical message lists), the
        completions (text) and every extra dataset column of those rows (a reference
        ``solution`` ...), each a list aligned with ``completions``. Returns a list of the same
        length: floats, or ``None`` where the reward does not apply to a row (counted as NaN in
        the logged mean, 0 in the total). Must not modify its arguments; a column it cannot
        work without is an error naming the column."""
