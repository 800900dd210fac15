"""`survey followup create`: the owner-only partner answers on the command line (--by), the
round's dates (--opens/--closes, as for `survey round create`), on the web form too."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from survey.audit import AuditEntry
from survey.rounds.models import FollowupRound, Round
from survey.studies import services as studies
from survey.studies.models import Study
from tests.fixtures.followups import owner_of
from tests.fixtures.web import csrf_token, login, text_of


def _made(session, slug):
    return session.scalar(select(Round).where(Round.slug == slug))


def test_reveal_on_the_command_line_needs_an_owner_named_with_by(
    runner, session, make_user, answered
):
    round_, _ = answered
    study = session.get(Study, round_.study_id)
    researcher, stranger = make_user(), make_user()
    studies.add_member(session, study, researcher.email, "researcher")
    owner = owner_of(session, round_)
    (owner_id, owner_email), (researcher_id, researcher_email), stranger_email = (
        (owner.id, owner.email),
        (researcher.id, researcher.email),
        stranger.email,
    )  # the commands end the session: its objects are read before
    slug = round_.slug
    base = ["followup", "create", slug, "--reveal", "counterpart"]
    unnamed = runner.invoke(args=[*base, "--name", "Shown"])
    assert unnamed.exit_code != 0
    assert "--by" in unnamed.output
    by_researcher = runner.invoke(args=[*base, "--name", "Shown", "--by", researcher_email])
    assert by_researcher.exit_code == 1
    assert "Only an owner of the study" in by_researcher.output
    by_stranger = runner.invoke(args=[*base, "--name", "Shown", "--by", stranger_email])
    assert by_stranger.exit_code != 0
    assert "not a member" in by_stranger.output
    nobody = runner.invoke(args=[*base, "--name", "Shown", "--by", "nobody@example.org"])
    assert nobody.exit_code != 0
    assert _made(session, "shown") is None  # none of these created anything
    made = runner.invoke(args=[*base, "--name", "Shown", "--by", owner_email.upper()])
    assert made.exit_code == 0, made.output
    created = _made(session, "shown")
    assert session.get(FollowupRound, created.id).reveal == "counterpart"
    row = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "followup.create", AuditEntry.object_id == str(created.id)
        )
    ).one()
    assert row.actor_user_id == owner_id
    assert row.details["reveal"] == "counterpart"
    # Without reveal, --by is optional, and a researcher may be named as the one who asks.
    blind = runner.invoke(
        args=["followup", "create", slug, "--name", "Blind", "--by", researcher_email]
    )
    assert blind.exit_code == 0, blind.output
    row = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "followup.create",
            AuditEntry.object_id == str(_made(session, "blind").id),
        )
    ).one()
    assert row.actor_user_id == researcher_id


def test_opens_and_closes_as_for_round_create(runner, session, answered):
    round_, _ = answered
    made = runner.invoke(
        args=[
            "followup", "create", round_.slug, "--name", "Dated",
            "--opens", "2010-03-01T09:00", "--closes", "2010-03-31T17:00",
            "--timezone", "Asia/Shanghai",
        ]
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    dated = _made(session, "dated")
    assert dated.opens_at.astimezone(dt.UTC) == dt.datetime(2010, 3, 1, 1, 0, tzinfo=dt.UTC)
    assert dated.closes_at.astimezone(dt.UTC) == dt.datetime(2010, 3, 31, 9, 0, tzinfo=dt.UTC)
    assert dated.timezone == "Asia/Shanghai"
    listed = json.loads(runner.invoke(args=["round", "list", "--format", "json"]).output)
    assert any(r["slug"] == "dated" and r["opens_at"].startswith("2010-03-01") for r in listed)
    # Without --timezone the dates are in the original round's zone.
    plain = runner.invoke(
        args=["followup", "create", round_.slug, "--name", "Plain", "--opens", "2010-04-01"]
    )
    assert plain.exit_code == 0, plain.output
    zone = _made(session, "plain")
    assert zone.timezone == round_.timezone
    backwards = runner.invoke(
        args=[
            "followup", "create", round_.slug, "--name", "Backwards",
            "--opens", "2010-03-31", "--closes", "2010-03-01",
        ]
    )  # fmt: skip
    assert backwards.exit_code == 1
    assert "closing time must be after the opening time" in backwards.output
    garbled = runner.invoke(
        args=["followup", "create", round_.slug, "--name", "Garbled", "--opens", "March"]
    )
    assert garbled.exit_code != 0
    assert "'March'" in garbled.output
    assert _made(session, "backwards") is None
    assert _made(session, "garbled") is None


def test_the_web_form_takes_dates_in_a_time_zone(client, session, make_user, answered):
    round_, _ = answered
    study = session.get(Study, round_.study_id)
    researcher = make_user()
    studies.add_member(session, study, researcher.email, "researcher")
    login(client, researcher.email)
    base = f"/studies/{study.slug}/rounds/{round_.slug}/comparison/followup"
    page = text_of(client.get(base))
    assert "Time zone for the dates" in page
    token = csrf_token(client, base)
    form = {"csrf_token": token, "name": "Dated", "states": "open", "timezone": "Asia/Shanghai"}
    backwards = client.post(
        base, data={**form, "opens_at": "2010-03-31T09:00", "closes_at": "2010-03-01T09:00"}
    )
    assert backwards.status_code == 422
    assert "The closing time must be after the opening time." in text_of(backwards)
    assert _made(session, "dated") is None
    garbled = client.post(base, data={**form, "opens_at": "soon"})
    assert garbled.status_code == 422
    assert _made(session, "dated") is None
    made = client.post(
        base, data={**form, "opens_at": "2010-03-01T09:00", "closes_at": "2010-03-31T17:00"}
    )
    assert made.status_code == 302
    dated = _made(session, "dated")
    assert dated.opens_at.astimezone(dt.UTC) == dt.datetime(2010, 3, 1, 1, 0, tzinfo=dt.UTC)
    assert dated.closes_at.astimezone(dt.UTC) == dt.datetime(2010, 3, 31, 9, 0, tzinfo=dt.UTC)
    assert dated.timezone == "Asia/Shanghai"
