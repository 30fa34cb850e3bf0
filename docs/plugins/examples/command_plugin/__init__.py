"""Command plugin: ``swift template-preview TEMPLATE`` shows how a template renders a chat.

Registration module: imports nothing but ``swiftkit.core``; ``swift --help`` lists the command
from its spec without importing :mod:`command_plugin.command`.
"""

from __future__ import annotations

from swiftkit.core import CommandSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"


@hookimpl
def swift_register_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            id="template-preview",
            description="Show how a chat template renders a sample conversation, trainable parts marked.",
            impl="command_plugin.command:template_preview",
        )
    ]
