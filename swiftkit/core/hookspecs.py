"""The plugin contract: the pluggy hook specifications plugins implement.

A plugin is a *light* module named by an entry point in one of the groups ``swiftkit.models``,
``swiftkit.templates``, ``swiftkit.datasets``, ``swiftkit.methods``, ``swiftkit.engines``,
``swiftkit.parallel``, ``swiftkit.rewards``, ``swiftkit.eval``, ``swiftkit.export`` or ``swiftkit.plugins`` (for plugins that add several kinds or commands).
The module declares the plugin API it was written against::

    SWIFTKIT_PLUGIN_API = "1.0"

and implements any of the hooks below, marked with :data:`swiftkit.core.hookimpl`. There are
two sorts:

**Registration hooks** (``swift_register_*``, one per plugin kind) say what a plugin provides.
Rules for every one of them:

- **When called:** once per discovery, i.e. when no valid index cache matches what is
  installed, or when ``swift plugins check`` validates the plugin. Its results are cached in
  the index, so it must be deterministic and must not depend on the machine's state
  (devices, network, files outside the package).
- **What returned:** a list of spec objects (:mod:`swiftkit.core.specs`) or plain dicts of
  the same fields. Each is validated against its JSON Schema; one invalid spec, one duplicate
  id, or a lazy reference that does not resolve makes the core skip the whole plugin and
  report why in ``swift plugins``.
- **What is forbidden:** importing torch, transformers, peft, datasets, deepspeed, vllm or any
  other heavy library (at module level or in the hook); the specs point at the code that needs
  them with ``"package.module:attr"`` references instead. Raising is allowed but makes the
  plugin broken.

**Runtime hooks** (the other ``swift_*`` hooks, listed in :data:`RUNTIME_HOOKS`) take part in a
run: they let any plugin, in any group, extend a training run or a server without adding a
kind. Rules for every one of them:

- **When called:** only by the commands that run something (``sft``, ``pt``, ``rlhf``,
  ``infer``, ``deploy``, ``export``), through the pluggy plugin manager that holds every
  healthy plugin (:meth:`swiftkit.core.registry.Registry.plugin_manager`); never by ``swift
  list`` and the other commands that only read the index. Discovery checks their signatures
  (an argument name the spec does not have makes the plugin broken) but never calls them.
- **Order:** pluggy's: implementations run in the reverse of discovery order (built-ins are
  discovered first, so third-party plugins run before them); use
  ``@hookimpl(tryfirst=True)`` / ``trylast=True`` where order matters. An implementation may
  take any subset of the arguments.
- **Errors:** an exception raised by an implementation stops the command with an error naming
  the plugin and its distribution (:class:`~swiftkit.core.errors.PluginHookError`).
- **What is forbidden:** heavy imports at module level (the registration module stays light:
  import inside the hook), and keeping references to the objects passed in beyond the call
  unless the hook's documentation allows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from swiftkit.core.specs import (
        AgentTemplateSpec,
        CommandSpec,
        DatasetSpec,
        EngineSpec,
        EvalBackendSpec,
        ExporterSpec,
        FormatSpec,
        MethodSpec,
        ModelSpec,
        OptionsSpec,
        RewardSpec,
        StrategySpec,
        TemplateSpec,
    )

PROJECT = "swiftkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def swift_register_models() -> list[ModelSpec | dict[str, Any]]:
    """Return the model checkpoints this plugin provides (:class:`~swiftkit.core.specs.ModelSpec`).

    Each spec names its family, its transformers architecture and ``model_type``, its hub ids,
    its default template (by template id, which may come from another plugin) and a
    ``loader`` reference to a :class:`~swiftkit.core.models.interface.ModelLoader`.
    """


@hookspec
def swift_register_templates() -> list[TemplateSpec | dict[str, Any]]:
    """Return the chat templates this plugin provides (:class:`~swiftkit.core.specs.TemplateSpec`).

    The text form is data; ``behaviour`` references the
    :class:`~swiftkit.core.templates.interface.Template` that encodes and renders it.
    """


@hookspec
def swift_register_agent_templates() -> list[AgentTemplateSpec | dict[str, Any]]:
    """Return tool-calling formats (:class:`~swiftkit.core.specs.AgentTemplateSpec`), chosen with
    ``--agent_template`` or by a chat template's ``agent_template`` default.

    - **When called:** like every registration hook (once per discovery); the ``impl``
      (an :class:`~swiftkit.core.templates.agent.AgentTemplate`) is imported only when a run or a
      server meets tool data (a ``tools`` column, tool calls, a request with ``tools``).
    - **What returned:** a list of specs; ids share one namespace across plugins (a clash makes
      the later plugin broken). An agent template works with any chat template: it must not
      name one, and a chat template names its default agent template by id.
    - **What is forbidden:** the rules of every registration hook; and an ``impl`` must not
      keep state between conversations (one object serves concurrent requests).
    """


@hookspec
def swift_register_datasets() -> list[DatasetSpec | dict[str, Any]]:
    """Return the datasets this plugin registers (:class:`~swiftkit.core.specs.DatasetSpec`).

    A bundled dataset's file is named as ``"package:relative/path"`` and must ship in the
    plugin's distribution. The hook must not read the data.
    """


@hookspec
def swift_register_formats() -> list[FormatSpec | dict[str, Any]]:
    """Return the dataset row formats this plugin understands (:class:`~swiftkit.core.specs.FormatSpec`)."""


@hookspec
def swift_register_methods() -> list[MethodSpec | dict[str, Any]]:
    """Return tuners and objectives (:class:`~swiftkit.core.specs.MethodSpec`).

    Option names are flat run-config keys (``lora_rank``) and must not collide with the core
    schema or another plugin's options; a collision is reported with both plugins' names.
    """


@hookspec
def swift_register_engines() -> list[EngineSpec | dict[str, Any]]:
    """Return inference engines (:class:`~swiftkit.core.specs.EngineSpec`).

    ``requires`` lists what must be installed (``"vllm>=0.10"``, ``"gpu"``); an engine whose
    requirements are not met is still listed, and ``swift info`` says what is missing.
    """


@hookspec
def swift_register_strategies() -> list[StrategySpec | dict[str, Any]]:
    """Return parallel strategies (:class:`~swiftkit.core.specs.StrategySpec`)."""


@hookspec
def swift_register_rewards() -> list[RewardSpec | dict[str, Any]]:
    """Return reward functions for online RL (:class:`~swiftkit.core.specs.RewardSpec`), chosen
    by id with ``--reward_funcs``; a user function can also be given as ``module:function``."""


@hookspec
def swift_register_eval_backends() -> list[EvalBackendSpec | dict[str, Any]]:
    """Return evaluation backends of ``swift eval`` (:class:`~swiftkit.core.specs.EvalBackendSpec`),
    chosen with ``--eval_backend``.

    - **When called:** like every registration hook (once per discovery); the ``impl`` (an
      :class:`~swiftkit.core.eval.interface.EvalBackend`) is imported only when ``swift eval`` (or
      evaluation during training) runs with this backend, so the evaluation library it drives is
      imported there and never on the discovery path.
    - **What returned:** a list of specs; ids share one namespace across plugins. ``options`` keys
      follow the rules of every plugin option (no core key, no clash with another plugin).
    - **What is forbidden:** the rules of every registration hook; and the backend must not
      download anything when the hub is offline (``HF_HUB_OFFLINE``): a benchmark it cannot reach
      is reported by name, in one line, by :meth:`EvalBackend.check_datasets`.
    """


@hookspec
def swift_register_exporters() -> list[ExporterSpec | dict[str, Any]]:
    """Return steps of ``swift export`` (:class:`~swiftkit.core.specs.ExporterSpec`): quantization
    methods, file formats (GGUF), packaging (an Ollama Modelfile), publishing (a hub upload).

    - **When called:** like every registration hook; the ``impl`` (an
      :class:`~swiftkit.core.export.interface.Exporter`) is imported only when a ``swift export``
      run selects it through a ``selected_by`` key (``--quant_method gptq``, ``--to_gguf true``).
    - **What returned:** a list of specs. Two exporters selected by the same (key, value) pair are
      a conflict reported with both plugins' names when a run selects them.
    - **What is forbidden:** the rules of every registration hook; an exporter must never leave a
      half-written output: it writes into the staging folder it is given, which the core renames
      into place only when every step succeeded.
    """


@hookspec
def swift_register_commands() -> list[CommandSpec | dict[str, Any]]:
    """Return CLI commands to mount under ``swift`` (:class:`~swiftkit.core.specs.CommandSpec`).

    The command object is imported only when the user runs it; its one-line help comes from
    the spec so that ``swift --help`` imports no plugin. A name already taken by the core or
    another plugin is a conflict.
    """


@hookspec
def swift_register_options() -> list[OptionsSpec | dict[str, Any]]:
    """Return run-config options not tied to a model, method or engine
    (:class:`~swiftkit.core.specs.OptionsSpec`), merged into ``swift config-schema``."""


# ---------------------------------------------------------------------------- runtime hooks


@hookspec
def swift_config_adjust(config: dict[str, Any], command: str) -> None:
    """Adjust the run configuration of ``command`` before anything is loaded.

    **When called:** once per command, in the process the user started, after the configuration
    is composed (previous run's args, ``--config`` file, flags, ``--auto``'s choices) and
    validated, before processes are launched: the launched workers get the adjusted
    configuration and do not call the hook again. A resumed run starts from the arguments it
    recorded, so the hook may see a configuration it adjusted before: make it idempotent.

    :param config: the validated run configuration (flat run-config keys, defaults filled in),
        to change **in place**: set, change or remove keys. Every key must remain a run-config
        key (the core's, or an option of a plugin the run uses: see ``swift config-schema``).
    :param command: the command that runs: ``"sft"``, ``"pt"``, ``"rlhf"``, ``"infer"``,
        ``"deploy"`` or ``"export"``.

    **What returned:** ``None``. Every implementation is called (not firstresult); each sees the
    changes of those called before it. The adjusted configuration is validated again (it may
    select other plugins, e.g. another ``train_type``); a problem is reported naming the plugins
    that implement this hook. It is what training records in ``args.json``.

    **What is forbidden:** returning a new dict instead of changing ``config`` (a returned value
    is an error), loading models or data, and side effects outside ``config``.
    """


@hookspec
def swift_trainer_callbacks(config: dict[str, Any], run_dir: str) -> list[Any] | None:
    """Return ``transformers.TrainerCallback`` objects (or classes) to add to the Trainer.

    **When called:** once per training process (every rank of a multi-process run) by ``sft``,
    ``pt`` and ``rlhf``, when the Trainer is built: after the model, the tuner and the datasets
    are ready, before the first step.

    :param config: the run configuration, as recorded in ``args.json``. Read only.
    :param run_dir: the run folder (``args.json``, ``logging.jsonl``, ``checkpoint-N``).

    **What returned:** a list of callbacks, or ``None`` for none. Not firstresult: the lists of
    every implementation are concatenated and added after the core's callbacks. An item that
    is not a ``TrainerCallback`` instance or subclass is an error naming the plugin(s).

    **What is forbidden:** changing ``config``. A callback runs on every rank: one that writes
    files should do so only where ``state.is_world_process_zero``. A callback must not save
    checkpoints itself (see :func:`swift_checkpoint_saved` to observe them).
    """


@hookspec
def swift_checkpoint_saved(checkpoint_dir: str, step: int, config: dict[str, Any]) -> None:
    """Observe a checkpoint once it is complete and in place.

    **When called:** by ``sft``, ``pt`` and ``rlhf``, on the main process (rank 0) only, after
    ``checkpoint-N`` was written in full and atomically renamed from its staging folder: the
    folder holds the weights (or the tuner's files), the optimizer and trainer state and
    ``args.json``. The other ranks wait at the next step's synchronisation, so keep it short
    (start a thread or a process for an upload).

    :param checkpoint_dir: the final ``<run_dir>/checkpoint-N`` folder.
    :param step: ``N``, the global step the checkpoint was taken at.
    :param config: the run configuration, as recorded in ``args.json``. Read only.

    **What returned:** ``None`` (a returned value is ignored). Every implementation is called.
    Raising stops training with an error naming the plugin; the checkpoint stays valid, so the
    run can be resumed from it.

    **What is forbidden:** changing, adding or removing files inside ``checkpoint_dir`` (resume,
    ``swift infer`` and ``swift export`` read it as written), and removing checkpoints (the
    Trainer rotates them by ``save_total_limit``).
    """


@hookspec
def swift_server_routes(app: Any, engine: Any, config: dict[str, Any]) -> None:
    """Add HTTP routes to the FastAPI app of ``swift deploy``.

    **When called:** once per app, when the app is created: after the core's routes
    (``/v1/...``, ``/health``), before the server accepts connections.

    :param app: the ``fastapi.FastAPI`` application. Add routes with its decorators
        (``@app.get``, ``@app.post``, ``@app.api_route``) or ``app.include_router``: they are
        protected by the server's API key like the core routes, and errors raised in them are
        answered in OpenAI's error shape.
    :param engine: the :class:`~swiftkit.core.engines.interface.InferEngine` the app serves
        (it belongs to the server: do not close it).
    :param config: the ``swift deploy`` run configuration. Read only.

    **What returned:** ``None``. Every implementation is called.

    **What is forbidden:** adding a path and method the core already serves, and adding routes
    that bypass the API key (``app.add_route``, ``app.mount``, raw Starlette routes): both are
    errors naming the plugin(s). Middleware and exception handlers are the server's.
    """


#: runtime hooks (called by run commands through the plugin manager), by name
RUNTIME_HOOKS: tuple[str, ...] = (
    "swift_config_adjust",
    "swift_trainer_callbacks",
    "swift_checkpoint_saved",
    "swift_server_routes",
)
