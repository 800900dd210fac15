"""The follow-up page asking a roster again (its rows, Add a row) and a disputed
calculation's inputs (never the calculation), in Chromium: English, 简体中文 and 繁體中文 at
1280 and 390 px, axe clean, nothing off the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from survey.comparison import followups
from survey.comparison import services as comparison
from survey.db import db, writing
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import Round
from tests.e2e.live import Live, scratch_database, seed_into, serve
from tests.e2e.test_respondent_browser import capture, fits_the_screen, press, switch_language

pytestmark = pytest.mark.slow
QUESTIONNAIRES = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires"
GIVEN = {
    "roster": {
        "us": {"delegations": [{"year": "2009", "direction": "sent", "size": "5"}]},
        "cn": {"delegations": [{"year": "2009", "direction": "received", "size": "9"}]},
    },
    "calc": {"us": {"sent": "3", "received": "2"}, "cn": {"sent": "3", "received": "9"}},
}


@pytest.fixture(scope="module", params=sorted(GIVEN))
def asked(request, browser, app, tmp_path_factory) -> Iterator[tuple[str, Live, str]]:  # noqa: ANN001
    """(questionnaire, site, the US side's follow-up link) after both sides disagreed."""
    name = request.param
    folder = tmp_path_factory.mktemp(f"e2e-followup-{name}")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        seed_into(live, QUESTIONNAIRES / f"{name}.yaml", pairs=1)
        with live.app.app_context(), writing():
            round_ = db.session.scalars(select(Round)).one()
            q = comparison.questionnaire_of(db.session, round_)
            for row in rounds.invitation_rows(db.session, round_):
                answers.record_answers(db.session, row.invitation, q, GIVEN[name][row.side.code])
                answers.submit(db.session, row.invitation, q)
            comparison.compare_round(db.session, round_)
            followup, _ = followups.create(db.session, round_, "Again", followups.Selection())
            rounds.set_state(db.session, followup, "open")
            rounds.ensure_invitations(db.session, followup)
            link = next(
                rounds.link_of(row.invitation)
                for row in rounds.invitation_rows(db.session, followup)
                if row.side.code == "us"
            )
            db.session.commit()
            db.session.remove()
        yield name, live, link[link.index("/r/") :]


def test_the_followup_page_asks_rosters_and_inputs_and_reads_well(asked, new_page, artifacts):
    name, live, link = asked
    page: Any = new_page(viewport={"width": 1280, "height": 900})
    page.goto(live.url + link)
    assert page.url.endswith("/respond/followup")
    if name == "roster":
        assert page.input_value('input[name="delegations.0.size"]') == "5"  # their own row
        press(page, 'button[name="_roster"][value="add:delegations"]')
        assert page.locator('input[name="delegations.1.year"]').count() == 1  # a new row
    else:
        assert (page.input_value("#f-sent"), page.input_value("#f-received")) == ("3", "2")
        assert page.locator("#q-total, #why-total").count() == 0  # computed, never asked
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for locale in ("en", "zh_Hans", "zh_Hant"):
            if page.locator(f'button[name="_lang"][value="{locale}"]').count():
                switch_language(page, locale)
            assert fits_the_screen(page), (locale, width)
            capture(page, artifacts, f"followup-{name}-{locale}-{width}")
