"""The members page's switch: an owner requires two-factor sign-in of the study's members."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey.db import db
from survey.studies import bp, two_factor
from survey.studies.access import study_role
from survey.studies.forms import ConfirmForm


@bp.route("/studies/<slug>/members/two-factor", methods=["POST"])
@study_role("owner")
def members_two_factor(slug: str) -> Response:
    """Require it (members without it set it up at their next sign-in), or stop requiring it."""
    if ConfirmForm().validate_on_submit():
        required = request.form.get("required") == "1"
        if two_factor.set_required(db.session, g.study, required, g.user):
            flash(
                _("Members must now use two-factor sign-in.")
                if required
                else _("Two-factor sign-in is no longer required by this study."),
                "info",
            )
    return redirect(url_for("studies.members", slug=slug))
