"""A real headless browser for UI tests: Playwright's sync API driving the distribution's Chromium.

No ``playwright install`` download is needed: the browser is the system one
(:data:`CHROMIUM`, Debian's ``chromium`` package; ``$SWIFTKIT_CHROMIUM`` names another). Use it
from pytest through the fixtures below (swiftkit's ``tests/conftest.py`` lists this module in
``pytest_plugins``; a plugin's tests can do the same)::

    def test_page(browser_page, browser_artifacts):
        browser_page.goto(url)
        browser_page.get_by_label("Message").fill("Hello")
        save_screenshot(browser_page, "hello")            # -> <artifacts>/hello.png

Tests skip, with the reason, when Chromium or Playwright is missing (:func:`unavailable_reason`).
Screenshots go under ``$SWIFTKIT_TEST_ARTIFACTS`` or ``./test-artifacts/`` (gitignored), so CI
can keep them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: where Debian / Ubuntu's ``chromium`` package puts the browser
CHROMIUM = "/usr/bin/chromium"
ENV_CHROMIUM = "SWIFTKIT_CHROMIUM"
ENV_ARTIFACTS = "SWIFTKIT_TEST_ARTIFACTS"
#: root runs Chromium only without its sandbox; /dev/shm is small in containers
LAUNCH_ARGS = ("--no-sandbox", "--disable-dev-shm-usage")
#: the viewport screenshots are taken at
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    """The Chromium executable to drive: ``$SWIFTKIT_CHROMIUM``, :data:`CHROMIUM`, else
    ``chromium`` / ``chromium-browser`` on ``PATH``; ``None`` when there is none."""
    given = os.environ.get(ENV_CHROMIUM)
    if given:
        return given if os.access(given, os.X_OK) else None
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable_reason() -> str | None:
    """Why no browser test can run here (``None`` when one can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install 'swiftkit[dev]')"
    if chromium_path() is None:
        where = os.environ.get(ENV_CHROMIUM) or CHROMIUM
        return f"no Chromium at {where} (apt-get install -y chromium, or set ${ENV_CHROMIUM})"
    return None


def artifacts_dir() -> Path:
    """The folder test artifacts (screenshots) are written to, created if missing."""
    path = Path(os.environ.get(ENV_ARTIFACTS) or "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def save_screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save ``page`` as ``<artifacts>/<name>.png`` and return the path."""
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def launch_chromium(playwright: Any, **kwargs: Any) -> Any:
    """A headless Chromium browser from a started ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=list(LAUNCH_ARGS), **kwargs)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (skips, with the reason, when none can start)."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    """A fresh page (its own context: no cookies or storage shared between tests)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def browser_artifacts() -> Path:
    """The artifacts folder (:func:`artifacts_dir`)."""
    return artifacts_dir()
