"""The decision form on a discrepancy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

STATUS_LABELS = {
    "open": _l("Open"),
    "explained": _l("Explained: both accounts reconciled"),
    "corrected": _l("Corrected: an answer was changed"),
    "confirmed": _l("Confirmed: a genuine disagreement, kept as data"),
    "dismissed": _l("Dismissed"),
}


class DecisionForm(FlaskForm):
    status = RadioField(
        _l("Decision"),
        validators=[DataRequired()],
        choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    version = HiddenField(validators=[DataRequired()])
