"""Authorisation: every route declares a policy, and studies are closed to non-members."""

from __future__ import annotations

import pytest

from survey.accounts.authz import ROLE_RANK
from tests.fixtures.web import login

PUBLIC = {"accounts.login", "web.switch_language", "web.health", "static"}
# The second step of a sign-in: each serves only a session whose password was right
# (`accounts.signin.held`), else sends the visitor back to the login page or 404s.
PUBLIC |= {"accounts.login_code", "accounts.login_enrol", "accounts.two_factor_qr"}
# A forgotten password: asking answers the same for every address; the link is hashed.
PUBLIC |= {"accounts.forgot", "accounts.reset_link", "accounts.reset_password"}
PUBLIC |= {"api.openapi", "api.docs"}  # the API's description and its reference page


def test_every_route_declares_a_policy(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and getattr(app.view_functions[rule.endpoint], "_policy", None) is None
    ]
    assert undeclared == []


def test_only_the_known_routes_are_public(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "_policy", None) == "public"
    }
    assert public <= PUBLIC | _respondent_public(app)


def _respondent_public(app) -> set[str]:
    return {e for e in app.view_functions if e.startswith("responding.")}


def test_an_undeclared_route_is_denied(fresh_app):
    fresh_app.add_url_rule("/undeclared-test-route", "undeclared_test", lambda: "secret")
    response = fresh_app.test_client().get("/undeclared-test-route")
    assert response.status_code == 404
    assert "secret" not in response.get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_login(client, make_study):
    study = make_study()
    response = client.get(f"/studies/{study.slug}/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_member_of_another_study_gets_404(client, make_user, make_study):
    outsider = make_user()
    make_study(owner=outsider)
    target = make_study()
    login(client, outsider.email)
    assert client.get(f"/studies/{target.slug}/").status_code == 404
    assert client.get("/studies/no-such-study/").status_code == 404


@pytest.mark.parametrize("role", sorted(ROLE_RANK))
def test_every_member_role_may_view_the_study(client, make_user, make_study, role):
    member = make_user()
    study = make_study(
        members={member: role} if role != "owner" else None,
        owner=member if role == "owner" else None,
    )
    login(client, member.email)
    response = client.get(f"/studies/{study.slug}/")
    assert response.status_code == 200
    assert f"{study.sides[0].label['en']} (English)" in response.get_data(as_text=True)


def test_admin_sees_every_study(client, make_user, make_study):
    admin = make_user(role="admin")
    study = make_study()
    login(client, admin.email)
    assert client.get(f"/studies/{study.slug}/").status_code == 200


def test_role_removal_applies_on_the_next_request(client, make_user, make_study, session):
    from sqlalchemy import delete

    from survey.studies.models import Membership

    member = make_user()
    study = make_study(members={member: "viewer"})
    login(client, member.email)
    assert client.get(f"/studies/{study.slug}/").status_code == 200
    session.execute(delete(Membership).where(Membership.user_id == member.id))
    session.flush()
    assert client.get(f"/studies/{study.slug}/").status_code == 404
