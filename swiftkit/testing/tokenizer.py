"""Offline byte-level BPE tokenizers carrying a template, for plugin authors' tests.

The builder lives in :mod:`swiftkit.models.offline_tokenizer`; this module is the testing kit's
stable name for it.
"""

from swiftkit.models.offline_tokenizer import build_tokenizer, default_corpus

__all__ = ["build_tokenizer", "default_corpus"]
