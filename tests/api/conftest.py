"""A study with a compared round, its members by role and tokens of every scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from survey.accounts.models import User
from survey.api import tokens
from survey.db import utcnow
from survey.rounds.models import Round
from survey.studies import services as studies
from survey.studies.models import Membership, Study


@dataclass
class World:
    study: Study
    round: Round
    pairs: list[str]
    users: dict[str, User]
    secrets: dict[str, str] = field(default_factory=dict)  # "<role>:<scope>" -> token
    other: str = ""  # an owner's write token for another study
    other_slug: str = ""
    other_study: Study | None = None

    def headers(self, name: str, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[name]}", **more}

    slug: str = ""
    round_slug: str = ""

    def __post_init__(self) -> None:
        self.slug, self.round_slug = self.study.slug, self.round.slug  # kept past a request

    @property
    def base(self) -> str:
        return f"/api/v1/studies/{self.slug}"

    @property
    def round_base(self) -> str:
        return f"{self.base}/rounds/{self.round_slug}"


@pytest.fixture
def world(session, answered, make_user, make_study) -> World:  # noqa: ANN001
    round_, codes = answered
    study = session.get(Study, round_.study_id)
    owner = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.study_id == study.id, Membership.role == "owner")
    )
    users = {"owner": owner}
    for role in ("researcher", "interviewer", "viewer"):
        users[role] = make_user()
        studies.add_member(session, study, users[role].email, role)
    from survey.studies.models import Pair
    from survey.studies.pairs.members import assign_interviewer

    first = session.scalar(select(Pair).where(Pair.study_id == study.id, Pair.code == codes[0]))
    assign_interviewer(session, study, first, users["interviewer"].id)
    found = World(study, round_, codes, users)
    for role, user in users.items():
        for scope in ("read", "write", "links"):
            made = tokens.create(session, study, user, scope=scope, name=f"{role} {scope}")
            found.secrets[f"{role}:{scope}"] = made.secret
    revoked = tokens.create(session, study, owner, scope="write", name="revoked")
    tokens.revoke(session, revoked.row.id, user=owner)
    found.secrets["revoked"] = revoked.secret
    expired = tokens.create(session, study, owner, scope="write", name="expired", days=1)
    expired.row.expires_at = utcnow() - dt.timedelta(seconds=1)
    found.secrets["expired"] = expired.secret
    other_owner = make_user()
    found.other_study = make_study(owner=other_owner)
    found.other_slug = found.other_study.slug
    found.other = tokens.create(session, found.other_study, other_owner, scope="write").secret
    found.secrets["other"] = found.other
    session.flush()
    return found


def problem(response: Any) -> dict[str, Any]:
    assert response.mimetype == "application/problem+json", (response.status, response.data)
    body = response.get_json(force=True)
    assert body["status"] == response.status_code
    return body
