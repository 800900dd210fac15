"""Semantic checks on a questionnaire model, shared by every importer (YAML, XLSForm).

`validate` never stops at the first problem: it returns every problem it finds,
each with the line of the object it is about and, in parentheses, what would be
right. It only needs the model, so it knows nothing about YAML.

The parts: `common`, `header` (the questionnaire as a whole), `questions` and `references`
(mirrors and expressions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from survey.core.completeness import translation_problems
from survey.core.questionnaire import Problem, Questionnaire
from survey.core.validate.common import Found, canonical_tag, suggest
from survey.core.validate.header import _control_characters, _header, _keys, _sections
from survey.core.validate.questions import _question
from survey.core.validate.references import _expressions
from survey.core.validate.rosters import _rosters


def validate(
    q: Questionnaire, source: str, lines: Mapping[str, int] | None = None
) -> list[Problem]:
    """Every semantic problem of `q`, in line order; `lines`: lines of top-level keys, if known."""
    top = dict(lines or {})
    checks: Iterable[Found] = (
        _header(q, top),
        _sections(q, top),
        _keys(q),
        *(_question(q, question) for question in q.questions()),
        translation_problems(q, top),
        _expressions(q),
        _rosters(q),
        _control_characters(q.to_dict(), ""),
    )
    problems = [Problem(source, line, message) for found in checks for line, message in found]
    return sorted(problems, key=lambda problem: problem.line or 0)


__all__ = ["canonical_tag", "suggest", "validate"]
