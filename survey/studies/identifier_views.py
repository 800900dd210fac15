"""The members page's switch: an owner grants or withdraws a member's `identifiers` permission."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey.db import db
from survey.errors import ServiceError
from survey.studies import bp, identifiers
from survey.studies.access import study_role
from survey.studies.forms import ConfirmForm


@bp.route("/studies/<slug>/members/<int:user_id>/identifiers", methods=["POST"])
@study_role("owner")
def member_identifiers(slug: str, user_id: int) -> Response:
    """Let a member see respondents' identifiers (with a reason each time), or stop that."""
    if ConfirmForm().validate_on_submit():
        granted = request.form.get("granted") == "1"
        try:
            if identifiers.set_granted(db.session, g.study, user_id, granted, g.user):
                flash(
                    _("The member may now export and read respondents' identifiers.")
                    if granted
                    else _("The member no longer sees respondents' identifiers."),
                    "info",
                )
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("studies.members", slug=slug))
