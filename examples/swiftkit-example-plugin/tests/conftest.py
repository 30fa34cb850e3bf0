"""Keep the plugin's tests offline and away from the user's caches."""

from __future__ import annotations

from swiftkit.testing.offline import isolate_environment

isolate_environment("swiftkit-example-plugin-tests-")
