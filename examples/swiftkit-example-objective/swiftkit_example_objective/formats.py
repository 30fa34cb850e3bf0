"""The ``triplets`` dataset format: registration module (light: imports nothing heavy).

Entry point ``triplets`` in group ``swiftkit.datasets``. Rows with the columns ``anchor``,
``positive`` and ``negative`` are detected as this format; its converter feeds only the
``triplet`` data layout (its ``modes``), so SFT and the other objectives never pick it.
"""

from __future__ import annotations

from swiftkit.core import hookimpl
from swiftkit.core.specs import FormatSpec

SWIFTKIT_PLUGIN_API = "1.1"


@hookimpl
def swift_register_formats() -> list[FormatSpec]:
    return [
        FormatSpec(
            id="triplets",
            description="{anchor, positive, negative} texts for contrastive embedding training",
            columns=["anchor", "positive", "negative"],
            converter="swiftkit_example_objective.converter:TripletConverter",
        )
    ]
