"""The question-type registry: turn raw input into stored answers, check them, show them.

One small class per question type (STYLE.md point 12). Rendering belongs to the web
layer; here each type parses form or CSV input, validates a stored value against the
question's limits, displays a value as text in a language and gives its number for
numeric comparison. Stored values follow docs/questionnaire-format.md "Answer values".

Text answers are stored exactly as typed (QUALITY.md I18N-03); only numbers, dates,
years and codes are normalised on the way in (full-width digits, surrounding spaces).
The strings "dk" and "rf" are the special answers wherever they are stored, so option
codes must never be "dk" or "rf".
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from survey.core import expressions
from survey.core.questionnaire import FALLBACKS, Question, Special, Text, text_in

Raw = str | list[str] | None

# English templates with named placeholders; the web layer passes them through gettext.
ERROR_MESSAGES: dict[str, str] = {
    "required": "Please answer this question.",
    "not_integer": "Enter a whole number using digits only, without commas or decimals.",
    "not_number": "Enter a number using digits and at most one decimal point, without commas.",
    "too_many_digits": "Enter a number with no more than %(max_digits)s digits.",
    "below_min": "Enter a number no smaller than %(min)s.",
    "above_max": "Enter a number no larger than %(max)s.",
    "not_year": "Enter a year as four digits, for example 2009.",
    "year_too_early": "Enter a year no earlier than %(min)s.",
    "year_too_late": "Enter a year no later than %(max)s.",
    "not_date": "Enter a real date as year-month-day, for example 2009-03-01.",
    "date_too_early": "Enter a date no earlier than %(min)s.",
    "date_too_late": "Enter a date no later than %(max)s.",
    "not_text": "Enter your answer as text.",
    "bad_character": "Your answer contains invisible control characters; please remove them.",
    "too_short": "Enter at least %(min_length)s characters.",
    "too_long": "Enter no more than %(max_length)s characters.",
    "pattern": "This answer is not in the expected format.",
    "unknown_option": "Choose one of the options offered.",
    "multiple_values": "Choose only one option.",
    "special_not_allowed": "Please give an actual answer; this choice is not accepted here.",
    "special_not_alone": "You cannot combine “don't know” or “refused” with other choices.",
    "constraint": "This answer does not fit with your other answers; please check it.",
    "not_answerable": "This item only gives information and takes no answer.",
}

YESNO_LABELS: dict[str, Text] = {
    "yes": {"en": "Yes", "zh-Hans": "是", "zh-Hant": "是"},
    "no": {"en": "No", "zh-Hans": "否", "zh-Hant": "否"},
}
_YESNO_INPUT = {
    "yes": "yes", "no": "no", "1": "yes", "0": "no", "true": "yes", "false": "no",
    "是": "yes", "否": "no",
}  # fmt: skip

MAX_DIGITS = 15  # a double keeps 15 significant decimal digits exactly
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_YEAR = re.compile(r"[1-9][0-9]{3}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# PostgreSQL refuses NUL, XLSX refuses the other C0 controls, UTF-8 refuses lone surrogates.
_BAD_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_SPECIAL_CODES = frozenset(Special)


class AnswerError(Exception):
    """An answer that cannot be accepted: a stable `code` and the `params` of its message."""

    def __init__(self, code: str, /, **params: Any):
        self.code = code
        self.params = params
        super().__init__(ERROR_MESSAGES[code] % params)

    def __repr__(self) -> str:
        return f"AnswerError({self.code!r}, {self.params!r})"


# ---------------------------------------------------------------------------- helpers


def is_blank(value: Any) -> bool:
    """Whether a stored value means "no answer": None, '' or an empty list."""
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


def as_special(value: Any) -> Special | None:
    """The special answer a stored value stands for, or None."""
    if isinstance(value, str) and value in _SPECIAL_CODES:
        return Special(value)
    return None


def format_number(value: float) -> str:
    """A number for people: no '.0', no exponent, no thousands separator."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def _normal(text: str) -> str:
    """Input folded for numbers, dates and codes: full-width forms to ASCII, trimmed."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


def _one(raw: Raw) -> str | None:
    """The single string a form or CSV cell gave, or None when it gave nothing."""
    if isinstance(raw, list):
        filled = [item for item in raw if item and item.strip()]
        if len(filled) > 1:
            raise AnswerError("multiple_values")
        raw = filled[0] if filled else None
    return raw if raw and raw.strip() else None


def _special(q: Question, text: str, *, exact: bool = False) -> Special | None:
    """The special answer `text` names, if any; refused when the question turns it off."""
    token = text.strip() if exact else _normal(text).lower()
    if token not in _SPECIAL_CODES:
        return None
    if Special(token) not in q.specials():
        raise AnswerError("special_not_allowed", special=token)
    return Special(token)


def _label(q: Question, code: str, language: str) -> str:
    """An option's label in `language` (with the usual fallbacks), or its code."""
    option = q.option(code)
    if option is not None:
        labels = option.label
    else:  # yesno questions need not list options; unknown codes fall through to the code
        labels = YESNO_LABELS.get(code, {}) if q.type == "yesno" else {}
    text, _ = text_in(labels, language, FALLBACKS.get(language, ()))
    return text or next((label for label in labels.values() if label), code)


