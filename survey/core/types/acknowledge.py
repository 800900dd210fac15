"""acknowledge: one box to tick ("OK"), stored as 'OK' as ODK stores it; unticked is no answer."""

from __future__ import annotations

from survey.core.questionnaire import ACKNOWLEDGE_CODE, Question
from survey.core.types.base import AnswerError, normal
from survey.core.types.single import SingleType

_OK = {"ok": ACKNOWLEDGE_CODE, "yes": ACKNOWLEDGE_CODE, "1": ACKNOWLEDGE_CODE,
       "true": ACKNOWLEDGE_CODE, "是": ACKNOWLEDGE_CODE, "确认": ACKNOWLEDGE_CODE,
       "確認": ACKNOWLEDGE_CODE}  # fmt: skip


class AcknowledgeType(SingleType):
    """A yes-only checkbox: ticked is 'OK', unticked is no answer."""

    name = "acknowledge"
    has_options = False  # the one code is fixed; ACKNOWLEDGE_LABELS gives its label
    agreement_levels = ("nominal",)
    widget = "checkbox"

    def parse_text(self, q: Question, text: str) -> str:
        folded = normal(text).lower()
        if folded not in _OK:
            raise AnswerError("unknown_option", code=text)
        return _OK[folded]
