"""The members page: who may add, change and remove members, and up to which role (ACL-04)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

import survey.studies.pair_views  # noqa: F401  (registers the routes before the app is built)
from survey.audit import AuditEntry
from survey.studies import pairs, services
from survey.studies.models import InterviewerAssignment, Membership
from tests.fixtures.web import csrf_token, login, text_of

DEMO = Path(__file__).resolve().parents[2] / "survey" / "demo" / "pairs.csv"


def roles(session, study) -> dict[str, str]:
    """E-mail → role of every member."""
    return {user.email: role for user, role in services.members(session, study)}


def act(client, study, path: str, data: dict, **kwargs):  # noqa: ANN201
    """POST a members form like a browser, with the members page's CSRF token."""
    page = f"/studies/{study.slug}/members/"
    token = csrf_token(client, page)
    return client.post(f"{page}{path}", data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def owner(make_user):
    return make_user()


@pytest.fixture
def study(make_study, owner):
    return make_study(owner=owner)


def as_member(session, make_user, study, role: str):  # noqa: ANN001, ANN201
    user = make_user()
    services.add_member(session, study, user.email, role)
    return user


def test_every_member_sees_the_members_but_only_managers_get_controls(
    client, session, make_user, study, owner
):
    viewer = as_member(session, make_user, study, "viewer")
    login(client, viewer.email)
    page = text_of(client.get(f"/studies/{study.slug}/members/"))
    assert owner.email in page
    assert '<th scope="row">' in page
    assert "<caption>" in page
    assert "Add a member" not in page
    assert "Change role" not in page


def test_an_owner_adds_a_member_with_a_role_and_it_is_audited(
    client, session, make_user, study, owner
):
    newcomer = make_user()
    login(client, owner.email)
    response = act(client, study, "add", {"email": newcomer.email.upper(), "role": "interviewer"})
    assert response.status_code == 302
    assert roles(session, study)[newcomer.email] == "interviewer"
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_user_id) == ("member.add", owner.id)


def test_adding_an_unknown_or_existing_member_shows_the_reason(client, session, study, owner):
    login(client, owner.email)
    unknown = text_of(act(client, study, "add", {"email": "nobody@example.org", "role": "viewer"}))
    assert "There is no account with the e-mail nobody@example.org." in unknown
    again = text_of(act(client, study, "add", {"email": owner.email, "role": "viewer"}))
    assert f"{owner.email} is already a member of this study." in again


def test_a_researcher_cannot_make_anyone_owner(client, session, make_user, study):
    researcher = as_member(session, make_user, study, "researcher")
    viewer = as_member(session, make_user, study, "viewer")
    newcomer = make_user()
    login(client, researcher.email)
    page = text_of(client.get(f"/studies/{study.slug}/members/"))
    assert 'value="owner"' not in page  # not offered …
    before = roles(session, study)
    added = act(client, study, "add", {"email": newcomer.email, "role": "owner"})
    promoted = act(client, study, f"{viewer.id}/role", {f"member-{viewer.id}-role": "owner"})
    itself = act(client, study, f"{researcher.id}/role", {f"member-{researcher.id}-role": "owner"})
    assert (added.status_code, promoted.status_code, itself.status_code) == (403, 403, 403)
    assert roles(session, study) == before  # … and refused when posted anyway


def test_a_researcher_manages_members_up_to_researcher_but_never_an_owner(
    client, session, make_user, study, owner
):
    researcher = as_member(session, make_user, study, "researcher")
    viewer = as_member(session, make_user, study, "viewer")
    login(client, researcher.email)
    changed = act(client, study, f"{viewer.id}/role", {f"member-{viewer.id}-role": "researcher"})
    assert changed.status_code == 302
    assert roles(session, study)[viewer.email] == "researcher"
    demote_owner = act(client, study, f"{owner.id}/role", {f"member-{owner.id}-role": "viewer"})
    remove_owner = act(client, study, f"{owner.id}/remove", {})
    assert (demote_owner.status_code, remove_owner.status_code) == (403, 403)
    assert roles(session, study)[owner.email] == "owner"
    assert act(client, study, f"{viewer.id}/remove", {}).status_code == 302
    assert viewer.email not in roles(session, study)


