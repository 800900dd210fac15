"""Login and logout."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from survey.accounts import bp, services, signin, two_factor
from survey.accounts.authz import login_required, public
from survey.accounts.forms import LoginForm, LogoutForm, SettingsForm
from survey.db import db
from survey.i18n import COOKIE, LANGUAGE_NAMES, TIME_ZONES


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    """Sign a researcher in; throttled per client address and locked per account (AUTH-02).

    With two-factor sign-in on, a right password leads to the code (unless this browser
    is remembered); where it is required but not set up, to setting it up first.
    """
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form)
    wait = signin.throttle_wait()
    if wait:
        return _too_many(form, wait)
    user = services.check_password(
        db.session, form.email.data or "", form.password.data or "", **signin.limits()
    )
    if user is None:  # the failed attempt counts: the form comes back with 200, committed
        form.password.errors.append(_("The e-mail or password is wrong, or the account is locked."))
        return render_template("accounts/login.html", form=form)
    target = form.next.data or ""
    if two_factor.is_enabled(db.session, user):
        if two_factor.remembered(db.session, user, request.cookies.get(two_factor.DEVICE_COOKIE)):
            return signin.finish(user, target, "device")
        signin.hold(user, "code", target)
        return redirect(url_for("accounts.login_code"))
    if two_factor.is_required(db.session, user):
        signin.hold(user, "enrol", target)
        return redirect(url_for("accounts.login_enrol"))
    return signin.finish(user, target, None)


def _too_many(form: LoginForm, wait: int) -> tuple[str, int, dict[str, str]]:
    form.password.errors.append(
        _("Too many attempts. Try again in %(seconds)s seconds.", seconds=wait)
    )
    return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(wait)}


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out everywhere: the session version moves on, so old cookies stop working."""
    if LogoutForm().validate_on_submit():
        services.logout(db.session, g.user)
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    """Choose the interface language and the time zone every time is shown in."""
    form = SettingsForm(language=g.user.language or "en", timezone=g.user.timezone)
    form.language.choices = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]
    form.timezone.choices = [SelectChoice(zone, zone) for zone in TIME_ZONES]
    if form.validate_on_submit():
        services.update_settings(
            db.session, g.user, language=form.language.data, timezone=form.timezone.data
        )
        flash(_("Your settings are saved."), "info")
        response = redirect(url_for("accounts.settings"))
        response.set_cookie(
            COOKIE, form.language.data, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
        return response
    return render_template("accounts/settings.html", form=form)


from survey.accounts import (  # noqa: E402, F401  (their routes)
    admin_views,
    reset_views,
    session_views,
    two_factor_views,
)
