"""Researcher pages for questionnaires: versions, preview per language and side, completeness."""

from __future__ import annotations

from flask import g, render_template

from survey.accounts.authz import login_required
from survey.db import db
from survey.questionnaires import bp, services


@bp.route("/questionnaires/")
@login_required
def index() -> str:
    """Every questionnaire version the researcher can see, newest first."""
    versions = services.visible_versions(db.session, g.user)
    return render_template("questionnaires/index.html", versions=versions)
