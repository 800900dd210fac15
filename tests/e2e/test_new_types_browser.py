"""The widgets of time, datetime, range, rank and acknowledge in Chromium: filled in as a
person would, in English and both Chinese scripts, at 1280 and 390 pixels, with and
without JavaScript; axe finds nothing serious and nothing runs off the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.live import Live, scratch_database, seed_into, serve
from tests.e2e.test_respondent_browser import capture, fits_the_screen, link_of, press

NEW_TYPES = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "newtypes.yaml"
ORDER = ("education", "trade", "culture")


@pytest.fixture(scope="module")
def new_types_site(browser, app, tmp_path_factory) -> Iterator[Live]:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("e2e-new-types")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        seed_into(live, NEW_TYPES, pairs=6)
        yield live


def answer(page: Any) -> None:
    page.fill("#f-met_at", "09:05")
    page.fill("#f-signed_at", "2009-03-01T14:30")
    page.check('input[name="warmth"][value="6"]')
    for place, code in enumerate(ORDER, start=1):
        page.select_option(f"#f-priorities-{place}", code)
    page.check('input[name="consent"][value="OK"]')
    page.select_option("#f-province", "js")


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(("locale", "number"), [("en", 0), ("zh_Hans", 1), ("zh_Hant", 2)])
def test_the_new_widgets_are_filled_in_and_saved(
    new_types_site, new_page, artifacts, width, locale, number
):
    page = new_page(viewport={"width": width, "height": 900})
    index = number + (3 if width == 390 else 0)
    page.goto(link_of(new_types_site, "us", index))
    if locale != "en":
        press(page, f'button[name="_lang"][value="{locale}"]')
    press(page, 'main button[name="_nav"][value="start"]')
    assert page.url.endswith("/respond/p/main")
    assert fits_the_screen(page)
    capture(page, artifacts, f"new-types-empty-{locale}-{width}")
    assert page.locator("#q-partner_note").is_hidden()
    answer(page)
    assert page.locator("#q-partner_note").is_visible()  # the drop-down's answer, live
    page.check('input[name="priorities__special"][value="dk"]')
    # ticking "don't know" beside a ranking is refused by the server: both cannot hold
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/p/main")
    assert page.locator("#q-priorities.has-error").count() == 1
    capture(page, artifacts, f"new-types-error-{locale}-{width}")
    page.uncheck('input[name="priorities__special"][value="dk"]')
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/review")
    text = page.inner_text("main")
    assert "09:05" in text
    assert "2009-03-01 14:30" in text
    assert fits_the_screen(page)
    capture(page, artifacts, f"new-types-review-{locale}-{width}")


@pytest.mark.slow
def test_without_javascript_the_new_widgets_still_work(new_types_site, new_page, artifacts):
    page = new_page(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page.goto(link_of(new_types_site, "cn", 0))
    press(page, 'main button[name="_nav"][value="start"]')
    answer(page)
    page.select_option("#f-priorities-3", "trade")  # trade twice, culture nowhere
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/p/main")
    assert page.input_value("#f-priorities-1") == "education"  # kept as chosen
    assert page.locator("#q-priorities .error").count() == 1
    page.screenshot(path=str(artifacts / "new-types-390px-no-script.png"), full_page=True)
    page.select_option("#f-priorities-3", "culture")
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/review")
