"""Built-in chat templates, one data module per vendor or format family.

This package is the registration module (entry point ``builtin-templates``): its hook gathers
the specs of every module in :data:`MODULES`, each of which defines ``swift_register_templates()``
returning plain data. Nothing here imports more than ``swiftkit.core``.
"""

from __future__ import annotations

import importlib

from swiftkit.core import hookimpl
from swiftkit.core.specs import TemplateSpec

SWIFTKIT_PLUGIN_API = "1.5"

#: the data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "chat",
    "meta_templates",
    "mistral_templates",
    "microsoft_templates",
    "openai_templates",
    "cohere_templates",
    "baidu_templates",
    "tencent_templates",
    "minimax_templates",
    "bytedance_templates",
    "inclusionai_templates",
    "base_templates",
    "qwen_templates",
    "deepseek_templates",
    "glm_templates",
    "internlm_templates",
    "baichuan_templates",
    "openbmb_templates",
    "codefuse_templates",
    "community_templates",
    "qwen_vl_templates",
    "qwen_audio_templates",
    "llava_templates",
    "vision_templates",
    "multimodal_templates",
)


@hookimpl
def swift_register_templates() -> list[TemplateSpec]:
    specs: list[TemplateSpec] = []
    for name in MODULES:
        specs.extend(importlib.import_module(f"{__name__}.{name}").swift_register_templates())
    return specs
