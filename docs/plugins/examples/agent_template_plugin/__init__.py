"""Agent template plugin: ``xml_calls`` writes tool calls as ``<call name="...">{json}</call>``.

Registration module: imports nothing but ``swiftkit.core``. Chosen with
``swift sft --agent_template xml_calls`` (training rows with ``tools`` and tool calls), and read
back by ``swift deploy`` for the model trained with it.
"""

from __future__ import annotations

from swiftkit.core import AgentTemplateSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.3"


@hookimpl
def swift_register_agent_templates() -> list[AgentTemplateSpec]:
    return [
        AgentTemplateSpec(
            id="xml_calls",
            description="Tools listed in the system prompt; a call as <call name=\"f\">{arguments}</call>.",
            impl="agent_template_plugin.behaviour:XmlCallsAgentTemplate",
        )
    ]
