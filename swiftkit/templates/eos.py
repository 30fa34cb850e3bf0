"""Formats that use the model's own begin/end-of-sequence tokens (ms-swift's ``bos_token_id`` /
``eos_token_id`` prompt parts), whatever the tokenizer calls them.

The spec spells them ``<s>`` (as its whole ``prefix``) and ``</s>`` (in ``assistant_suffix`` and
``stop_words``). Bound to a tokenizer, the template renders ``tokenizer.bos_token`` instead of
``<s>`` (no prefix when the tokenizer has none) and ``tokenizer.eos_token`` instead of ``</s>``;
unbound, it renders ``<s>``/``</s>``. Encoding binds to the tokenizer it is given, so training
data always carries the model's own tokens. Other special tokens of the format are left alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from swiftkit.templates.base import FormatTemplate

NOMINAL_BOS = "<s>"
NOMINAL_EOS = "</s>"


class TokenizerEosTemplate(FormatTemplate):
    """A :class:`FormatTemplate` whose ``<s>``/``</s>`` are the bound tokenizer's bos/eos."""

    def _bound(self, tokenizer: Any) -> None:
        spec = self.spec
        eos = getattr(tokenizer, "eos_token", None)
        bos = getattr(tokenizer, "bos_token", None)
        changes: dict[str, Any] = {}
        if isinstance(eos, str) and eos and eos != NOMINAL_EOS:
            changes["assistant_suffix"] = spec.assistant_suffix.replace(NOMINAL_EOS, eos)
            changes["stop_words"] = [eos if w == NOMINAL_EOS else w for w in spec.stop_words]
        if spec.prefix == NOMINAL_BOS:
            changes["prefix"] = bos if isinstance(bos, str) and bos else ""
        if changes:
            self.spec = dataclasses.replace(spec, **changes)

    def _for(self, tokenizer: Any) -> FormatTemplate:
        if tokenizer is not None and tokenizer is not self.tokenizer:
            return self.bind(tokenizer)
        return super()._for(tokenizer)
