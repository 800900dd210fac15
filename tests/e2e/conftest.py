"""Browser tests in real Chromium through Playwright, against a live server with real commits.

Skipped, with the reason, where Debian's Chromium (/usr/bin/chromium) or the
Playwright package is missing; Playwright never downloads a browser of its own
here. Screenshots go to tests/artifacts/respondent/ (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.live import SISTER_CITIES, Live, scratch_database, seed_into, serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(browser, app, tmp_path_factory) -> Iterator[Live]:  # noqa: ANN001
    """The app served on a scratch SQLite database with four sister-city pairs."""
    folder = tmp_path_factory.mktemp("e2e")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        seed_into(live, SISTER_CITIES, pairs=4)
        yield live


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the respondent pages' screenshots go (tests/artifacts/respondent/), emptied once
    per run. Only this folder: under pytest-xdist another worker may be filling
    tests/artifacts/researcher/ at the same time."""
    folder = ARTIFACTS / "respondent"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def new_page(browser) -> Iterator[Any]:  # noqa: ANN001
    """Open pages in fresh browser contexts (a person's browser each); errors are collected."""
    contexts = []

    def open_page(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.add_init_script(path=str(AXE))  # through DevTools: our CSP stays in force
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # uncaught exceptions and CSP reports from our own pages
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "console",
            lambda message: page.errors.append(message.text) if message.type == "error" else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
