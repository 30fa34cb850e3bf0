"""The plugin author's kit.

- :mod:`swiftkit.testing.fixtures`: pytest fixtures for an isolated plugin manager and a
  temporarily registered plugin (``pytest_plugins = ["swiftkit.testing.fixtures"]``);
- :mod:`swiftkit.testing.conformance`: checks a plugin package runs in its own CI;
- :mod:`swiftkit.testing.tiny`: tiny random models of a registered family's real architecture,
  built offline with a locally trained tokenizer carrying the family's chat template.
"""

from swiftkit.testing.harness import PluginHarness, make_plugin

__all__ = ["PluginHarness", "make_plugin"]
