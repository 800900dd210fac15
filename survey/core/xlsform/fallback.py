"""Texts a form leaves out in one of its languages, filled in.

ODK shows a form's default-language text where a translation is missing; survey asks for
every text in every language. On import a missing text is filled from the default
language (else the first language that has it; else, for a text that must exist, the
question's key, the option's code or the form's title), and one warning per language
names the rows filled.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable

from survey.core.questionnaire import Question, Questionnaire, Section, Text

Note = Callable[[int | None, str], None]
_UNTITLED = frozenset({"roster", "calculate"})  # a text they may lack


class _Filler:
    def __init__(self, q: Questionnaire):
        self.languages = tuple(dict.fromkeys(q.languages))
        self.order = (q.default_language or self.languages[0], *self.languages)
        self.filled: dict[tuple[str, str], list[int]] = defaultdict(list)  # (to, from) → rows

    def text(self, text: Text, line: int | None, required: bool, last_resort: str) -> Text:
        present = [language for language in self.order if text.get(language, "").strip()]
        missing = [language for language in self.languages if language not in present]
        if not missing or not (present or required):
            return text
        source = present[0] if present else ""
        value = text[source] if present else last_resort
        for language in missing:
            self.filled[(language, source)].append(line or 0)
        return {**text, **dict.fromkeys(missing, value)}

    def question(self, question: Question) -> Question:
        line = question.line
        options = tuple(
            dataclasses.replace(o, label=self.text(o.label, o.line or line, True, o.code))
            for o in question.options
        )
        return dataclasses.replace(
            question,
            text=self.text(question.text, line, question.type not in _UNTITLED, question.key),
            help=self.text(question.help, line, False, ""),
            constraint_message=self.text(question.constraint_message, line, False, ""),
            options=options,
            columns=tuple(self.question(column) for column in question.columns),
        )

    def section(self, section: Section, title: Text) -> Section:
        last_resort = next(iter(title.values()), section.key)
        return dataclasses.replace(
            section,
            title=self.text(section.title, section.line, True, last_resort),
            description=self.text(section.description, section.line, False, ""),
            questions=tuple(self.question(question) for question in section.questions),
        )


def fill_missing_texts(q: Questionnaire, note: Note) -> Questionnaire:
    """`q` with every missing text filled in, and a warning per language filled."""
    if not q.languages:
        return q
    filler = _Filler(q)
    title = filler.text(q.title, None, True, q.key)
    filled = dataclasses.replace(
        q,
        title=title,
        introduction=filler.text(q.introduction, None, False, ""),
        closing=filler.text(q.closing, None, False, ""),
        sections=tuple(filler.section(section, title) for section in q.sections),
    )
    for (language, source), lines in filler.filled.items():
        rows = sorted(set(lines))
        shown = f"the {source} text" if source else "the name or code"
        listed = ", ".join(map(str, rows[:12])) + (" …" if len(rows) > 12 else "")
        note(
            rows[0] or None,
            f"{len(lines)} texts have no {language} version: {shown} is shown instead"
            f" (rows {listed})",
        )
    return filled
