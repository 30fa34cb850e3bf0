"""LoRA tuner: turns the run options into a ``peft.LoraConfig`` and wraps the model.

Heavy imports (torch, peft) happen inside the functions, so that resolving the reference
``swiftkit.plugins.methods.lora.tuner:LoraTuner`` stays cheap until a model is prepared.
"""

from __future__ import annotations

import logging
from typing import Any

from swiftkit.plugins.methods._common import OptionTuner, is_sequence_classifier

logger = logging.getLogger("swiftkit.train")

#: ``target_modules`` keyword for every linear layer except the output head (ms-swift's default)
ALL_LINEAR = "all-linear"
#: ``target_modules`` keyword for the model family's registered ``lora_target_modules``
MODEL_DEFAULT = "default"
#: sub-folder of a PiSSA / OLoRA checkpoint holding the adapter in its training form (for resume)
TRAINING_FORM = "training_form"
#: sub-folder of a LoRA-GA checkpoint holding the adapter as LoRA-GA initialised it (for resume:
#: the base weights are reduced by it again before the training form is loaded)
LORA_GA_INITIAL = "lora_ga_initial"

# Linear layer classes that are not ``torch.nn.Linear`` subclasses but that peft's LoRA adapts.
_LINEAR_CLASS_NAMES = {"Conv1D", "Linear4bit", "Linear8bitLt", "QuantLinear"}


def _spec_targets(model_spec: Any) -> list[str]:
    if model_spec is None:
        return []
    if isinstance(model_spec, dict):
        return list(model_spec.get("lora_target_modules") or [])
    return list(getattr(model_spec, "lora_target_modules", None) or [])


#: model types whose Mamba mixers peft refuses to adapt at ``out_proj`` (its own rule, which its
#: ``"all-linear"`` does not apply): all-linear leaves that projection out for them
_MAMBA_MODEL_TYPES = {"mamba", "mamba2", "falcon_mamba", "falcon_h1", "nemotron_h"}


def _own_forward_linear(module: Any) -> bool:
    """An ``nn.Linear`` subclass with a forward of its own that is no quantized linear layer
    (DeepSeek-V4's grouped output projection; MoE routers such as ``PhimoeTopKRouter`` and
    ``Llama4Router``, whose forward returns routing tuples): a LoRA layer around it calls the
    plain linear product and breaks the model, so all-linear leaves it."""
    import torch

    return (isinstance(module, torch.nn.Linear) and type(module).forward is not torch.nn.Linear.forward
            and type(module).__name__ not in _LINEAR_CLASS_NAMES)


def linear_module_names(model: Any) -> list[str]:
    """Short names (last path component) of the linear layers in ``model``, output head,
    ``nn.Linear``-based MoE routers and other ``nn.Linear`` subclasses with a forward of their
    own, and Mamba mixers' ``out_proj`` (which peft refuses) excluded.

    This is what ``all-linear`` expands to; it matches peft's own ``"all-linear"`` rule (which
    would also wrap such routers), so that it can be combined with explicit names.
    """
    import torch

    head = None
    get_head = getattr(model, "get_output_embeddings", None)
    if callable(get_head):
        try:
            head = get_head()
        except (AttributeError, NotImplementedError):
            head = None
    mamba = getattr(getattr(model, "config", None), "model_type", None) in _MAMBA_MODEL_TYPES
    names: set[str] = set()
    special: set[str] = set()
    for full_name, module in model.named_modules():
        short = full_name.split(".")[-1]
        if mamba and short == "out_proj":
            continue
        if module is head or short == "lm_head":
            continue
        if _own_forward_linear(module):
            special.add(short)
        elif isinstance(module, torch.nn.Linear) or type(module).__name__ in _LINEAR_CLASS_NAMES:
            names.add(short)
    return sorted(names - special)  # a short name also matches the special layer: leave both out


def expert_parameter_names(model: Any) -> list[str]:
    """``module.parameter`` suffixes (``experts.gate_up_proj``, ``experts.down_proj``) of the
    mixture-of-experts weights that transformers 5 stores fused: one 3-D parameter holding every
    expert's matrix, owned by a module that is no torch layer. No ``nn.Linear`` holds them, so
    ``all-linear`` reaches them through peft's ``target_parameters``."""
    import torch

    names: set[str] = set()
    for full_name, module in model.named_modules():
        if isinstance(module, (torch.nn.Linear, torch.nn.Embedding, torch.nn.modules.conv._ConvNd)):
            continue
        for param_name, param in module.named_parameters(recurse=False):
            if param.ndim == 3:
                names.add(f"{full_name.rsplit('.', 1)[-1]}.{param_name}")
    return sorted(names)


