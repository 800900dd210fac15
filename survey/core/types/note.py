"""note: display-only text, which takes no answer and is never compared or exported."""

from __future__ import annotations

from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, QuestionType, Raw, is_blank, items


class NoteType(QuestionType):
    """Display-only text: it takes no answer."""

    name = "note"
    rules = ()
    default_rule = None
    agreement_levels = ()
    export_kind = None
    widget = "note"

    def parse(self, q: Question, raw: Raw) -> Any:
        if items(raw):
            raise AnswerError("not_answerable")
        return None

    def validate(self, q: Question, value: Any) -> None:
        if not is_blank(value):
            raise AnswerError("not_answerable")
