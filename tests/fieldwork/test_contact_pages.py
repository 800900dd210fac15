"""The contacts pages and the round page's rates: who sees and logs what, errors at the field."""

from __future__ import annotations

from sqlalchemy import func, select

from survey.audit import AuditEntry
from survey.fieldwork.models import ContactAttempt
from survey.studies import services as studies
from survey.studies.models import Pair
from survey.studies.pairs.members import assign_interviewer
from tests.fixtures.web import csrf_token, login, text_of


def _people(session, study, make_user):  # noqa: ANN001, ANN202
    interviewer, viewer = make_user(), make_user()
    studies.add_member(session, study, interviewer.email, "interviewer")
    studies.add_member(session, study, viewer.email, "viewer")
    p3 = session.scalar(select(Pair).where(Pair.study_id == study.id, Pair.code == "p3"))
    assign_interviewer(session, study, p3, interviewer.id)
    session.flush()
    return interviewer.email, viewer.email


def _attempts(session) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(ContactAttempt))


def test_an_interviewer_sees_and_logs_only_assigned_pairs(client, session, field, make_user):
    study, round_, _ = field
    interviewer, _ = _people(session, study, make_user)
    base = f"/studies/{study.slug}/rounds/{round_.slug}/contacts"
    login(client, interviewer)
    listing = client.get(f"{base}/")
    assert listing.status_code == 200
    page = text_of(listing)
    assert "contacts/p3/us" in page
    assert "contacts/p3/cn" in page
    assert "contacts/p1/" not in page
    assert "contacts/p4/" not in page
    assert "2010-03-18 09:00 (CST, UTC+08:00)" in page  # p3 cn: appointment, Beijing time
    assert client.get(f"{base}/p1/us").status_code == 404
    token = csrf_token(client, f"{base}/p3/us")
    before = _attempts(session)
    refused = client.post(f"{base}/p1/us", data={"csrf_token": token, "outcome": "busy"})
    assert refused.status_code == 404
    logged = client.post(
        f"{base}/p3/us",
        data={
            "csrf_token": token,
            "outcome": "callback",
            "mode": "phone",
            "at": "2010-03-16T10:00",
            "callback": "2010-03-18T09:00",
            "zone": "Asia/Shanghai",
            "note": "Secretary: call Thursday",
        },
    )
    assert logged.status_code == 302, text_of(logged)
    assert _attempts(session) == before + 1
    row = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert row.action == "contact.log"
    assert row.details["pair"] == "p3"
    shown = text_of(client.get(f"{base}/p3/us"))
    assert "Secretary: call Thursday" in shown
    assert "2010-03-18 09:00 (CST, UTC+08:00)" in shown


def test_a_viewer_reads_but_cannot_log(client, session, field, make_user):
    study, round_, _ = field
    _, viewer = _people(session, study, make_user)
    base = f"/studies/{study.slug}/rounds/{round_.slug}/contacts"
    login(client, viewer)
    assert "contacts/p1/us" in text_of(client.get(f"{base}/"))
    page = client.get(f"{base}/p1/cn")
    assert page.status_code == 200
    assert "Log the attempt" not in text_of(page)
    token = csrf_token(client, "/")
    before = _attempts(session)
    refused = client.post(f"{base}/p1/cn", data={"csrf_token": token, "outcome": "busy"})
    assert refused.status_code == 403
    assert _attempts(session) == before


