"""The export form."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

FORMAT_LABELS = {
    "xlsx": _l("Excel workbook (.xlsx) with a codebook sheet"),
    "csv": _l("CSV (UTF-8) and codebook, in a .zip"),
    "sav": _l("SPSS (.sav) and codebook, in a .zip"),
    "dta": _l("Stata (.dta) and codebook, in a .zip"),
    "rds": _l("R (.rds) and codebook, in a .zip"),
    "json": _l("JSON with the questionnaire and labels"),
}
LAYOUT_LABELS = {
    "wide": _l("Wide: one row per pair"),
    "long": _l("Long: one row per pair and question"),
    "pairwise": _l("Pairwise: one row per side with the partner's answers"),
    "respondent": _l("Respondent: one row per respondent"),
    "paradata": _l("Paradata: one row per respondent and page, with the time spent"),
    "contacts": _l("Contacts: one row per contact attempt"),
}
VALUES_LABELS = {
    "original": _l("Original: every answer as first given in this round"),
    "final": _l(
        "Final: a follow-up round's answer where a side gave one, marked in <question>_followup"
    ),
}
SIDES_LABELS = {
    "all": _l("All pairs"),
    "any": _l("At least one side submitted"),
    "both": _l("Both sides submitted"),
}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(k, v) for k, v in labels.items()]


class ExportForm(FlaskForm):
    fmt = SelectField(_l("Format"), choices=_choices(FORMAT_LABELS), default="xlsx")
    layout = SelectField(_l("Layout"), choices=_choices(LAYOUT_LABELS), default="wide")
    lang = SelectField(
        _l("Labels in"),
        default="en",
        choices=[
            SelectChoice("en", "English"),
            SelectChoice("zh-Hans", "简体中文"),
            SelectChoice("zh-Hant", "繁體中文"),
        ],
    )
    sides = SelectField(_l("Pairs"), choices=_choices(SIDES_LABELS), default="all")
    kind = StringField(_l("Only pairs of this kind"), validators=[Optional(), Length(max=50)])
    bom = BooleanField(_l("CSV for Excel on Windows (byte order mark)"))
    label_row = BooleanField(_l("CSV: a second row with the variable labels in that language"))
    include_partial = BooleanField(_l("Include saved answers not yet submitted"))
    values = SelectField(
        _l("Values (this round has follow-up rounds)"),
        choices=_choices(VALUES_LABELS),
        default="original",
    )

    identifiers = RadioField(
        _l("Respondents' identifiers"),
        choices=[
            SelectChoice("withheld", _l("De-identified: no names, no identifying free text")),
            SelectChoice("included", _l("With identifiers: names and identifying answers")),
        ],
        default="withheld",
    )
    reason = TextAreaField(
        _l("Why you need the identifiers"),
        description=_l("Kept in the audit log with the export."),
        validators=[Optional(), Length(max=2000)],
    )

    def offer_sides(self, sides: list[tuple[str, str]]) -> None:
        """Add "only pairs where <side> submitted" for each of the study's sides."""
        self.sides.choices = [
            *_choices(SIDES_LABELS),
            *(
                SelectChoice(code, gettext("Pairs where %(side)s submitted", side=label))
                for code, label in sides
            ),
        ]
