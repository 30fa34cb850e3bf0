"""Session-wide test setup: no network, no user caches, one pytest process."""

from __future__ import annotations

from swiftkit.testing.offline import isolate_environment

# Set before anything imports huggingface_hub / datasets / swiftkit's discovery.
_HOME = isolate_environment("swiftkit-tests-")

pytest_plugins = ["swiftkit.testing.fixtures", "swiftkit.testing.browser"]


import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

_MARK = "@@SWIFTKIT-MODULES@@"
# the modules are listed at exit (atexit): a model command that succeeds ends in os._exit (cli/fast_exit.py)
_RUNNER = f"""
import atexit, json, sys
sys.argv = ["swift", *json.loads(sys.argv[1])]
atexit.register(lambda: print({_MARK!r} + json.dumps(sorted(k for k, v in sys.modules.items() if v is not None))))
from swiftkit.cli import main
main()
"""


@dataclass
class SwiftRun:
    returncode: int
    stdout: str
    stderr: str
    modules: list[str]


@pytest.fixture
def run_swift(tmp_path):
    """Run the ``swift`` CLI in a fresh interpreter; returns its output and the modules it imported."""

    def run(*args: str, env: dict[str, str] | None = None, cache_dir: str | None = None, timeout: int = 120) -> SwiftRun:
        full_env = dict(os.environ)
        full_env["SWIFTKIT_CACHE_DIR"] = cache_dir or str(tmp_path / "swift-cache")
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-c", _RUNNER, json.dumps(list(args))],
            capture_output=True, text=True, env=full_env, timeout=timeout,
        )
        out, _, mods = proc.stdout.rpartition(_MARK)
        return SwiftRun(proc.returncode, out, proc.stderr, json.loads(mods) if mods.strip() else [])

    return run


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models gain nothing from intra-op threads, and OpenMP threads spinning on a busy
    2-core machine can slow a backward pass a hundredfold. Modules opt in with
    ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def serving_url():
    """``read(proc) -> (url, lines)``: read a ``swift deploy`` subprocess's output until its
    "serving ... at URL/v1" line (or 120 s, or the end of output); ``url`` is None if none came."""
    import re
    import time

    def read(proc: Any, timeout: float = 120.0) -> tuple[str | None, list[str]]:
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"serving .* at (http://\S+)/v1 ", line)
            if found:
                return found.group(1), lines
        return None, lines

    return read
