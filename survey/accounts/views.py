"""Login and logout."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from survey import throttle
from survey.accounts import bp, services
from survey.accounts.authz import login_required, public
from survey.accounts.forms import LoginForm, LogoutForm, SettingsForm
from survey.db import db, utcnow
from survey.i18n import COOKIE, LANGUAGE_NAMES, TIME_ZONES
from survey.security import is_safe_next


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    """Sign a researcher in; throttled per client address and locked per account (AUTH-02)."""
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form)
    wait = _throttle()
    if wait:
        return _too_many(form, wait)
    user = services.authenticate(
        db.session,
        form.email.data or "",
        form.password.data or "",
        max_attempts=current_app.config["LOGIN_MAX_ATTEMPTS"],
        lockout_minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"],
    )
    if user is None:  # the failed attempt counts: the form comes back with 200, committed
        form.password.errors.append(_("The e-mail or password is wrong, or the account is locked."))
        return render_template("accounts/login.html", form=form)
    _start_session(user.id, user.session_version)
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("studies.index"))


def _throttle() -> int | None:
    """Seconds to wait when this client address used up its login attempts (AUTH-02)."""
    config = current_app.config
    return throttle.of(current_app).hit(
        "login",
        request.remote_addr or "unknown",
        config["LOGIN_IP_LIMIT"],
        config["LOGIN_IP_WINDOW_SECONDS"],
    )


def _too_many(form: LoginForm, wait: int) -> tuple[str, int, dict[str, str]]:
    form.password.errors.append(
        _("Too many attempts. Try again in %(seconds)s seconds.", seconds=wait)
    )
    return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(wait)}


def _start_session(user_id: int, version: int) -> None:
    """A fresh session on login: nothing from before survives (AUTH-03)."""
    keep_lang = session.get("lang")
    session.clear()
    session.update(uid=user_id, sv=version, seen=int(utcnow().timestamp()))
    if keep_lang:
        session["lang"] = keep_lang


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
