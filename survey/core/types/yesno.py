"""yesno: yes or no, stored as 'yes' / 'no' (the labels are the service's own)."""

from __future__ import annotations

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, normal
from survey.core.types.single import SingleType

_YESNO_INPUT = {
    "yes": "yes", "no": "no", "1": "yes", "0": "no", "true": "yes", "false": "no",
    "是": "yes", "否": "no",
}  # fmt: skip


class YesNoType(SingleType):
    """Yes or no, stored as 'yes' / 'no'."""

    name = "yesno"
    has_options = False  # the codes are fixed; YESNO_LABELS gives their labels
    widget = "yesno"

    def parse_text(self, q: Question, text: str) -> str:
        folded = normal(text).lower()
        if folded not in _YESNO_INPUT:
            raise AnswerError("unknown_option", code=text)
        return _YESNO_INPUT[folded]
