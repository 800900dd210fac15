"""The respondent flow under attack: hostile links, guessing, leaks, cross-side access, CSRF."""

from __future__ import annotations

import logging
import time

import pytest
import time_machine
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event, func, select

from survey.audit import AuditEntry
from survey.db import db
from survey.responding import REDACTED, TokenRedactingFilter, redact
from survey.responding import services as answers
from survey.responding.models import Answer
from survey.rounds import links
from tests.fixtures.web import login, text_of
from tests.responding.test_flow import (
    autosave,
    browser_fields,
    finish,
    link_path,
    location,
    make_mini,
    reload,
    start,
    stored,
    submit_page,
)


@pytest.fixture
def mini(session, make_round):
    """The mini questionnaire's round: (round, US invitation, CN invitation, model)."""
    return make_mini(session, make_round)


HOSTILE = [
    "1'; SELECT pg_sleep(5)--",
    "' OR '1'='1",
    "A" * 10_000,
    "abc\x00def" * 5,
    "\u202eevil\u202dtoken-looking-value-1234567890",
    "ｔｏｋｅｎ" * 10,
    "..%2f..%2fadmin",
    "%252e%252e/admin",
    "A" * 43,  # well formed, unknown
]


def token_of(invitation) -> str:
    return link_path(invitation).removeprefix("/r/")


def cookie_payload(app, client) -> dict:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(cookie.value) if cookie else {}


# ---------------------------------------------------------------------------- hostile links


def test_hostile_tokens_get_the_generic_page_by_the_same_work(client, mini, app, monkeypatch):
    """Every hostile link is answered by the very same statements, and none carries the token.

    This holds what "about constant time" means without a stopwatch (a timed assertion
    fails on a loaded machine and proves nothing on an idle one): the token is hashed
    before anything reaches the database (a malformed one never reaches it), so its
    content can change neither which statements run nor what they are given, and nothing
    can make the database wait.
    """
    monkeypatch.setitem(app.config, "TOKEN_IP_LIMIT", 1000)
    reference_token = "B" * 43
    reference_page = text_of(client.get("/r/" + reference_token))
    executed: list[tuple[str, str]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):  # noqa: ANN001
        executed.append((statement, repr(parameters)))

    def work_for(token: str) -> list[str]:
        executed.clear()
        response = client.get("/r/" + token)
        assert response.status_code == 404, token
        assert text_of(response) == reference_page
        assert "SQL" not in text_of(response)
        assert "Traceback" not in text_of(response)
        for statement, parameters in executed:
            assert "pg_sleep" not in statement
            assert token not in parameters, (token, statement)
            assert token not in statement, (token, statement)
        # the test's own savepoints (numbered per request) are the harness, not the work
        return [statement for statement, _ in executed if "SAVEPOINT" not in statement]

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        reference_work = work_for(reference_token)
        assert reference_work, "the unknown link was looked up in the database"
        for token in HOSTILE:
            # a malformed token is turned away before the database; a well-formed one
            # is looked up exactly as the reference is
            expected = reference_work if links.plausible(token) else []
            assert work_for(token) == expected, token
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_generic_page_speaks_all_three_languages(client, mini):
    page = text_of(client.get("/r/" + "C" * 43, headers={"Accept-Language": "zh-TW"}))
    assert '<html lang="zh-Hant">' in page
    for tag in ("en", "zh-Hans", "zh-Hant"):
        assert f'lang="{tag}"' in page
    assert "This link does not work" in page


def test_post_to_a_link_changes_nothing_and_echoes_nothing(client, session, mini):
    _, us, _, _ = mini
    response = client.post(link_path(us))
    assert response.status_code == 405
    assert token_of(us) not in text_of(response)
    assert reload(session, us).state == "pending"


# ---------------------------------------------------------------------------- throttle


@pytest.fixture
def tight_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_IP_LIMIT", 3)
    monkeypatch.setitem(app.config, "TOKEN_IP_WINDOW_SECONDS", 600)


