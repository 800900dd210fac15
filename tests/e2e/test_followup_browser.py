"""A follow-up round in real Chromium: a Chinese respondent confirms one answer, changes
another with what it is based on, and submits, without JavaScript; the researcher then sees
both rounds' answers and the explanation on the pair page. Each page is checked with axe and
for sideways scrolling in English, 简体中文 and 繁體中文 at 1280 and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from survey.accounts import services as accounts
from survey.comparison import followups
from survey.comparison import services as comparison
from survey.db import db, writing
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import Round
from survey.studies import services as studies
from survey.studies.models import Study
from tests.e2e.live import BACKENDS, MINI, Live, scratch_database, seed_into, serve
from tests.e2e.test_respondent_browser import capture, fits_the_screen, press, switch_language
from tests.fixtures.followups import owner_of

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
ORIGINAL = {
    "us": {"established": "1987", "training": "yes", "sectors": ["health"], "sent": "3"},
    "cn": {"established": "1988", "training": "yes", "sectors": ["health"], "received": "7"},
}


@pytest.fixture(scope="module", params=BACKENDS)
def followup_site(  # noqa: ANN201
    request,  # noqa: ANN001
    browser,  # noqa: ANN001
    app,  # noqa: ANN001
    tmp_path_factory,  # noqa: ANN001
) -> Iterator[tuple[Live, dict[str, Any]]]:
    """One pair of the mini questionnaire answered by both sides, a follow-up round open:
    on a scratch SQLite file, and on a scratch PostgreSQL database when
    SURVEY_TEST_DATABASE_URL is set (skipped, saying so, otherwise)."""
    folder = tmp_path_factory.mktemp("e2e-followup")
    with (
        scratch_database(request.param, folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        seed_into(live, MINI, pairs=1)
        with live.app.app_context(), writing():
            round_ = db.session.scalars(select(Round)).one()
            q = comparison.questionnaire_of(db.session, round_)
            for row in rounds.invitation_rows(db.session, round_):
                answers.record_answers(db.session, row.invitation, q, ORIGINAL[row.side.code])
                answers.submit(db.session, row.invitation, q)
            followup, _ = followups.create(db.session, round_, "Again", followups.Selection())
            rounds.set_state(db.session, followup, "open")
            rounds.ensure_invitations(db.session, followup)
            links = {
                row.side.code: rounds.link_of(row.invitation)
                for row in rounds.invitation_rows(db.session, followup)
            }
            study = db.session.get(Study, round_.study_id)
            researcher = accounts.create_user(db.session, "researcher@example.org", PASSWORD)
            studies.add_member(db.session, study, researcher.email, "researcher")
            where = {
                "links": links,
                "pair": f"/studies/{study.slug}/rounds/{round_.slug}/comparison/pair-1",
                "ask": f"/studies/{study.slug}/rounds/{round_.slug}/comparison/followup",
            }
            db.session.commit()
            db.session.remove()
        yield live, where


def test_the_followup_page_reads_well_in_every_language_and_width(
    followup_site, new_page, artifacts
):
    live, where = followup_site
    link = where["links"]["us"]
    page = new_page(viewport={"width": 390, "height": 800})
    page.goto(live.url + link[link.index("/r/") :])
    assert page.url.endswith("/respond/followup")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for locale in ("en", "zh_Hans", "zh_Hant"):
            if page.locator(f'button[name="_lang"][value="{locale}"]').count():
                switch_language(page, locale)
            assert fits_the_screen(page), (locale, width)
            capture(page, artifacts, f"followup-{locale}-{width}")


def test_a_chinese_respondent_confirms_changes_explains_and_submits(
    followup_site, new_page, artifacts
):
    live, where = followup_site
    link = where["links"]["cn"]
    page = new_page(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    page.goto(live.url + link[link.index("/r/") :])
    assert page.url.endswith("/respond/followup")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert "请再核对几个问题" in page.inner_text("h1")
    assert page.input_value("#f-established") == "1988"  # pre-filled: their earlier answer
    assert page.input_value("#f-received") == "7"
    assert "1987" not in page.inner_text("main")  # blind: the partner's answer is not shown
    assert fits_the_screen(page)
    page.fill("#f-established", "1987")  # changed, with what it is based on
    page.fill("#why-established", "市外办档案记载为1987年")
    page.fill("#f-sent", "0")  # received stays 7: confirmed
    for locale, lang in (("zh_Hant", "zh-Hant"), ("zh_Hans", "zh-Hans")):
        switch_language(page, locale)  # what was typed goes along (and is saved)
        assert page.get_attribute("html", "lang") == lang
        assert page.input_value("#f-established") == "1987"
        assert page.input_value("#why-established") == "市外办档案记载为1987年"
        assert fits_the_screen(page)
    press(page, 'main button[name="_nav"][value="submit"]')
    assert page.url.endswith("/respond/followup")
    main = page.inner_text("main")
    assert "谢谢" in main or "感谢" in main
    assert "市外办档案记载为1987年" in main
    page.goto(live.url + link[link.index("/r/") :])  # the link again: the thanks, read-only
    assert page.url.endswith("/respond/followup")
    assert page.locator("textarea").count() == 0

    # The researcher sees the result on the pair page.
    researcher = new_page(viewport={"width": 1280, "height": 900})
    researcher.goto(live.url + "/login")
    researcher.fill('input[name="email"]', "researcher@example.org")
    researcher.fill('input[name="password"]', PASSWORD)
    press(researcher, 'form button[type="submit"]')
    researcher.goto(live.url + where["pair"])
    shown = researcher.inner_text("main")
    assert "市外办档案记载为1987年" in shown
    assert "Follow-up answer" in shown
    assert "resolved by follow-up" in shown  # established: both now say 1987
    assert "The two sides still disagree." in shown  # sent 3 against received 7
    capture(researcher, artifacts, "followup-pair-page-en-1280")
    researcher.goto(live.url + where["ask"])
    assert researcher.locator("h1").inner_text() == "Ask both sides again"
    capture(researcher, artifacts, "ask-again-en-1280")


def test_with_reveal_the_partner_answer_is_shown(followup_site, new_page, artifacts):
    live, where = followup_site
    with live.app.app_context(), writing():
        round_ = db.session.scalars(select(Round).order_by(Round.id)).first()
        shown, _ = followups.create(
            db.session,
            round_,
            "Shown",
            followups.Selection(states=["open", "resolved"]),
            reveal="counterpart",
            user=owner_of(db.session, round_),
        )
        rounds.set_state(db.session, shown, "open")
        rounds.ensure_invitations(db.session, shown)
        us = next(
            rounds.link_of(r.invitation)
            for r in rounds.invitation_rows(db.session, shown)
            if r.side.code == "us"
        )
        db.session.commit()
        db.session.remove()
    page = new_page(viewport={"width": 390, "height": 800})
    page.goto(live.url + us[us.index("/r/") :])
    assert page.url.endswith("/respond/followup")
    partner = page.locator(".partner-answer").first.inner_text()
    assert "Chinese side" in partner
    assert "1988" in partner
    assert fits_the_screen(page)
    capture(page, artifacts, "followup-reveal-en-390")
