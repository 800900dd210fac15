"""Per-study authorisation: the `study:<role>` policy of the researcher pages (ACL-02).

A member of the study named in the URL with at least the role gets in; anyone else gets
404, so that a study's existence does not leak. The role is read from the database on
every request (AUTH-04); admins act as owners.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, g, redirect, request, url_for
from sqlalchemy import select

from survey.accounts.authz import ROLE_RANK, F, declare
from survey.accounts.models import User
from survey.db import db
from survey.studies.models import Membership, Study


def study_role(minimum: str) -> Callable[[F], F]:
    """Members of the URL's study (`slug`) with at least `minimum`; loads `g.study`, `g.role`."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("accounts.login", next=request.path))
            g.study, g.role = load_study(kwargs["slug"], g.user)
            if ROLE_RANK[g.role] < ROLE_RANK[minimum]:
                abort(403)
            return view(*args, **kwargs)

        return declare(f"study:{minimum}")(wrapped)  # type: ignore[return-value]

    return decorate


def load_study(slug: str, user: User) -> tuple[Study, str]:
    """The study and the user's role in it; 404 for non-members (admins act as owners)."""
    study = db.session.scalar(select(Study).where(Study.slug == slug))
    if study is None:
        abort(404)
    role = role_in(study.id, user)
    if role is None:
        abort(404)
    return study, role


def role_in(study_id: int, user: User) -> str | None:
    """The user's role in a study, read from the database on every call (AUTH-04)."""
    if user.is_admin:
        return "owner"
    return db.session.scalar(
        select(Membership.role).where(
            Membership.study_id == study_id, Membership.user_id == user.id
        )
    )
