"""Forgotten password: ask for a link by e-mail, open it, choose a new password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey.accounts import bp, resets, signin
from survey.accounts.authz import public
from survey.accounts.forms import ForgotForm, NewPasswordForm
from survey.db import db
from survey.errors import ServiceError

HELD = "reset_token"  # the link's token, kept in the signed session off the address bar

Page = str | Response | tuple[str, int, dict[str, str]]


@bp.route("/login/forgot", methods=["GET", "POST"])
@public
def forgot() -> Page:
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot.html", form=form, sent=False)
    wait = signin.throttle_wait()  # the sign-in allowance: no sending mail in a loop
    if wait:
        form.email.errors.append(
            _("Too many attempts. Try again in %(seconds)s seconds.", seconds=wait)
        )
        page = render_template("accounts/forgot.html", form=form, sent=False)
        return page, 429, {"Retry-After": str(wait)}
    resets.request_reset(db.session, form.email.data or "", current_app.config["BASE_URL"])
    return render_template("accounts/forgot.html", form=form, sent=True)


@bp.route("/login/reset/<token>")
@public
def reset_link(token: str) -> Response:
    """The link from the message: its token moves into the session, out of the address."""
    session[HELD] = token if resets.plausible(token) else ""
    return redirect(url_for("accounts.reset_password"))


@bp.route("/login/reset", methods=["GET", "POST"])
@public
def reset_password() -> Page:
    """Choose a new password; every session of the account ends, and the link is spent."""
    token = session.get(HELD) or ""
    if resets.valid(db.session, token) is None:
        session.pop(HELD, None)
        return render_template("accounts/reset.html", form=None), 410
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset.html", form=form)
    if form.password.data != form.again.data:
        form.again.errors.append(_("The two passwords differ."))
        return render_template("accounts/reset.html", form=form)
    try:
        user = resets.complete(db.session, token, form.password.data or "")
    except ServiceError as error:
        form.password.errors.append(error.message)
        return render_template("accounts/reset.html", form=form)
    session.pop(HELD, None)
    if user is None:
        return render_template("accounts/reset.html", form=None), 410
    flash(_("Your password is changed, and every session of your account has ended."), "info")
    return redirect(url_for("accounts.login"))
