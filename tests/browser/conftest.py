"""Playwright journeys in Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium
(CHROMIUM_PATH overrides it). Every test in this folder is marked `browser`;
they run in the PostgreSQL pass of `make test` (the live server shares the
database with the test through a real server, which in-memory SQLite does not
do well).

`phone_page` is a 360×740 touch screen, `desktop_page` a 1280×800 window.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless as root in a container, and quiet: without the networking flags
# Chromium keeps trying to reach Google's hosts, which this machine refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module.

    Module scope, not session: while Playwright runs, its event loop makes
    Django believe it is in async code, so the ORM needs
    DJANGO_ALLOW_ASYNC_UNSAFE; both are undone when the module ends, so the
    tests that run after it in the same worker keep Django's check.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/system-deps.sh (or set CHROMIUM_PATH).")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2, locale="fr-FR"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()
