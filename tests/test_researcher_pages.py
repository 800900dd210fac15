"""The researcher's pages as a person reads them: totals, pages, sorting, labels, next actions.

Layout (no broken words, nothing overflowing, readable charts) is checked in real
Chromium by tests/e2e/test_researcher_browser.py; these check content through the
Flask client.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from survey import audit
from survey.comparison.models import Discrepancy
from survey.rounds import services as rounds
from survey.rounds.models import Invitation
from survey.rounds.monitoring import RoundStatus, next_action
from survey.studies import pairs
from survey.studies import services as studies
from tests.fixtures.web import login, text_of

DEMO = Path(__file__).resolve().parents[1] / "survey" / "demo" / "pairs.csv"


@pytest.fixture
def study(session, make_study):
    study = make_study()
    pairs.import_pairs(session, study, DEMO)
    for side, (en, zh) in zip(
        study.sides, [("U.S. side", "美方"), ("Chinese side", "中方")], strict=True
    ):
        side.label = {"en": en, "zh-Hans": zh, "zh-Hant": zh}
    session.flush()
    return study


@pytest.fixture
def researcher(session, make_user, study):
    user = make_user()
    studies.add_member(session, study, user.email, "researcher")
    return user


def rows_of(page: str, table: str) -> list[str]:
    """The body rows of the table with id `table`, as HTML."""
    body = page.split(f'id="{table}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)


# ---------------------------------------------------------------- pairs list


def test_pairs_show_both_places_and_the_code_small_beside_them(client, study, researcher):
    login(client, researcher.email)
    page = text_of(client.get(f"/studies/{study.slug}/pairs/"))
    assert "Los Angeles – Guangzhou" in page
    assert '<code class="key">los-angeles-guangzhou</code>' in page
    zh = text_of(client.get(f"/studies/{study.slug}/pairs/?lang=zh-Hans"))
    assert "洛杉矶 – 广州" in zh
    traditional = text_of(client.get(f"/studies/{study.slug}/pairs/?lang=zh-Hant"))
    assert "洛杉磯 – 廣州" in traditional  # the file's simplified names, shown in traditional


def test_pairs_are_paginated_with_a_total_and_links_that_keep_filters(
    client, study, researcher, make_pair
):
    for _ in range(30):
        make_pair(study, kind="city")
    make_pair(study, kind="state")
    login(client, researcher.email)
    first = text_of(client.get(f"/studies/{study.slug}/pairs/?kind=city"))
    assert "1–50 of 62 pairs" in first
    assert len(rows_of(first, "pairs")) == 50
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    assert "kind=city" in next_link
    assert "page=2" in next_link
    last = text_of(client.get(next_link.replace("&amp;", "&")))
    assert "51–62 of 62 pairs" in last
    assert len(rows_of(last, "pairs")) == 12
    beyond = text_of(client.get(f"/studies/{study.slug}/pairs/?kind=city&page=40"))
    assert "51–62 of 62 pairs" in beyond  # a page past the end shows the last one


def test_pairs_sort_by_each_column_both_ways(client, study, researcher):
    login(client, researcher.email)
    base = f"/studies/{study.slug}/pairs/"
    by_year = rows_of(text_of(client.get(base + "?sort=established&dir=asc")), "pairs")
    years = [int(re.findall(r">(\d{4})<", row)[0]) for row in by_year]
    assert years == sorted(years)
    newest = rows_of(text_of(client.get(base + "?sort=established&dir=desc")), "pairs")
    assert int(re.findall(r">(\d{4})<", newest[0])[0]) == max(years)
    by_us_place = text_of(client.get(base + "?sort=place-us"))
    assert rows_of(by_us_place, "pairs")[0].count("Albuquerque") >= 1
    assert 'aria-sort="ascending"' in by_us_place
    by_cn = text_of(client.get(base + "?sort=place-cn&dir=desc&lang=zh-Hans"))
    assert 'aria-sort="descending"' in by_cn


@pytest.mark.parametrize(
    "query",
    ["page=x", "page=0", "page=-2", "sort=password", "sort=code&dir=up", "page=99999999999999"],
)
@pytest.mark.parametrize("where", ["pairs/", "members/", "audit/", "rounds/ROUND/"])
def test_bad_page_or_sort_is_a_clean_400(
    client, session, study, researcher, make_round, query, where
):
    round_ = make_round(study, pairs=0)
    login(client, researcher.email)
    response = client.get(f"/studies/{study.slug}/{where.replace('ROUND', round_.slug)}?{query}")
    assert response.status_code == 400
    assert "The request could not be understood." in text_of(response)


# ---------------------------------------------------------------- audit log


def test_the_audit_log_pages_through_every_entry_and_lists_changed_fields(
    client, session, study, researcher
):
    for n in range(60):
        audit.record(
            session,
            "pair.update",
            study_id=study.id,
            object_type="pair",
            object_id="1",
            details={"changes": {"established": [1980 + n, 1981 + n]}},
        )
    login(client, researcher.email)
    page = text_of(client.get(f"/studies/{study.slug}/audit/"))
    total = int(re.search(r"1–50 of (\d+) entries", page).group(1))
    assert total >= 61  # the sixty and the import
    assert "established" in page
    assert "<del>2039</del> → <ins>2040</ins>" in page  # field: old → new, newest first
    assert "Pair changed" in page  # the action in words, its code beside it
    second = text_of(client.get(f"/studies/{study.slug}/audit/?page=2"))
    assert f"51–{min(total, 100)} of {total} entries" in second
    oldest = text_of(client.get(f"/studies/{study.slug}/audit/?sort=at&dir=asc"))
    assert "Study created" in rows_of(oldest, "audit")[0]


def test_long_audit_details_are_folded(client, session, study, researcher):
    audit.record(
        session,
        "pair.update",
        study_id=study.id,
        details={"changes": {f"field_{n}": [None, "x" * 90] for n in range(6)}},
    )
    login(client, researcher.email)
    row = rows_of(text_of(client.get(f"/studies/{study.slug}/audit/")), "audit")[0]
    assert '<details class="fold"><summary>6 fields: field_0, field_1, field_2…' in row
    assert "<summary>" + "x" * 60 + "…</summary>" in row


# ---------------------------------------------------------------- members


def test_members_are_sortable_with_a_total(client, session, study, researcher, make_user):
    for name in ("zoe@example.org", "adam@example.org"):
        studies.add_member(session, study, make_user(name).email, "viewer")
    login(client, researcher.email)
    page = text_of(client.get(f"/studies/{study.slug}/members/?sort=email&dir=desc"))
    assert re.search(r"1–4 of 4 members", page)
    emails = [re.search(r"[\w.]+@example\.org", r).group(0) for r in rows_of(page, "members")]
    assert emails == sorted(emails, reverse=True)


# ---------------------------------------------------------------- study page


def test_the_study_page_shows_rounds_progress_open_discrepancies_and_last_activity(
    client, session, study, researcher, make_round
):
    round_ = make_round(study, pairs=0)
    invitations = session.query(Invitation).filter_by(round_id=round_.id).all()
    for invitation in invitations[:30]:
        invitation.state = "submitted"
    pair_id = invitations[0].pair_id
    session.add(Discrepancy(round_id=round_.id, pair_id=pair_id, question_key="x", values={}))
    session.add(
        Discrepancy(
            round_id=round_.id, pair_id=pair_id, question_key="y", values={}, status="confirmed"
        )
    )
    session.flush()
    login(client, researcher.email)
    page = text_of(client.get(f"/studies/{study.slug}/"))
    assert round_.name in page
    total = {side.code: sum(1 for i in invitations if i.side_id == side.id) for side in study.sides}
    done = {
        side.code: sum(1 for i in invitations[:30] if i.side_id == side.id) for side in study.sides
    }
    for side in study.sides:
        assert f"{done[side.code]} of {total[side.code]} submitted" in page
    assert "Open discrepancies to review: 1" in page
    assert (
        f'href="/studies/{study.slug}/rounds/{round_.slug}/comparison/">Open discrepancies' in page
    )
    last = page.split("Last activity")[1]
    assert "Invitations" not in last  # the newest audit row, in words
    assert "Round opened" in last


# ---------------------------------------------------------------- round page


def _status(submitted: int, pending: int, other: int = 0) -> RoundStatus:
    status = RoundStatus(sides=("us", "cn"))
    status.by_side = {"us": {}, "cn": {}}
    from collections import Counter

    status.by_side = {
        "us": Counter(submitted=submitted, pending=pending, sent=other),
        "cn": Counter(submitted=submitted, pending=0, sent=other + pending),
    }
    return status


@pytest.mark.parametrize(
    ("state", "status", "expected"),
    [
        ("draft", _status(0, 10), "open"),
        ("open", _status(0, 10), "invite"),
        ("open", _status(2, 0, 8), "remind"),
        ("open", _status(19, 1), "review"),  # 95 % submitted: not "send invitations"
        ("closed", _status(19, 1), "export"),
    ],
)
def test_a_round_has_one_next_action_for_its_state(state, status, expected):
    assert next_action(state, status) == expected


def test_a_mostly_submitted_round_makes_review_the_one_primary_button(
    client, session, study, researcher, make_round
):
    round_ = make_round(study, pairs=0)
    invitations = session.query(Invitation).filter_by(round_id=round_.id).all()
    for invitation in invitations[:-2]:
        invitation.state = "submitted"
        invitation.submitted_at = dt.datetime(2009, 7, 1, tzinfo=dt.UTC)
    session.flush()
    login(client, researcher.email)
    page = text_of(client.get(f"/studies/{study.slug}/rounds/{round_.slug}/"))
    primary = re.findall(r'class="govuk-button"[^>]*>([^<]*)<', page)
    assert primary == ["Review discrepancies"]
    assert "Send invitations" in page  # still there, as a secondary action
    assert re.search(r'govuk-button--secondary"[^>]*>Send invitations', page)


def test_the_round_chart_spans_the_round_with_axes_a_table_and_a_csv(
    client, session, study, researcher, make_round
):
    round_ = make_round(study, pairs=0)
    round_.opens_at = dt.datetime(2009, 6, 1, tzinfo=dt.UTC)
    round_.closes_at = dt.datetime(2010, 5, 31, tzinfo=dt.UTC)
    invitations = session.query(Invitation).filter_by(round_id=round_.id).all()
    for n, invitation in enumerate(invitations[:20]):
        invitation.state = "submitted"
        invitation.submitted_at = dt.datetime(2009, 6 + n % 6, 3, tzinfo=dt.UTC)
    session.flush()
    login(client, researcher.email)
    page = text_of(client.get(f"/studies/{study.slug}/rounds/{round_.slug}/"))
    chart = page.split('<figure class="chart"')[1].split("</figure>")[0]
    assert "<title" in chart
    assert "Submissions per month" in chart
    assert "Month" in chart  # the axes' titles, with their units
    assert "Submissions per month (count)" in chart
    months = re.findall(r'<th scope="row" class="govuk-table__header">(\d{4}-\d{2})</th>', chart)
    assert months[0] == "2009-06"
    assert months[-1] == "2010-05"  # the whole round, zeros included
    csv = client.get(f"/studies/{study.slug}/rounds/{round_.slug}/submissions.csv")
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()  # Excel reads the BOM
    assert lines[0] == "month_starting,submissions"
    assert len(lines) == 1 + 12
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == 20


def test_the_round_pairs_table_pages_and_sorts_by_state(
    client, session, study, researcher, make_round
):
    round_ = make_round(study, pairs=0)
    rounds.ensure_invitations(session, round_)
    invitation = session.query(Invitation).filter_by(round_id=round_.id).first()
    invitation.state = "submitted"
    session.flush()
    login(client, researcher.email)
    side = next(s for s in study.sides if s.id == invitation.side_id)
    page = text_of(
        client.get(f"/studies/{study.slug}/rounds/{round_.slug}/?sort=state-{side.code}&dir=desc")
    )
    assert re.search(r"1–37 of 37 pairs", page)
    assert "submitted" in rows_of(page, "pairs")[0]


def test_hyphenated_words_are_kept_whole_and_escaped():
    from survey.templating import keep_words

    assert str(keep_words("cross-strait pair")) == '<span class="nowrap">cross-strait</span> pair'
    assert str(keep_words("(2004–2008), 双方")) == '<span class="nowrap">(2004–2008),</span> 双方'
    assert str(keep_words("<b>a-b</b>")) == '<span class="nowrap">&lt;b&gt;a-b&lt;/b&gt;</span>'
    assert str(keep_words(None)) == ""
    assert str(keep_words("a 501(c)(3) body")) == 'a <span class="nowrap">501(c)(3)</span> body'
    assert str(keep_words("(optional)")) == "(optional)"  # a bracket that opens a word is fine


def test_the_audit_log_names_objects_in_words(client, session, study, researcher):
    login(client, researcher.email)
    page = text_of(client.get(f"/studies/{study.slug}/audit/?lang=zh-Hans"))
    assert "研究 " in rows_of(page, "audit")[-1]  # the study created, its type in words
    assert ">study " not in page


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_chinese_pages_use_full_width_marks_next_to_chinese(
    client, session, study, researcher, make_round, language
):
    from tests.test_typography import problems_in

    round_ = make_round(study, pairs=0)
    login(client, researcher.email)
    base = f"/studies/{study.slug}"
    paths = [
        "/",
        f"{base}/",
        f"{base}/pairs/",
        f"{base}/members/",
        f"{base}/audit/",
        f"{base}/rounds/",
        f"{base}/rounds/{round_.slug}/",
        f"{base}/rounds/{round_.slug}/texts",
        "/questionnaires/",
    ]
    found = {}
    for path in paths:
        html = text_of(client.get(f"{path}?lang={language}"))
        body = html.split("<main", 1)[1]
        body = re.sub(r"<(script|style|code)[^>]*>.*?</\1>", " ", body, flags=re.S)
        text = re.sub(r"<[^>]+>", "", body)
        if problems_in(text):
            found[path] = problems_in(text)
    assert found == {}


def test_audit_rows_about_answers_name_questions_and_options(
    client, session, study, researcher, make_round
):
    make_round(study, pairs=0)  # imports the sister-city questionnaire into the study
    audit.record(
        session,
        "answer.save",
        study_id=study.id,
        details={"changes": {"position": [None, "fao_director"], "gone_key": [None, "x"]}},
    )
    login(client, researcher.email)
    row = rows_of(text_of(client.get(f"/studies/{study.slug}/audit/")), "audit")[0]
    assert "What is your position in the organization" in row
    assert '<code class="key">position</code>' in row
    assert "<ins>Director of a Foreign Affairs Office</ins>" in row
    assert "gone_key" in row  # a key no questionnaire knows stays as it is
    zh = rows_of(text_of(client.get(f"/studies/{study.slug}/audit/?lang=zh-Hans")), "audit")[0]
    assert "<ins>外事办公室主任</ins>" in zh
