"""The decision form on a discrepancy, and the review states in words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from survey.comparison.services import NOTE_REQUIRED

# A state's short name (tags, filters, history) and what choosing it means (the form).
STATUS_NAMES = {
    "open": _l("still open"),
    "explained": _l("explained"),
    "corrected": _l("corrected"),
    "confirmed": _l("confirmed"),
    "dismissed": _l("dismissed"),
    "resolved": _l("resolved by follow-up"),
}
STATUS_LABELS = {
    "open": _l("Open"),
    "explained": _l("Explained: both accounts reconciled"),
    "corrected": _l("Corrected: an answer was changed"),
    "confirmed": _l("Confirmed: a genuine disagreement, kept as data"),
    "dismissed": _l("Dismissed"),
}
STATUS_COLOURS = {
    "open": "orange",
    "explained": "blue",
    "corrected": "turquoise",
    "confirmed": "purple",
    "dismissed": "grey",
    "resolved": "green",
}


class DecisionForm(FlaskForm):
    status = RadioField(
        _l("Decision"),
        validators=[DataRequired(message=_l("Choose a decision."))],
        choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()],
    )
    note = TextAreaField(
        _l("Note"),
        description=_l("Needed when you choose “explained” or “dismissed”: say why."),
        validators=[Length(max=4000)],
    )
    version = HiddenField(validators=[DataRequired()])

    def validate_note(self, field: TextAreaField) -> None:
        """A state that needs a reason refuses an empty note, beside the field."""
        if self.status.data in NOTE_REQUIRED and not (field.data or "").strip():
            raise ValidationError(_l("Write a note explaining this decision."))
