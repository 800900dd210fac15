"""Two-factor sign-in pages: the code after the password, setting it up, managing it."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey.accounts import bp, signin, two_factor
from survey.accounts.authz import login_required, public
from survey.accounts.forms import CodeForm, LogoutForm, SigninCodeForm
from survey.accounts.models import User
from survey.db import db
from survey.errors import ServiceError
from survey.transaction import writes

Page = str | Response | tuple[str, int, dict[str, str]]


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code() -> Page:
    """The second step: a code from the authenticator app or a recovery code."""
    waiting = signin.held("code")
    if waiting is None:
        return redirect(url_for("accounts.login"))
    user, pending = waiting
    form = SigninCodeForm()
    if not form.validate_on_submit():
        return render_template("accounts/login_code.html", form=form)
    wait = signin.throttle_wait()
    if wait:
        form.code.errors.append(
            _("Too many attempts. Try again in %(seconds)s seconds.", seconds=wait)
        )
        page = render_template("accounts/login_code.html", form=form)
        return page, 429, {"Retry-After": str(wait)}
    method = two_factor.check_code(db.session, user, form.code.data or "", **signin.limits())
    if method is None:  # counted towards the lockout; the form comes back with 200, committed
        form.code.errors.append(_("The code is wrong or already used, or the account is locked."))
        return render_template("accounts/login_code.html", form=form)
    response = signin.finish(user, pending.get("next", ""), method)
    if form.remember.data:
        _set_device_cookie(response, two_factor.remember_device(db.session, user, _device()))
    return response


def _device() -> str:
    return two_factor.device_name(request.headers.get("User-Agent", ""))


def _set_device_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        two_factor.DEVICE_COOKIE,
        token,
        max_age=two_factor.REMEMBER_DAYS * 24 * 3600,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
        path=url_for("accounts.login"),
    )


@bp.route("/login/enrol", methods=["GET", "POST"])
@writes
@public
def login_enrol() -> Page:
    """Two-factor sign-in is required and not set up: set it up now, then sign in."""
    waiting = signin.held("enrol")
    if waiting is None:
        return redirect(url_for("accounts.login"))
    user, _pending = waiting
    form = CodeForm()
    if not form.validate_on_submit():
        found = two_factor.enrolment(db.session, user)
        if found is None or request.method == "GET" and found.enabled_at is None:
            found = two_factor.begin(db.session, user)
        return _enrol_page(user, found.secret, form, "accounts.login_enrol", True)
    wait = signin.throttle_wait()
    if wait:
        abort(429)
    try:
        codes = two_factor.confirm(db.session, user, form.code.data or "")
    except ServiceError as error:
        form.code.errors.append(error.message)
        found = two_factor.enrolment(db.session, user) or two_factor.begin(db.session, user)
        return _enrol_page(user, found.secret, form, "accounts.login_enrol", True)
    signin.finish(user, "", "totp")
    return render_template("accounts/recovery_codes.html", codes=codes, onward="studies.index")


def _enrol_page(user: User, secret: str, form: CodeForm, action: str, required: bool) -> str:
    return render_template(
        "accounts/enrol.html",
        form=form,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        action=action,
        required=required,
    )


@bp.route("/account/two-factor/qr.svg")
@public
def two_factor_qr() -> FlaskResponse:
    """The QR code of the secret being set up, for the signed-in or the enrolling user."""
    user = g.user
    if user is None:
        waiting = signin.held("enrol")
        user = waiting[0] if waiting else None
    found = two_factor.enrolment(db.session, user) if user is not None else None
    if found is None or found.enabled_at is not None:
        abort(404)
    svg = two_factor.qr_svg(two_factor.provisioning_uri(user, found.secret))
    response = FlaskResponse(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/two-factor/")
@login_required
def two_factor_page() -> str:
    """Two-factor sign-in: on or off, recovery codes left, remembered browsers."""
    user = g.user
    return render_template(
        "accounts/two_factor.html",
        enabled=two_factor.is_enabled(db.session, user),
        enrolment=two_factor.enrolment(db.session, user),
        required=two_factor.is_required(db.session, user),
        left=two_factor.recovery_codes_left(db.session, user),
        devices=two_factor.devices(db.session, user),
        form=CodeForm(),
        off_form=CodeForm(prefix="off"),
        button=LogoutForm(),
    )


@bp.route("/account/two-factor/enrol", methods=["GET", "POST"])
@writes
@login_required
def two_factor_enrol() -> str | Response:
    """Set up: scan the QR code, then confirm with a code from the app."""
    if two_factor.is_enabled(db.session, g.user):
        return redirect(url_for("accounts.two_factor_page"))
    form = CodeForm()
    action = "accounts.two_factor_enrol"
    if not form.validate_on_submit():
        found = two_factor.enrolment(db.session, g.user)
        if found is None or request.method == "GET":
            found = two_factor.begin(db.session, g.user)
        return _enrol_page(g.user, found.secret, form, action, False)
    try:
        codes = two_factor.confirm(db.session, g.user, form.code.data or "")
    except ServiceError as error:
        form.code.errors.append(error.message)
        found = two_factor.enrolment(db.session, g.user) or two_factor.begin(db.session, g.user)
        return _enrol_page(g.user, found.secret, form, action, False)
    return render_template(
        "accounts/recovery_codes.html", codes=codes, onward="accounts.two_factor_page"
    )


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_new_codes() -> str | Response:
    """Ten new recovery codes (the old ones stop working), after a current code."""
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.new_recovery_codes(
                db.session, g.user, form.code.data or "", **signin.limits()
            )
        except ServiceError as error:
            flash(error.message, "error")
        else:
            return render_template(
                "accounts/recovery_codes.html",
                codes=codes,
                onward="accounts.two_factor_page",
            )
    return redirect(url_for("accounts.two_factor_page"))


@bp.route("/account/two-factor/off", methods=["POST"])
@login_required
def two_factor_off() -> Response:
    """Turn two-factor sign-in off with a current code (not while it is required)."""
    form = CodeForm(prefix="off")
    if form.validate_on_submit():
        try:
            two_factor.disable(db.session, g.user, form.code.data or "", **signin.limits())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Two-factor sign-in is off."), "info")
    return redirect(url_for("accounts.two_factor_page"))


@bp.route("/account/two-factor/devices/<int:device_id>/forget", methods=["POST"])
@login_required
def two_factor_forget(device_id: int) -> Response:
    """This browser asks for a code again at the next sign-in."""
    if LogoutForm().validate_on_submit():
        try:
            two_factor.forget_device(db.session, g.user, device_id)
        except ServiceError:
            abort(404)
        flash(_("The browser is forgotten; it will ask for a code again."), "info")
    return redirect(url_for("accounts.two_factor_page"))


@bp.route("/account/two-factor/devices/forget", methods=["POST"])
@login_required
def two_factor_forget_all() -> Response:
    """Every remembered browser asks for a code again."""
    if LogoutForm().validate_on_submit():
        two_factor.forget_all_devices(db.session, g.user)
        flash(_("Every remembered browser is forgotten."), "info")
    return redirect(url_for("accounts.two_factor_page"))
