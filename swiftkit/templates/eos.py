"""Formats that use the model's own begin/end-of-sequence tokens (ms-swift's ``bos_token_id`` /
``eos_token_id`` prompt parts), whatever the tokenizer calls them.

The spec spells them with a nominal text: its ``prefix`` when that is a single token-like
string (``<s>``), and its first stop word (``</s>``). Bound to a tokenizer, the template
renders with ``tokenizer.bos_token`` (or no prefix when the tokenizer has none) and
``tokenizer.eos_token`` instead; unbound, it renders the nominal text. Encoding binds to the
tokenizer it is given, so training data always carries the model's own tokens.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from swiftkit.templates.base import FormatTemplate


class TokenizerEosTemplate(FormatTemplate):
    """A :class:`FormatTemplate` whose nominal bos/eos text is the bound tokenizer's."""

    def _bound(self, tokenizer: Any) -> None:
        spec = self.spec
        eos = getattr(tokenizer, "eos_token", None)
        bos = getattr(tokenizer, "bos_token", None)
        changes: dict[str, Any] = {}
        nominal_eos = spec.stop_words[0] if spec.stop_words else None
        if isinstance(eos, str) and eos and nominal_eos and eos != nominal_eos:
            changes["assistant_suffix"] = spec.assistant_suffix.replace(nominal_eos, eos)
            changes["stop_words"] = [eos if w == nominal_eos else w for w in spec.stop_words]
        if spec.prefix:
            new_prefix = bos if isinstance(bos, str) and bos else ""
            if new_prefix != spec.prefix:
                changes["prefix"] = new_prefix
        if changes:
            self.spec = dataclasses.replace(spec, **changes)

    def _for(self, tokenizer: Any) -> FormatTemplate:
        if tokenizer is not None and tokenizer is not self.tokenizer:
            return self.bind(tokenizer)
        return super()._for(tokenizer)
