"""ACL matrix over every API route (issue 18): no token, a revoked or an expired token,
another study's token, a session cookie, and each scope with each role. Enumerated from
the URL map, so a new route is covered at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.accounts.authz import ROLE_RANK
from survey.api.tokens import GRANTS
from survey.comparison.models import Discrepancy
from tests.api.conftest import problem
from tests.fixtures.web import filled_path, login

PUBLIC = {"api.openapi", "api.docs"}
# What the issue and the pages ask of each kind of route, written out rather than read
# back from the views, so that a view declaring too little fails here.
EXPECTED = {
    "api.audit_log": ("read", "owner"),
    "api.links": ("links", "researcher"),
    "api.decide": ("write", "researcher"),
    "api.pairs_post": ("write", "researcher"),
    "api.round_post": ("write", "researcher"),
    "api.round_open": ("write", "researcher"),
    "api.round_close": ("write", "researcher"),
    "api.answers_post": ("write", "interviewer"),
    "api.answers_get": ("read", "interviewer"),
    "api.export": ("read", "researcher"),  # as the export page
}


def api_routes(app, world, session):
    discrepancy = session.scalar(
        select(Discrepancy.id).where(Discrepancy.round_id == world.round.id)
    )
    values = {
        "slug": world.slug,
        "round_slug": world.round_slug,
        "pair_code": world.pairs[0],
        "code": world.pairs[0],
        "side_code": "us",
        "discrepancy_id": discrepancy,
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            policy = app.view_functions[rule.endpoint]._policy
            _api, need, role = policy.split(":")
            yield rule.endpoint, method, filled_path(rule.rule, values), need, role


def _send(client, method, path, headers):
    response = client.open(
        path, method=method, json={} if method != "GET" else None, headers=headers
    )
    response.get_data()  # read, then closed: a download's file is closed with its response
    response.close()
    return response


def test_every_route_refuses_a_missing_revoked_expired_or_foreign_token(
    app, client, session, world
):
    routes = list(api_routes(app, world, session))
    assert len(routes) >= 19
    for endpoint, method, path, _need, _role in routes:
        assert problem(_send(client, method, path, {}))["status"] == 401, (endpoint, method)
        for name in ("revoked", "expired"):
            response = _send(client, method, path, world.headers(name))
            assert problem(response)["status"] == 401, (endpoint, name)
        response = _send(client, method, path, world.headers("other"))
        if "<slug>" in app.url_map._rules_by_endpoint[endpoint][0].rule:
            assert problem(response)["status"] == 404, (endpoint, "another study's token")
        else:  # the list of the token's studies: its own only
            listed = [study["slug"] for study in response.get_json()["items"]]
            assert listed == [world.other_slug]
        garbage = {"Authorization": "Bearer svy_" + "x" * 43}
        assert problem(_send(client, method, path, garbage))["status"] == 401


def test_a_signed_in_session_opens_no_route(app, client, session, world):
    login(client, world.users["owner"].email)
    for endpoint, method, path, _need, _role in api_routes(app, world, session):
        assert problem(_send(client, method, path, {}))["status"] == 401, endpoint


@pytest.mark.parametrize("role", ["viewer", "interviewer", "researcher", "owner"])
def test_each_scope_and_role(app, client, session, world, role):
    for endpoint, method, path, need, minimum in api_routes(app, world, session):
        assert (need, minimum) == EXPECTED.get(endpoint, ("read", "viewer")), endpoint
        for scope in ("read", "write", "links"):
            response = _send(client, method, path, world.headers(f"{role}:{scope}"))
            allowed = need in GRANTS[scope] and ROLE_RANK[role] >= ROLE_RANK[minimum]
            if allowed:
                assert response.status_code not in (401, 403, 404), (endpoint, role, scope)
                assert response.status_code < 500, (endpoint, response.data)
            else:
                body = problem(response)
                assert body["status"] == 403, (endpoint, role, scope, body)
                assert body["code"] == ("scope" if need not in GRANTS[scope] else "role")