def test_guessing_is_throttled_and_a_valid_link_does_not_reset_it(
    client, session, mini, tight_limit
):
    _, us, _, _ = mini
    valid = link_path(us)  # (a request's rollback expires the test's objects)
    began = time.time()
    for number in range(3):
        assert client.get(f"/r/{'D' * 40}{number:03d}").status_code == 404
    blocked = client.get("/r/" + "E" * 43)
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 600
    assert "Too many" in text_of(blocked)
    assert client.get(valid).status_code == 429  # even a valid link waits
    other = client.get("/r/" + "F" * 43, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 404  # counted per address
    # The window began with the first failure; neither the blocked tries nor the
    # valid link moved it on or reset it.
    with time_machine.travel(began + 590, tick=False):
        assert client.get(valid).status_code == 429
    with time_machine.travel(began + 601, tick=False):
        assert client.get(valid).status_code == 303


def test_valid_links_are_not_counted(client, session, mini, tight_limit):
    _, us, cn, _ = mini
    for _ in range(5):
        assert client.get(link_path(us)).status_code == 303
    statuses = [client.get(f"/r/{'H' * 40}{n:03d}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]  # only the three failures counted


def test_link_throttle_is_separate_from_the_login_throttle(
    client, app, session, mini, make_user, tight_limit, monkeypatch
):
    email = make_user().email
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", 2)
    for _ in range(4):
        client.get("/r/" + "G" * 43)
    assert client.get("/r/" + "G" * 43).status_code == 429
    response = login(client, email)
    assert response.status_code == 302  # signing in is not blocked by link guessing


def test_autosaves_are_throttled_per_invitation(client, app, session, mini, monkeypatch):
    """Past AUTOSAVE_LIMIT a minute, an autosave waits (429 with Retry-After), FAULT-06."""
    monkeypatch.setitem(app.config, "AUTOSAVE_LIMIT", 2)
    _, us, cn, _ = mini
    fields = browser_fields(text_of(client.get(start(client, us))))
    for year in ("1990", "1991"):
        fields.setlist("established", [year])
        response = autosave(client, "basics", fields)
        assert response.status_code == 200
        fields.setlist("_v.established", [str(response.get_json()["versions"]["established"])])
    fields.setlist("established", ["1992"])
    busy = autosave(client, "basics", fields)
    assert busy.status_code == 429
    assert 0 < int(busy.headers["Retry-After"]) <= 60
    assert stored(session, us) == {"established": 1991}
    other = app.test_client()  # the other side's respondent is not held up
    other_fields = browser_fields(text_of(other.get(start(other, cn))))
    other_fields.setlist("established", ["1980"])
    assert autosave(other, "basics", other_fields).status_code == 200


# ---------------------------------------------------------------------------- the token never leaks


def test_token_appears_nowhere_after_the_exchange(client, app, session, mini):
    _, us, _, _ = mini
    token = token_of(us)
    response = client.get(link_path(us))
    assert token not in location(response)
    assert all(token not in value for _, value in response.headers.items())
    payload = cookie_payload(app, client)
    assert token not in str(payload)
    assert set(payload["respondent"]) == {"i", "h", "l", "v"}  # v: the paradata visit's id
    assert isinstance(payload["respondent"]["v"], int)
    assert payload["respondent"]["h"] == links.token_hash(token)[:16]
    first = start(client, us)
    for path in ("/respond/welcome", first):
        page = client.get(path)
        assert token not in text_of(page)
        assert all(token not in value for _, value in page.headers.items())
    entries = session.scalars(select(AuditEntry)).all()
    assert all(token not in str(entry.details) for entry in entries)


def test_log_filter_redacts_link_paths():
    line = f'127.0.0.1 - - "GET /r/{"t" * 43}?x=1 HTTP/1.1" 303 -'
    assert "t" * 43 not in redact(line)
    assert REDACTED in redact(line)
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /r/secret-token HTTP/1.1", 303),
        None,
    )
    TokenRedactingFilter().filter(record)
    assert "secret-token" not in record.getMessage()


def test_factory_installs_the_redacting_filter(app):
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        assert any(isinstance(f, TokenRedactingFilter) for f in logger.filters), name


def test_app_log_never_carries_the_token(client, mini, caplog):
    _, us, _, _ = mini
    with caplog.at_level(logging.DEBUG):
        client.get(link_path(us))
        client.get("/r/" + "H" * 43)
    assert token_of(us) not in caplog.text
    assert "H" * 43 not in caplog.text


# ---------------------------------------------------------------------------- scope (TOK-04)


def test_one_side_never_sees_or_touches_the_other_side(client, session, mini):
    _, us, cn, q = mini
    secret = "SECRET-OF-THE-CHINESE-SIDE"
    answers.record_answers(
        session, cn, q, {"established": "1979", "training": "yes", "comment": secret}
    )
    finish(client, us)
    for path in (
        "/respond/welcome",
        "/respond/p/basics",
        "/respond/p/exchanges",
        "/respond/review",
    ):
        page = text_of(client.get(path))
        assert secret not in page, path
        assert "1979" not in page, path
    before = stored(session, cn)
    fields = browser_fields(text_of(client.get("/respond/p/exchanges")))
    fields.update({"comment": "mine", "side": "cn", "invitation_id": str(cn.id), "_nav": "next"})
    assert client.post("/respond/p/exchanges", data=fields).status_code == 400  # ids: refused
    for name in ("side", "invitation_id"):
        fields.pop(name)
    assert location(client.post("/respond/p/exchanges", data=fields)) == "/respond/review"
    assert stored(session, cn) == before
    assert stored(session, us)["comment"] == "mine"


def test_another_questionnaires_fields_are_refused_with_nothing_written(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    response = submit_page(client, first, {"established": "1985", "delegations_sent": "4"})
    assert response.status_code == 400
    assert "delegations_sent" in text_of(response)
    assert stored(session, us) == {}
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "answer.refused")).one()
    assert entry.details == {"unknown_questions": ["delegations_sent"]}
    assert entry.actor_invitation_id == us.id


def test_answers_of_other_pages_posted_here_are_ignored(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    submit_page(client, first, {"established": "1985", "training": "no", "sent": "9"})
    assert "sent" not in stored(session, us)


def test_a_reissued_link_ends_old_sessions(client, session, mini):
    from survey.rounds import services as rounds

    _, us, _, _ = mini
    old = link_path(us)
    start(client, us)
    rounds.reissue_link(session, reload(session, us))
    assert client.get("/respond/p/basics").status_code == 403
    assert client.get(old).status_code == 404


# ---------------------------------------------------------------- CSRF on autosave (CSRF-03)


def _page_fields(client, mini_):
    _, us, _, _ = mini_
    first = start(client, us)
    fields = browser_fields(text_of(client.get(first)))
    fields.setlist("established", ["1999"])
    return us, fields


def test_autosave_without_the_csrf_header_is_refused(client, session, mini):
    us, fields = _page_fields(client, mini)
    body = {"section": "basics", "fields": [["established", "1999"], ["_v.established", "0"]]}
    response = client.post("/respond/autosave", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf"
    response = client.post("/respond/autosave", json=body, headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert stored(session, us) == {}


def test_autosave_from_another_origin_is_refused(client, session, mini):
    us, fields = _page_fields(client, mini)
    assert autosave(client, "basics", fields, Origin="https://evil.example").status_code == 403
    assert autosave(client, "basics", fields, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert stored(session, us) == {}


def test_autosave_needs_a_json_body(client, session, mini):
    us, fields = _page_fields(client, mini)
    response = client.post(
        "/respond/autosave",
        data='{"section": "basics", "fields": [["established", "1999"]]}',
        headers={"Content-Type": "text/plain", "X-CSRFToken": fields["csrf_token"]},
    )
    assert response.status_code == 415
    assert stored(session, us) == {}


def test_autosave_refuses_unknown_questions_and_other_pages(client, session, mini):
    us, fields = _page_fields(client, mini)
    fields.setlist("delegations_sent", ["3"])
    assert autosave(client, "basics", fields).status_code == 400
    fields.poplist("delegations_sent")
    body_for_missing_page = autosave(client, "no-such-page", fields)
    assert body_for_missing_page.status_code == 400
    assert stored(session, us) == {}


def test_page_post_with_another_sessions_token_is_not_saved(client, app, session, mini):
    _, us, cn, _ = mini
    other = app.test_client()
    other.get(link_path(cn))
    foreign = browser_fields(text_of(other.get("/respond/welcome")))["csrf_token"]
    first = start(client, us)
    response = submit_page(client, first, {"established": "1985"}, csrf_token=foreign)
    assert response.status_code == 200
    assert "please press the button again" in text_of(response)
    assert stored(session, us) == {}


def test_submitted_invitation_refuses_autosave(client, session, mini):
    _, us, _, _ = mini
    finish(client, us)
    fields = browser_fields(text_of(client.get("/respond/review")))
    submit_page(client, "/respond/review", nav="submit")
    response = client.post(
        "/respond/autosave",
        json={"section": "basics", "fields": [["established", "2001"]]},
        headers={"X-CSRFToken": fields["csrf_token"]},
    )
    assert response.status_code == 409
    rows = select(func.count()).select_from(Answer).where(Answer.invitation_id == us.id)
    assert session.scalar(rows) == 5


# ---------------------------------------------------------------- CSRF over HTTPS: the Referer

HTTPS = {"environ_overrides": {"wsgi.url_scheme": "https"}}


def test_over_https_a_page_post_needs_our_own_page_as_referer(client, session, mini):
    """Flask-WTF's strict Referer check holds for respondent pages too, as for every form.

    A valid token is not enough over HTTPS: the post must say it came from this host.
    A refused post is drawn again with what was typed (CSRF-02), nothing saved.
    """
    _, us, _, _ = mini
    first = start(client, us)
    fields = browser_fields(text_of(client.get(first, **HTTPS)))
    fields.setlist("established", ["1985"])
    fields["_nav"] = "stay"
    for referer in (None, "https://evil.example" + first, "http://localhost" + first):
        headers = {"Referer": referer} if referer else {}
        refused = client.post(first, data=fields, headers=headers, **HTTPS)
        assert refused.status_code == 200, referer
        assert "please press the button again" in text_of(refused)
        assert 'value="1985"' in text_of(refused)
        assert stored(session, us) == {}
    saved = client.post(
        first, data=fields, headers={"Referer": "https://localhost" + first}, **HTTPS
    )
    assert saved.status_code == 303
    assert stored(session, us) == {"established": 1985}


def test_over_https_an_autosave_needs_our_own_page_as_referer(client, session, mini):
    us, fields = _page_fields(client, mini)
    token = fields["csrf_token"]
    body = {
        "section": "basics",
        "fields": [[k, v] for k, v in fields.items(multi=True) if k not in ("csrf_token", "_nav")],
    }
    refused = client.post("/respond/autosave", json=body, headers={"X-CSRFToken": token}, **HTTPS)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "csrf"
    assert stored(session, us) == {}
    headers = {"X-CSRFToken": token, "Referer": "https://localhost/respond/p/basics"}
    saved = client.post("/respond/autosave", json=body, headers=headers, **HTTPS)
    assert saved.status_code == 200
    assert stored(session, us) == {"established": 1999}


# ---------------------------------------------------------------- CSRF on every respondent form


@pytest.mark.parametrize(
    ("path", "nav"),
    [("/respond/welcome", "start"), ("/respond/decline", "decline"), ("/respond/review", "submit")],
)
def test_every_respondent_form_checks_csrf(client, session, mini, path, nav):
    _, us, _, _ = mini
    if path == "/respond/review":
        finish(client, us)
    else:
        client.get(link_path(us))
    state = reload(session, us).state
    response = client.post(path, data={"_nav": nav, "csrf_token": "forged"})
    assert response.status_code == 200
    assert "please press the button again" in text_of(response)
    invitation = reload(session, us)
    assert invitation.state == state
    assert invitation.current_section != "basics" or path != "/respond/welcome"


def test_submit_refused_when_an_answer_went_missing(client, session, mini, make_user):
    _, us, _, q = mini
    finish(client, us)
    answers.record_answers(
        session,
        reload(session, us),
        q,
        {"training": None},
        actor=answers.Actor("interviewer", make_user()),
    )
    response = submit_page(client, "/respond/review", nav="submit")
    assert response.status_code == 200
    page = text_of(response)
    assert 'id="error-summary"' in page
    assert "Please answer this question." in page
    assert reload(session, us).state != "submitted"


def test_another_site_cannot_plant_input_for_a_later_visit(client, session, mini):
    _, us, _, _ = mini
    start(client, us)
    with client.session_transaction() as cookie:
        cookie.pop("respondent")
    planted = {"established": "1999", "training": "yes", "_v.established": "0", "_v.training": "0"}
    response = client.post(
        "/respond/p/basics", data=planted, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    client.get(link_path(us))
    assert 'value="1999"' not in text_of(client.get("/respond/p/basics"))
