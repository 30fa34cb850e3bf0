"""pytest fixtures for plugin authors: ``pytest_plugins = ["swiftkit.testing.fixtures"]``.

- ``swift_plugins``: a :class:`~swiftkit.testing.harness.PluginHarness` with no plugins at
  all; add yours and call ``.registry()``.
- ``swift_registry_with``: a function that registers plugins *on top of* everything installed
  and makes the result the process-wide registry for the test (restored afterwards), so code
  calling ``get_registry()`` sees them.

Both give the test its own index cache directory and turn the index off, so nothing leaks
between tests or into the user's cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from swiftkit.core import plugins
from swiftkit.core.registry import Registry, set_registry
from swiftkit.testing.harness import PluginHarness


@pytest.fixture
def swift_plugins(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> PluginHarness:
    monkeypatch.setenv(plugins.ENV_CACHE_DIR, str(tmp_path / "swiftkit-cache"))
    monkeypatch.setenv(plugins.ENV_NO_INDEX, "1")
    return PluginHarness(include_installed=False)


@pytest.fixture
def swift_registry_with(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Registry]]:
    monkeypatch.setenv(plugins.ENV_CACHE_DIR, str(tmp_path / "swiftkit-cache"))
    monkeypatch.setenv(plugins.ENV_NO_INDEX, "1")
    previous = set_registry(None)

    def register(*plugin_objects: Any, dist: str = "test-plugin", version: str = "0.0.0") -> Registry:
        harness = PluginHarness(include_installed=True)
        for obj in plugin_objects:
            harness.add(obj, dist=dist, version=version)
        registry = harness.registry()
        set_registry(registry)
        return registry

    yield register
    set_registry(previous)
