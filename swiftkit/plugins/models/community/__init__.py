"""Community fine-tunes with families of their own: OpenBuddy (Llama, Mistral and Mixtral
architectures), Zephyr and WizardLM-2 (dense and MoE). One data module per family; this package
gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "openbuddy_llama",
    "openbuddy_mistral",
    "openbuddy_mixtral",
    "zephyr",
    "wizardlm2",
    "wizardlm2_moe",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "moss_vl",
    "ovis1_6",
    "ovis2",
    "ovis2_5",
    "ovis_ocr2",
    "midashenglm",
    "llama3_1_omni",
    "mplug_owl2",
    "mplug_owl2_1",
    "mplug_owl3",
    "mplug_owl3_241101",
    "doc_owl2",
    "emu3_gen",
    "emu3_chat",
    "got_ocr2",
    "got_ocr2_hf",
    "step_audio",
    "step_audio2_mini",
    "kimi_vl",
    "kimi_k25",
    "kimi_k3",
    "keye_vl",
    "keye_vl_1_5",
    "megrez_omni",
    "step3_vl",
    "muse_glimmer",
    "jina_reranker_m0",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)
