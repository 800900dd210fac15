"""Paradata (issue 19): visits, the time on each page measured on the server, language switches,
how answers were entered; the export layout and its codebook; the round page's completion time.

Times are moved with time-machine between drawing a page and posting it; the page's `_since`
field is the only source of when it was shown, so a tampered, foreign, future or missing
field writes nothing, and an old one counts at most the idle limit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess

import pytest
import time_machine
from sqlalchemy import select

from survey.exports import services as exports
from survey.responding import paradata
from survey.rounds.paradata import IDLE_LIMIT, ParadataPage, ParadataVisit
from tests.fixtures.web import login, text_of
from tests.responding.test_flow import browser_fields, link_path, location, make_mini

T0 = dt.datetime(2027, 3, 15, 9, 0, tzinfo=dt.UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def mini(session, make_round):
    return make_mini(session, make_round)


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (FIREFOX, "desktop"),
        (IPHONE, "mobile"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36",
            "mobile",
        ),
        ("Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 Safari/537.36", "tablet"),
        ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15", "tablet"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot"),
        ("python-requests/2.32", "bot"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_the_device_class_of_a_user_agent(agent, device):
    assert paradata.device_class(agent) == device


def _pages(session) -> list[ParadataPage]:  # noqa: ANN001
    session.expire_all()
    return list(session.scalars(select(ParadataPage).order_by(ParadataPage.id)))


def _post(client, path: str, fields, **changes):  # noqa: ANN001, ANN202
    data = fields.copy()
    for key, value in changes.items():
        data[key] = value
    return client.post(path, data=data)


def test_time_on_each_page_is_measured_on_the_server_and_capped(client, session, mini):
    _, us, _, _ = mini
    with time_machine.travel(T0, tick=False) as clock:
        client.get(link_path(us), headers={"User-Agent": IPHONE})
        welcome = browser_fields(text_of(client.get("/respond/welcome")))
        clock.shift(12)
        started = _post(client, "/respond/welcome", welcome, _nav="start")
        first = location(started)
        assert first == "/respond/p/basics"
        fields = browser_fields(text_of(client.get(first)))
        assert fields["_since"]
        clock.shift(42.4)
        answers = {"established": "1985", "training": "no", "_nav": "next"}
        assert location(_post(client, first, fields, **answers)) == "/respond/p/exchanges"
        second = browser_fields(text_of(client.get("/respond/p/exchanges")))
        clock.shift(3 * 3600)  # left open over lunch: counts as the idle limit
        _post(client, "/respond/p/exchanges", second, sent="3", _nav="next")

    visit = session.scalar(select(ParadataVisit))
    assert (visit.invitation_id, visit.device, visit.language) == (us.id, "mobile", "en")
    assert visit.started_at == T0
    rows = _pages(session)
    assert [(r.section, r.event, r.seconds) for r in rows] == [
        ("welcome", "page", 12.0),
        ("basics", "page", 42.4),
        ("exchanges", "page", IDLE_LIMIT),
    ]
    assert all(r.visit_id == visit.id and r.language == "en" for r in rows)
    assert rows[1].shown_at == T0 + dt.timedelta(seconds=12)
    assert rows[1].saved_at == T0 + dt.timedelta(seconds=54.4)


def test_the_review_and_thanks_pages_are_timed_and_autosaves_counted(client, session, mini):
    from survey.rounds.models import Round
    from survey.rounds.paradata import completion_seconds
    from tests.responding.test_flow import autosave

    round_, us, _, _ = mini
    with time_machine.travel(T0, tick=False) as clock:
        client.get(link_path(us), headers={"User-Agent": FIREFOX})
        welcome = browser_fields(text_of(client.get("/respond/welcome")))
        _post(client, "/respond/welcome", welcome, _nav="start")
        fields = browser_fields(text_of(client.get("/respond/p/basics")))
        clock.shift(5)
        fields.setlist("established", ["1985"])
        assert autosave(client, "basics", fields, Origin="http://localhost").status_code == 200
        clock.shift(5)
        fields.setlist("training", ["no"])
        assert autosave(client, "basics", fields, Origin="http://localhost").status_code == 200
        clock.shift(10)
        _post(client, "/respond/p/basics", fields, _nav="next")
        second = browser_fields(text_of(client.get("/respond/p/exchanges")))
        assert location(_post(client, "/respond/p/exchanges", second, _nav="next")) == (
            "/respond/review"
        )
        review = browser_fields(text_of(client.get("/respond/review")))
        assert review["_since"]
        clock.shift(33.3)
        assert location(_post(client, "/respond/review", review, _nav="submit")) == (
            "/respond/thanks"
        )
        thanks = browser_fields(text_of(client.get("/respond/thanks")))
        assert thanks["_since"]
        clock.shift(7)
        _post(client, "/respond/thanks", thanks, _lang="zh_Hant")
    rows = [(r.section, r.event, r.seconds, r.switched_to) for r in _pages(session)]
    assert rows == [
        ("welcome", "page", 0.0, None),
        ("basics", "autosave", 0.0, None),
        ("basics", "autosave", 0.0, None),
        ("basics", "page", 20.0, None),  # from drawing to saving, the autosaves not counted
        ("exchanges", "page", 0.0, None),
        ("review", "page", 33.3, None),
        ("thanks", "language", 7.0, "zh-Hant"),
    ]
    # the completion time: every timed page, autosaves adding nothing
    assert sorted(completion_seconds(session, session.get(Round, round_.id)).values()) == [[60.3]]
    target = io.StringIO()
    exports.write(
        session, session.get(Round, round_.id), exports.ExportRequest(layout="paradata"), target
    )
    by = {r["section"]: r for r in csv.DictReader(io.StringIO(target.getvalue()))}
    assert list(by) == ["welcome", "basics", "exchanges", "review", "thanks"]
    assert (by["basics"]["saves"], by["basics"]["autosaves"], by["basics"]["seconds"]) == (
        "1",
        "2",
        "20",
    )
    assert by["basics"]["first_shown"].startswith("2027-03-15")
    assert (by["review"]["seconds"], by["review"]["saves"], by["review"]["position"]) == (
        "33.3",
        "1",
        "3",
    )
    assert (by["thanks"]["language_switches"], by["thanks"]["position"]) == ("1", "4")


def test_a_tampered_since_field_on_the_review_page_writes_no_time(client, session, mini):
    _, us, _, _ = mini
    client.get(link_path(us))
    _post(client, "/respond/welcome", browser_fields(text_of(client.get("/respond/welcome"))),
          _nav="start")  # fmt: skip
    basics = browser_fields(text_of(client.get("/respond/p/basics")))
    _post(client, "/respond/p/basics", basics, established="1985", training="no", _nav="next")
    exchanges = browser_fields(text_of(client.get("/respond/p/exchanges")))
    _post(client, "/respond/p/exchanges", exchanges, _nav="next")
    review = browser_fields(text_of(client.get("/respond/review")))
    review["_since"] = review["_since"][:-2] + "xx"
    assert location(_post(client, "/respond/review", review, _nav="submit")) == "/respond/thanks"
    assert [r.section for r in _pages(session)] == ["welcome", "basics", "exchanges"]


def test_a_tampered_foreign_future_or_missing_since_field_writes_nothing(client, session, mini):
    _, us, cn, _ = mini
    with time_machine.travel(T0, tick=False) as clock:
        client.get(link_path(cn))
        foreign = browser_fields(text_of(client.get("/respond/welcome")))["_since"]
        client.get(link_path(us))
        welcome = browser_fields(text_of(client.get("/respond/welcome")))
        _post(client, "/respond/welcome", welcome, _nav="start")
        fields = browser_fields(text_of(client.get("/respond/p/basics")))
        token = fields["_since"]
        owner, millis, rest = token.split(".", 2)
        earlier = str(int(millis) - 600_000)  # "shown ten minutes earlier": the HMAC fails
        other_section = paradata_token(client, us.id, "exchanges")
        with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
            future = paradata_token(client, us.id, "basics")
        clock.shift(5)
        before = len(_pages(session))
        for bad in (f"{owner}.{earlier}.{rest}", foreign, other_section, future, "", "x" * 400):
            response = _post(client, "/respond/p/basics", fields, _since=bad, _nav="")
            assert response.status_code in (200, 303), bad
        del fields["_since"]
        _post(client, "/respond/p/basics", fields, _nav="")
    assert len(_pages(session)) == before  # answers were saved, no time was made up


def paradata_token(client, invitation_id: int, section: str) -> str:  # noqa: ANN001
    """A valid token for a page drawn at the (frozen) time now."""
    with client.application.test_request_context():
        return paradata.shown_token(invitation_id, section)


def test_a_language_switch_is_recorded_with_the_time_on_the_page(client, session, mini):
    _, us, _, _ = mini
    with time_machine.travel(T0, tick=False) as clock:
        client.get(link_path(us))
        welcome = browser_fields(text_of(client.get("/respond/welcome")))
        clock.shift(4)
        _post(client, "/respond/welcome", welcome, _lang="zh_Hant", _nav="")
        welcome = browser_fields(text_of(client.get("/respond/welcome")))
        _post(client, "/respond/welcome", welcome, _nav="start")
        fields = browser_fields(text_of(client.get("/respond/p/basics")))
        clock.shift(7)
        _post(client, "/respond/p/basics", fields, _lang="zh_Hans", _nav="")
    rows = _pages(session)
    assert [(r.section, r.event, r.language, r.switched_to, r.seconds) for r in rows] == [
        ("welcome", "language", "en", "zh-Hant", 4),
        ("welcome", "page", "zh-Hant", None, 0),
        ("basics", "language", "zh-Hant", "zh-Hans", 7),
    ]


def test_the_paradata_export_and_its_codebook(client, session, mini, make_user):
    from survey.responding import services as answers
    from survey.rounds.models import Round

    round_, us, cn, q = mini
    with time_machine.travel(T0, tick=False) as clock:
        client.get(link_path(us), headers={"User-Agent": FIREFOX})
        welcome = browser_fields(text_of(client.get("/respond/welcome")))
        _post(client, "/respond/welcome", welcome, _nav="start")
        fields = browser_fields(text_of(client.get("/respond/p/basics")))
        clock.shift(65)
        _post(client, "/respond/p/basics", fields, established="1985", training="no", _nav="next")
    interviewer = make_user()
    answers.record_answers(
        session,
        cn,
        q,
        {"established": "1986", "training": "yes"},
        actor=answers.Actor(source="interviewer", mode="phone", user=interviewer),
    )
    session.commit()
    target = io.StringIO()
    result = exports.write(
        session, session.get(Round, round_.id), exports.ExportRequest(layout="paradata"), target
    )
    rows = list(csv.DictReader(io.StringIO(target.getvalue())))
    assert result.rows == len(rows) == 3
    by = {(r["side"], r["section"]): r for r in rows}
    assert set(by) == {("us", "welcome"), ("us", "basics"), ("cn", "basics")}
    basics = by["us", "basics"]
    assert (basics["seconds"], basics["saves"], basics["answers"]) == ("65", "1", "2")
    assert (basics["answer_modes"], basics["devices"], basics["visits"]) == ("web", "desktop", "1")
    assert basics["total_seconds"] == "65"
    phone = by["cn", "basics"]
    assert (phone["seconds"], phone["visits"], phone["answer_modes"]) == ("0", "0", "interviewer")
    assert "respondent" not in rows[0]  # pair and side name the row, never the person
    book = io.StringIO()
    exports.write_codebook(
        session,
        session.get(Round, round_.id),
        "csv",
        book,
        exports.ExportRequest(layout="paradata"),
    )
    assert "capped at 30 minutes" in book.getvalue()
    for fmt in ("xlsx", "json", "sav", "dta"):
        exports.write(session, session.get(Round, round_.id),
                      exports.ExportRequest(layout="paradata", fmt=fmt), io.BytesIO())  # fmt: skip


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R not installed (r-base-core)")
def test_the_rds_paradata_export_is_read_back_by_r(client, session, mini, tmp_path):
    from survey.rounds.models import Round

    round_, us, _, _ = mini
    with time_machine.travel(T0, tick=False) as clock:
        client.get(link_path(us), headers={"User-Agent": IPHONE})
        welcome = browser_fields(text_of(client.get("/respond/welcome")))
        clock.shift(12.5)
        _post(client, "/respond/welcome", welcome, _nav="start")
        fields = browser_fields(text_of(client.get("/respond/p/basics")))
        clock.shift(65)
        _post(client, "/respond/p/basics", fields, established="1985", training="no", _nav="next")
    path = tmp_path / "paradata.rds"
    with path.open("wb") as target:
        exports.write(
            session,
            session.get(Round, round_.id),
            exports.ExportRequest(layout="paradata", fmt="rds", lang="zh-Hans"),
            target,
        )
    script = f"""
    all <- readRDS("{path}")
    stopifnot(is.data.frame(all))
    stopifnot(identical(attr(all$seconds, "label"), "{_label("seconds")}"))
    x <- all[all$side == "us", ]
    stopifnot(nrow(x) == 2L)
    stopifnot(is.numeric(x$seconds), is.numeric(x$saves))
    b <- x[x$section == "basics", ]
    stopifnot(b$seconds == 65, b$saves == 1, b$devices == "mobile", b$visits == 1)
    stopifnot(x[x$section == "welcome", "seconds"] == 12.5)
    stopifnot(inherits(b$last_saved, "POSIXct"), attr(b$last_saved, "tzone") == "UTC")
    stopifnot(format(b$last_saved, "%Y-%m-%dT%H:%M:%S") == "2027-03-15T09:01:17")
    cat("ok")
    """
    result = subprocess.run(
        ["Rscript", "-e", script], capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    )  # fmt: skip
    assert result.stdout.endswith("ok"), result.stderr


def _label(name: str) -> str:
    from survey.exports.paradata import COLUMNS

    return next(text["zh-Hans"] for column, _, text in COLUMNS if column == name)


def test_the_round_page_shows_the_median_completion_time(client, session, mini, make_user):
    round_, us, cn, _ = mini
    for invitation, minutes in ((us, [4, 9]), (cn, [30])):
        invitation.state = "submitted"
        for n, spent in enumerate(minutes):
            session.add(
                ParadataPage(
                    invitation_id=invitation.id,
                    section=f"s{n}",
                    event="page",
                    shown_at=T0,
                    saved_at=T0 + dt.timedelta(minutes=spent),
                    seconds=spent * 60,
                    language="en",
                )
            )
    session.commit()
    owner = make_user()
    from survey.studies import services as studies
    from survey.studies.models import Study

    study = session.get(Study, round_.study_id)
    studies.add_member(session, study, owner.email, "researcher")
    session.commit()
    login(client, owner.email)
    page = text_of(client.get(f"/studies/{study.slug}/rounds/{round_.slug}/"))
    assert "Completion time" in page
    assert "median 13.0 minutes (1 submitted on the web)" in page
    assert "median 30.0 minutes (1 submitted on the web)" in page
    assert 'id="completion-us-title"' in page
