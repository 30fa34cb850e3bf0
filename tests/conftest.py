"""Session-wide test setup: no network, no user caches, one pytest process."""

from __future__ import annotations

import os
import tempfile

# Set before anything imports huggingface_hub / datasets / swiftkit's discovery.
_HOME = tempfile.mkdtemp(prefix="swiftkit-tests-")
for _var, _val in {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HOME": os.path.join(_HOME, "hf"),
    "SWIFTKIT_CACHE_DIR": os.path.join(_HOME, "swiftkit-cache"),
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ[_var] = _val
os.environ.pop("SWIFTKIT_STRICT_PLUGINS", None)
os.environ.pop("SWIFTKIT_PLUGINS_ALLOW", None)
os.environ.pop("SWIFTKIT_PLUGINS_DENY", None)

pytest_plugins = ["swiftkit.testing.fixtures"]
