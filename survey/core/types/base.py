"""The base of every question type, the answer errors, and the helpers the types share."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from survey.core.questionnaire import FALLBACKS, CompareRule, Question, Special, Text, text_in

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
    "not_time": "Enter a time as hours:minutes, for example 14:30.",
    "not_datetime": "Enter a date and a time as year-month-day hours:minutes, for example"
    " 2009-03-01 14:30.",
    "not_in_range": "Choose a value from %(min)s to %(max)s in steps of %(step)s.",
    "rank_incomplete": "Give every option a place of its own, each option once.",
    "not_text": "Enter your answer as text.",
    "bad_character": "Your answer contains invisible control characters; please remove them.",
    "too_short": "Enter at least %(min_length)s characters.",
    "too_long": "Enter no more than %(max_length)s characters.",
    "pattern": "This answer is not in the expected format.",
    "unknown_option": "Choose one of the options offered.",
    "multiple_values": "Choose only one option.",
    "not_offered": "This choice no longer fits your earlier answers. Please choose one of the"
    " options shown now.",
    "special_not_allowed": "Please give an actual answer; this choice is not accepted here.",
    "special_not_alone": "You cannot combine “don't know” or “refused” with other choices.",
    "constraint": "This answer does not fit with your other answers; please check it.",
    "not_answerable": "This item only gives information and takes no answer.",
    "not_rows": "This answer is not a list of rows.",
    "too_few_rows": "Add at least %(min)s rows.",
    "too_many_rows": "Enter no more than %(max)s rows.",
    "row_errors": "Some rows have answers to correct; see the rows marked below.",
}

YESNO_LABELS: dict[str, Text] = {
    "yes": {"en": "Yes", "zh-Hans": "是", "zh-Hant": "是"},
    "no": {"en": "No", "zh-Hans": "否", "zh-Hant": "否"},
}
# The one choice of an acknowledge question (stored as ODK stores it: "OK").
ACKNOWLEDGE_LABELS: dict[str, Text] = {"OK": {"en": "OK", "zh-Hans": "确认", "zh-Hant": "確認"}}
FIXED_LABELS = {"yesno": YESNO_LABELS, "acknowledge": ACKNOWLEDGE_LABELS}

MAX_DIGITS = 15  # a double keeps 15 significant decimal digits exactly
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
SPECIAL_CODES = frozenset(Special)


class AnswerError(Exception):
    """An answer that cannot be accepted: a stable `code` and the `params` of its message."""

    def __init__(self, code: str, /, **params: Any):
        self.code = code
        self.params = params
        super().__init__(ERROR_MESSAGES[code] % params)

    def __repr__(self) -> str:
        return f"AnswerError({self.code!r}, {self.params!r})"


def is_blank(value: Any) -> bool:
    """Whether a stored value means "no answer": None, '' or an empty list."""
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


def as_special(value: Any) -> Special | None:
    """The special answer a stored value stands for, or None."""
    if isinstance(value, str) and value in SPECIAL_CODES:
        return Special(value)
    return None


def format_number(value: float) -> str:
    """A number for people: no '.0', no exponent, no thousands separator."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def normal(text: str) -> str:
    """Input folded for numbers, dates and codes: full-width forms to ASCII, trimmed."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


def one(raw: Raw) -> str | None:
    """The single string a form or CSV cell gave, or None when it gave nothing."""
    if isinstance(raw, list):
        filled = [item for item in raw if item and item.strip()]
        if len(filled) > 1:
            raise AnswerError("multiple_values")
        raw = filled[0] if filled else None
    return raw if raw and raw.strip() else None


def special(q: Question, text: str, *, exact: bool = False) -> Special | None:
    """The special answer `text` names, if any; refused when the question turns it off."""
    token = text.strip() if exact else normal(text).lower()
    if token not in SPECIAL_CODES:
        return None
    if Special(token) not in q.specials():
        raise AnswerError("special_not_allowed", special=token)
    return Special(token)


def label(q: Question, code: str, language: str) -> str:
    """An option's label in `language` (with the usual fallbacks), or its code."""
    option = q.option(code)
    # yesno and acknowledge list no options; unknown codes fall through to the code
    labels = option.label if option is not None else FIXED_LABELS.get(q.type, {}).get(code, {})
    text, _ = text_in(labels, language, FALLBACKS.get(language, ()))
    return text or next((label for label in labels.values() if label), code)


def digits(number: str) -> int:
    """Significant digits of a plain decimal: leading and trailing zeros do not count."""
    whole, _, fraction = number.lstrip("+-").partition(".")
    return len((whole + fraction.rstrip("0")).lstrip("0"))


def items(raw: Raw) -> list[str]:
    """The codes a multi input names: a list of codes, or one string joined by ';'."""
    if raw is None:
        return []
    parts = raw if isinstance(raw, list) else re.split("[;；]", raw)
    return [part.strip() for part in parts if part and part.strip()]


class QuestionType:
    """All that survey knows about one question type: how an answer is parsed, checked and
    shown, which widget asks for it, how two sides' answers compare, how exports encode it."""

    name: ClassVar[str] = ""
    exact_specials: ClassVar[bool] = False  # free text: only lowercase 'dk'/'rf' are special
    has_options: ClassVar[bool] = False  # its options are listed in the questionnaire
    bounded: ClassVar[bool] = False  # min and max apply to its answers
    has_length: ClassVar[bool] = False  # min_length, max_length and pattern apply
    # Compare rules: those a questionnaire may name (the first few shown as the choice),
    # the default when it names none, and how the engine applies each (review: a person).
    rules: ClassVar[tuple[str, ...]] = ("exact", "review", "none")
    default_rule: ClassVar[str | None] = "exact"
    comparators: ClassVar[Mapping[str, Comparator]] = {}
    agreement_levels: ClassVar[tuple[str, ...]] = ("nominal",)  # the first is the default
    # code, codes, integer, number, date, time, clock or string (survey.exports.dataset)
    export_kind: ClassVar[str | None] = "string"
    # radio, checkbox, yesno, input, textarea, note, rank or calculate
    widget: ClassVar[str] = "input"
    input_attributes: ClassVar[str] = ' type="text"'  # an input widget's type and hints

    def parse(self, q: Question, raw: Raw) -> Any:
        """Form or CSV input → stored value; None for no answer; AnswerError if unusable."""
        text = one(raw)
        if text is None:
            return None
        return special(q, text, exact=self.exact_specials) or self.parse_text(q, text)

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

    def input_value(self, q: Question, value: Any) -> Any:
        """A real stored value as its input field shows it again (what the widget sends)."""
        return self.display(q, value, "en")

    def as_number(self, q: Question, value: Any) -> float | None:
        """The value as a number for numeric comparison, or None."""
        return None

    def comparator(self, q: Question, rule: CompareRule) -> Comparator:
        """How `rule` compares two answers to `q`; ValueError when it does not apply."""
        if rule.kind == "review":
            return _review
        try:
            return self.comparators[rule.kind]
        except KeyError:
            raise ValueError(
                f"question {q.key!r}: rule {rule.kind!r} does not apply to a {self.name} question"
            ) from None


Verdict = tuple[str, str]  # (outcome, detail)
Comparator = Callable[["QuestionType", Question, CompareRule, Any, Any], Verdict]


def _review(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    return ("review", "decided by a person")
