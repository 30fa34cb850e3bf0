"""ReFT's tuner object: it refuses to run, with the reason the registration module gives.

Reached only when the configuration-time refusal is bypassed (the tuner built directly through
the registry, as a test or another tool may do)."""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import Tuner
from swiftkit.plugins.methods.reft import REASON


class ReftTuner(Tuner):
    """Refuses in :meth:`load_kwargs` (before the model loads) and in :meth:`prepare`."""

    def load_kwargs(self) -> dict[str, Any]:
        raise SwiftkitError(REASON)

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        raise SwiftkitError(REASON)
