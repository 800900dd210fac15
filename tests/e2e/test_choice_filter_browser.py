"""Cascading selects in Chromium: with JavaScript the cities follow the province as it is
chosen; without it, the page is drawn again with the cities of the saved province. In
English and both Chinese scripts, at 1280 and 390 pixels; axe finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.live import Live, scratch_database, seed_into, serve
from tests.e2e.test_researcher_browser import problems_of, screenshot
from tests.e2e.test_respondent_browser import capture, fits_the_screen, link_of, press

CASCADE = Path(__file__).resolve().parents[1] / "core" / "fixtures" / "cascade.yaml"
PASSWORD = "correct horse battery staple"  # tests.e2e.live's owner


@pytest.fixture(scope="module")
def cascade_site(browser, app, tmp_path_factory) -> Iterator[Live]:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("e2e-cascade")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        seed_into(live, CASCADE, pairs=7)
        yield live


def visible_cities(page: Any, key: str = "city") -> list[str]:
    return page.eval_on_selector_all(
        f'input[name="{key}"][data-columns]',
        "inputs => inputs.filter(i => i.checkVisibility()).map(i => i.value)",  # as drawn
    )


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(("locale", "number"), [("en", 0), ("zh_Hans", 1), ("zh_Hant", 2)])
def test_the_cities_follow_the_province_live(
    cascade_site, new_page, artifacts, width, locale, number
):
    page = new_page(viewport={"width": width, "height": 900})
    page.goto(link_of(cascade_site, "us", number + (3 if width == 390 else 0)))
    if locale != "en":
        press(page, f'button[name="_lang"][value="{locale}"]')
    press(page, 'main button[name="_nav"][value="start"]')
    assert visible_cities(page) == []
    assert page.locator("#q-city [data-none]").is_visible()
    capture(page, artifacts, f"cascade-empty-{locale}-{width}")
    page.check('input[name="province"][value="on"]')
    assert visible_cities(page) == ["toronto", "ottawa"]
    assert page.locator("#q-city [data-none]").is_hidden()
    page.check('input[name="city"][value="toronto"]')
    page.check('input[name="province"][value="bc"]')
    assert visible_cities(page) == ["vancouver", "victoria"]
    assert not page.is_checked('input[name="city"][value="toronto"]')  # cleared with its label
    page.check('input[name="city"][value="vancouver"]')
    assert fits_the_screen(page)
    capture(page, artifacts, f"cascade-chosen-{locale}-{width}")
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/p/more")
    assert visible_cities(page, "district") == ["downtown", "kitsilano"]
    assert fits_the_screen(page)
    capture(page, artifacts, f"cascade-districts-{locale}-{width}")


@pytest.mark.slow
def test_without_javascript_the_page_offers_the_cities_once_saved(
    cascade_site, new_page, artifacts
):
    page = new_page(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page.goto(link_of(cascade_site, "cn", 0))
    press(page, 'main button[name="_nav"][value="start"]')
    page.check('input[name="province"][value="bc"]')
    assert visible_cities(page) == []  # nothing runs: the page knows no province yet
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/p/place")  # drawn again, with the cities of BC
    assert visible_cities(page) == ["vancouver", "victoria"]
    page.screenshot(path=str(artifacts / "cascade-390px-no-script.png"), full_page=True)
    page.check('input[name="city"][value="victoria"]')
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/p/more")


@pytest.fixture(scope="module")
def interviewer(browser, cascade_site) -> Iterator[tuple[Any, str]]:  # noqa: ANN001
    """The study's owner logged in, and the entry page of pair 7's US side."""
    from sqlalchemy import select

    from survey.accounts.models import User
    from survey.db import db
    from survey.rounds.models import Round
    from survey.studies.models import Study

    with cascade_site.app.app_context():
        study = db.session.scalars(select(Study)).one()
        round_ = db.session.scalars(select(Round)).one()
        owner = db.session.scalars(select(User).where(User.email.like("owner-%"))).one()
        entry = f"/studies/{study.slug}/rounds/{round_.slug}/entry/pair-7/us"
        email = owner.email
        db.session.remove()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(Path(__file__).resolve().parent / "vendor" / "axe.min.js"))
    page = context.new_page()
    page.goto(cascade_site.url + "/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('main button[type="submit"]')
    yield page, entry
    context.close()


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "zh_Hant"])
def test_on_the_entry_page_the_cities_follow_the_province_live(
    cascade_site, interviewer, artifacts, locale, width
):
    page, entry = interviewer
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{cascade_site.url}/lang/{locale}?next=/")
    page.goto(cascade_site.url + entry)
    page.check('input[name="province"][value="on"]')
    assert visible_cities(page) == ["toronto", "ottawa"]  # before any save
    page.check('input[name="city"][value="ottawa"]')
    page.check('input[name="province"][value="bc"]')
    assert visible_cities(page) == ["vancouver", "victoria"]
    assert not page.is_checked('input[name="city"][value="ottawa"]')
    page.check('input[name="city"][value="victoria"]')
    assert visible_cities(page, "district") == ["downtown"]  # any city's, Victoria has none
    assert problems_of(page, width) == {}
    screenshot(page, artifacts / f"cascade-entry-{locale}-{width}.png")
    with page.expect_navigation():
        page.click('button[name="action"][value="save"]')
    assert page.is_checked('input[name="city"][value="victoria"]')
    assert visible_cities(page) == ["vancouver", "victoria"]  # drawn so by the server too
