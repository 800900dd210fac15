"""Forms of the pairs, respondents and members pages.

Forms bind only the fields they declare (ACL-04): a posted `study_id`, `is_primary` on a form
without it, or a role outside the choices never reaches a service. Role ceilings, uniqueness
and the pairs-file checks are the services' job; the forms only shape the input.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from survey.errors import ServiceError
from survey.studies.models import ROLES, Pair
from survey.studies.pairs import PLACE_COLUMNS, PairData, PlaceData, RespondentData

ROLE_LABELS = {
    "owner": _l("Owner"),
    "researcher": _l("Researcher"),
    "interviewer": _l("Interviewer"),
    "viewer": _l("Viewer"),
}
LANGUAGE_CHOICES = [
    SelectChoice("", _l("Not set")),
    SelectChoice("en", "English"),
    SelectChoice("zh-Hans", "简体中文"),
    SelectChoice("zh-Hant", "繁體中文"),
]
ENCODING_CHOICES = [
    SelectChoice("", _l("Detect (UTF-8, else GB18030)")),
    SelectChoice("utf-8", "UTF-8"),
    SelectChoice("gb18030", _l("GB18030 / GBK (Chinese Excel)")),
    SelectChoice("big5", _l("Big5 (Traditional Chinese Excel)")),
]
FORMAT_CHOICES = [SelectChoice("xlsx", "Excel (.xlsx)"), SelectChoice("csv", "CSV (UTF-8)")]
ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]


class PlaceForm(Form):
    """One side's place; a subform, so it carries no CSRF token of its own."""

    place_en = StringField(_l("Place (English)"), validators=[Length(max=200)])
    place_zh = StringField(_l("Place (Chinese)"), validators=[Length(max=200)])
    region = StringField(_l("Region"), validators=[Length(max=200)])
    organization = TextAreaField(_l("Organisation"), validators=[Length(max=300)])


class PairForm(FlaskForm):
    code = StringField(
        _l("Pair code"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("Lower-case letters, digits and hyphens, e.g. boulder-lhasa."),
    )
    kind = StringField(
        _l("Kind"),
        validators=[Length(max=50)],
        description=_l("For example city, state or cross-strait."),
    )
    established = IntegerField(
        _l("Year established"), validators=[Optional(), NumberRange(min=1000, max=2100)]
    )
    # Exactly one entry per study side, in the study's side order.
    sides = FieldList(FormField(PlaceForm), min_entries=2, max_entries=2)

    @staticmethod
    def data_of(pair: Pair, side_ids: list[int]) -> dict[str, Any]:
        """A stored pair as form data, its sides in the study's order."""
        by_side = {ps.side_id: ps for ps in pair.sides}
        sides = [
            {c: getattr(by_side[i], c) if i in by_side else "" for c in PLACE_COLUMNS}
            for i in side_ids
        ]
        return {
            "code": pair.code,
            "kind": pair.kind,
            "established": pair.established,
            "sides": sides,
        }

    def to_data(self, side_codes: list[str]) -> PairData:
        """The form as the service's plain data."""
        places = {
            code: PlaceData(**{k: v or "" for k, v in entry.data.items()})
            for code, entry in zip(side_codes, self.sides.entries, strict=True)
        }
        return PairData(
            code=self.code.data or "",
            kind=self.kind.data or "",
            established=self.established.data,
            places=places,
        )


class RespondentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=50)])
    organization = TextAreaField(_l("Organisation"), validators=[Length(max=300)])
    position = StringField(_l("Position"), validators=[Length(max=200)])
    years_involved = IntegerField(
        _l("Years involved"), validators=[Optional(), NumberRange(min=0, max=120)]
    )
    language = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES, default="")
    timezone = StringField(
        _l("Time zone"),
        validators=[Length(max=64)],
        description=_l(
            "A zone name such as Asia/Shanghai or America/New_York: reminders are sent at "
            "their hour in it, and closing dates shown in it. Empty: the side's zone."
        ),
    )
    is_primary = BooleanField(_l("Primary respondent of this side"))

    def to_data(self) -> RespondentData:
        """The form as the service's plain data."""
        return RespondentData(
            name=self.name.data or "",
            email=self.email.data or "",
            phone=self.phone.data or "",
            organization=self.organization.data or "",
            position=self.position.data or "",
            years_involved=self.years_involved.data,
            language=self.language.data or None,
            timezone=(self.timezone.data or "").strip() or None,
            is_primary=bool(self.is_primary.data),
        )


class UploadForm(FlaskForm):
    file = FileField(
        _l("Pairs file (.csv or .xlsx)"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Use a .csv or .xlsx file."))],
        render_kw={"accept": ".csv,.xlsx"},
    )
    encoding = SelectField(_l("Encoding of a CSV file"), choices=ENCODING_CHOICES, default="")
    dry_run = BooleanField(_l("Only check the file and show what would change"))


class ExportForm(FlaskForm):
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES)


class FilterForm(FlaskForm):
    """The pairs list's filter: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    q = StringField(_l("Search code or place"), validators=[Length(max=100)])


class MemberAddForm(FlaskForm):
    email = EmailField(_l("E-mail of an existing account"), validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="viewer")


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class AssignForm(FlaskForm):
    # Choices are the study's interviewers; the service checks membership and role (ACL-03).
    user_id = SelectField(_l("Interviewer"), coerce=int, choices=[], validate_choice=False)


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def show_error(form: FlaskForm, error: ServiceError, side_codes: list[str] | None = None) -> None:
    """Put a service error on the field it concerns (`us.place_en` → that side's subform)."""
    field = None
    name = error.field or ""
    side, _, column = name.partition(".")
    if column and side_codes and side in side_codes and hasattr(form, "sides"):
        field = form.sides.entries[side_codes.index(side)].form._fields.get(column)
    elif name:
        field = form._fields.get(name)
    if field is None:
        form.form_errors.append(error.message)
        return
    if not isinstance(field.errors, list):  # a field that was never validated holds a tuple
        field.errors = list(field.errors)
    field.errors.append(error.message)


class SideLabelForm(FlaskForm):
    """A side's label for the pairs of one kind; English required, Chinese falls back to it."""

    side = SelectField(_l("Side"))
    kind = SelectField(_l("Pair kind"))
    label_en = StringField("English", validators=[Length(max=100)])
    label_zh_hans = StringField("简体中文", validators=[Length(max=100)])
    label_zh_hant = StringField("繁體中文", validators=[Length(max=100)])

    FIELDS = {"en": "label_en", "zh-Hans": "label_zh_hans", "zh-Hant": "label_zh_hant"}

    def labels(self) -> dict[str, str]:
        """The labels given: English always (empty is refused), Chinese where written."""
        given = {language: getattr(self, name).data or "" for language, name in self.FIELDS.items()}
        return {lang: text for lang, text in given.items() if lang == "en" or text.strip()}


class SideLabelRemoveForm(FlaskForm):
    """Which side's label for which pair kind to remove."""

    side = HiddenField(validators=[DataRequired()])
    kind = HiddenField(validators=[DataRequired()])
