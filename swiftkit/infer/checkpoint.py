"""Reading a training checkpoint back through the tuner that wrote it.

A checkpoint's ``args.json`` names the run's tuner (``train_type``) and its options; the tuner
built from them decides how the checkpoint becomes a model again
(:meth:`~swiftkit.core.methods.interface.Tuner.trained_model_dir`,
:meth:`~swiftkit.core.methods.interface.Tuner.load_trained`). ``swift infer`` / ``deploy`` /
``export`` all go through here, so a third-party tuner's checkpoints are served and exported
like a built-in's.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.core.methods.interface import Tuner
from swiftkit.core.specs import MethodSpec


class DefaultTuner(Tuner):
    """Reads a checkpoint that no ``args.json`` describes (a bare adapter folder given with
    ``--adapters``) with the interface's defaults; it cannot prepare a model."""

    def __init__(self) -> None:
        super().__init__(MethodSpec(id="(no args.json)", impl="swiftkit.infer.checkpoint:DefaultTuner"), {})

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        raise SwiftkitError("the default checkpoint reader only reads checkpoints back; it cannot prepare a model")


def checkpoint_tuner(run_args: dict[str, Any], registry: Any, where: str) -> Tuner:
    """The tuner of the run that wrote the checkpoint at ``where`` (``run_args`` being its
    ``args.json``), built with the run's options; :class:`DefaultTuner` when ``args.json`` names
    none. A tuner that is no longer installed is an error naming it."""
    from swiftkit.core.lazy import resolve

    train_type = run_args.get("train_type")
    if not train_type:
        return DefaultTuner()
    if ("method", train_type) not in registry:
        raise ConfigError(
            f"{where} was trained with tuner {train_type!r} (args.json train_type), which is not installed or not "
            "loaded; install the plugin that provides it (see `swift plugins`) to read the checkpoint back"
        )
    entry = registry.get("method", train_type)
    props = (entry.data.get("options") or {}).get("properties", {})
    options = {k: run_args[k] for k in props if run_args.get(k) is not None}
    return resolve(entry.spec.impl, entry.spec.REFS["impl"])(entry.spec, options)


def trained_model_dir(checkpoint_dir: str, run_args: dict[str, Any], registry: Any) -> str | None:
    """The folder that alone is the checkpoint's trained model, as its tuner says, or None
    (rebuild with ``load_trained``). A complete model folder whose tuner is no longer installed
    is still served as it is; anything else needs the tuner."""
    train_type = run_args.get("train_type")
    if train_type and ("method", train_type) not in registry:
        folder = DefaultTuner().trained_model_dir(checkpoint_dir)
        if folder is not None:
            return folder
    return checkpoint_tuner(run_args, registry, checkpoint_dir).trained_model_dir(checkpoint_dir)


def model_source(resolved: Any, registry: Any) -> Any:
    """The :class:`~swiftkit.core.engines.interface.ModelSource` engines load ``resolved`` from:
    the family's model loader, plus the checkpoint's tuner when only it can rebuild the model."""
    from swiftkit.core.engines.interface import ModelSource

    loader = resolved.loader() if resolved.spec is not None else registry.model_loader(resolved.model_id)
    load_kwargs = dict(getattr(resolved, "load_kwargs", None) or {})
    if resolved.trained_checkpoint is None:
        return ModelSource(model_dir=resolved.model_dir, loader=loader, load_kwargs=load_kwargs)
    tuner = checkpoint_tuner(resolved.run_args, registry, resolved.trained_checkpoint)
    return ModelSource(model_dir=resolved.model_dir, loader=loader, tuner=tuner, checkpoint_dir=resolved.trained_checkpoint,
                       load_kwargs=load_kwargs)
