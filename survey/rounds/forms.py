"""Round forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from survey.inputs import no_control_characters

MODE_CHOICES = [
    SelectChoice("phone", _l("Telephone")),
    SelectChoice("email", _l("E-mail")),
    SelectChoice("paper", _l("Paper")),
    SelectChoice("web", _l("Online")),
]


class RoundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    questionnaire = SelectField(_l("Questionnaire version"), validators=[DataRequired()])
    kinds = SelectMultipleField(_l("Only pairs of these kinds"), validators=[Optional()])
    pairs = StringField(
        _l("Only these pairs (codes, comma-separated)"), validators=[Optional(), Length(max=20000)]
    )
    timezone = SelectField(_l("Time zone for the dates"), default="UTC")
    opens_at = DateTimeLocalField(_l("Opens"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes"), validators=[Optional()], format="%Y-%m-%dT%H:%M")


class ActionForm(FlaskForm):
    """A POST button (open, close, invite, remind, reissue) carrying only the CSRF token."""


class EntryForm(FlaskForm):
    """Interviewer entry: the mode of the interview and what to do after saving."""

    mode = SelectField(_l("How the answers were collected"), choices=MODE_CHOICES, default="phone")
    action = HiddenField(default="save")
    reason = TextAreaField(
        _l("Reason for the change (required after submission)"),
        validators=[Optional(), Length(max=2000), no_control_characters],
    )
