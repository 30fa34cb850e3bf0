"""A finished model command ends without the interpreter's teardown, but only after the exit
work that matters: threading's exit callbacks and non-daemon threads, atexit functions, and
flushed output (swiftkit.cli.fast_exit)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import atexit, sys, threading, time
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path
    from swiftkit.cli.fast_exit import finish

    out = Path(sys.argv[1])
    atexit.register(lambda: (out / "atexit").write_text("ran"))

    def late():
        time.sleep(0.3)
        (out / "thread").write_text("done")

    threading.Thread(target=late).start()  # non-daemon: must be waited for
    pool = ThreadPoolExecutor(1)
    pool.submit(lambda: (time.sleep(0.2), (out / "pool").write_text("done")))
    sys.stdout.write("buffered, no newline")
    finish(3, force=True)
    print("finish returned")
    """
)


def _run(tmp_path, **env):
    return subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60)


def test_finish_waits_for_threads_runs_atexit_flushes_and_exits_with_the_code(tmp_path):
    proc = _run(tmp_path, SWIFTKIT_FULL_EXIT="")
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "buffered, no newline"
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"atexit": "ran", "thread": "done", "pool": "done"}


def test_full_exit_lets_the_interpreter_finalize(tmp_path):
    proc = _run(tmp_path, SWIFTKIT_FULL_EXIT="1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("finish returned\n")
    assert (tmp_path / "atexit").read_text() == "ran"
