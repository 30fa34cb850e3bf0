"""Keep the plugin's tests offline and away from the user's caches."""

from __future__ import annotations

import os
import tempfile

_HOME = tempfile.mkdtemp(prefix="swiftkit-example-objective-tests-")
for _var, _val in {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HOME": os.path.join(_HOME, "hf"),
    "SWIFTKIT_CACHE_DIR": os.path.join(_HOME, "swiftkit-cache"),
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ[_var] = _val
for _var in ("SWIFTKIT_STRICT_PLUGINS", "SWIFTKIT_PLUGINS_ALLOW", "SWIFTKIT_PLUGINS_DENY"):
    os.environ.pop(_var, None)
