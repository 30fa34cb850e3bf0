"""Built-in agent templates (tool-calling formats; ``swift list agent-templates``).

Registration only (data); the formats live in one module per family beside this one, each an
:class:`~swiftkit.core.templates.agent.AgentTemplate` imported when tool data is met.
"""

from __future__ import annotations

from swiftkit.core import hookimpl
from swiftkit.core.specs import AgentTemplateSpec

SWIFTKIT_PLUGIN_API = "1.5"

_HERE = "swiftkit.plugins.templates.agents"


@hookimpl
def swift_register_agent_templates() -> list[AgentTemplateSpec]:
    return [
        AgentTemplateSpec(id="hermes", impl=f"{_HERE}.hermes:HermesAgentTemplate",
                          description="<tool_call>{\"name\", \"arguments\"}</tool_call> JSON in tags; tools listed in "
                                      "<tools></tools> in the system prompt, results in <tool_response> user turns "
                                      "(Hermes 2 Pro / Qwen2.5 style)"),
        AgentTemplateSpec(id="qwen", impl=f"{_HERE}.hermes:QwenAgentTemplate",
                          description="Qwen2.5 / Qwen3 / QwQ: the hermes format as their chat templates write it "
                                      "(the default of the qwen2_5, qwen3 and qwq chat templates)"),
        AgentTemplateSpec(id="llama3", impl=f"{_HERE}.llama3:Llama3AgentTemplate", aliases=["llama3_2"],
                          description="Llama 3.1 / 3.2 / 3.3: tools as JSON in the first user message, a call as "
                                      "{\"name\", \"parameters\"} JSON, results in the ipython role"),
        AgentTemplateSpec(id="mistral", impl=f"{_HERE}.mistral:MistralAgentTemplate",
                          description="Mistral (v3 tokenizer: Nemo, Large 2407): [AVAILABLE_TOOLS] before the last "
                                      "user message, [TOOL_CALLS][...] calls, [TOOL_RESULTS] results"),
        AgentTemplateSpec(id="glm4", impl=f"{_HERE}.glm4:GLM4AgentTemplate",
                          description="GLM-4 / GLM-4-0414: tools in the system prompt, a call as the function name "
                                      "on a line then its JSON arguments, results in the observation role"),
        AgentTemplateSpec(id="glm4_5", impl=f"{_HERE}.glm4_5:GLM45AgentTemplate",
                          description="GLM-4.5 / 4.6: tools in a system turn of their own, a call as <tool_call>NAME "
                                      "with <arg_key>/<arg_value> pairs on their own lines, results in <tool_response> "
                                      "observation turns"),
        AgentTemplateSpec(id="glm4_7", impl=f"{_HERE}.glm4_5:GLM47AgentTemplate",
                          description="GLM-4.7 / GLM-5: the glm4_5 format written without newlines"),
        AgentTemplateSpec(id="react_en", impl=f"{_HERE}.react:ReactEnAgentTemplate", aliases=["react"],
                          stop_words=["Observation:"],
                          description="ReAct (English): Thought / Action / Action Input, the tool's output as "
                                      "Observation; works with any chat template (the default)"),
    ]
