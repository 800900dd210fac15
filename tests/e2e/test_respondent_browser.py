"""A respondent in real Chromium: link to thank-you page, languages, resume, no script, axe."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from tests.e2e.live import Live

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect

# The sister-city questionnaire, page by page: what a respondent fills in.
ANSWERS = [
    ("respondent", {"position": "fao_director", "years_involved": "12", "longest_involved": "yes"}),
    (
        "relationship",
        {"established": "1986", "relationship_kind": "city", "formal_agreement": "yes"},
    ),
    ("exchanges", {"delegations_sent": "4", "delegations_received": "3", "student_exchange": "no"}),
    ("trust", {"trust_city_level": "3", "trust_comment": "双方互信良好 👍"}),
    ("politics", {"response_1989": "reduced", "response_2001": "continued"}),
    ("capacity", {"governance_training": "no"}),
    ("trade", {"trade_missions": "2"}),
    ("environment", {"environment_cooperation": "no"}),
    ("closing", {"followup_contact": "yes"}),
]
SERIOUS = ("serious", "critical")


def link_of(site: Live, side: str, number: int) -> str:
    links = [link for link in site.links if link.side == side]
    return site.url + site.path(links[number])


def fill(page: Any, answers: dict[str, Any]) -> None:
    """Answer questions as a person would: click options, type into boxes."""
    for key, value in answers.items():
        kind = page.get_attribute(f'[data-key="{key}"]', "data-type")
        if kind in ("single", "yesno", "scale"):
            page.check(f'input[name="{key}"][value="{value}"]')
        elif kind == "multi":
            for code in value:
                page.check(f'input[name="{key}"][value="{code}"]')
        else:
            page.fill(f"#f-{key}", value)


def press(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def next_page(page: Any) -> None:
    press(page, 'main button[name="_nav"][value="next"]')


def switch_language(page: Any, locale: str) -> None:
    press(page, f'button[name="_lang"][value="{locale}"]')


def check_accessibility(page: Any, name: str) -> None:
    """axe-core: no serious or critical violation (WCAG 2.1 A and AA rules)."""
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    bad = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
    assert bad == [], f"{name}: {json.dumps(bad, ensure_ascii=False, indent=1)}"


def capture(page: Any, artifacts, name: str) -> None:  # noqa: ANN001
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    check_accessibility(page, name)
    assert page.errors == [], page.errors


def fits_the_screen(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("side", "locale", "lang"), [("cn", "zh_Hans", "zh-Hans"), ("us", "en", "en")]
)
def test_respondent_completes_the_questionnaire(site, new_page, artifacts, side, locale, lang):
    page = new_page(viewport={"width": 1024, "height": 900})
    page.goto(link_of(site, side, 0))
    assert page.url.endswith("/respond/welcome")  # the token is gone from the address bar
    assert page.get_attribute("html", "lang") == lang
    capture(page, artifacts, f"welcome-{locale}")
    press(page, 'main button[name="_nav"][value="start"]')
    assert page.url.endswith("/respond/p/respondent")
    fill(page, ANSWERS[0][1])
    next_page(page)

    # Part 2: Next with nothing filled in shows the errors; focus goes to their summary.
    next_page(page)
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#error-summary[role=alert] li").count() == 3
    capture(page, artifacts, f"error-{locale}")
    assert page.locator("#q-us_other_china_count").is_hidden()
    page.check('input[name="us_other_china"][value="yes"]')
    assert page.locator("#q-us_other_china_count").is_visible()  # live relevance
    fill(page, ANSWERS[1][1])
    other = "en" if locale != "en" else "zh_Hant"
    switch_language(page, other)  # midway, with what was typed
    assert page.get_attribute("html", "lang") == ("en" if other == "en" else "zh-Hant")
    assert page.input_value("#f-established") == "1986"
    assert page.is_checked('input[name="formal_agreement"][value="yes"]')
    capture(page, artifacts, f"question-{other}")
    switch_language(page, locale)
    assert page.get_attribute("html", "lang") == lang
    capture(page, artifacts, f"question-{locale}")
    next_page(page)

    for key, answers in ANSWERS[2:]:
        assert page.url.endswith(f"/respond/p/{key}"), (page.url, key)
        fill(page, answers)
        next_page(page)
    assert page.url.endswith("/respond/review")
    assert "1986" in page.inner_text("main")
    capture(page, artifacts, f"review-{locale}")
    page.dblclick('button[value="submit"]')  # a double click submits once
    page.wait_for_url("**/respond/thanks")
    capture(page, artifacts, f"thanks-{locale}")
    assert "1986" in page.inner_text("main")
    page.goto(link_of(site, side, 0))  # the link again: thanks, never a fresh form
    assert page.url.endswith("/respond/thanks")


@pytest.mark.slow
def test_a_second_browser_resumes_a_half_finished_form(site, new_page):
    first = new_page()
    first.goto(link_of(site, "us", 1))
    press(first, 'main button[name="_nav"][value="start"]')
    fill(first, ANSWERS[0][1])
    next_page(first)
    first.fill("#f-established", "1991")
    status = first.locator("#save-status")
    expect(status).to_have_text(status.get_attribute("data-saved"), timeout=10_000)
    first.context.close()
    second = new_page(viewport={"width": 360, "height": 740})
    second.goto(link_of(site, "us", 1))
    assert second.url.endswith("/respond/p/relationship")
    assert second.input_value("#f-established") == "1991"  # autosaved, not lost
    press(second, 'main button[name="_nav"][value="back"]')
    assert second.input_value("#f-years_involved") == "12"


@pytest.mark.slow
def test_without_javascript_the_form_still_completes(site, new_page, artifacts):
    page = new_page(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page.goto(link_of(site, "cn", 2))
    press(page, 'main button[name="_nav"][value="start"]')
    for key, answers in ANSWERS:
        if key == "exchanges":
            fill(page, {**answers, "student_exchange": "yes"})
            next_page(page)  # a follow-up question appears: the page says so and stays
            assert page.url.endswith("/respond/p/exchanges")
            assert page.locator("#q-students_count").is_visible()
            answers = {"students_count": "25"}
        fill(page, answers)
        assert fits_the_screen(page), key
        if key == "relationship":
            page.screenshot(path=str(artifacts / "question-320px-no-script.png"), full_page=True)
        next_page(page)
    assert page.url.endswith("/respond/review")
    press(page, 'button[value="submit"]')
    assert page.url.endswith("/respond/thanks")
    assert fits_the_screen(page)


# The page script's evaluator against the server's, on the same trees and answers.
PARITY = [
    ("${a} = 'yes'", {"a": "yes"}),
    ("${a} = 'yes'", {"a": "dk"}),
    ("${n} <= 1989 or ${n} = ''", {"n": 1985}),
    ("${n} <= 1989 or ${n} = ''", {}),
    ("${n} <= 1989 or ${n} = ''", {"n": 2001}),
    ("${n} div 0", {"n": 3}),
    ("-${n} div 0", {"n": 3}),
    ("0 div 0", {}),
    ("${n} mod 3", {"n": -7}),
    ("${n} * 1.5 + 0.1", {"n": 3}),
    ("selected(${m}, 'water')", {"m": ["health", "water"]}),
    ("count-selected(${m})", {"m": ["health", "water"]}),
    ("count-selected(${m})", {"m": "rf"}),
    ("string-length(${t})", {"t": "好的 👍"}),
    ("coalesce(${t}, 'none')", {}),
    ("if(${a} = 'yes', 1, 2) + 0.5", {"a": "no"}),
    ("int(-3.7)", {}),
    ("number('abc') = number('abc')", {}),
    ("${d} < '2009-06-01'", {"d": "2009-03-01"}),
    ("${d} - '2009-01-01'", {"d": "2009-03-01"}),
    ("today() - '2000-01-01' > 0", {}),
    ("regex(${t}, '^[0-9]{3}$')", {"t": "123"}),
    ("string(1 div 3)", {}),
    ("string(10000000 * 10000000 * 10000000)", {}),
    ("string(0.0000001)", {}),
    ("not(${a}) and true()", {}),
    ("${n} = '12'", {"n": 12}),
    ("${b} = 1", {"b": True}),
    ("concat(${t}, '-', 2.5, true())", {"t": "拉萨"}),
    ("round(2.5) + round(-2.5) + round(3.14159, 2)", {}),
    ("round(1234, -2)", {}),
    ("sum(1, '2', ${n}) + max(1, 3, 2) - min(4, '-1')", {"n": 12}),
    ("max(1, 'x') = max(1, 'x')", {}),
    ("substr('好的👍 ok', 1, 3)", {}),
    ("substr(${t}, 2)", {"t": "hello"}),
    ("date(14304.75)", {}),
    ("date('2009-03-01T23:30:00-02:00')", {}),
    ("date('2009-02-30')", {}),
    ("decimal-date-time('1970-01-02T12:00:00Z')", {}),
    ("decimal-date-time('2009-03-01')", {}),
    ("format-date('2009-03-01T07:05:09.25Z', '%d %b %Y, %a %H:%M:%S.%3 %e/%n/%y %h %%')", {}),
    ("format-date(${d}, '%Y')", {"d": "2009-03-01"}),
    ("jr:choice-name(${c}, '${c}')", {"c": "red"}),
]


@pytest.mark.slow
def test_page_script_evaluates_expressions_like_the_server(site, new_page):
    from survey.core.expressions import parse, to_string

    page = new_page()
    page.goto(link_of(site, "us", 3))  # any respondent page loads the script
    today = datetime.date.today().isoformat()
    for source, answers in PARITY:
        expression = parse(source)
        expected = expression.evaluate(answers, today=today)
        got = page.evaluate(
            "([tree, answers, today]) => window.surveyExpressions.evaluate("
            "tree, {answers: answers, current: null, today: today})",
            [expression.to_json(), answers, today],
        )
        if isinstance(expected, float):
            assert isinstance(got, int | float), (source, got)
            assert to_string(expected) == to_string(float(got)), (source, expected, got)
        else:
            assert got == expected, (source, answers, expected, got)


@pytest.mark.slow
def test_page_script_evaluates_odk_functions_like_the_server(site, new_page):
    """ODK's math, string, select and time functions: every case of their unit tests, in
    Chromium (tests/responding/test_script_parity.py runs them in Node, with a grid too)."""
    from survey.core.expressions import parse
    from tests.core.test_expression_odk import CASES, NOW, NOW_TEXT
    from tests.responding.test_script_parity import agree

    page = new_page()
    page.goto(link_of(site, "us", 3))
    for name, rows in sorted(CASES.items()):
        for source, answers, _ in rows:
            expression = parse(source)
            expected = expression.evaluate(answers, today="2009-03-01", now=NOW)
            got = page.evaluate(
                "([tree, answers, now]) => { const v = window.surveyExpressions.evaluate(tree,"
                " {answers: answers, current: null, today: '2009-03-01', now: now});"
                " return typeof v === 'number' ? {num: Object.is(v, -0) ? '-0' : String(v)} : v; }",
                [expression.to_json(), answers, NOW_TEXT],
            )
            if isinstance(got, dict):
                got = float(got["num"].replace("Infinity", "inf"))
            assert agree(name, expected, got), (source, answers, expected, got)
