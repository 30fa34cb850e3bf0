"""Shanghai AI Laboratory model families: InternLM, InternLM2 / 2.5 (with the math models),
InternLM3 and the InternLM2 reward models.

Every family here needs the checkpoints' own modeling code (transformers 5.19 has no InternLM
class). One data module per family (``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES``); this package
gathers them and is the only module with a hook. Light: it imports nothing but ``swiftkit.core``
and ``swiftkit.plugins.models._catalogue``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "internlm",
    "internlm2",
    "internlm3",
    "internlm2_reward",
    "internvl",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "internvl_chat",
    "interns1",
    "xcomposer2",
    "xcomposer2_4khd",
    "xcomposer2_5",
    "xcomposer2_5_ol_audio",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)
