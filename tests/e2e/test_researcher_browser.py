"""Every researcher page of the demo in real Chromium: en, 简体中文, 繁體中文 at 1280 and 390 px.

For each page, language and width it asserts:
- axe-core reports no serious or critical violation (WCAG 2.1 A/AA and best practice);
- no word is broken across lines in a table cell (see `BROKEN_WORDS` for how a word is
  told from a place where a line may end, in Latin and in Chinese text);
- nothing makes the page scroll sideways, at 1280 px nor at 390 px; at 1280 px no table
  needs its sideways scrolling either, and at 390 px a table wrapper that scrolls says so
  (its caption's hint is shown);
- no chart label is clipped: every SVG text lies inside its SVG.

Screenshots go to tests/artifacts/researcher/ (the README names the folder; CI keeps
it). One browser and one signed-in context serve every page; the demo is loaded once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.live import Live, scratch_database, serve
from tests.fixtures.database import TEST_DATABASE_URL

pytestmark = pytest.mark.slow
# Pages whose owner is still redrawing them (issue 13), at the widths where they still fail:
# their problems are printed, not failed. Strict: once such a page passes at such a width,
# the test says to take it off this list.
PENDING: dict[tuple[str, int], str] = {}
SERIOUS = ("serious", "critical")
LANGUAGES = ("en", "zh_Hans", "zh_Hant")
WIDTHS = (1280, 390)

# A word is a run of letters, digits and the marks that hold them together (an e-mail,
# "cross-strait", "+1-303-555-0111", "2009-06-01"): it must lie on one line. Chinese has no
# spaces: a line may end between any two Chinese characters (the browser's line breaking
# keeps marks such as ，。） off the start of a line), so each Chinese character is a word of
# its own and only breaks inside Latin words or numbers count. Per text node, the rects of a
# word's Range are grouped into lines; more than one line is a broken word.
BROKEN_WORDS = r"""
() => {
  const cjk = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/;
  const found = [];
  for (const cell of document.querySelectorAll('table td, table th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.data;
      const word = /[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+/g;
      for (let m = word.exec(text); m; m = word.exec(text)) {
        if (m[0].length < 2) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0)
          .sort((a, b) => a.top - b.top);
        let lines = 0, bottom = -Infinity;
        for (const r of rects) {
          if (r.top >= bottom - 1) lines += 1;
          bottom = Math.max(bottom, r.bottom);
        }
        if (lines > 1) found.push(m[0]);
      }
    }
  }
  return found.slice(0, 10);
}
"""

OVERFLOW = r"""
(wide) => {
  const page = document.documentElement;
  const problems = [];
  if (page.scrollWidth > window.innerWidth + 1) problems.push(`page ${page.scrollWidth}px wide`);
  for (const frame of document.querySelectorAll('.table-scroll, .chart__frame')) {
    const scrolls = frame.scrollWidth > frame.clientWidth + 1;
    const hint = frame.previousElementSibling;
    const said = hint && hint.matches('.scroll-hint') && getComputedStyle(hint).display !== 'none';
    const what = frame.textContent.trim().slice(0, 60);
    if (scrolls && wide) problems.push(`needs sideways scrolling at this width: ${what}`);
    if (scrolls && !wide && !said) problems.push(`scrolls without saying so: ${what}`);
  }
  return problems;
}
"""

CLIPPED_LABELS = r"""
() => {
  const found = [];
  for (const svg of document.querySelectorAll('svg')) {
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      const out = r.left < box.left - 0.5 || r.right > box.right + 0.5
        || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
      if (out) found.push(text.textContent.trim());
    }
  }
  return found.slice(0, 10);
}
"""


@pytest.fixture(scope="module")
def demo(browser, app, tmp_path_factory) -> Iterator[tuple[Live, str, dict[str, str]]]:  # noqa: ANN001
    """The demo study served on a scratch SQLite database; its password and page addresses.

    Layout does not depend on the database: the PostgreSQL run of the suite skips this.
    """
    if TEST_DATABASE_URL:
        pytest.skip("pages look the same on both backends: checked in the SQLite run")
    from survey.db import db, writing
    from survey.demo import load_demo

    folder = tmp_path_factory.mktemp("researcher")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        with live.app.app_context(), writing():
            password = load_demo()
            db.session.commit()
            pages = demo_pages()
            db.session.remove()
        yield live, password, pages


def demo_pages() -> dict[str, str]:
    """Every researcher page of the demo, by a short name: one of each kind."""
    from survey.comparison.models import Discrepancy
    from survey.db import db
    from survey.fieldwork.models import ContactAttempt
    from survey.questionnaires.models import QuestionnaireVersion
    from survey.rounds.models import FollowupPair, Invitation, Round
    from survey.studies.models import Pair, PairSide, Respondent, Study, StudySide

    session = db.session
    study = session.scalar(select(Study).where(Study.slug == "sister-cities"))
    round_ = session.scalar(select(Round).where(Round.study_id == study.id).order_by(Round.id))
    followup = session.scalar(
        select(Round.slug).where(Round.study_id == study.id).order_by(Round.id.desc())
    )
    asked = session.scalar(
        select(Pair.code)
        .join(FollowupPair, FollowupPair.pair_id == Pair.id)
        .where(
            FollowupPair.round_id
            == select(Round.id).where(Round.slug == followup).scalar_subquery()
        )
        .order_by(Pair.code.desc())
    )
    pair = session.scalar(
        select(Pair).where(Pair.study_id == study.id, Pair.kind == "cross-strait")
    )
    person = session.scalar(select(Respondent).join(PairSide).where(PairSide.pair_id == pair.id))
    version = session.scalar(
        select(QuestionnaireVersion.id).where(QuestionnaireVersion.study_id == study.id)
    )
    s, r = f"/studies/{study.slug}", f"/studies/{study.slug}/rounds/{round_.slug}"
    side = study.sides[1].code
    decided = session.scalar(
        select(Pair.code)
        .join(Discrepancy, Discrepancy.pair_id == Pair.id)
        .where(Discrepancy.round_id == round_.id, Discrepancy.status != "open")
        .order_by(Pair.code)
        .limit(1)
    )
    called = session.execute(  # a side with a callback in its history
        select(Pair.code, StudySide.code)
        .join(Invitation, Invitation.pair_id == Pair.id)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .join(ContactAttempt, ContactAttempt.invitation_id == Invitation.id)
        .where(Invitation.round_id == round_.id, ContactAttempt.outcome == "callback")
        .order_by(Pair.code.desc(), StudySide.code)
        .limit(1)
    ).one()
    return {
        "studies": "/",
        "study": f"{s}/",
        "pairs": f"{s}/pairs/",
        "pair": f"{s}/pairs/{pair.code}/",
        "pair-new": f"{s}/pairs/new",
        "pair-edit": f"{s}/pairs/{pair.code}/edit",
        "respondent-new": f"{s}/pairs/{pair.code}/{side}/respondents/new",
        "respondent-edit": f"{s}/pairs/{pair.code}/respondents/{person.id}/edit",
        "members": f"{s}/members/",
        "respondent-privacy": f"{s}/respondents/{person.id}/",  # data held, erasure
        "respondent-erase": f"{s}/respondents/{person.id}/erase",  # the confirmation
        "privacy": f"{s}/privacy",  # what erasure keeps, retention
        "sides": f"{s}/sides/",
        "tokens": f"{s}/tokens/",
        "audit": f"{s}/audit/",
        "rounds": f"{s}/rounds/",
        "round": f"{r}/",
        "round-reminders": f"{r}/?reminders=open#reminders",  # the schedule's form, opened
        "round-texts": f"{r}/texts",
        "entry": f"{r}/entry/{pair.code}/{side}",
        "contacts": f"{r}/contacts/",  # sides by next callback, their attempts folded
        "contact-side": f"{r}/contacts/{called[0]}/{called[1]}",  # history and the log form
        "export": f"{r}/export",
        "comparison": f"{r}/comparison/",
        "comparison-pair": f"{r}/comparison/{pair.code}",
        "comparison-decided": f"{r}/comparison/{decided}",  # a decision, its form and history
        "report": f"{r}/comparison/report",
        "report-groups": f"{r}/comparison/report/groups",  # before and after follow-up
        "report-groups-mode": f"{r}/comparison/report/groups?by=mode&values=final",
        "ask-again": f"{r}/comparison/followup",
        "followup-round": f"{s}/rounds/{followup}/",
        "followup-entry": f"{s}/rounds/{followup}/entry/{asked}/{side}",  # the asked questions
        "comparison-followup": f"{r}/comparison/{asked}",  # both rounds' answers, explanations
        "questionnaires": "/questionnaires/",
        "questionnaire": f"/questionnaires/{version}/",
        "preview": f"/questionnaires/{version}/preview?language=zh-Hant",
        "account": "/account",
        "not-found": f"{s}/no-such-page/",
    }


@pytest.fixture(scope="module")
def signed_in(browser, demo) -> Iterator[Any]:  # noqa: ANN001
    """One browser context, signed in as the demo researcher, reused for every page."""
    live, password, _ = demo
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(Path(__file__).resolve().parent / "vendor" / "axe.min.js"))
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(live.url + "/login")
    page.fill('input[name="email"]', "demo@example.org")
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click('main button[type="submit"]')
    yield page
    context.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    """tests/artifacts/researcher/, emptied once per run."""
    import shutil

    folder = Path(__file__).resolve().parents[1] / "artifacts" / "researcher"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def problems_of(page: Any, width: int) -> dict[str, Any]:
    """What is wrong with the page as shown now, by check; empty when nothing is."""
    axe = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, "
        "resultTypes: ['violations']})"
    )
    found = {
        "axe": [
            {"id": v["id"], "nodes": [n["html"][:100] for n in v["nodes"][:2]]}
            for v in axe["violations"]
            if v["impact"] in SERIOUS
        ],
        "broken words": page.evaluate(BROKEN_WORDS),
        "overflow": page.evaluate(OVERFLOW, width >= 1000),
        "clipped chart labels": page.evaluate(CLIPPED_LABELS),
    }
    return {check: what for check, what in found.items() if what}


def screenshot(page: Any, path: Path) -> None:
    """A full-page screenshot, tried again once when Chromium's compositor was not ready
    ("Unable to capture screenshot", seen once on a busy machine, on a page that drew
    and passed every check): the picture is for people, the checks are problems_of's."""
    from playwright.sync_api import Error

    try:
        page.screenshot(path=str(path), full_page=True)
    except Error as error:
        if "Unable to capture screenshot" not in str(error):
            raise
        page.wait_for_timeout(500)
        page.screenshot(path=str(path), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_researcher_page_reads_well(demo, signed_in, shots, locale, width):
    live, _, pages = demo
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live.url}/lang/{locale}?next=/")
    expected_lang = {"en": "en", "zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}[locale]
    failures = {}
    for name, path in pages.items():
        started = time.perf_counter()
        response = page.goto(live.url + path)
        assert response.status == (404 if name == "not-found" else 200), (name, response.status)
        if name != "preview":  # the preview speaks the questionnaire's language
            assert page.get_attribute("html", "lang") == expected_lang, name
        screenshot(page, shots / f"{name}-{locale}-{width}.png")
        found = problems_of(page, width)
        print(f"{name} {locale} {width}: {time.perf_counter() - started:.1f} s")
        pending = PENDING.get((name, width))
        if found and pending:
            print(f"pending {name} ({pending}):", json.dumps(found, ensure_ascii=False))
        elif found:
            failures[name] = found
        elif pending:
            failures[name] = "passes now: take it off PENDING"
    assert page.errors == []
    assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)


