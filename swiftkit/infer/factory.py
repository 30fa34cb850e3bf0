"""From ``--model`` / ``--adapters`` / ``--infer_backend`` to a ready engine.

A checkpoint folder from training is enough: its ``args.json`` names the base model, the
template, the family and the tuner. A peft (LoRA ...) checkpoint becomes an adapter on that
base; any other checkpoint is read back by its tuner (:mod:`swiftkit.infer.checkpoint`): the
folder itself when it is a complete model (full fine-tuning), else the base rebuilt with the
tuner's ``load_trained``. Engines get the model through the family's loader
(:class:`~swiftkit.core.engines.interface.ModelSource`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.errors import ConfigError
from swiftkit.models.load_errors import model_load_errors
from swiftkit.models.load_options import model_load_kwargs
from swiftkit.templates.backend import template_choice
from swiftkit.train.args_file import read_args

ADAPTER_FILE = "adapter_config.json"


@dataclass
class ResolvedModel:
    """What to serve: a base model (folder or hub id), its spec, the template, the adapters."""

    model_dir: str
    model_id: str
    template: str
    adapters: dict[str, str] = field(default_factory=dict)  # served name -> folder
    run_args: dict[str, Any] = field(default_factory=dict)
    #: a training checkpoint only its tuner can read back (``model_dir`` is then the run's base)
    trained_checkpoint: str | None = None
    #: the model's :class:`~swiftkit.core.specs.ModelSpec` (made on the spot for an unregistered model)
    spec: Any = None
    #: what to tell the user about the model (unregistered, remote code, quantized)
    notices: list[str] = field(default_factory=list)
    #: keyword arguments every load of the model needs (``trust_remote_code``)
    load_kwargs: dict[str, Any] = field(default_factory=dict)

    def loader(self) -> Any:
        """The :class:`~swiftkit.core.models.interface.ModelLoader` of :attr:`spec`."""
        from swiftkit.core.lazy import resolve

        return resolve(self.spec.loader, self.spec.REFS["loader"])(self.spec)


def _adapter_name(path: str) -> str:
    """An adapter folder's served name: its folder name (``run/checkpoint-N`` for a checkpoint)."""
    base = os.path.basename(os.path.normpath(path))
    parent = os.path.basename(os.path.dirname(os.path.normpath(path)))
    return f"{parent}/{base}" if base.startswith("checkpoint-") and parent else base


def _adapter_entry(text: str) -> tuple[str, str]:
    """``name=path`` or ``path`` (named after its folder; ``checkpoint-N`` after its run too)."""
    name, sep, path = text.partition("=")
    if not sep:
        path = text
        name = _adapter_name(path)
    if not os.path.isfile(os.path.join(path, ADAPTER_FILE)):
        raise ConfigError(f"--adapters {text}: {path} holds no {ADAPTER_FILE} (not a LoRA/peft adapter folder)")
    return name, path


def _adapter_entries(texts: list[str], taken: dict[str, str] | None = None) -> dict[str, str]:
    """``--adapters`` as served name -> folder; a name given twice (or already in ``taken``)
    is an error naming both folders, never silently the last one."""
    out: dict[str, str] = dict(taken or {})
    for text in texts:
        name, path = _adapter_entry(text)
        if name in out:
            raise ConfigError(f"--adapters: the name {name!r} is given twice ({out[name]} and {path}); "
                              "name them apart with NAME=DIR")
        out[name] = path
    return out


def default_adapter(resolved: ResolvedModel) -> str | None:
    """The adapter a request that names none uses: the first served adapter (a LoRA checkpoint
    given as ``--model`` comes first), else the base model (``None``). ``swift infer`` and
    ``swift deploy`` share this rule."""
    return next(iter(resolved.adapters), None)