def test_the_last_owner_can_be_neither_removed_nor_demoted(
    client, session, make_user, study, owner
):
    login(client, owner.email)
    removed = act(client, study, f"{owner.id}/remove", {}, follow_redirects=True)
    assert "A study needs at least one owner." in text_of(removed)
    demoted = act(
        client, study, f"{owner.id}/role", {f"member-{owner.id}-role": "researcher"},
        follow_redirects=True,
    )  # fmt: skip
    assert "A study needs at least one owner." in text_of(demoted)
    assert roles(session, study)[owner.email] == "owner"
    second = as_member(session, make_user, study, "owner")
    assert act(client, study, f"{second.id}/remove", {}).status_code == 302
    assert roles(session, study) == {owner.email: "owner"}


def test_with_two_owners_one_may_step_down(client, session, make_user, study, owner):
    as_member(session, make_user, study, "owner")
    login(client, owner.email)
    act(client, study, f"{owner.id}/role", {f"member-{owner.id}-role": "researcher"})
    assert roles(session, study)[owner.email] == "researcher"


@pytest.mark.parametrize("role", ["viewer", "interviewer"])
def test_viewers_and_interviewers_cannot_manage_members(client, session, make_user, study, role):
    user = as_member(session, make_user, study, role)
    other = as_member(session, make_user, study, "viewer")
    login(client, user.email)
    before = roles(session, study)
    for path, data in (
        ("add", {"email": make_user().email, "role": "viewer"}),
        (f"{other.id}/role", {f"member-{other.id}-role": "viewer"}),
        (f"{other.id}/remove", {}),
        (f"{user.id}/role", {f"member-{user.id}-role": "owner"}),
    ):
        assert act(client, study, path, data).status_code == 403, path
    assert roles(session, study) == before


def test_forms_bind_only_their_declared_fields(client, session, make_user, study, owner):
    newcomer = make_user()
    login(client, owner.email)
    extra = {"is_admin": "y", "role_id": "1", "user_id": str(owner.id), "study_id": "999"}
    act(client, study, "add", {"email": newcomer.email, "role": "viewer", **extra})
    membership = session.scalar(select(Membership).where(Membership.user_id == newcomer.id))
    assert (membership.study_id, membership.role) == (study.id, "viewer")
    assert not newcomer.is_admin


def test_removing_an_interviewer_withdraws_their_assignments(
    client, session, make_user, study, owner
):
    pairs.import_pairs(session, study, DEMO)
    interviewer = as_member(session, make_user, study, "interviewer")
    for code in ("boulder-lhasa", "portland-suzhou"):
        pairs.assign_interviewer(
            session, study, pairs.get_pair(session, study, code), interviewer.id
        )
    login(client, owner.email)
    assert act(client, study, f"{interviewer.id}/remove", {}).status_code == 302
    left = session.scalar(select(func.count()).select_from(InterviewerAssignment))
    assert left == 0
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "member.remove"
    assert entry.details["assignments_removed"] == 2


def test_a_member_of_another_study_gets_404(client, session, make_user, make_study, study, owner):
    outsider = make_user()
    make_study(owner=outsider)
    login(client, outsider.email)
    token = csrf_token(client, "/")
    base = f"/studies/{study.slug}/members/"
    assert client.get(base).status_code == 404
    for path in ("add", f"{owner.id}/role", f"{owner.id}/remove"):
        response = client.post(base + path, data={"csrf_token": token, "role": "viewer"})
        assert response.status_code == 404, path
    assert roles(session, study) == {owner.email: "owner"}


def test_a_post_without_csrf_token_is_400(client, session, make_user, study, owner):
    newcomer = make_user()
    login(client, owner.email)
    response = client.post(
        f"/studies/{study.slug}/members/add", data={"email": newcomer.email, "role": "owner"}
    )
    assert response.status_code == 400
    assert newcomer.email not in roles(session, study)


def test_services_enforce_the_ceiling_without_the_web(session, make_user, study, owner):
    viewer = as_member(session, make_user, study, "viewer")
    with pytest.raises(pairs.ForbiddenError):
        pairs.change_member_role(session, study, viewer.id, "owner", actor_role="researcher")
    with pytest.raises(pairs.ForbiddenError):
        pairs.remove_member(session, study, owner.id, actor_role="researcher")
    with pytest.raises(pairs.ForbiddenError):
        pairs.add_member(session, study, make_user().email, "viewer", actor_role="interviewer")
    with pytest.raises(pairs.PairError, match="unknown_role"):
        pairs.add_member(session, study, make_user().email, "admin", actor_role="owner")
