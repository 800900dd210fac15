"""What respondents read when an answer cannot be accepted, in their language.

`ANSWER_MESSAGES` has one lazy string per `core.types.ERROR_MESSAGES` code with the
same named placeholders (a test keeps the two in step); `answer_message` picks the
questionnaire's own constraint message when it gives one.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from survey.core.questionnaire import FALLBACKS, Question, text_in
from survey.core.types import AnswerError

ANSWER_MESSAGES = {
    "required": _l("Please answer this question."),
    "not_integer": _l("Enter a whole number using digits only, without commas or decimals."),
    "not_number": _l("Enter a number using digits and at most one decimal point, without commas."),
    "too_many_digits": _l("Enter a number with no more than %(max_digits)s digits."),
    "below_min": _l("Enter a number no smaller than %(min)s."),
    "above_max": _l("Enter a number no larger than %(max)s."),
    "not_year": _l("Enter a year as four digits, for example 2009."),
    "year_too_early": _l("Enter a year no earlier than %(min)s."),
    "year_too_late": _l("Enter a year no later than %(max)s."),
    "not_date": _l("Enter a real date as year-month-day, for example 2009-03-01."),
    "date_too_early": _l("Enter a date no earlier than %(min)s."),
    "date_too_late": _l("Enter a date no later than %(max)s."),
    "not_time": _l("Enter a time as hours:minutes, for example 14:30."),
    "not_datetime": _l(
        "Enter a date and a time as year-month-day hours:minutes, for example 2009-03-01 14:30."
    ),
    "not_in_range": _l("Choose a value from %(min)s to %(max)s in steps of %(step)s."),
    "rank_incomplete": _l("Give every option a place of its own, each option once."),
    "not_text": _l("Enter your answer as text."),
    "bad_character": _l("Your answer contains invisible control characters; please remove them."),
    "too_short": _l("Enter at least %(min_length)s characters."),
    "too_long": _l("Enter no more than %(max_length)s characters."),
    "pattern": _l("This answer is not in the expected format."),
    "unknown_option": _l("Choose one of the options offered."),
    "multiple_values": _l("Choose only one option."),
    "not_offered": _l(
        "This choice no longer fits your earlier answers. Please choose one of the options"
        " shown now."
    ),
    "special_not_allowed": _l("Please give an actual answer; this choice is not accepted here."),
    "special_not_alone": _l("You cannot combine “don't know” or “refused” with other choices."),
    "constraint": _l("This answer does not fit with your other answers; please check it."),
    "not_answerable": _l("This item only gives information and takes no answer."),
    "not_rows": _l("This answer is not a list of rows."),
    "too_few_rows": _l("Add at least %(min)s rows."),
    "too_many_rows": _l("Enter no more than %(max)s rows."),
    "row_errors": _l("Some rows have answers to correct; see the rows marked below."),
}

# Codes the respondent's form adds to the answer types' own.
FORM_MESSAGES = {
    "special_with_text": _l(
        "You typed an answer and also ticked “don't know” or “prefer not to answer”: "
        "please clear one of them."
    ),
    "choose_version": _l("Please choose which answer to keep."),
}


def answer_message(error: AnswerError, question: Question, language: str) -> str:
    """The message for one refused answer in the page's language."""
    own = {"constraint": question.constraint_message, "required": question.required_message}
    if own.get(error.code):
        custom, _ = text_in(own[error.code], language, FALLBACKS.get(language, ()))
        if custom:
            return custom
    template = ANSWER_MESSAGES.get(error.code) or FORM_MESSAGES.get(error.code)
    if template is None:
        return str(error)
    return _format(str(template), error.params)


def _format(template: str, params: dict[str, Any]) -> str:
    try:
        return template % params if params else template
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return template
