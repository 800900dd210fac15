"""The form to log a contact attempt: outcome, mode, when, note, agreed time and its zone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from survey.fieldwork import dispositions
from survey.fieldwork.labels import MODE_NAMES, OUTCOME_NAMES
from survey.fieldwork.services import NOTE_MAX
from survey.i18n import TIME_ZONES
from survey.inputs import no_control_characters

LOCAL = "%Y-%m-%dT%H:%M"


class AttemptForm(FlaskForm):
    """One attempt; `at` is read in the viewer's zone, `callback` in `zone`."""

    outcome = SelectField(
        _l("Outcome of the attempt"),
        choices=[SelectChoice(code, OUTCOME_NAMES[code]) for code in dispositions.OUTCOMES],
        validators=[DataRequired()],
    )
    mode = SelectField(
        _l("Mode of contact"),
        choices=[SelectChoice(code, MODE_NAMES[code]) for code in dispositions.ATTEMPT_MODES],
        default="phone",
    )
    at = DateTimeLocalField(_l("When"), validators=[DataRequired()], format=LOCAL)
    note = TextAreaField(
        _l("Note"), validators=[Optional(), Length(max=NOTE_MAX), no_control_characters]
    )
    callback = DateTimeLocalField(
        _l("Agreed time of the callback or appointment"), validators=[Optional()], format=LOCAL
    )
    zone = SelectField(
        _l("The respondent's time zone"),
        choices=[SelectChoice(z, z) for z in TIME_ZONES],
        default="UTC",
    )
