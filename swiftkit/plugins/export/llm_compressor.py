"""(issue 15: registration module, being built)."""

from __future__ import annotations

SWIFTKIT_PLUGIN_API = "1.5"