def _digits(number: str) -> int:
    """Significant digits of a plain decimal: leading and trailing zeros do not count."""
    whole, _, fraction = number.lstrip("+-").partition(".")
    return len((whole + fraction.rstrip("0")).lstrip("0"))


# ---------------------------------------------------------------------------- base


class QuestionType:
    """What a question type does with answers: parse, validate, display, as_number."""

    name: ClassVar[str] = ""
    exact_specials: ClassVar[bool] = False  # free text: only lowercase 'dk'/'rf' are special

    def parse(self, q: Question, raw: Raw) -> Any:
        """Form or CSV input → stored value; None for no answer; AnswerError if unusable."""
        text = _one(raw)
        if text is None:
            return None
        return _special(q, text, exact=self.exact_specials) or self.parse_text(q, text)

    def parse_text(self, q: Question, text: str) -> Any:
        """Non-blank, non-special input → stored value."""
        raise NotImplementedError

    def validate(self, q: Question, value: Any) -> None:
        """Check a stored value against the question's limits; required is not checked here."""
        if is_blank(value):
            return
        special = as_special(value)
        if special is None:
            self.check(q, value)
        elif special not in q.specials():
            raise AnswerError("special_not_allowed", special=str(special))

    def check(self, q: Question, value: Any) -> None:
        """Check a real (non-blank, non-special) stored value."""
        raise NotImplementedError

    def display(self, q: Question, value: Any, language: str) -> str:
        """The value as text in `language`; '' for no answer and for the special answers."""
        if is_blank(value) or as_special(value) is not None:
            return ""
        return self.show(q, value, language)

    def show(self, q: Question, value: Any, language: str) -> str:
        """A real stored value as text."""
        return str(value)

    def as_number(self, q: Question, value: Any) -> float | None:
        """The value as a number for numeric comparison, or None."""
        return None


# ---------------------------------------------------------------------------- choices


class SingleType(QuestionType):
    """One option code out of the question's options."""

    name = "single"

    def parse_text(self, q: Question, text: str) -> str:
        return _code(q, text)

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, str) or value not in q.option_codes:
            raise AnswerError("unknown_option", code=str(value))

    def show(self, q: Question, value: Any, language: str) -> str:
        return _label(q, value, language)


def _code(q: Question, text: str) -> str:
    """The option code typed; full-width or padded input is matched after folding."""
    for candidate in (text, _normal(text)):
        if candidate in q.option_codes:
            return candidate
    raise AnswerError("unknown_option", code=text)


