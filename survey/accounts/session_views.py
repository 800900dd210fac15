"""The Sessions page: where the user is signed in, and ending any of those sessions."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey.accounts import bp, sessions
from survey.accounts.authz import login_required
from survey.accounts.forms import LogoutForm
from survey.db import db
from survey.errors import ServiceError


@bp.route("/account/sessions/")
@login_required
def sessions_page() -> str:
    """Each active session: its browser, when it signed in, when it was last seen."""
    idle = current_app.config["SESSION_IDLE_MINUTES"]
    return render_template(
        "accounts/sessions.html",
        rows=sessions.active(db.session, g.user, idle),
        current=g.user_session.id,
        button=LogoutForm(),
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def session_end(session_id: int) -> Response:
    """End one session; ending this one signs out here."""
    if LogoutForm().validate_on_submit():
        try:
            ended = sessions.end(db.session, g.user, session_id)
        except ServiceError:
            abort(404)
        if ended.id == g.user_session.id:
            session.clear()
            flash(_("You are signed out."), "info")
            return redirect(url_for("accounts.login"))
        flash(_("The session on %(device)s is ended.", device=ended.device), "info")
    return redirect(url_for("accounts.sessions_page"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def sessions_end_others() -> Response:
    """End every session but this one."""
    if LogoutForm().validate_on_submit():
        count = sessions.end_others(db.session, g.user, g.user_session.id)
        flash(_("%(count)s other sessions ended.", count=count), "info")
    return redirect(url_for("accounts.sessions_page"))