def test_the_sign_in_page_reads_well_signed_out(browser, demo, shots):  # noqa: ANN001
    live, _, _ = demo
    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.add_init_script(path=str(Path(__file__).resolve().parent / "vendor" / "axe.min.js"))
    page = context.new_page()
    try:
        for locale in LANGUAGES:
            page.goto(f"{live.url}/lang/{locale}?next=/login")
            page.screenshot(path=str(shots / f"login-{locale}-390.png"), full_page=True)
            assert problems_of(page, 390) == {}
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_api_reference_draws_every_operation_and_reads_well(browser, demo, shots, width):  # noqa: ANN001
    """/api/v1/docs: the vendored Swagger UI (no CDN: every request stays on the site) draws
    one block per operation of the OpenAPI document, and passes the same checks."""
    live, _, _ = demo
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(path=str(Path(__file__).resolve().parent / "vendor" / "axe.min.js"))
    page = context.new_page()
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live.url) else elsewhere.append(r.url))
    try:
        document = page.request.get(f"{live.url}/api/v1/openapi.json").json()
        operations = sum(
            1
            for item in document["paths"].values()
            for method in item
            if method in ("get", "post", "put", "patch", "delete")
        )
        page.goto(f"{live.url}/api/v1/docs")
        page.wait_for_selector(".opblock")
        assert page.locator(".opblock").count() == operations
        screenshot(page, shots / f"api-docs-en-{width}.png")
        found = problems_of(page, width)
        assert found == {}, json.dumps(found, indent=1)
        assert elsewhere == []
    finally:
        context.close()


def test_the_administrators_accounts_page_reads_well(browser, demo, shots):  # noqa: ANN001
    """/admin/users/ as an administrator of the demo site, in each language and width."""
    from survey.accounts.services import create_user
    from survey.db import db, writing

    live, _, _ = demo
    with live.app.app_context(), writing():
        create_user(db.session, "admin@example.org", "an admin's long passphrase", role="admin")
        db.session.commit()
        db.session.remove()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(Path(__file__).resolve().parent / "vendor" / "axe.min.js"))
    page = context.new_page()
    try:
        page.goto(live.url + "/login")
        page.fill('input[name="email"]', "admin@example.org")
        page.fill('input[name="password"]', "an admin's long passphrase")
        with page.expect_navigation():
            page.click('main button[type="submit"]')
        failures = {}
        for locale in LANGUAGES:
            page.goto(f"{live.url}/lang/{locale}?next=/")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                assert page.goto(f"{live.url}/admin/users/").status == 200
                assert page.locator("#accounts tbody tr").count() >= 2
                screenshot(page, shots / f"admin-users-{locale}-{width}.png")
                found = problems_of(page, width)
                if found:
                    failures[f"{locale} {width}"] = found
        assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)
    finally:
        context.close()
