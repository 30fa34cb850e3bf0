"""Ending a finished model command without the interpreter's teardown.

After a ``swift sft`` run the interpreter spends 1.2-1.7 s (2-core CPU, tiny model) in its
finalization: clearing the module dicts of torch, transformers and ~4,000 other modules and
freeing their objects one by one. Nothing of the run needs it: its files are written and
closed, and what must happen at exit is registered with :mod:`atexit` or :mod:`threading`.
So a command that succeeded and imported torch ends the way ``Py_Finalize`` begins (threading's
exit callbacks, then joining the non-daemon threads; then the :mod:`atexit` functions, such as
``logging.shutdown`` and experiment trackers' flushes), flushes stdout and stderr, and leaves
with ``os._exit``. Only the process's own command does this (never an in-process caller of
:func:`swiftkit.cli.main`), and ``SWIFTKIT_FULL_EXIT=1`` turns it off.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

#: set to a non-empty value to let the interpreter finalize as usual
ENV_FULL_EXIT = "SWIFTKIT_FULL_EXIT"


def finish(code: int = 0, *, force: bool = False) -> None:
    """End the process with ``code`` after the exit work that matters, skipping module teardown.

    Returns (and the interpreter finalizes as usual) when the command imported no torch (light
    commands exit fast anyway), when :data:`ENV_FULL_EXIT` is set, off the main thread, or when
    this Python has no ``threading._shutdown`` (the step that joins non-daemon threads).
    ``force``: skip the torch check (tests)."""
    if os.environ.get(ENV_FULL_EXIT) or not (force or "torch" in sys.modules):
        return
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is None or threading.current_thread() is not threading.main_thread():
        return
    shutdown()  # threading's exit callbacks (executor pools), then joins non-daemon threads
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed or replaced streams
            pass
    os._exit(code)
