"""The closed page: a valid link to a closed round says so; an unknown link learns nothing.

TOK-02 keeps one generic message for unknown, expired and used links; TOK-05 asks for
a bilingual explanatory page, with no form and no write, for a closed round's link.
docs/fieldwork.md ("After closing") has the argument; these tests hold both.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from survey.audit import AuditEntry
from survey.db import utcnow
from survey.responding import guards
from survey.rounds import services as rounds
from survey.rounds.models import Invitation, Round
from survey.studies.models import Respondent, StudySide
from tests.fixtures.web import text_of
from tests.responding.test_flow import (
    browser_fields,
    link_path,
    location,
    make_mini,
    stored,
    submit_page,
)


@pytest.fixture
def mini(session, make_round):
    return make_mini(session, make_round)


def set_respondent(session, invitation: Invitation, *, language=None, zone=None) -> None:
    respondent = session.get(Respondent, invitation.respondent_id)
    respondent.language = language
    respondent.timezone = zone
    session.commit()


def close_at(session, round_: Round, moment: dt.datetime) -> None:
    """The round closed by its closing time, `moment` (in the past)."""
    session.get(Round, round_.id).closes_at = moment
    session.commit()


def fresh(session, invitation_id: int) -> Invitation:
    session.expire_all()
    return session.get(Invitation, invitation_id)


def start(client, path: str) -> str:
    """Open the link and press Start; returns the first page's path."""
    assert client.get(path).status_code == 303
    response = submit_page(client, "/respond/welcome", nav="start")
    assert response.status_code == 303
    return location(response)


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def first_block(page: str) -> str:
    """The page's first language block (the respondent's own language)."""
    start_at = page.index("<section")
    return page[start_at : page.index("</section>", start_at)]


# The round of each test closed at 2010-03-31 16:00 UTC: a Wednesday; 00:00 on Thursday
# 1 April in Shanghai (UTC+8), 12:00 noon on Wednesday in New York (EDT, UTC-4).
CLOSED = dt.datetime(2010, 3, 31, 16, 0, tzinfo=dt.UTC)
SHANGHAI_DATE = "2010年4月1日（星期四） 00:00（UTC+08:00）"  # Taipei keeps the same offset


@pytest.mark.parametrize(
    ("language", "zone", "title", "date"),
    [
        (
            "en",
            "America/New_York",
            "These interviews have closed",
            "Wednesday, March 31, 2010, 12:00 p.m. (UTC\u201104:00)",  # no line break at the hyphen
        ),
        ("zh-Hans", "Asia/Shanghai", "本次访谈已经结束", SHANGHAI_DATE),
        ("zh-Hant", "Asia/Taipei", "本次訪談已經結束", SHANGHAI_DATE),
    ],
)
def test_a_valid_link_to_a_closed_round_shows_when_it_closed_in_the_respondents_language_and_zone(
    client, session, mini, language, zone, title, date
):
    round_, us, _, _ = mini
    path = link_path(us)
    invitation_id = us.id
    set_respondent(session, us, language=language, zone=zone)
    close_at(session, round_, CLOSED)
    before = audit_count(session)
    response = client.get(path)
    page = text_of(response)
    assert response.status_code == 410
    own = first_block(page)
    assert f'lang="{language}"' in own
    assert title in own
    assert date in own
    # the two other languages follow, as on every message a respondent may see
    for tag in {"en", "zh-Hans", "zh-Hant"} - {language}:
        assert f'lang="{tag}"' in page
    assert "<form" not in page  # no form, no write (TOK-05)
    assert path.removeprefix("/r/") not in page
    assert fresh(session, invitation_id).state == "pending"
    assert fresh(session, invitation_id).opened_at is None
    assert audit_count(session) == before


def test_without_a_zone_of_their_own_the_sides_zone_is_used(client, session, mini):
    round_, us, _, _ = mini
    path = link_path(us)
    side_id = us.side_id
    set_respondent(session, us, language="en", zone=None)
    session.get(StudySide, side_id).timezone = "Asia/Shanghai"
    close_at(session, round_, CLOSED)
    page = text_of(client.get(path))
    assert "Thursday, April 1, 2010, 12:00 a.m. (UTC+08:00)" in page


