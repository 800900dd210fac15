"""The study's API tokens page: make a token (shown once), see and revoke them.

Every member makes and revokes their own tokens here, offered only the scopes their role
can use (a viewer: read; an interviewer: read and write; researchers and owners: also
links), and owners see and revoke everyone's tokens of the study. A token is its member's
own credential, not a change to the study, so a viewer (an analyst reading the data from
R) makes one too. The page is a researcher page, with the session, CSRF and the study's
policy, on a blueprint of its own beside the API's.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from survey.accounts.models import User
from survey.api import tokens
from survey.api.models import ApiToken
from survey.db import db
from survey.errors import NotFoundError, ServiceError
from survey.studies.access import study_role

bp = Blueprint("api_tokens", __name__, template_folder="templates")

SCOPE_LABELS = {
    "read": _l("Read: lists, records and reports"),
    "write": _l("Write: also changes your role allows"),
    "links": _l("Links: read, and the respondents' personal links"),
}
STATE_LABELS = {"active": _l("Active"), "expired": _l("Expired"), "revoked": _l("Revoked")}


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    scope = SelectField(
        _l("Scope"), choices=[SelectChoice(k, v) for k, v in SCOPE_LABELS.items()], default="read"
    )
    expires = IntegerField(
        _l("Expires after (days)"),
        validators=[Optional(), NumberRange(min=1, max=tokens.MAX_DAYS)],
        default=90,
    )


class RevokeForm(FlaskForm):
    pass


def _form(**kwargs: object) -> TokenForm:
    """The form, offering the scopes the member's role can use."""
    form = TokenForm(**kwargs)
    form.scope.choices = [SelectChoice(k, SCOPE_LABELS[k]) for k in tokens.USEFUL[g.role]]
    return form


def _page(form: TokenForm, secret: str | None = None, status: int = 200):  # noqa: ANN202
    query = (
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.study_id == g.study.id)
        .order_by(ApiToken.id.desc())
    )
    if g.role != "owner":
        query = query.where(ApiToken.user_id == g.user.id)
    rows = [
        {"token": row, "email": email, "state": tokens.state(row)}
        for row, email in db.session.execute(query)
    ]
    page = render_template(
        "api/tokens.html",
        study=g.study,
        form=form,
        rows=rows,
        secret=secret,
        scope_labels=SCOPE_LABELS,
        state_labels=STATE_LABELS,
        revoke=RevokeForm(),
    )
    return page, status, {"Cache-Control": "no-store"}


@bp.route("/studies/<slug>/tokens/")
@study_role("viewer")
def index(slug: str):  # noqa: ANN201
    """The study's API tokens (owners: everyone's; others: their own)."""
    return _page(_form())


@bp.route("/studies/<slug>/tokens/", methods=["POST"])
@study_role("viewer")
def create(slug: str):  # noqa: ANN201
    """Make a token of your own; its secret is shown on this answer only."""
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        made = tokens.create(
            db.session,
            g.study,
            g.user,
            scope=form.scope.data,
            name=form.name.data or "",
            days=form.expires.data,
        )
    except ServiceError as error:
        form.scope.errors = [error.message]
        return _page(form, status=400)
    return _page(_form(formdata=None), secret=made.secret)


@bp.route("/studies/<slug>/tokens/<int:token_id>/revoke", methods=["POST"])
@study_role("viewer")
def revoke(slug: str, token_id: int) -> Response:
    """Revoke a token: your own, or as an owner anyone's of the study."""
    if not RevokeForm().validate_on_submit():
        return redirect(url_for("api_tokens.index", slug=slug))
    try:
        row = tokens.revoke(db.session, token_id, user=g.user, study=g.study)
    except NotFoundError:
        abort(404)
    flash(_("The token %(name)s is revoked.", name=row.name), "info")
    return redirect(url_for("api_tokens.index", slug=slug))
