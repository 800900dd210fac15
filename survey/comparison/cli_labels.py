"""Words for the comparison commands' tables: questions, options, pairs, sides and rules.

A table on a terminal is read by a person (UX.md principle 1): a question's text in the
chosen language with its key below it, option labels instead of codes, a pair's two place
names with its code below, side labels; rules in words come from `survey.wording`. Machine
formats keep the codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.core.questionnaire import Questionnaire
from survey.core.types import YESNO_LABELS
from survey.rounds.models import Round
from survey.studies.models import Pair, PairSide, StudySide

SPECIAL_WORDS = {
    "dk": {"en": "don't know", "zh-Hans": "不知道", "zh-Hant": "不知道"},
    "rf": {"en": "refused", "zh-Hans": "拒绝回答", "zh-Hant": "拒絕回答"},
}


def pick(texts: Mapping[str, str] | None, lang: str) -> str:
    """A per-language text in `lang`, else the other Chinese script, else English, else any."""
    texts = texts or {}
    other = {"zh-Hans": "zh-Hant", "zh-Hant": "zh-Hans"}.get(lang, "")
    return texts.get(lang) or texts.get(other) or texts.get("en") or next(iter(texts.values()), "")


class Labels:
    """The words of one round's questions, options, pairs and sides in one language."""

    def __init__(self, session: Session, round_: Round, q: Questionnaire, sides, lang: str):  # noqa: ANN001
        self.q, self.lang = q, lang
        self.sides: dict[str, StudySide] = {s.code: s for s in sides}
        self.questions = {question.key: question for question in q.questions()}
        self.places: dict[str, list[PairSide]] = {}
        query = (
            select(Pair.code, PairSide)
            .join(PairSide, PairSide.pair_id == Pair.id)
            .join(StudySide, StudySide.id == PairSide.side_id)
            .where(Pair.study_id == round_.study_id)
            .order_by(Pair.code, StudySide.position)
        )
        for code, place in session.execute(query):
            self.places.setdefault(code, []).append(place)

    def question(self, key: str) -> str:
        """The question's text with its key on a second line."""
        text = self.question_text(key)
        return f"{text}\n{key}" if text else key

    def question_text(self, key: str) -> str:
        """The question's text alone ('' for an unknown key)."""
        found = self.questions.get(key)
        return pick(found.text, self.lang) if found else ""

    def pair(self, code: str) -> str:
        """Both place names (in the language's script when given) and the code below."""
        names = []
        for place in self.places.get(code, []):
            chinese = self.lang.startswith("zh") and place.place_zh
            names.append(place.place_zh if chinese else (place.place_en or place.place_zh))
        return f"{' – '.join(n for n in names if n)}\n{code}" if any(names) else code

    def side(self, code: str) -> str:
        side = self.sides.get(code)
        return pick(side.label, self.lang) or code if side else code

    def value(self, key: str, value: Any) -> str:
        """An answer in words: option labels, yes/no, don't know / refused; numbers as given."""
        if value is None:
            return ""
        if isinstance(value, list):
            return "; ".join(self.value(key, v) for v in value)
        text = str(value)
        if text in SPECIAL_WORDS:
            return pick(SPECIAL_WORDS[text], self.lang)
        found = self.questions.get(key)
        if found is not None and found.type == "yesno" and text in YESNO_LABELS:
            return pick(YESNO_LABELS[text], self.lang)
        for option in found.options if found else ():
            if option.code == text:
                return pick(option.label, self.lang)
        return text
