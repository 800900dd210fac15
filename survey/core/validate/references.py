"""Checks of what refers to other questions: mirrors, and the expressions (relevant,
constraint, calculation, required_if, choice_filter and the columns it names)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from survey.core import expressions
from survey.core.questionnaire import Question, Questionnaire
from survey.core.validate.common import CHOICE_TYPES, IDENTIFIER, Found, suggest


def _mirror(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    if question.mirror is None:
        return
    target = _find(q, question.mirror)
    if question.mirror == question.key:
        yield f"{where} mirrors itself (mirror names another question, e.g. delegations_received)"
    elif target is None:
        hint = suggest(question.mirror, (x.key for x in q.questions() if x is not question))
        yield (
            f"{where} mirrors '{question.mirror}', which does not exist "
            f"({hint}mirror names another question of this questionnaire)"
        )
    else:
        yield from _mirror_target(q, question, target, where)


def _mirror_target(
    q: Questionnaire, question: Question, target: Question, where: str
) -> Iterator[str]:
    if not question.is_compared:
        yield (
            f"{where} mirrors '{target.key}' but is not compared "
            "(give it a compare rule other than none)"
        )
    symmetric = target.mirror == question.key
    if not symmetric:
        yield (
            f"question '{target.key}' does not mirror back to '{question.key}' "
            f"(add mirror: {question.key} to question '{target.key}')"
        )
    if not symmetric or _comes_first(q, question, target):
        yield from _mirror_pair(question, target, where)


def _find(q: Questionnaire, key: str) -> Question | None:
    return next((x for x in q.questions() if x.key == key), None)


def _comes_first(q: Questionnaire, one: Question, other: Question) -> bool:
    # A symmetric pair is checked once, from the question that comes first.
    order = [x.key for x in q.questions()]
    return order.index(one.key) < order.index(other.key)


def _mirror_pair(question: Question, target: Question, where: str) -> Iterator[str]:
    if question.type != target.type:
        yield (
            f"{where} is {question.type} but its mirror '{target.key}' is {target.type} "
            "(mirrored questions must have the same type)"
        )
    elif question.type in CHOICE_TYPES and _codes(question) != _codes(target):
        yield (
            f"{where} and its mirror '{target.key}' have different option codes "
            f"({', '.join(question.option_codes)} vs {', '.join(target.option_codes)}; "
            "mirrored questions need the same codes)"
        )
    if question.compare != target.compare and target.type == question.type:
        yield (
            f"{where} and its mirror '{target.key}' are compared differently "
            "(give both the same compare rule)"
        )


def _codes(question: Question) -> tuple[str, ...] | frozenset[str]:
    # A scale's codes are ordinal, so their order matters; other choices are sets.
    codes = question.option_codes
    return codes if question.type == "scale" else frozenset(codes)


# ---------------------------------------------------------------------------- expressions

_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _checked_as(question: Question) -> str:
    """The type the expression checks see: a single question whose codes are all numbers
    counts as a scale, so arithmetic on its codes is allowed (real XLSForms add up
    1/0 or 1-5 codes: `${a} + ${b}`); XPath reads each code as its number."""
    numeric = question.options and all(_NUMBER.fullmatch(o.code) for o in question.options)
    return "scale" if question.type == "single" and numeric else question.type


def _expressions(q: Questionnaire) -> Found:
    types = {x.key: _checked_as(x) for x in q.questions()}
    earlier: dict[str, str] = {}
    for section in q.sections:
        where = f"section '{section.key}'"
        yield from _expression(section.relevant, "relevant", where, section.line, earlier, types)
        for question in section.questions:
            yield from _question_expressions(question, earlier, types)
            earlier[question.key] = types[question.key]


def _question_expressions(
    question: Question, earlier: dict[str, str], types: dict[str, str]
) -> Found:
    where, line = f"question '{question.key}'", question.line
    yield from _expression(question.relevant, "relevant", where, line, earlier, types)
    # A constraint may name its own question: ${key} there means the same as '.'.
    known = {**earlier, question.key: question.type}
    yield from _expression(
        question.constraint, "constraint", where, line, known, types, question.type
    )
    yield from _expression(question.calculation, "calculation", where, line, earlier, types)
    yield from _expression(question.required_if, "required_if", where, line, earlier, types)
    yield from _expression(
        question.choice_filter, "choice_filter", where, line, earlier, types,
        parser=expressions.parse_filter,
    )  # fmt: skip
    yield from _filter_columns(question, where)


def _filter_columns(question: Question, where: str) -> Found:
    """A choice_filter's bare names must be columns of the question's options."""
    given = {name for option in question.options for name in option.columns}
    for name in sorted(given):
        if not IDENTIFIER.fullmatch(name) or name == "name":
            yield (
                question.line,
                (
                    f"the options of {where} have the column '{name}', which a choice_filter cannot"
                    " name (use letters, digits and '_'; 'name' is the option's code)"
                ),
            )
    if question.choice_filter is None:
        if given:
            yield (
                question.line,
                (
                    f"the options of {where} have columns but the question has no choice_filter"
                    " (add choice_filter:, or remove the columns)"
                ),
            )
        return
    if question.type not in FILTERED_TYPES:
        yield (
            question.line,
            (
                f"{question.type} {where} cannot have a choice_filter"
                " (only single and multi questions filter their options)"
            ),
        )
        return
    try:
        named = expressions.parse_filter(question.choice_filter).columns
    except expressions.ExpressionError:
        return  # reported with the expression
    given |= {"name"}
    for name in sorted(named - given):
        known = ", ".join(sorted(given - {"name"})) or "none"
        yield (
            question.line,
            (
                f"choice_filter of {where} names the column '{name}', which none of its options"
                f" has (their columns: {known}; 'name' is an option's code)"
            ),
        )


FILTERED_TYPES = ("single", "multi")


def _expression(
    source: str | None,
    field: str,
    where: str,
    line: int | None,
    known: Mapping[str, str],
    types: Mapping[str, str],
    current: str | None = None,
    parser: Callable[[str], expressions.Expression] = expressions.parse,
) -> Found:
    if source is None:
        return
    what = f"{field} of {where}"
    try:
        expression = parser(source)
    except expressions.ExpressionError as error:
        yield line, _syntax_message(what, source, error)
        return
    # Later questions are reported here, so the type check below treats them as known.
    later = {key: types[key] for key in expression.references if key not in known and key in types}
    for key in sorted(later):
        yield line, f"{what} refers to ${{{key}}}, which does not come before it {_EARLIER}"
    for message in expression.check({**known, **later}, current):
        yield line, f"{what}: {message}"


_EARLIER = "(a question can only depend on earlier questions)"


def _syntax_message(what: str, source: str, error: expressions.ExpressionError) -> str:
    at = "" if error.position is None else f"at character {error.position + 1} of "
    return f"{what} is not a valid expression: {error.message} ({at}{source!r})"
