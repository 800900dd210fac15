"""ACL-01: the role matrix, written out. Every study URL × {viewer, interviewer, researcher,
owner, an administrator who is no member}: the observed status matches the table below,
and a refused request writes nothing. Changing who may do what means changing this table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey.audit import AuditEntry
from survey.rounds import services as rounds
from survey.studies.models import PairSide, Respondent, StudySide
from survey.studies.pairs.members import assign_interviewer
from tests.fixtures.web import csrf_token, filled_path, login

MINI = Path(__file__).resolve().parent / "fixtures" / "questionnaires" / "mini.yaml"
RANK = {"viewer": 1, "interviewer": 2, "researcher": 3, "owner": 4, "admin": 4}

# endpoint: the least role that may use it (GET and POST alike)
MATRIX = {
    "studies.show": "viewer",
    "studies.members": "viewer",
    "studies.sides": "viewer",
    "studies.pairs_index": "viewer",
    "studies.pair_show": "viewer",
    "rounds.index": "viewer",
    "rounds.show": "viewer",
    "rounds.submissions_csv": "viewer",
    "comparison.dashboard": "viewer",
    "comparison.pair": "viewer",
    "comparison.next_open": "viewer",
    "comparison.report": "viewer",
    "comparison.report_csv": "viewer",
    "comparison.report_groups": "viewer",
    "comparison.report_groups_file": "viewer",
    "entry.enter": "interviewer",
    "fieldwork.contacts": "viewer",
    "fieldwork.side": "viewer",
    "fieldwork.log": "interviewer",
    "studies.audit_log": "researcher",
    "studies.member_add": "researcher",
    "studies.side_label_set": "researcher",
    "studies.side_label_remove": "researcher",
    "studies.member_remove": "researcher",
    "studies.member_role": "researcher",
    "studies.respondent_new": "researcher",
    "studies.respondent_edit": "researcher",
    "studies.pair_new": "researcher",
    "studies.pair_edit": "researcher",
    "studies.pair_assign": "researcher",
    "studies.pair_unassign": "researcher",
    "studies.pairs_export": "researcher",
    "studies.pairs_import": "researcher",
    "rounds.create": "researcher",
    "rounds.act": "researcher",
    "rounds.links_csv": "researcher",
    "rounds.texts_page": "researcher",
    "rounds.schedule_post": "researcher",
    "comparison.decide": "researcher",
    "comparison.followup": "researcher",
    "exports.export": "researcher",
    "studies.members_two_factor": "owner",
    "studies.member_identifiers": "owner",
    "privacy.respondent": "owner",
    "privacy.held": "owner",
    "privacy.erase": "owner",
    "privacy.study_settings": "owner",
    "api_tokens.index": "viewer",
    "api_tokens.create": "viewer",
    "api_tokens.revoke": "viewer",
}


# What the world below does not hold (no side has submitted, so there is no comparison to
# decide): an allowed role gets 404 there, a refused one still 403 before any lookup.
ABSENT = {"comparison.decide", "api_tokens.revoke"}  # and no API token to revoke


def study_rules(app):  # noqa: ANN001, ANN201
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/studies/<slug>")]


def test_the_matrix_names_every_study_url_with_its_declared_policy(app):
    declared = {
        rule.endpoint: app.view_functions[rule.endpoint]._policy.removeprefix("study:")
        for rule in study_rules(app)
    }
    assert declared == MATRIX


@pytest.fixture
def world(session, make_user, make_study, make_round):
    users = {role: make_user() for role in ("viewer", "interviewer", "researcher")}
    owner = make_user()
    admin = make_user(role="admin")
    study = make_study(owner=owner, members={user: role for role, user in users.items()})
    round_ = make_round(study, pairs=2, questionnaire=MINI)
    pair, unassigned = rounds.round_pairs(session, round_)
    assign_interviewer(session, study, pair, users["interviewer"].id)
    users.update(owner=owner, admin=admin)
    values = {
        "slug": study.slug,
        "round_slug": round_.slug,
        "code": pair.code,
        "pair_code": pair.code,
        "side_code": "us",
        "side": "us",
        "question": "sent",
        "user_id": str(users["viewer"].id),
        "respondent_id": str(
            session.scalar(
                select(Respondent.id)
                .join(PairSide, PairSide.id == Respondent.pair_side_id)
                .join(StudySide, StudySide.id == PairSide.side_id)
                .where(PairSide.pair_id == pair.id, StudySide.code == "us")
            )
        ),
        "action": "open",
        "unassigned": unassigned.code,
        "interviewer_id": str(users["interviewer"].id),
        "token_id": "1",
    }
    return users, values


def urls(app, values):  # noqa: ANN001, ANN201
    for rule in study_rules(app):
        filled = dict(values)
        if "/interviewers/" in rule.rule:  # an assigned interviewer's id; members: the viewer
            filled["user_id"] = values["interviewer_id"]
        path = filled_path(rule.rule, filled)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def audit_rows(session) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("role", ["viewer", "interviewer", "researcher", "owner", "admin"])
def test_each_role_gets_what_the_matrix_says(app, client, session, world, role):
    users, values = world
    login(client, users[role].email)
    token = csrf_token(client, "/")
    seen = 0
    for endpoint, method, path in urls(app, values):
        allowed = RANK[role] >= RANK[MATRIX[endpoint]]
        before = audit_rows(session)
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token})
        response.close()  # a download's file is closed with its response
        if allowed:
            refused = (403,) if endpoint in ABSENT else (403, 404)
            assert response.status_code not in refused, (role, method, path)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert audit_rows(session) == before, (role, method, path)
        seen += 1
    assert seen >= len(MATRIX)


def test_an_interviewer_enters_only_assigned_pairs(client, world):
    """ACL-05: the other pair of the same round is not the interviewer's to enter."""
    users, values = world
    login(client, users["interviewer"].email)
    base = f"/studies/{values['slug']}/rounds/{values['round_slug']}/entry"
    assert client.get(f"{base}/{values['code']}/us").status_code == 200
    assert client.get(f"{base}/{values['unassigned']}/us").status_code == 404
    token = csrf_token(client, "/")
    refused = client.post(f"{base}/{values['unassigned']}/us", data={"csrf_token": token})
    assert refused.status_code == 404
