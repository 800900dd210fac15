"""Forms of the privacy pages: the erasure's confirmation and the study's settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class EraseForm(FlaskForm):
    reason = TextAreaField(
        _l("Why this person is erased"),
        description=_l("For example: their request of 1 December. Kept in the audit log."),
        validators=[DataRequired(message=_l("Give the reason for the erasure.")), Length(max=2000)],
    )
    cancel_mail = BooleanField(_l("Also cancel the messages to them waiting in the outbox"))


class PrivacyForm(FlaskForm):
    answers = RadioField(
        _l("When a respondent is erased"),
        choices=[
            SelectChoice("keep", _l("Keep their structured answers (without identifying text)")),
            SelectChoice("erase", _l("Erase their answers too")),
        ],
        default="keep",
    )
    retention_days = IntegerField(
        _l("Keep identities for this many days after the last round closes"),
        description=_l("Leave empty to keep them until someone erases them."),
        validators=[Optional(), NumberRange(min=1, max=36500)],
    )