class ScaleType(SingleType):
    """An ordinal scale: one option code, options listed low to high."""

    name = "scale"

    def as_number(self, q: Question, value: Any) -> float | None:
        # Numeric codes only when every code is numeric, so the values stay in scale order.
        codes = q.option_codes
        if value not in codes:
            return None
        if all(_NUMBER.fullmatch(code) for code in codes):
            return float(value)
        return float(codes.index(value) + 1)


class YesNoType(SingleType):
    """Yes or no, stored as 'yes' / 'no'."""

    name = "yesno"

    def parse_text(self, q: Question, text: str) -> str:
        folded = _normal(text).lower()
        if folded not in _YESNO_INPUT:
            raise AnswerError("unknown_option", code=text)
        return _YESNO_INPUT[folded]


class MultiType(QuestionType):
    """Any number of option codes, stored as a list in option order without duplicates."""

    name = "multi"

    def parse(self, q: Question, raw: Raw) -> Any:
        items = _items(raw)
        if not items:
            return None
        if len(items) == 1 and (special := _special(q, items[0])):
            return special
        if any(_normal(item).lower() in _SPECIAL_CODES for item in items):
            raise AnswerError("special_not_alone")
        chosen = {_code(q, item) for item in items}
        return [code for code in q.option_codes if code in chosen]

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, list | tuple):
            raise AnswerError("unknown_option", code=str(value))
        for code in value:
            if not isinstance(code, str) or code not in q.option_codes:
                raise AnswerError("unknown_option", code=str(code))

    def show(self, q: Question, value: Any, language: str) -> str:
        return "; ".join(_label(q, code, language) for code in value)


def _items(raw: Raw) -> list[str]:
    """The codes a multi input names: a list of codes, or one string joined by ';'."""
    if raw is None:
        return []
    parts = raw if isinstance(raw, list) else re.split("[;；]", raw)
    return [part.strip() for part in parts if part and part.strip()]


# ---------------------------------------------------------------------------- numbers


class _NumericType(QuestionType):
    """Shared by integer, number and year: range checks, display and as_number."""

    too_small: ClassVar[str] = "below_min"
    too_large: ClassVar[str] = "above_max"

    def check(self, q: Question, value: Any) -> None:
        self.check_kind(value)
        if q.min is not None and value < float(q.min):
            raise AnswerError(self.too_small, min=format_number(q.min))
        if q.max is not None and value > float(q.max):
            raise AnswerError(self.too_large, max=format_number(q.max))

    def check_kind(self, value: Any) -> None:
        """Raise unless the stored value has this type's Python type."""
        raise NotImplementedError

    def show(self, q: Question, value: Any, language: str) -> str:
        return format_number(value)

    def as_number(self, q: Question, value: Any) -> float | None:
        if is_blank(value) or as_special(value) is not None:
            return None
        return float(value)


