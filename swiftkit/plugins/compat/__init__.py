"""Compatibility plugins: other tools' flag spellings and the flags swiftkit refuses, with why."""
