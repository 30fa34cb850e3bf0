"""The SmolLM2 loader: behaviour, imported only when a SmolLM2 model is loaded or built.

Any architecture ``transformers.AutoModelForCausalLM`` knows can use swiftkit's default
loader; subclassing it is only needed to say what a *tiny* model of the family looks like
(SmolLM2 ties its input and output embeddings, the default tiny config does not).
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class SmolLM2Loader(HFCausalLMLoader):
    """``load`` and ``tiny_config`` come from :class:`HFCausalLMLoader`; only the tiny
    architecture's particulars are added here (merged over the base class's defaults)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"tie_word_embeddings": True, "num_key_value_heads": 1}