def _wants_all_linear(target_modules: Any) -> bool:
    items = [target_modules] if isinstance(target_modules, str) else list(target_modules or [ALL_LINEAR])
    return any(str(t).lower() == ALL_LINEAR for t in items)


def resolve_target_parameters(target_parameters: Any, target_modules: Any, model: Any) -> list[str]:
    """The ``target_parameters`` given (``module.parameter`` suffixes), plus every fused expert
    weight of ``model`` when ``target_modules`` asks for ``all-linear``."""
    out = [str(p) for p in ([target_parameters] if isinstance(target_parameters, str) else target_parameters or [])]
    if _wants_all_linear(target_modules):
        out.extend(n for n in expert_parameter_names(model) if n not in out)
    return out


def resolve_target_modules(target_modules: Any, model: Any, model_spec: Any = None) -> str | list[str]:
    """Turn the ``target_modules`` option into what ``peft.LoraConfig`` accepts.

    - ``["all-linear"]`` (the default) or ``"all-linear"`` -> peft's ``"all-linear"``;
    - ``"default"`` -> the model family's ``lora_target_modules`` (an error if it has none);
    - a list mixing keywords and names -> the union, keywords expanded;
    - any other single string -> a regular expression over full module names (peft semantics).
    """
    if target_modules is None:
        target_modules = [ALL_LINEAR]
    if isinstance(target_modules, str):
        if target_modules.lower() in (ALL_LINEAR, MODEL_DEFAULT):
            target_modules = [target_modules]
        else:
            return target_modules  # regex
    items = [str(t) for t in target_modules]
    keywords = [t.lower() for t in items]
    if keywords == [ALL_LINEAR]:
        model_type = getattr(getattr(model, "config", None), "model_type", None)
        if model_type in _MAMBA_MODEL_TYPES or any(_own_forward_linear(m) for m in model.modules()):
            return linear_module_names(model)  # peft's "all-linear" would take what breaks or it refuses
        return ALL_LINEAR
    out: list[str] = []
    for item, key in zip(items, keywords, strict=True):
        if key == ALL_LINEAR:
            expanded = linear_module_names(model)
            if not expanded:
                raise ValueError(
                    "target_modules 'all-linear': the model has no linear layers besides its output head"
                )
        elif key == MODEL_DEFAULT:
            expanded = _spec_targets(model_spec)
            if not expanded:
                name = getattr(model_spec, "id", None) if model_spec is not None else None
                raise ValueError(
                    "target_modules 'default': "
                    + (
                        f"model {name!r} registers no lora_target_modules"
                        if name
                        else "no model spec was given"
                    )
                    + "; use 'all-linear' or name the modules"
                )
        else:
            expanded = [item]
        out.extend(e for e in expanded if e not in out)
    return out


def wrap_with_lora(model: Any, config: Any, dtype: str | None = None) -> Any:
    """``peft.get_peft_model(model, config)``, the LoRA weights cast to ``dtype`` when given
    (``--lora_dtype``); peft's refusal of dropout on a parameter adapter (module names it maps
    onto fused expert weights, e.g. ``gate_proj``/``up_proj``/``down_proj`` of a Qwen-MoE)
    becomes a message that says what to pass."""
    from peft import get_peft_model

    try:
        model = get_peft_model(model, config)
    except ValueError as exc:
        if "lora_dropout" not in str(exc) or not config.lora_dropout:
            raise
        targets = config.target_modules if isinstance(config.target_modules, str) else sorted(config.target_modules or [])
        raise ValueError(
            f"lora: target_modules {targets} reach fused mixture-of-experts weights (peft maps these layer names onto "
            f"them), which peft adapts without dropout: pass --lora_dropout 0 (all-linear sets it by itself)"
        ) from exc
    if dtype:
        import torch

        for name, param in model.named_parameters():
            if "lora_" in name:
                param.data = param.data.to(getattr(torch, dtype))
    return model


