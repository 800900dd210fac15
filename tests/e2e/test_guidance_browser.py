"""The interviewer's entry page and the questionnaire preview with guidance, a required
mark that follows its condition and answers piped into choice labels, in Chromium: en,
简体中文, 繁體中文 at 1280 and 390 px; axe finds nothing serious, nothing runs off the
screen. The respondent's page shows no guidance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.live import Live, scratch_database, seed_into, serve
from tests.e2e.test_researcher_browser import problems_of, screenshot
from tests.e2e.test_respondent_browser import link_of, press

pytestmark = pytest.mark.slow
GUIDANCE = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "guidance.yaml"
PASSWORD = "correct horse battery staple"  # tests.e2e.live's owner


@pytest.fixture(scope="module")
def guided(browser, app, tmp_path_factory) -> Iterator[tuple[Live, dict[str, str]]]:  # noqa: ANN001
    from survey.accounts.models import User
    from survey.db import db
    from survey.questionnaires.models import QuestionnaireVersion
    from survey.rounds.models import Round
    from survey.studies.models import Study

    folder = tmp_path_factory.mktemp("e2e-guidance")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        seed_into(live, GUIDANCE, pairs=2)
        with live.app.app_context():
            study = db.session.scalars(select(Study)).one()
            round_ = db.session.scalars(select(Round)).one()
            version = db.session.scalars(select(QuestionnaireVersion)).one()
            owner = db.session.scalars(select(User).where(User.email.like("owner-%"))).one()
            where = {
                "email": owner.email,
                "entry": f"/studies/{study.slug}/rounds/{round_.slug}/entry/pair-1/us",
                "preview": f"/questionnaires/{version.id}/preview",
            }
            db.session.remove()
        yield live, where


def test_the_respondent_answers_and_sees_no_guidance(guided, new_page):
    live, _ = guided
    page = new_page(viewport={"width": 390, "height": 900})
    page.goto(link_of(live, "us", 0))
    press(page, 'main button[name="_nav"][value="start"]')
    assert "official name" not in page.inner_text("main")
    page.fill("#f-home", "Lyon <b>")
    page.check('input[name="has_partner"][value="yes"]')
    page.fill("#f-partner_name", "Nanjing")
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/p/sea")
    assert page.inner_text("#q-closer").count("Nanjing") == 1


def test_the_required_mark_follows_the_answer_as_it_changes(guided, new_page):
    live, _ = guided
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(link_of(live, "us", 1))
    press(page, 'main button[name="_nav"][value="start"]')
    mark = page.locator("#q-partner_name .required")
    assert mark.count() == 1
    assert not mark.is_visible()
    page.check('input[name="has_partner"][value="yes"]')
    assert mark.is_visible()
    assert "Questions marked * need an answer." in page.inner_text("main")
    page.check('input[name="has_partner"][value="no"]')
    assert not mark.is_visible()


@pytest.fixture(scope="module")
def researcher(browser, guided) -> Iterator[Any]:  # noqa: ANN001
    live, where = guided
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(Path(__file__).resolve().parent / "vendor" / "axe.min.js"))
    page = context.new_page()
    page.goto(live.url + "/login")
    page.fill('input[name="email"]', where["email"])
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('main button[type="submit"]')
    yield page
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "zh_Hant"])
def test_entry_and_preview_show_guidance_and_read_well(
    guided, researcher, artifacts, locale, width
):
    live, where = guided
    page = researcher
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live.url}/lang/{locale}?next=/")
    tag = {"en": "en", "zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}[locale]
    advice = {"en": "official name", "zh-Hans": "正式名称", "zh-Hant": "正式名稱"}[tag]
    page.goto(live.url + where["entry"])
    assert advice in page.inner_text("#q-home")
    mark = page.locator("#q-partner_name .required")
    if not mark.is_visible():  # not yet saved as yes
        page.check('input[name="has_partner"][value="yes"]')
        assert mark.is_visible()  # as soon as it applies, before any save
        page.fill("#f-partner_name", "Nanjing")
        with page.expect_navigation():
            page.click('button[name="action"][value="save"]')
    assert mark.is_visible()  # required now: yes saved
    assert problems_of(page, width) == {}
    screenshot(page, artifacts / f"guidance-entry-{locale}-{width}.png")
    page.goto(f"{live.url}{where['preview']}?language={tag}")
    assert advice in page.inner_text("#q-home")
    assert "[partner_name]" in page.inner_text("#q-closer")
    assert problems_of(page, width) == {}
    screenshot(page, artifacts / f"guidance-preview-{locale}-{width}.png")
