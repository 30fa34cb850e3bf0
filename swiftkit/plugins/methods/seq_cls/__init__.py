"""Sequence classification task (placeholder: filled in by issue 13's work)."""

SWIFTKIT_PLUGIN_API = "1.3"