def test_bad_input_is_shown_at_its_field_in_the_users_language_and_nothing_is_stored(
    client, session, field
):
    study, round_, owner = field
    path = f"/studies/{study.slug}/rounds/{round_.slug}/contacts/p4/us"
    login(client, owner.email)
    token = csrf_token(client, path)
    before = _attempts(session)
    form = {
        "csrf_token": token,
        "outcome": "appointment",
        "mode": "phone",
        "at": "2010-03-10T10:00",
    }
    skipped = client.post(
        path,
        data={**form, "callback": "2010-03-14T02:30", "zone": "America/New_York"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert skipped.status_code == 422
    page = text_of(skipped)
    assert "2010-03-14 02:30 在 America/New_York 不存在" in page
    assert 'id="callback-error"' in page
    missing = client.post(path, data={**form, "zone": "Asia/Shanghai"})
    assert "Give the agreed time of the callback or appointment." in text_of(missing)
    no_csrf = client.post(path, data={**form, "csrf_token": "", "zone": "UTC"})
    assert no_csrf.status_code in (400, 422)
    assert _attempts(session) == before


def test_the_round_page_reports_the_rates_per_side_and_mode(client, session, field):
    study, round_, owner = field
    login(client, owner.email)
    page = text_of(client.get(f"/studies/{study.slug}/rounds/{round_.slug}/"))
    assert "AAPOR outcome rates" in page
    assert "28.6%" in page  # RR1 = 2/7
    assert "71.4%" in page  # CON1 = 5/7
    assert "40.0%" in page  # COOP1 = 2/5
    assert "33.3%" in page  # the second side's RR1 = 1/3
    assert "RR1 = I / ((I + P) + (R + NC + O) + (UH + UO))" in page
    assert "contacts/" in page


def test_the_form_offers_the_respondents_zone_else_the_sides(client, session, field):
    from survey.studies.models import Pair, PairSide, Respondent, StudySide

    study, round_, owner = field
    base = f"/studies/{study.slug}/rounds/{round_.slug}/contacts"
    us = session.scalar(
        select(StudySide).where(StudySide.study_id == study.id, StudySide.code == "us")
    )
    us.timezone = "America/New_York"
    session.commit()
    login(client, owner.email)
    selected = '<option selected value="America/New_York">'
    assert selected in text_of(client.get(f"{base}/p4/us"))  # no attempt agreed a time yet
    person = session.scalar(
        select(Respondent)
        .join(PairSide, PairSide.id == Respondent.pair_side_id)
        .join(Pair, Pair.id == PairSide.pair_id)
        .where(Pair.study_id == study.id, Pair.code == "p4", PairSide.side_id == us.id)
    )
    person.timezone = "America/Chicago"
    session.commit()
    page = text_of(client.get(f"{base}/p4/us"))
    assert '<option selected value="America/Chicago">' in page
    assert selected not in page


def _order(page: str) -> list[str]:
    """The sides of the contacts table, in the order shown: "p3/cn", …"""
    import re

    return re.findall(r'href="/studies/[^"]+/contacts/(p\d/\w+)"', page)


def test_the_contacts_list_sorts_by_callback_last_attempt_and_outcome(client, session, field):
    study, round_, owner = field
    base = f"/studies/{study.slug}/rounds/{round_.slug}/contacts/"
    login(client, owner.email)
    # p3 cn has the only open agreed time; the others have none (last, in their table order)
    by_callback = _order(text_of(client.get(base)))
    assert by_callback[0] == "p3/cn"
    assert sorted(by_callback) == sorted(f"p{n}/{s}" for n in range(1, 5) for s in ("us", "cn"))
    assert _order(text_of(client.get(base + "?sort=callback&dir=desc")))[0] == "p3/cn"
    # the fixture logs each side's attempts an hour apart from T0: the most attempts, latest
    latest = _order(text_of(client.get(base + "?sort=last&dir=desc")))
    assert latest[:2] == ["p1/cn", "p2/cn"]  # three attempts each, the last at T0 + 2 h
    assert latest[-2:] == ["p1/us", "p2/us"]  # none: last
    earliest = _order(text_of(client.get(base + "?sort=last")))
    assert set(earliest[-2:]) == {"p1/us", "p2/us"}  # no attempt: last in either direction
    # by the last outcome in the documented order: no answer, busy, …, completed, ineligible
    outcomes = _order(text_of(client.get(base + "?sort=outcome")))
    assert outcomes[:6] == ["p2/cn", "p4/us", "p3/us", "p3/cn", "p4/cn", "p1/cn"]
    backwards = _order(text_of(client.get(base + "?sort=outcome&dir=desc")))
    assert backwards[:4] == ["p1/cn", "p4/cn", "p3/cn", "p3/us"]
    assert set(backwards[4:6]) == {"p2/cn", "p4/us"}  # both "no answer"
    assert set(backwards[6:]) == {"p1/us", "p2/us"}  # no attempt: last
    page = text_of(client.get(base + "?sort=outcome"))
    assert 'aria-sort="ascending"' in page


def test_the_contacts_list_is_paginated_and_an_interviewer_pages_through_their_own_only(
    client, session, field, make_user, monkeypatch
):
    from survey.fieldwork import views

    monkeypatch.setattr(views, "PER_PAGE", 3)
    study, round_, owner = field
    interviewer, _ = _people(session, study, make_user)
    base = f"/studies/{study.slug}/rounds/{round_.slug}/contacts/"
    login(client, owner.email)
    first, second, third = (text_of(client.get(base + f"?sort=last&page={n}")) for n in (1, 2, 3))
    assert "1–3 of 8 sides" in first
    assert "7–8 of 8 sides" in third
    shown = _order(first) + _order(second) + _order(third)
    assert len(shown) == len(set(shown)) == 8  # no side twice, none left out
    assert "page=2" in first  # the next page's link
    # a page past the end shows the last one
    assert _order(text_of(client.get(base + "?sort=last&page=99"))) == _order(third)
    client.get("/logout")
    login(client, interviewer)
    mine = text_of(client.get(base))
    assert "1–2 of 2 sides" in mine
    assert set(_order(mine)) == {"p3/us", "p3/cn"}
    assert "page=2" not in mine


def test_bad_paging_or_sorting_of_the_contacts_list_is_a_clear_400(client, session, field):
    study, round_, owner = field
    base = f"/studies/{study.slug}/rounds/{round_.slug}/contacts/"
    login(client, owner.email)
    for query in ("?sort=name", "?page=0", "?page=x", "?dir=sideways", "?sort=note"):
        assert client.get(base + query).status_code == 400, query
