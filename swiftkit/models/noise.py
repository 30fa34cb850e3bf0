"""Third-party console noise a swiftkit user cannot act on, silenced at the source.

Once the optional extras are installed, importing transformers pulls in DeepSpeed and
bitsandbytes, and each prints a line on every model command: DeepSpeed's accelerator detection
(on stdout, so it lands in piped output too) and bitsandbytes' notice that an optional CPU
kernel package is absent. Neither says anything about the user's job. Only those exact records
are dropped; every other warning of these libraries still reaches the console.

:func:`silence_third_party_noise` touches only :mod:`logging` (no heavy import), so the CLI calls
it before every command; :func:`quiet_transformers` is for code that loads or saves a model.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["quiet_transformers", "silence_third_party_noise"]

_DS_LOGGER = "DeepSpeed"
_BNB_CPU_LOGGER = "bitsandbytes.backends.cpu.ops"


def _no_cuda_device() -> bool:
    torch = sys.modules.get("torch")  # DeepSpeed imports torch before it detects anything
    if torch is None:
        return True
    try:
        return torch.cuda.device_count() == 0
    except Exception:  # a broken CUDA install is worth the user's attention: keep the line
        return False


def _is_accelerator_detection(record: logging.LogRecord) -> bool:
    """DeepSpeed's "Setting accelerator to CPU ..." / "Setting ds_accelerator to cpu ..." lines.

    On a machine with no CUDA device, CPU is the only answer and the line is noise; where a GPU
    exists but was not detected, it points at a real problem and is kept."""
    if record.filename != "real_accelerator.py":
        return False
    message = record.getMessage()
    if message.startswith("Setting accelerator to CPU"):
        return _no_cuda_device()
    return message.startswith("Setting ds_accelerator to")


def _is_optional_kernel_notice(record: logging.LogRecord) -> bool:
    """bitsandbytes' "Failed to load CPU gemm_4bit_forward from kernels-community": an optional
    speed-up for 4-bit matmuls on CPU; it falls back to its own kernel."""
    return "kernels-community" in record.getMessage()


class _Drop(logging.Filter):
    def __init__(self, name: str, predicate: object) -> None:
        super().__init__()
        self.tag = f"swiftkit-silence:{name}"
        self.predicate = predicate

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.predicate(record)  # type: ignore[operator]


def silence_third_party_noise() -> None:
    """Install the filters (idempotent). Call before DeepSpeed or bitsandbytes is imported:
    both log at import time. The filters sit on the loggers themselves, which the libraries
    later fetch by name and configure without removing filters."""
    for name, predicate in ((_DS_LOGGER, _is_accelerator_detection), (_BNB_CPU_LOGGER, _is_optional_kernel_notice)):
        logger = logging.getLogger(name)
        drop = _Drop(name, predicate)
        if not any(getattr(f, "tag", None) == drop.tag for f in logger.filters):
            logger.addFilter(drop)


def quiet_transformers() -> None:
    """transformers' per-load chatter: its info/warning logs and the "Loading weights" /
    "Writing model shards" progress bars. swiftkit reports what it loads and saves itself."""
    silence_third_party_noise()
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
