"""Paradata from a real Chromium run (issue 19): the time recorded on two pages matches the time
the test spent on them, within 1.5 s.

This measures a quantity (seconds between the server drawing a page and saving it) and
checks it against what the test did; it asserts nothing about how fast anything is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.live import Live, scratch_database, seed_into, serve
from tests.e2e.test_respondent_browser import ANSWERS, fill, press

pytestmark = pytest.mark.slow
TOLERANCE = 1.5  # seconds
# Chromium's own agent says HeadlessChrome, which the device class counts as a bot.
DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture(scope="module")
def one_pair(browser, app, tmp_path_factory) -> Iterator[Live]:  # noqa: ANN001
    """The app on a scratch SQLite database with one sister-city pair of its own."""
    from tests.e2e.live import SISTER_CITIES

    folder = tmp_path_factory.mktemp("paradata")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        seed_into(live, SISTER_CITIES, pairs=1)
        yield live


def _stay(page: Any, answers: dict[str, Any], seconds: float) -> float:
    """Fill the page, stay `seconds` in all since it arrived, press Next; the time spent."""
    arrived = time.monotonic()
    fill(page, answers)
    page.wait_for_timeout(max(0.0, seconds - (time.monotonic() - arrived)) * 1000)
    spent = time.monotonic() - arrived
    press(page, 'main button[name="_nav"][value="next"]')
    return spent


def test_the_time_on_two_pages_is_what_the_respondent_spent(one_pair, new_page):
    from survey.db import db
    from survey.rounds.paradata import ParadataPage, ParadataVisit

    link = next(link for link in one_pair.links if link.side == "cn")
    page = new_page(viewport={"width": 1280, "height": 800}, user_agent=DESKTOP)
    page.goto(one_pair.url + one_pair.path(link))
    press(page, 'main button[name="_nav"][value="start"]')
    first = _stay(page, ANSWERS[0][1], 3)
    second = _stay(page, ANSWERS[1][1], 5)
    assert page.url.endswith(f"/respond/p/{ANSWERS[2][0]}")
    assert page.errors == []

    with one_pair.app.app_context():
        rows = db.session.scalars(
            select(ParadataPage)
            .where(ParadataPage.invitation_id == link.invitation_id)
            .order_by(ParadataPage.id)
        ).all()
        visit = db.session.scalar(
            select(ParadataVisit).where(ParadataVisit.invitation_id == link.invitation_id)
        )
        db.session.remove()
    timed = {row.section: row.seconds for row in rows if row.event == "page"}
    print(f"spent {first:.2f} s and {second:.2f} s; recorded {timed}")
    assert abs(timed[ANSWERS[0][0]] - first) <= TOLERANCE
    assert abs(timed[ANSWERS[1][0]] - second) <= TOLERANCE
    assert visit.device == "desktop"
    assert visit.language == "zh-Hans"