def resolve_model(config: dict[str, Any], registry: Any) -> ResolvedModel:
    """Resolve ``config['model']`` and ``config['adapters']`` (ms-swift's flags)."""
    adapter_args = list(config.get("adapters") or [])
    adapters = _adapter_entries(adapter_args)
    model = config.get("model")
    run_args: dict[str, Any] = {}
    if model and os.path.isdir(model) and os.path.isfile(os.path.join(model, ADAPTER_FILE)):
        # a LoRA checkpoint given as the model: serve its base with it as the adapter
        adapters = _adapter_entries(adapter_args, dict([_adapter_entry(model)]))
        run_args = read_args(model, missing_ok=True)
        model = run_args.get("model_dir") or run_args.get("model")
        if not model:
            raise ConfigError(f"--model {config['model']}: an adapter folder without args.json; pass the base with --model "
                              "and the adapter with --adapters")
    elif not model and adapters:
        run_args = read_args(next(iter(adapters.values())), missing_ok=True)
        model = run_args.get("model_dir") or run_args.get("model")
        if not model:
            raise ConfigError("--model is required: the adapters carry no args.json naming their base model")
    elif model and os.path.isdir(model):
        run_args = read_args(model, missing_ok=True)
    trained_checkpoint = None
    if model and os.path.isdir(model) and run_args.get("train_type") and model == config.get("model"):
        # a training checkpoint: its tuner says whether the folder is the model or must be rebuilt
        from swiftkit.infer.checkpoint import trained_model_dir

        if trained_model_dir(model, run_args, registry) is None:
            trained_checkpoint, model = model, run_args.get("model_dir") or run_args.get("model")
            if not model:
                raise ConfigError(f"--model {trained_checkpoint}: its args.json names no base model (model_dir)")
    if not model:
        raise ConfigError("--model is required (a registered id, a hub id, a local folder or a training checkpoint)")
    from swiftkit.models.support import check_support
    from swiftkit.models.unregistered import resolve_model_spec

    trust = config.get("trust_remote_code") or run_args.get("trust_remote_code")
    command = config.get("command") or "infer"
    if not os.path.isdir(model):
        # a hub id (given, or the base a checkpoint names): downloaded, or found in the hub's cache,
        # unless its spec already says it cannot run here
        from swiftkit.models.hub import fetch_model

        hub = {**run_args, **{k: v for k, v in config.items() if v is not None}} if run_args else config
        fetched = fetch_model(model, registry, hub, model_type=config.get("model_type"),
                              check=lambda s: check_support(s, {**config, "trust_remote_code": trust}, command=command))
        spec, notices, model = fetched.spec, list(fetched.notices), fetched.folder
    elif not config.get("model_type") and run_args.get("model_id") and ("model", run_args["model_id"]) in registry:
        spec, notices = registry.get("model", run_args["model_id"]).spec, []
    else:
        spec, notices = resolve_model_spec(registry, model, model_type=config.get("model_type"))
    model_dir = model
    notices += check_support(spec, {**config, "trust_remote_code": trust}, command=command, model_dir=model_dir)
    template = template_choice(config, run_args.get("template") or spec.template)
    return ResolvedModel(model_dir=model_dir, model_id=spec.id, template=template, adapters=adapters, run_args=run_args,
                         trained_checkpoint=trained_checkpoint, spec=spec, notices=notices,
                         load_kwargs={"trust_remote_code": True} if trust else {})


def engine_options(registry: Any, engine_id: str, config: dict[str, Any]) -> dict[str, Any]:
    """The engine's own options from the run config, plus the core keys every engine reads."""
    props = (registry.get("engine", engine_id).data.get("options") or {}).get("properties", {})
    options = {k: config[k] for k in props if k in config}
    for key in ("torch_dtype", "max_length", *MEDIA_KEYS):
        if config.get(key) is not None:
            options.setdefault(key, config[key])
    return options


#: the run keys of :class:`~swiftkit.core.templates.media.MediaOptions` (``--max_pixels`` ...) and
#: the deploy limit of media per request: every engine gets them with its options, to configure a
#: multimodal template (and vLLM's ``limit_mm_per_prompt``)
MEDIA_KEYS = ("max_pixels", "min_pixels", "video_max_pixels", "video_min_pixels", "fps", "fps_max_frames",
              "fps_min_frames", "sampling_rate", "max_media_per_request")


def create_engine(config: dict[str, Any], registry: Any = None) -> tuple[Any, ResolvedModel]:
    """An engine serving the resolved model (and its adapters) with ``--infer_backend`` (default ``pt``)."""
    from swiftkit.core.lazy import resolve
    from swiftkit.core.registry import get_registry
    from swiftkit.infer.checkpoint import model_source

    registry = registry or get_registry()
    resolved = resolve_model(config, registry)
    from swiftkit.infer.tasks import CAUSAL_LM, create_task_engine, served_task

    task = served_task(config, resolved.run_args, resolved.spec)
    if task != CAUSAL_LM:  # an embedding model, a classifier, a reranker: the task's objective serves it
        if config.get("infer_backend") not in (None, "pt"):
            raise ConfigError(f"a {task} model is served in this process (--infer_backend pt); "
                              f"--infer_backend {config['infer_backend']} serves text generation only")
        return create_task_engine(config, registry, resolved, task), resolved
    engine_id = registry.get("engine", config.get("infer_backend") or "pt").id
    spec = registry.get("engine", engine_id).spec
    template = registry.template(resolved.template)
    # tool calls are written and parsed in the format the model was trained with (its run's
    # --agent_template), unless this command names another
    agent_name = config.get("agent_template") or resolved.run_args.get("agent_template")
    template = template.configure(enable_thinking=config.get("enable_thinking"),
                                  agent_template=registry.agent_template(agent_name, template=template.spec))
    # not downloaded (offline), no checkpoint, an unknown model_type: one line, as `swift sft` says it
    with model_load_errors(resolved.model_dir, resolved.model_id):
        if template.requires_tokenizer:
            from transformers import AutoTokenizer

            template = template.bind(AutoTokenizer.from_pretrained(resolved.model_dir, **resolved.load_kwargs))
        source = model_source(resolved, registry)
        source.load_kwargs.update(model_load_kwargs(config, resolved.model_dir))
        engine_cls = resolve(spec.impl, spec.REFS["impl"])
        engine = engine_cls.create(spec, source, template, engine_options(registry, engine_id, config))
    for name, path in resolved.adapters.items():
        engine.add_adapter(name, path)
    return engine, resolved
