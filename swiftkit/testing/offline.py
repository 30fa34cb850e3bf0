"""Keep a plugin's test session offline and away from the user's caches.

Call :func:`isolate_environment` at the top of ``conftest.py``, before anything imports
``huggingface_hub``, ``datasets`` or swiftkit's discovery (they read these variables once)::

    from swiftkit.testing.offline import isolate_environment

    isolate_environment("my-plugin-tests-")
"""

from __future__ import annotations

import os
import tempfile

#: switches that would make discovery behave differently from a user's default set-up
_PLUGIN_SWITCHES = ("SWIFTKIT_STRICT_PLUGINS", "SWIFTKIT_PLUGINS_ALLOW", "SWIFTKIT_PLUGINS_DENY")


def isolate_environment(prefix: str = "swiftkit-tests-") -> str:
    """Hub access off, a fresh temporary ``HF_HOME`` and ``SWIFTKIT_CACHE_DIR``, and no plugin
    allow/deny/strict switch; returns the temporary folder that holds the caches."""
    home = tempfile.mkdtemp(prefix=prefix)
    os.environ.update({
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": os.path.join(home, "hf"),
        "MODELSCOPE_CACHE": os.path.join(home, "modelscope"),
        "SWIFTKIT_CACHE_DIR": os.path.join(home, "swiftkit-cache"),
        "TOKENIZERS_PARALLELISM": "false",
    })
    for name in (*_PLUGIN_SWITCHES, "USE_HF", "HF_HUB_CACHE", "HF_ENDPOINT", "MODELSCOPE_ENDPOINT"):
        os.environ.pop(name, None)
    return home
