"""The plugin contract: one pluggy hook specification per plugin kind.

A plugin is a *light* module named by an entry point in one of the groups ``swiftkit.models``,
``swiftkit.templates``, ``swiftkit.datasets``, ``swiftkit.methods``, ``swiftkit.engines``,
``swiftkit.parallel``, ``swiftkit.rewards`` or ``swiftkit.plugins`` (for plugins that add several kinds or commands).
The module declares the plugin API it was written against::

    SWIFTKIT_PLUGIN_API = "1.0"

and implements any of the hooks below, marked with :data:`swiftkit.core.hookimpl`.

Rules for every registration hook (``swift_register_*``):

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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from swiftkit.core.specs import (
        CommandSpec,
        DatasetSpec,
        EngineSpec,
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
