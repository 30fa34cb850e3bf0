"""Tiny random models of a family's real architecture, for plugin authors' tests.

The builder lives in :mod:`swiftkit.models.tiny` (the demo uses it too); this module is the
testing kit's stable name for it.
"""

from swiftkit.models.tiny import build_tiny_model, tested_families, tiny_families

__all__ = ["build_tiny_model", "tested_families", "tiny_families"]