def _init_weights(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    text = str(value)
    if text.lower() == "true":
        return True
    if text.lower() == "false":
        return False
    return text


class LoraTuner(OptionTuner):
    """Wraps a model with peft LoRA adapters; only the adapters (and ``modules_to_save``) train."""

    #: the freshly initialised adapter after a PiSSA / OLoRA initialisation (see save_pretrained)
    _initial_adapter_dir: str | None = None

    def lora_config(self, model: Any, model_spec: Any = None) -> Any:
        """Return the ``peft.LoraConfig`` these options describe for ``model``."""
        from peft import LoraConfig, TaskType

        if self._lora_ga():
            self._check_lora_ga(model)
        can_generate = getattr(model, "can_generate", None)
        task_type = TaskType.CAUSAL_LM if callable(can_generate) and can_generate() else None
        parameters = self._target_parameters(model)
        dropout = float(self.option("lora_dropout"))
        if parameters and dropout:
            # peft's parameter adapter (lora.ParamWrapper) refuses dropout: one adapter config for
            # the whole model, so it is 0 everywhere (the saved adapter then loads for inference)
            logger.warning("lora: lora_dropout %g -> 0: the adapter targets parameters (%s), which peft adapts "
                           "without dropout", dropout, ", ".join(parameters))
            dropout = 0.0
        return LoraConfig(
            # a classifier (--task_type seq_cls / reranker): SEQ_CLS keeps its fresh head trainable and saved
            task_type=TaskType.SEQ_CLS if is_sequence_classifier(model) else task_type,
            r=int(self.option("lora_rank")),
            lora_alpha=int(self.option("lora_alpha")),
            lora_dropout=dropout,
            target_parameters=parameters or None,
            target_modules=resolve_target_modules(self.option("target_modules"), model, model_spec),
            modules_to_save=_modules_to_save(self.option("modules_to_save"), model),
            bias=self.option("lora_bias"),
            use_rslora=bool(self.option("use_rslora")),
            use_dora=bool(self.option("use_dora")),
            # LoRA-GA starts as plain adapters; LoraGaCallback initialises them when training starts
            init_lora_weights=True if self._lora_ga() else _init_weights(self.option("init_lora_weights")),
        )

    def _check_lora_ga(self, model: Any) -> None:
        """LoRA-GA needs the gradients of full-precision weights (and peft's plain LoRA layers)."""
        quantized = next((n for n, p in model.named_parameters() if not p.dtype.is_floating_point), None)
        if quantized is not None:
            raise TypeError(f"{self.spec.id}: init_lora_weights lora_ga needs the gradients of full-precision weights; "
                            f"{quantized} is quantized: use another init_lora_weights (or a full-precision base)")

    def _lora_ga(self) -> bool:
        from swiftkit.plugins.methods.lora.loraga import is_lora_ga

        return is_lora_ga(self.option("init_lora_weights"))

    def _target_parameters(self, model: Any) -> list[str]:
        """``target_parameters``, with the fused expert weights ``all-linear`` reaches; those are
        left out (with a notice) under DoRA, which peft cannot apply to a parameter."""
        given = list(self.option("target_parameters") or [])
        parameters = resolve_target_parameters(given, self.option("target_modules"), model)
        implied = [p for p in parameters if p not in given]
        if implied and self.option("use_dora"):
            logger.warning("lora: the fused expert weights (%s) are not adapted: peft adapts parameters without "
                           "DoRA", ", ".join(implied))
            return given
        return parameters

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import PeftModel

        if isinstance(model, PeftModel):
            raise TypeError("lora: the model already carries peft adapters; pass the base model")
        config = self.lora_config(model, model_spec)
        mutating = _mutates_base(config.init_lora_weights)
        if (mutating or self._lora_ga()) and config.use_dora:
            raise ValueError(
                f"lora: init_lora_weights {self.option('init_lora_weights')!r} with use_dora cannot be saved as an "
                "adapter of the original model (peft's conversion drops the DoRA magnitudes); drop one of them"
            )
        model = wrap_with_lora(model, config, self.option("lora_dtype"))
        if mutating:
            self._snapshot_initial_adapter(model)
        if self._lora_ga():
            from swiftkit.plugins.methods.lora.loraga import TUNER_ATTR

            setattr(model, TUNER_ATTR, self)
        return model

    # -- LoRA-GA: the initialisation needs the training data's gradients ----------------------

    def initialise_lora_ga(self, model: Any, dataloader: Any) -> int:
        """Initialise the adapters of ``model`` (as :meth:`prepare` returned it) by LoRA-GA from
        the first ``lora_ga_iters`` batches of ``lora_ga_batch_size`` rows of ``dataloader``'s
        dataset; return how many layers were initialised. Called by
        :class:`~swiftkit.plugins.methods.lora.loraga.LoraGaCallback` when training starts."""
        from swiftkit.plugins.methods.lora import loraga

        batches = loraga.calibration_batches(dataloader, int(self.option("lora_ga_batch_size")),
                                             int(self.option("lora_ga_iters")), int(self.option("lora_ga_max_length")))
        config = loraga.lora_ga_config(self.option("lora_ga_direction"), self.option("lora_ga_scale"),
                                       int(self.option("lora_ga_stable_gamma")))
        count = loraga.initialise(model, batches, config)
        logger.info("lora: LoRA-GA initialised %d adapted layers from %d batch(es)", count, len(batches))
        self._snapshot_initial_adapter(model)
        return count

    # -- PiSSA / OLoRA: the initialisation moves weight from the base into the adapter -----------

    def _snapshot_initial_adapter(self, model: Any) -> None:
        """Keep the freshly initialised adapter, so :meth:`save_pretrained` can convert the trained
        one into a plain LoRA adapter of the *original* base (peft's
        ``path_initial_model_for_weight_conversion``)."""
        import os
        import shutil
        import tempfile
        import weakref

        folder = tempfile.mkdtemp(prefix="swiftkit-lora-init-")
        weakref.finalize(self, shutil.rmtree, folder, True)
        self._initial_adapter_dir = os.path.join(folder, "initial")
        config = model.peft_config["default"]
        init, config.init_lora_weights = config.init_lora_weights, True
        try:
            model.save_pretrained(self._initial_adapter_dir)
        finally:
            config.init_lora_weights = init

    def save_pretrained(self, model: Any, output_dir: str, state_dict: dict[str, Any] | None = None) -> None:
        """Write the adapter. After a PiSSA / OLoRA initialisation (which subtracts the initial
        adapter from the base weights) it is converted to a plain LoRA adapter of twice the rank
        that applies to the original, unmodified base model (what infer, export and every engine
        read); the adapter in its training form goes to :data:`TRAINING_FORM` beside it, for
        :meth:`restore_checkpoint`."""
        import os
        import shutil

        kwargs: dict[str, Any] = {} if state_dict is None else {"state_dict": state_dict}
        if self._initial_adapter_dir is not None:
            model.save_pretrained(os.path.join(output_dir, TRAINING_FORM), **kwargs)
            if self._lora_ga():
                shutil.copytree(self._initial_adapter_dir, os.path.join(output_dir, LORA_GA_INITIAL))
            kwargs["path_initial_model_for_weight_conversion"] = self._initial_adapter_dir
        model.save_pretrained(output_dir, **kwargs)

    def restore_checkpoint(self, model: Any, checkpoint_dir: str) -> bool:
        """Resume a PiSSA / OLoRA run from the adapter's training form (the converted adapter
        applies to the original base, not to the base this run trains on); other adapters are
        restored by transformers."""
        import os

        training_form = os.path.join(checkpoint_dir, TRAINING_FORM)
        initial = os.path.join(checkpoint_dir, LORA_GA_INITIAL)
        if self._lora_ga() and os.path.isdir(initial):
            self._reapply_lora_ga(model, initial)
        if self._initial_adapter_dir is None or not os.path.isdir(training_form):
            return False
        active = model.active_adapter
        model.load_adapter(training_form, active[0] if isinstance(active, (list, tuple)) else active, is_trainable=True)
        return True


    def _reapply_lora_ga(self, model: Any, initial: str) -> None:
        """Resume of a LoRA-GA run: put the initial adapter back and reduce the base weights by
        it, as the initialisation did (the training form applies to that base)."""
        import torch

        from swiftkit.plugins.methods.lora.loraga import lora_layers

        active = model.active_adapter
        name = active[0] if isinstance(active, (list, tuple)) else active
        model.load_adapter(initial, name, is_trainable=True)
        with torch.no_grad():
            for _, layer in lora_layers(model, name):
                base = layer.get_base_layer()
                delta = layer.scaling[name] * (layer.lora_B[name].weight.float() @ layer.lora_A[name].weight.float())
                base.weight.copy_((base.weight.float() - delta).to(base.weight.dtype))
        self._snapshot_initial_adapter(model)


def _mutates_base(init: Any) -> bool:
    """Whether a peft ``init_lora_weights`` value rewrites the base weights (PiSSA, OLoRA)."""
    return isinstance(init, str) and init.lower().startswith(("pissa", "olora"))


def _modules_to_save(requested: Any, model: Any) -> list[str] | None:
    """The user's ``modules_to_save`` plus the classifier-head layers the checkpoint lacked (set by
    the seq_cls/reranker loader), which start random and so must train and be saved."""
    names = [*(requested or []), *getattr(model, "swiftkit_fresh_modules", [])]
    return list(dict.fromkeys(names)) or None
