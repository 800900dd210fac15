"""A roster in real Chromium: a respondent adds two delegations (with JavaScript and
without), one row's bad cell is shown in its row, and the researcher sees both sides' rows
paired on the pair page. Each page is checked with axe and for sideways scrolling in
English, 简体中文 and 繁體中文 at 1280 and 390 px, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from survey.accounts import services as accounts
from survey.comparison import services as comparison
from survey.db import db, writing
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import Round
from survey.studies import services as studies
from survey.studies.models import Study
from tests.e2e.live import BACKENDS, Live, scratch_database, seed_into, serve
from tests.e2e.test_respondent_browser import capture, fits_the_screen, press, switch_language

pytestmark = pytest.mark.slow
ROSTER = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "roster.yaml"
PASSWORD = "correct horse battery staple"
PARTNER = [
    {"year": "2009", "direction": "received", "size": "9", "purpose": "交流"},
    {"year": "2010", "direction": "sent", "size": "4"},
    {"year": "2010", "direction": "received", "size": "2"},
]


@pytest.fixture(scope="module", params=BACKENDS)
def roster_site(request, browser, app, tmp_path_factory) -> Iterator[tuple[Live, dict]]:  # noqa: ANN001
    """Three pairs of the roster questionnaire; in pair-1 the Chinese side has answered and
    submitted."""
    folder = tmp_path_factory.mktemp("e2e-roster")
    with (
        scratch_database(request.param, folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        links = seed_into(live, ROSTER, pairs=3)  # a fresh US respondent for each walk
        with live.app.app_context(), writing():
            round_ = db.session.scalars(select(Round)).one()
            q = comparison.questionnaire_of(db.session, round_)
            cn = next(r for r in rounds.invitation_rows(db.session, round_) if r.side.code == "cn")
            answers.record_answers(db.session, cn.invitation, q, {"delegations": PARTNER})
            answers.submit(db.session, cn.invitation, q)
            study = db.session.get(Study, round_.study_id)
            accounts.create_user(db.session, "roster@example.org", PASSWORD)
            studies.add_member(db.session, study, "roster@example.org", "researcher")
            where = {
                "us": [link for link in links if link.side == "us"],  # pair-1, -2, -3
                "pair": f"/studies/{study.slug}/rounds/{round_.slug}/comparison/pair-1",
                "round": round_.id,
            }
            db.session.commit()
            db.session.remove()
        yield live, where


def _add_row(page: Any, cells: dict[str, str]) -> None:
    press(page, 'button[name="_roster"][value="add:delegations"]')
    index = page.locator(".roster-row").count() - 1
    for column, value in cells.items():
        name = f"delegations.{index}.{column}"
        if column == "direction":
            page.check(f'input[name="{name}"][value="{value}"]')
        else:
            page.fill(f'input[name="{name}"]', value)


@pytest.mark.parametrize("script", [False, True], ids=["no-script", "script"])
def test_a_respondent_adds_two_rows_and_the_pair_page_pairs_them(
    roster_site, new_page, artifacts, script
):
    live, where = roster_site
    page = new_page(viewport={"width": 390, "height": 800}, java_script_enabled=script)
    link = where["us"][1 if script else 0]
    page.goto(live.url + live.path(link))
    press(page, 'main button[name="_nav"][value="start"]')
    assert "/respond/p/exchanges" in page.url
    assert "No rows yet." in page.inner_text("main")
    _add_row(page, {"year": "2009", "direction": "sent", "size": "5", "purpose": "Trade fair"})
    _add_row(page, {"year": "2010", "direction": "received", "size": "many"})
    press(page, 'main button[name="_nav"][value="next"]')  # the bad cell: shown in its row
    row = page.locator(".roster-row").nth(1).inner_text()
    assert "Enter a whole number" in row
    assert page.input_value('input[name="delegations.1.size"]') == "many"
    assert fits_the_screen(page)
    if script:
        capture(page, artifacts, "roster-error-script-390")
    else:  # axe runs in the page: without JavaScript its evaluation never returns
        page.screenshot(path=str(artifacts / "roster-error-plain-390.png"), full_page=True)
    page.fill('input[name="delegations.1.size"]', "3")
    press(page, 'main button[name="_nav"][value="next"]')
    assert "/respond/p/summary" in page.url
    with live.app.app_context():
        round_ = db.session.get(Round, where["round"])
        rows = rounds.invitation_rows(db.session, round_)
        us = next(r for r in rows if r.invitation.id == link.invitation_id)
        stored = answers.answers_of(db.session, us.invitation)["delegations"]
        db.session.remove()
    assert stored == [
        {"year": 2009, "direction": "sent", "size": 5, "purpose": "Trade fair"},
        {"year": 2010, "direction": "received", "size": 3},
    ]


def test_the_roster_page_reads_well_in_every_language_and_width(roster_site, new_page, artifacts):
    live, where = roster_site
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(live.url + live.path(where["us"][2]))
    press(page, 'main button[name="_nav"][value="start"]')
    _add_row(page, {"year": "2009", "direction": "sent", "size": "5"})
    current = "en"
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for locale in ("en", "zh_Hans", "zh_Hant"):
            if locale != current:  # the page's own language has no button
                switch_language(page, locale)
                current = locale
            assert fits_the_screen(page), (locale, width)
            capture(page, artifacts, f"roster-page-{locale}-{width}")


def test_the_pair_page_shows_the_rosters_side_by_side(roster_site, new_page, artifacts):
    live, where = roster_site
    with live.app.app_context(), writing():
        round_ = db.session.get(Round, where["round"])
        q = comparison.questionnaire_of(db.session, round_)
        us = next(r for r in rounds.invitation_rows(db.session, round_) if r.side.code == "us")
        if us.invitation.state != "submitted":
            answers.record_answers(db.session, us.invitation, q, {"delegations": [
                {"year": "2009", "direction": "sent", "size": "5", "purpose": "Trade fair"},
                {"year": "2010", "direction": "received", "size": "3"},
            ]})  # fmt: skip
            answers.submit(db.session, us.invitation, q)
        comparison.compare_round(db.session, round_)
        db.session.commit()
        db.session.remove()
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(live.url + "/login")
    page.fill('input[name="email"]', "roster@example.org")
    page.fill('input[name="password"]', PASSWORD)
    press(page, 'form button[type="submit"]')
    page.goto(live.url + where["pair"])
    table = page.inner_text("table.roster-table")
    assert "one side only" in table
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for locale in ("en", "zh_Hans", "zh_Hant"):
            page.goto(f"{live.url}/lang/{locale}?next={where['pair']}")
            assert fits_the_screen(page), (locale, width)
            capture(page, artifacts, f"roster-pair-{locale}-{width}")


def test_interviewer_entry_shows_each_bad_cell_in_its_row(roster_site, new_page, artifacts):
    live, where = roster_site
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(live.url + "/login")
    page.fill('input[name="email"]', "roster@example.org")
    page.fill('input[name="password"]', PASSWORD)
    press(page, 'form button[type="submit"]')
    entry = where["pair"].replace("/comparison/pair-1", "/entry/pair-2/cn")
    page.goto(live.url + entry)
    press(page, 'button[name="_roster"][value="add:delegations"]')
    press(page, 'button[name="_roster"][value="add:delegations"]')
    page.fill('input[name="delegations.0.year"]', "2009")
    page.check('input[name="delegations.0.direction"][value="sent"]')
    page.fill('input[name="delegations.0.size"]', "4")
    page.fill('input[name="delegations.1.year"]', "2010")
    page.check('input[name="delegations.1.direction"][value="received"]')
    page.fill('input[name="delegations.1.size"]', "many")
    press(page, 'button[name="action"][value="save"]')
    page.errors.clear()  # the browser logs the page's 422 (refused answers), which is right
    assert page.locator(".roster-row-error").count() == 1
    bad = page.locator(".roster-row").nth(1)
    assert "Enter a whole number" in bad.inner_text()
    assert page.locator(".roster-row").nth(0).locator(".has-error").count() == 0
    for width in (1280, 390):  # the refused cell in its row, as drawn after the save
        page.set_viewport_size({"width": width, "height": 900})
        assert fits_the_screen(page), width
        capture(page, artifacts, f"roster-entry-error-en-{width}")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for locale in ("en", "zh_Hans", "zh_Hant"):
            page.goto(f"{live.url}/lang/{locale}?next={entry}")
            assert fits_the_screen(page), (locale, width)
            capture(page, artifacts, f"roster-entry-{locale}-{width}")
