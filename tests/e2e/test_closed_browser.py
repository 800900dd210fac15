"""The closed page in real Chromium: a valid link to a closed round, in each language, at a
desktop and a telephone's width; screenshots in tests/artifacts/respondent/closed-*.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.e2e.live import SISTER_CITIES, Live, scratch_database, seed_into, serve
from tests.e2e.test_researcher_browser import problems_of, screenshot

pytestmark = pytest.mark.slow
CLOSED = dt.datetime(2010, 3, 31, 16, 0, tzinfo=dt.UTC)
# (pair, side): the respondent's language and zone, and what their page says first
CASES = {
    "en": (0, "us", "en", "America/New_York", "Wednesday, March 31, 2010, 12:00 p.m."),
    "zh-Hans": (0, "cn", "zh-Hans", "Asia/Shanghai", "2010年4月1日（星期四） 00:00"),
    "zh-Hant": (1, "cn", "zh-Hant", "Asia/Taipei", "2010年4月1日（星期四） 00:00"),
}


@pytest.fixture(scope="module")
def closed_site(browser, app, tmp_path_factory) -> Iterator[Live]:  # noqa: ANN001
    """Two sister-city pairs whose round closed on 31 March 2010 at 16:00 UTC."""
    from survey.db import db
    from survey.rounds.models import Invitation, Round
    from survey.studies.models import Respondent

    folder = tmp_path_factory.mktemp("closed")
    with (
        scratch_database("sqlite", folder) as url,
        serve(
            url, restore_url=app.config["DATABASE_URL"], MAIL_REPLY_TO="team@example.org"
        ) as live,
    ):
        links = seed_into(live, SISTER_CITIES, pairs=2)
        with live.app.app_context():
            for pair, side, language, zone, _ in CASES.values():
                link = [link for link in links if link.side == side][pair]
                invitation = db.session.get(Invitation, link.invitation_id)
                respondent = db.session.get(Respondent, invitation.respondent_id)
                respondent.language, respondent.timezone = language, zone
                db.session.get(Round, invitation.round_id).closes_at = CLOSED
            db.session.commit()
            db.session.remove()
        yield live


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", list(CASES))
def test_the_closed_page_reads_well(closed_site, new_page, artifacts, language, width):
    pair, side, _, _, date = CASES[language]
    link = [link for link in closed_site.links if link.side == side][pair]
    page = new_page(viewport={"width": width, "height": 900})
    response = page.goto(closed_site.url + closed_site.path(link))
    assert response.status == 410
    assert page.get_attribute("html", "lang") == language
    first = page.locator("main section").first
    assert first.get_attribute("lang") == language
    assert date in first.inner_text()
    assert "team@example.org" in first.inner_text()
    assert page.locator("form").count() == 0
    screenshot(page, artifacts / f"closed-{language}-{width}.png")
    assert problems_of(page, width) == {}
    # the page's own status, which Chromium's console reports, is the one error expected
    assert [error for error in page.errors if "status of 410" not in error] == []
