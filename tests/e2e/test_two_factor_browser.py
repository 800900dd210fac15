"""AUTH-2FA in real Chromium: set up two-factor sign-in, sign in with a code computed here.

The test reads the key from the page as a person would type it into an authenticator
app, computes the codes with pyotp, keeps the recovery codes the page shows once, and
signs in with a code and with a recovery code. Every two-factor page is checked in en,
简体中文 and 繁體中文 at 1280 and 390 px (axe, broken words, sideways scrolling) and
photographed to tests/artifacts/two_factor/.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.e2e.live import Live, scratch_database, serve
from tests.e2e.test_researcher_browser import LANGUAGES, WIDTHS, problems_of, screenshot
from tests.fixtures.database import TEST_DATABASE_URL
from tests.fixtures.web import PASSWORD

pytestmark = pytest.mark.slow
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
EMAIL = "two@example.org"


@pytest.fixture(scope="module")
def live(browser, app, tmp_path_factory) -> Iterator[Live]:  # noqa: ANN001
    """A scratch SQLite database with one researcher who owns a study."""
    if TEST_DATABASE_URL:
        pytest.skip("the pages behave the same on both backends: checked in the SQLite run")
    from survey.accounts import services as accounts
    from survey.db import db, writing
    from survey.studies import services as studies

    folder = tmp_path_factory.mktemp("two_factor")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as served,
    ):
        with served.app.app_context(), writing():
            owner = accounts.create_user(db.session, EMAIL, PASSWORD, name="Two Factor")
            sides = [("us", "en"), ("cn", "zh-Hans")]
            studies.create_study(db.session, "tf-study", sides, owner=owner)
            accounts.create_user(db.session, "sessions@example.org", PASSWORD)
            accounts.create_user(db.session, "reset@example.org", PASSWORD)
            for locale in LANGUAGES:
                for width in WIDTHS:
                    accounts.create_user(
                        db.session, f"{locale.lower()}-{width}@example.org", PASSWORD
                    )
            db.session.commit()
            db.session.remove()
        yield served


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(__file__).resolve().parents[1] / "artifacts" / "two_factor"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def open_page(browser: Any, width: int = 1280) -> Any:  # noqa: ANN401
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def sign_in(page: Any, base: str, email: str = EMAIL) -> None:  # noqa: ANN401
    page.goto(base + "/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('main button[type="submit"]')


def look(page: Any, shots: Path, name: str, failures: dict) -> None:  # noqa: ANN401
    """Every language at every width: checked and photographed."""
    path = page.url
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for locale in LANGUAGES:
            page.context.add_cookies([{"name": "lang", "value": locale, "url": path}])
            page.goto(path)
            screenshot(page, shots / f"{name}-{locale}-{width}.png")
            found = problems_of(page, width)
            if found:
                failures[f"{name} {locale} {width}"] = found
    page.context.add_cookies([{"name": "lang", "value": "en", "url": path}])
    page.goto(path)


def test_set_up_and_sign_in_with_codes_computed_here(browser, live, shots):  # noqa: ANN001
    failures: dict[str, Any] = {}
    page = open_page(browser)
    sign_in(page, live.url)
    page.goto(live.url + "/account/two-factor/")
    look(page, shots, "two-factor-off", failures)
    page.click("text=Set up two-factor sign-in")
    # The click starts the navigation but does not wait for the page's images: wait until
    # the QR code has come and been drawn (a code that never comes fails here, by timeout).
    page.wait_for_function(
        "() => { const img = document.querySelector('img.totp-qr');"
        " return img !== null && img.complete && img.naturalWidth > 100; }"
    )
    look(page, shots, "enrol", failures)  # each look draws a new key: read it after
    secret = page.inner_text("#totp-key").replace(" ", "")
    page.fill('input[name="code"]', pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click('main button[type="submit"]')
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.click("text=I have kept them, continue")
    page.click(".site-header__account button")

    # Password, then the code: the next step's code (an app a little ahead) is accepted once.
    sign_in(page, live.url)
    assert page.url.endswith("/login/code")
    look(page, shots, "login-code", failures)
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    page.fill('input[name="code"]', pyotp.TOTP(secret).at(ahead))
    page.check('input[name="remember"]')
    with page.expect_navigation():
        page.click('main button[type="submit"]')
    assert page.url == live.url + "/"
    page.goto(live.url + "/account/two-factor/")
    assert page.locator("#devices .device").count() == 1
    look(page, shots, "two-factor-on", failures)
    page.goto(live.url + "/studies/tf-study/members/")
    look(page, shots, "members", failures)
    page.click(".site-header__account button")

    # This browser is remembered: the password alone signs in.
    sign_in(page, live.url)
    assert page.url == live.url + "/"
    page.click(".site-header__account button")

    # Another browser is not; a recovery code signs in there, once.
    other = open_page(browser, 390)
    sign_in(other, live.url)
    assert other.url.endswith("/login/code")
    other.fill('input[name="code"]', codes[0])
    with other.expect_navigation():
        other.click('main button[type="submit"]')
    assert other.url == live.url + "/"
    other.click(".site-header__account button")
    sign_in(other, live.url)
    other.fill('input[name="code"]', codes[0])
    other.click('main button[type="submit"]')
    assert other.locator(".govuk-error-message").is_visible()
    screenshot(other, shots / "login-code-refused-en-390.png")
    assert page.errors == []
    assert other.errors == []
    assert failures == {}, failures


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_recovery_codes_page_reads_well(browser, live, shots, locale):  # noqa: ANN001
    """Shown once, after a POST: one account per language and width sets up to see it."""
    for width in WIDTHS:
        page = open_page(browser, width)
        sign_in(page, live.url, f"{locale.lower()}-{width}@example.org")
        page.goto(f"{live.url}/lang/{locale}?next=/account/two-factor/enrol")
        secret = page.inner_text("#totp-key").replace(" ", "")
        page.fill('input[name="code"]', pyotp.TOTP(secret).now())
        with page.expect_navigation():
            page.click('main button[type="submit"]')
        assert page.locator("#recovery-codes code").count() == 10
        screenshot(page, shots / f"recovery-codes-{locale}-{width}.png")
        assert problems_of(page, width) == {}
        assert page.errors == []
        page.context.close()


def test_the_sessions_page_lists_and_ends_sessions(browser, live, shots):  # noqa: ANN001
    """Signed in on two browsers: the page shows both; ending the other signs it out."""
    failures: dict[str, Any] = {}
    email = "sessions@example.org"
    page, other = open_page(browser), open_page(browser, 390)
    sign_in(page, live.url, email)
    sign_in(other, live.url, email)
    page.goto(live.url + "/account/sessions/")
    assert page.locator("#sessions .session").count() == 2
    look(page, shots, "sessions", failures)
    page.locator("#sessions .session", has_not_text="This browser").locator("button").click()
    page.wait_for_load_state()
    assert page.locator("#sessions .session").count() == 1
    other.goto(live.url + "/account/sessions/")
    assert other.url.startswith(live.url + "/login")
    assert failures == {}, failures
    page.context.close()
    other.context.close()


def test_a_forgotten_password_is_reset_through_the_link(browser, live, shots):  # noqa: ANN001
    """Ask, open the link from the outbox, choose a new password, sign in with it."""
    from sqlalchemy import select

    from survey.db import db
    from survey.rounds.models import OutboxMessage

    failures: dict[str, Any] = {}
    page = open_page(browser)
    page.goto(live.url + "/login")
    page.click("text=Forgotten password")
    look(page, shots, "forgot", failures)
    page.fill('input[name="email"]', "reset@example.org")
    with page.expect_navigation():
        page.click('main button[type="submit"]')
    assert page.locator("#sent").is_visible()
    screenshot(page, shots / "forgot-sent-en-1280.png")
    with live.app.app_context():
        body = db.session.scalar(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.recipient == "reset@example.org")
            .order_by(OutboxMessage.id.desc())
        )
        db.session.remove()
    link = next(word for word in body.split() if "/login/reset/" in word)
    page.goto(link)
    assert page.url == live.url + "/login/reset"  # the token left the address bar
    look(page, shots, "reset", failures)
    page.fill('input[name="password"]', "a fresh pass phrase here")
    page.fill('input[name="again"]', "a fresh pass phrase here")
    with page.expect_navigation():
        page.click('main button[type="submit"]')
    assert page.url.endswith("/login")
    page.goto(link)
    look(page, shots, "reset-dead-link", failures)
    page.goto(live.url + "/login")
    page.fill('input[name="email"]', "reset@example.org")
    page.fill('input[name="password"]', "a fresh pass phrase here")
    with page.expect_navigation():
        page.click('main button[type="submit"]')
    assert page.url == live.url + "/"
    assert failures == {}, failures
    page.context.close()