class IntegerType(_NumericType):
    """A whole number, stored as int."""

    name = "integer"

    def parse_text(self, q: Question, text: str) -> int:
        folded = _normal(text)
        if not _INTEGER.fullmatch(folded):
            raise AnswerError("not_integer")
        if _digits(folded) > MAX_DIGITS:
            raise AnswerError("too_many_digits", max_digits=MAX_DIGITS)
        return int(folded)

    def check_kind(self, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise AnswerError("not_integer")


class NumberType(_NumericType):
    """A decimal number, stored as int when typed without a decimal point, else float."""

    name = "number"

    def parse_text(self, q: Question, text: str) -> int | float:
        folded = _normal(text)
        if not _NUMBER.fullmatch(folded):
            raise AnswerError("not_number")
        if _digits(folded) > MAX_DIGITS:
            raise AnswerError("too_many_digits", max_digits=MAX_DIGITS)
        return float(folded) if "." in folded else int(folded)

    def check_kind(self, value: Any) -> None:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or not math.isfinite(value):
            raise AnswerError("not_number")


class YearType(_NumericType):
    """A calendar year of four digits, stored as int."""

    name = "year"
    too_small = "year_too_early"
    too_large = "year_too_late"

    def parse_text(self, q: Question, text: str) -> int:
        folded = _normal(text)
        if not _YEAR.fullmatch(folded):
            raise AnswerError("not_year")
        return int(folded)

    def check_kind(self, value: Any) -> None:
        plain_int = isinstance(value, int) and not isinstance(value, bool)
        if not plain_int or not 1000 <= value <= 9999:
            raise AnswerError("not_year")


# ---------------------------------------------------------------------------- dates


class DateType(QuestionType):
    """A calendar date, stored as 'YYYY-MM-DD'."""

    name = "date"

    def parse_text(self, q: Question, text: str) -> str:
        folded = _normal(text)
        self.check_kind(folded)
        return folded

    def check(self, q: Question, value: Any) -> None:
        self.check_kind(value)
        # ISO dates with four-digit years order correctly as strings.
        if q.min is not None and value < str(q.min):
            raise AnswerError("date_too_early", min=str(q.min))
        if q.max is not None and value > str(q.max):
            raise AnswerError("date_too_late", max=str(q.max))

    @staticmethod
    def check_kind(value: Any) -> None:
        """Raise not_date unless `value` is an existing date written YYYY-MM-DD."""
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise AnswerError("not_date")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise AnswerError("not_date") from None


# ---------------------------------------------------------------------------- text


class TextType(QuestionType):
    """A line of free text, stored exactly as typed."""

    name = "text"
    exact_specials = True

    def parse_text(self, q: Question, text: str) -> str:
        _check_characters(text)
        return text

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, str):
            raise AnswerError("not_text")
        _check_characters(value)
        if q.min_length is not None and len(value) < q.min_length:
            raise AnswerError("too_short", min_length=q.min_length)
        if q.max_length is not None and len(value) > q.max_length:
            raise AnswerError("too_long", max_length=q.max_length)
        if q.pattern and not re.search(q.pattern, value):
            raise AnswerError("pattern")


def _check_characters(text: str) -> None:
    if _BAD_CHARACTERS.search(text):
        raise AnswerError("bad_character")


class LongTextType(TextType):
    """Several paragraphs of free text, stored exactly as typed."""

    name = "longtext"


class NoteType(QuestionType):
    """Display-only text: it takes no answer."""

    name = "note"

    def parse(self, q: Question, raw: Raw) -> Any:
        if _items(raw):
            raise AnswerError("not_answerable")
        return None

    def validate(self, q: Question, value: Any) -> None:
        if not is_blank(value):
            raise AnswerError("not_answerable")


# ---------------------------------------------------------------------------- registry

TYPES: dict[str, QuestionType] = {
    cls.name: cls()
    for cls in (
        SingleType, MultiType, YesNoType, ScaleType, IntegerType, NumberType,
        YearType, DateType, TextType, LongTextType, NoteType,
    )
}  # fmt: skip


def type_of(q: Question) -> QuestionType:
    """The registered type of a question."""
    try:
        return TYPES[q.type]
    except KeyError:
        raise ValueError(f"question {q.key!r} has unknown type {q.type!r}") from None


def check_answer(
    q: Question, value: Any, answers: Mapping[str, Any], *, today: date | None = None
) -> AnswerError | None:
    """Everything wrong with one stored answer (required, limits, constraint), or None."""
    if is_blank(value):
        return AnswerError("required") if q.required and q.is_answerable else None
    try:
        type_of(q).validate(q, value)
    except AnswerError as error:
        return error
    if as_special(value) is None and q.constraint and not _holds(q, value, answers, today):
        return AnswerError("constraint")
    return None


def _holds(q: Question, value: Any, answers: Mapping[str, Any], today: date | None) -> bool:
    # expressions.parse keeps an lru_cache of parsed sources, so this stays cheap per call.
    return expressions.parse(q.constraint or "").test(answers, current=value, today=today)
