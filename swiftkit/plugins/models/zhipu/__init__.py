"""Zhipu AI / Z.ai model families: ChatGLM2, ChatGLM3, GLM-4 (``chatglm4``), CodeGeeX4, GLM-4-0414
(``glm4``), GLM-4.5 / 4.6 / 4.7 (``glm4_moe``), GLM-4.7-Flash (``glm4_moe_lite``), GLM-5
(``glm_moe_dsa``) and GLM-Edge (``glm_edge``).

One data module per family (``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES``); this package gathers
them and is the only module with a hook. Light: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``; tiny-config tweaks live in
:mod:`swiftkit.plugins.models.zhipu.loader`. Hub ids are exactly those of ms-swift's public
model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "chatglm2",
    "chatglm3",
    "chatglm4",
    "glm4",
    "glm4_moe",
    "glm4_moe_lite",
    "glm_moe_dsa",
    "glm_edge",
    "codegeex4",
    "glm4v",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "chatglm4v",
    "glm_edge_v",
    "glm_ocr",
    "cogvlm",
    "cogagent_vqa",
    "cogagent_chat",
    "cogvlm2",
    "cogvlm2_video",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)
