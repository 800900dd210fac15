"""Round forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

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


class ScheduleForm(FlaskForm):
    """A round's reminder schedule; the app adds a time zone field per side (`zone_<code>`)."""

    remind_after = StringField(
        _l("Days after the invitation"),
        description=_l("For example 7, 14, 21. Leave empty to send no scheduled reminders."),
        validators=[Optional(), Length(max=100), no_control_characters],
    )
    at = StringField(
        _l("Local hour"),
        description=_l("HH:MM in each respondent's time zone, for example 09:00."),
        default="09:00",
        validators=[DataRequired(), Length(max=5), no_control_characters],
    )
    maximum = IntegerField(
        _l("At most this many reminders"),
        description=_l("Leave empty for one on each day listed."),
        validators=[Optional(), NumberRange(min=1, max=10)],
    )