def test_a_round_closed_by_hand_shows_the_moment_it_was_closed(client, session, mini):
    round_, us, _, _ = mini
    path = link_path(us)
    set_respondent(session, us, language="en", zone="UTC")
    rounds.set_state(session, session.get(Round, round_.id), "closed")
    session.commit()
    closed_entry = session.scalar(
        select(AuditEntry.at).where(
            AuditEntry.action == "round.closed", AuditEntry.object_id == str(round_.id)
        )
    )
    response = client.get(path)
    assert response.status_code == 410
    moment = closed_entry.astimezone(dt.UTC)
    hour = moment.hour % 12 or 12
    assert f"{hour}:{moment.minute:02d} {'a.m.' if moment.hour < 12 else 'p.m.'} (UTC+00:00)" in (
        text_of(response)
    )


def test_the_study_contact_is_named_when_the_mails_have_one(client, app, session, mini):
    round_, us, _, _ = mini
    path = link_path(us)
    close_at(session, round_, CLOSED)
    assert "reply to your invitation e-mail" in text_of(client.get(path))
    app.config["MAIL_REPLY_TO"] = "fieldwork@example.org"
    try:
        page = text_of(client.get(path))
    finally:
        app.config["MAIL_REPLY_TO"] = None
    assert "please write to the research team at fieldwork@example.org" in page
    assert page.count("fieldwork@example.org") == 3  # in each language's block


def test_unknown_links_keep_the_one_generic_message(client, session, mini):
    """TOK-02: a guessed link to a closed round's study learns nothing from the new page."""
    round_, us, _, _ = mini
    path = link_path(us)
    close_at(session, round_, CLOSED)
    unknown = client.get("/r/" + "A" * 43)
    closed = client.get(path)
    assert unknown.status_code == 404
    assert "This link does not work" in text_of(unknown)
    assert "closed on" not in text_of(unknown)
    assert "This link does not work" not in text_of(closed)
    # a link that differs from a valid one in one character is just another unknown link
    token = path.removeprefix("/r/")
    near = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert text_of(client.get("/r/" + near)) == text_of(unknown)


def test_the_closed_page_is_no_throttle_failure_but_unknown_links_stay_counted(
    client, app, session, mini, monkeypatch
):
    round_, us, _, _ = mini
    path = link_path(us)
    close_at(session, round_, CLOSED)
    counted = []
    monkeypatch.setattr(guards, "count_link_failure", counted.append)
    client.get(path)
    assert counted == []
    client.get("/r/" + "A" * 43)
    assert len(counted) == 1


def test_declined_and_draft_keep_the_generic_message(client, session, make_round, mini):
    round_, _, cn, _ = mini
    declined_path = link_path(cn)
    fresh(session, cn.id).state = "declined"
    session.commit()
    close_at(session, round_, CLOSED)
    draft = make_mini(session, lambda **kw: make_round(state="draft", **kw))
    for path in (declined_path, link_path(draft[1])):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link does not work" in text_of(response)


def test_a_submitted_respondent_still_reads_the_thanks_page_after_closing(client, session, mini):
    round_, us, _, _ = mini
    path = link_path(us)
    invitation_id = us.id
    us_row = fresh(session, invitation_id)
    us_row.state = "submitted"
    us_row.submitted_at = utcnow()
    session.commit()
    close_at(session, round_, CLOSED)
    assert client.get(path).status_code == 303


def test_a_respondent_in_the_form_sees_the_closed_page_and_nothing_is_written(
    client, session, mini
):
    round_, us, _, _ = mini
    path = link_path(us)
    invitation_id = us.id
    set_respondent(session, us, language="zh-Hant", zone="Asia/Taipei")
    first = start(client, path)
    answers_before = stored(session, fresh(session, invitation_id))
    page = client.get(first)
    assert page.status_code == 200
    fields = browser_fields(text_of(page))  # the page as the browser holds it, token and all
    fields.setlist("established", ["1985"])
    fields.setlist("training", ["no"])
    fields["_nav"] = "next"
    close_at(session, round_, CLOSED)
    response = client.get(first)
    assert response.status_code == 410
    assert "本次訪談已經結束" in first_block(text_of(response))
    assert "2010年4月1日" in text_of(response)
    posted = client.post(first, data=fields)
    assert posted.status_code == 410
    assert stored(session, fresh(session, invitation_id)) == answers_before


def test_a_respondent_in_the_form_of_a_round_closed_by_hand_is_stopped(client, session, mini):
    round_, us, _, _ = mini
    path = link_path(us)
    first = start(client, path)
    rounds.set_state(session, session.get(Round, round_.id), "closed")
    session.commit()
    response = client.get(first)
    assert response.status_code == 410
    assert "These interviews have closed" in text_of(response)
