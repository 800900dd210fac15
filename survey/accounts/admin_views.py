"""The administrators' Accounts page: every account with its two-factor state and sessions;
require two-factor sign-in of every account, end all sessions of a user (a lost laptop, a
departure) and turn off a user's two-factor sign-in (a lost phone and lost codes), after a
confirmation naming what goes. The same as `survey user require-2fa | end-sessions |
reset-2fa`, through the same services, audited with the administrator as the actor."""

from __future__ import annotations

import datetime as dt

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import BooleanField

from survey.accounts import bp, sessions, two_factor
from survey.accounts.authz import admin_required
from survey.accounts.forms import LogoutForm
from survey.accounts.models import TwoFactor, User, UserSession
from survey.db import db, utcnow


class RequireForm(FlaskForm):
    required = BooleanField(_l("Require two-factor sign-in of every account"))


def _user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    if found is None:
        abort(404)
    return found


@bp.route("/admin/users/")
@admin_required
def admin_users() -> str:
    """Every account: role, two-factor sign-in, active sessions and when last seen."""
    idle = current_app.config["SESSION_IDLE_MINUTES"]
    since = utcnow() - dt.timedelta(minutes=idle, seconds=sessions.TOUCH_SECONDS)
    live = (
        select(
            UserSession.user_id,
            func.count().label("count"),
            func.max(UserSession.last_seen_at).label("seen"),
        )
        .where(UserSession.ended_at.is_(None), UserSession.last_seen_at > since)
        .group_by(UserSession.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, live.c.count, live.c.seen, TwoFactor.enabled_at)
        .outerjoin(live, live.c.user_id == User.id)
        .outerjoin(TwoFactor, TwoFactor.user_id == User.id)
        .order_by(User.email)
    ).all()
    return render_template(
        "accounts/admin_users.html",
        rows=rows,
        require=RequireForm(required=two_factor.required_for_all(db.session)),
    )


@bp.route("/admin/two-factor", methods=["POST"])
@admin_required
def admin_require_two_factor() -> Response:
    """Require (or stop requiring) two-factor sign-in of every account."""
    form = RequireForm()
    if form.validate_on_submit():
        wanted = bool(form.required.data)
        if two_factor.set_required_for_all(db.session, wanted, actor=g.user):
            flash(
                _(
                    "Two-factor sign-in is now required of every account: each sets it up at "
                    "their next sign-in."
                )  # fmt: skip
                if wanted
                else _("Two-factor sign-in is no longer required of every account."),
                "info",
            )
    return redirect(url_for("accounts.admin_users"))


@bp.route("/admin/users/<int:user_id>/end-sessions", methods=["POST"])
@admin_required
def admin_end_sessions(user_id: int) -> Response:
    """End every session of a user; their old cookies are refused too."""
    user = _user(user_id)
    if LogoutForm().validate_on_submit():
        count = sessions.end_all(
            db.session, user, actor=g.user, action="user.sessions_ended_by_admin"
        )
        if user.id == g.user.id:
            session.clear()
            flash(_("You are signed out."), "info")
            return redirect(url_for("accounts.login"))
        flash(_("%(count)s sessions of %(email)s ended.", count=count, email=user.email), "info")
    return redirect(url_for("accounts.admin_users"))


@bp.route("/admin/users/<int:user_id>/reset-two-factor")
@admin_required
def admin_reset_two_factor_confirm(user_id: int) -> str:
    """What turning off a user's two-factor sign-in does, before it is done."""
    user = _user(user_id)
    if not two_factor.is_enabled(db.session, user):
        abort(404)
    return render_template("accounts/admin_reset_two_factor.html", user=user, button=LogoutForm())


@bp.route("/admin/users/<int:user_id>/reset-two-factor", methods=["POST"])
@admin_required
def admin_reset_two_factor(user_id: int) -> Response:
    """Turn off the user's two-factor sign-in and end their sessions (e-mailed, audited)."""
    user = _user(user_id)
    if not LogoutForm().validate_on_submit():
        return redirect(url_for("accounts.admin_users"))
    if two_factor.is_enabled(db.session, user):
        two_factor.remove(db.session, user, "user.two_factor_reset", actor=g.user)
        sessions.end_all(db.session, user, actor=g.user, action="user.sessions_ended_by_admin")
        flash(
            _(
                "Two-factor sign-in is off for %(email)s and their sessions are ended.",
                email=user.email,
            ),  # fmt: skip
            "info",
        )
    if user.id == g.user.id:
        session.clear()
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.admin_users"))
