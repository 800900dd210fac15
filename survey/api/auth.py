"""The API's gate: a bearer token, its scope, its user's role in its study, its throttle.

`api_view(need, role)` declares the view's policy (`api:<need>:<role>`, deny by default
holds) and, before the view runs: a token from `Authorization: Bearer` (never a cookie:
the blueprint is `SESSIONLESS`), active (else 401); counted by the web's throttle per
token (429 with Retry-After); its study the URL's study (another study's token gets 404,
as a non-member does on the pages); its scope granting `need` and its user's role, read
from the database now, at least `role` (else 403).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import select

from survey import throttle
from survey.accounts.authz import F, declare
from survey.accounts.models import User
from survey.api import tokens
from survey.api.problems import Problem
from survey.db import db, set_writing, utcnow
from survey.studies.access import role_in
from survey.studies.models import Study


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def authenticate() -> tokens.ApiToken:
    """The request's active token and its user (g.api_token, g.user), or a 401/429."""
    secret = bearer()
    now = utcnow()
    touch = bool(secret) and tokens.due_touch(secret, now) and not db.session().in_transaction()
    if touch:
        set_writing(True)  # before the request's first statement: it begins as a writer
    token = tokens.find(db.session, secret) if secret else None
    user = db.session.get(User, token.user_id) if token is not None else None
    if token is None or user is None or not user.is_active:
        raise Problem(401, "unauthorized", _("Send an active API token as: Bearer TOKEN."))
    app = current_app
    wait = throttle.of(app).hit(
        "api", str(token.id), app.config["API_RATE_LIMIT"], app.config["API_RATE_WINDOW_SECONDS"]
    )
    if wait is not None:
        raise Problem(429, "too_many_requests", retry_after=wait)
    if touch:
        tokens.touch(token, now)
    g.api_token, g.user = token, user
    g.audit_via = {"api_token": token.name, "api_token_id": token.id}
    return token


def api_view(need: str = "read", role: str = "viewer") -> Callable[[F], F]:
    """A token with scope for `need` whose user has at least `role` in the URL's study."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            token = authenticate()
            slug = kwargs.get("slug")
            study = db.session.scalar(
                select(Study).where(Study.id == token.study_id)
                if slug is None
                else select(Study).where(Study.slug == slug, Study.id == token.study_id)
            )
            found_role = role_in(study.id, g.user) if study is not None else None
            if study is None or found_role is None:
                raise Problem(404, "not_found")
            g.study, g.role = study, found_role
            if not tokens.allows(token.scope, need):
                raise Problem(
                    403, "scope", _("This needs a token with the %(scope)s scope.", scope=need)
                )
            if not tokens.role_allows(found_role, role):
                raise Problem(
                    403, "role", _("This needs the %(role)s role in the study.", role=role)
                )
            return view(*args, **kwargs)

        return declare(f"api:{need}:{role}")(wrapped)  # type: ignore[return-value]

    return decorate
