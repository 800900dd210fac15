"""Researcher pages for studies."""

from __future__ import annotations

from flask import g, render_template

from survey.accounts.authz import login_required, study_role
from survey.db import db
from survey.studies import bp, services


@bp.route("/")
@login_required
def index() -> str:
    """The studies the signed-in researcher belongs to."""
    return render_template("studies/index.html", studies=services.studies_for(db.session, g.user))


@bp.route("/studies/<slug>/")
@study_role("viewer")
def show(slug: str) -> str:
    """A study's overview: its sides and members."""
    return render_template(
        "studies/show.html",
        study=g.study,
        role=g.role,
        members=services.members(db.session, g.study),
    )
