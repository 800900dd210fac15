"""Semantic checks on a questionnaire model, shared by every importer (YAML, XLSForm).

`validate` never stops at the first problem: it returns every problem it finds,
each with the line of the object it is about and, in parentheses, what would be
right. It only needs the model, so it knows nothing about YAML.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Iterable, Iterator, Mapping

from survey.core import expressions
from survey.core.completeness import translation_problems
from survey.core.questionnaire import (
    CHOICE_TYPES,
    RULES,
    TYPES,
    Problem,
    Question,
    Questionnaire,
    Special,
)

Found = Iterator[tuple[int | None, str]]  # (line, message) pairs, turned into Problems at the end

QUESTIONNAIRE_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Codes travel through CSV files joined by ';' and into SPSS/Stata value labels.
OPTION_CODE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
LANGUAGE_TAG = re.compile(
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
)
BOUNDED_TYPES = ("integer", "number", "year", "date")
LENGTH_TYPES = ("text", "longtext")
RULES_FOR_TYPE = {
    "single": ("exact", "review", "none"),
    "yesno": ("exact", "review", "none"),
    "multi": ("set", "overlap", "review", "none"),
    "scale": ("exact", "tolerance", "review", "none"),
    "integer": ("exact", "tolerance", "review", "none"),
    "number": ("exact", "tolerance", "review", "none"),
    "year": ("exact", "tolerance", "review", "none"),
    "date": ("exact", "within_days", "review", "none"),
    "text": ("exact", "review", "none"),
    "longtext": ("exact", "review", "none"),
}


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
        _control_characters(q.to_dict(), ""),
    )
    problems = [Problem(source, line, message) for found in checks for line, message in found]
    return sorted(problems, key=lambda problem: problem.line or 0)


def suggest(word: str, choices: Iterable[str]) -> str:
    """'did you mean …? ' for a near miss among `choices`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def canonical_tag(tag: str) -> str:
    """A language tag in its conventional case: 'zh_hans' → 'zh-Hans', 'EN-us' → 'en-US'."""
    parts = re.split(r"[-_]", tag)
    return "-".join([parts[0].lower(), *(_tag_part(part) for part in parts[1:])])


def _tag_part(part: str) -> str:
    if len(part) == 4 and part.isalpha():
        return part.title()
    return part.upper() if len(part) == 2 else part.lower()


# ---------------------------------------------------------------------------- header


# C0 controls but tab, line feed and carriage return, and DEL: no page, export or
# PostgreSQL text can hold U+0000, and HTML forbids the others.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_characters(data: object, where: str) -> Found:
    """Every text of the questionnaire (keys, labels, expressions) free of control characters."""
    if isinstance(data, str):
        found = _CONTROL.search(data)
        if found:
            code = f"U+{ord(found.group()):04X}"
            yield None, f"{where} contains the control character {code} (remove it)"
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _control_characters(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for number, value in enumerate(data):
            yield from _control_characters(value, f"{where}[{number}]")


def _header(q: Questionnaire, top: Mapping[str, int]) -> Found:
    if not q.key:
        yield top.get("key"), "questionnaire has no key (add key: e.g. sister-cities)"
    elif not QUESTIONNAIRE_KEY.fullmatch(q.key):
        shape = "use lower-case letters, digits, '-' and '_', starting with a letter or digit"
        yield (
            top.get("key"),
            f"questionnaire key '{q.key}' is not valid ({shape}, e.g. sister-cities)",
        )
    if not q.version.strip():
        yield top.get("version"), 'questionnaire has no version (add version: e.g. "2009.1")'
    yield from _languages(q, top.get("languages"))
    if q.default_language is not None and q.default_language not in q.languages:
        message = f"default_language '{q.default_language}' is not among the languages"
        yield top.get("default_language"), f"{message} (expected one of: {', '.join(q.languages)})"


def _languages(q: Questionnaire, line: int | None) -> Found:
    if not q.languages:
        yield line, "questionnaire has no languages (add languages: e.g. [en, zh-Hans, zh-Hant])"
    seen: set[str] = set()
    for tag in q.languages:
        if tag in seen:
            yield line, f"language '{tag}' is listed twice (list each language once)"
        seen.add(tag)
        yield from _language_tag(tag, line)


def _language_tag(tag: str, line: int | None) -> Found:
    fixed = canonical_tag(tag)
    if not LANGUAGE_TAG.fullmatch(fixed):
        example = "expected a tag such as en, zh-Hans or zh-Hant"
        yield line, f"'{tag}' is not a BCP 47 language tag ({example})"
    elif fixed != tag:
        yield line, f"language tag '{tag}' is not in its standard form (write '{fixed}')"


# ---------------------------------------------------------------------------- structure


def _sections(q: Questionnaire, top: Mapping[str, int]) -> Found:
    if not q.sections:
        yield top.get("sections"), "questionnaire has no sections (add at least one section)"
    for section in q.sections:
        if not section.questions:
            message = f"section '{section.key}' has no questions"
            yield section.line, f"{message} (add at least one question)"


def _keys(q: Questionnaire) -> Found:
    yield from _unique_identifiers("section", ((s.key, s.line) for s in q.sections))
    yield from _unique_identifiers("question", ((x.key, x.line) for x in q.questions()))


def _unique_identifiers(kind: str, keys: Iterable[tuple[str, int | None]]) -> Found:
    first: dict[str, int | None] = {}
    for key, line in keys:
        if not key:
            yield line, f"a {kind} has no key (add key: a name such as {kind}_1)"
        elif not IDENTIFIER.fullmatch(key):
            shape = "use letters, digits and '_', not starting with a digit"
            yield line, f"{kind} key '{key}' is not valid ({shape})"
        if key and key in first:
            unique = f"{kind} keys must be unique in the questionnaire"
            where = f"first at line {first[key] or '?'}"
            yield line, f"{kind} key '{key}' appears twice ({where}; {unique})"
        first.setdefault(key, line)


# ---------------------------------------------------------------------------- questions


def _question(q: Questionnaire, question: Question) -> Found:
    where = f"question '{question.key}'" if question.key else "a question without a key"
    if question.type not in TYPES:
        yield question.line, _unknown_type(question.type, where)
        return  # the other checks all depend on the type
    for check in (_options, _bounds, _lengths, _compare, _note, _mirror):
        yield from ((question.line, message) for message in check(q, question, where))


def _unknown_type(name: str, where: str) -> str:
    expected = ", ".join(TYPES)
    if not name:
        return f"{where} has no type (add type: one of {expected})"
    hint = suggest(name, TYPES)
    return f"unknown question type '{name}' in {where} ({hint}expected one of: {expected})"


def _options(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    count = len(question.options)
    if question.type in CHOICE_TYPES and count < 2:
        yield (
            f"{question.type} {where} needs at least 2 options "
            f"(has {count}; add options: - {{code: …, label: …}})"
        )
    elif question.type not in CHOICE_TYPES and count:
        fixed = " (yesno has the fixed codes yes and no)" if question.type == "yesno" else ""
        yield (
            f"{question.type} {where} cannot have options{fixed} "
            "(remove options; only single, multi and scale questions have them)"
        )
    yield from _option_codes(question, where)


def _option_codes(question: Question, where: str) -> Iterator[str]:
    seen: set[str] = set()
    for index, option in enumerate(question.options, 1):
        code = option.code
        if not code:
            yield f"option #{index} of {where} has no code (add code: e.g. a{index})"
        elif code in tuple(Special):
            yield (
                f"option code '{code}' in {where} is reserved for don't know / refused "
                "(choose another code)"
            )
        elif not OPTION_CODE.fullmatch(code):
            yield (
                f"option code '{code}' in {where} is not valid "
                "(use letters, digits, '_', '-' and '.', without spaces or ';')"
            )
        if code and code in seen:
            yield (
                f"option code '{code}' appears twice in {where} "
                "(option codes must be unique within a question)"
            )
        seen.add(code)


def _bounds(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    given = {
        name: value for name in ("min", "max") if (value := getattr(question, name)) is not None
    }
    if given and question.type not in BOUNDED_TYPES:
        for name in given:
            yield (
                f"{name} is not allowed on {question.type} {where} "
                "(min and max apply to integer, number, year and date questions)"
            )
        return
    problems = [_bound_problem(question.type, name, value, where) for name, value in given.items()]
    yield from filter(None, problems)
    # Past the type checks both bounds are numbers, or both ISO dates (which sort as strings).
    if len(given) == 2 and not any(problems) and given["min"] > given["max"]:  # type: ignore[operator]
        low, high = given["min"], given["max"]
        yield f"min {low} is greater than max {high} in {where} (min must not exceed max)"


def _bound_problem(kind: str, name: str, value: float | str, where: str) -> str | None:
    if kind == "date":
        if isinstance(value, str) and _iso_date(value):
            return None
        example = "write YYYY-MM-DD, e.g. 2009-01-31"
        return f"{name} of date {where} is not an ISO date ({value!r}; {example})"
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return None
    return f"{name} of {kind} {where} is not a number ({value!r}; write a number such as 0)"


def _iso_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


def _lengths(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    if question.pattern is not None:
        yield from _pattern(question, where)
    given = {
        name: value
        for name in ("min_length", "max_length")
        if (value := getattr(question, name)) is not None
    }
    if given and question.type not in LENGTH_TYPES:
        for name in given:
            yield (
                f"{name} is not allowed on {question.type} {where} "
                "(min_length and max_length apply to text and longtext questions)"
            )
        return
    for name, value in given.items():
        if value < 0:
            yield f"{name} {value} of {where} is negative (a length is 0 or more)"
    if len(given) == 2 and given["min_length"] > given["max_length"]:
        yield (
            f"min_length {given['min_length']} is greater than max_length "
            f"{given['max_length']} in {where} (min_length must not exceed max_length)"
        )


def _pattern(question: Question, where: str) -> Iterator[str]:
    if question.type != "text":
        yield f"pattern is not allowed on {question.type} {where} (pattern applies to text)"
        return
    try:
        re.compile(question.pattern or "")
    except (re.error, OverflowError, RecursionError) as error:
        yield (
            f"pattern {question.pattern!r} of {where} is not a valid regular expression: "
            f"{error} (check brackets, repetitions and backslashes)"
        )


def _compare(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    rule = question.compare
    if question.type == "note":
        if rule is not None:
            yield f"note {where} cannot be compared (remove compare; notes are never compared)"
        return
    allowed = RULES_FOR_TYPE[question.type]
    if rule is None:
        yield f"{where} has no compare rule (add compare: one of {', '.join(allowed)})"
    elif rule.kind not in allowed:
        hint = suggest(rule.kind, RULES) if rule.kind not in RULES else ""
        yield (
            f"compare rule '{rule.kind}' does not fit {question.type} {where} "
            f"({hint}allowed for {question.type}: {', '.join(allowed)})"
        )
    else:
        yield from _rule_value(rule.kind, rule.value, where)


def _rule_value(kind: str, value: float | None, where: str) -> Iterator[str]:
    if kind not in ("overlap", "tolerance", "within_days"):
        return
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        yield f"compare rule '{kind}' of {where} has no number (write e.g. {_EXAMPLES[kind]})"
    elif kind == "overlap" and not 0 < value <= 1:
        yield (
            f"overlap {value} of {where} is out of range "
            "(the Jaccard overlap J must be greater than 0 and at most 1, e.g. {overlap: 0.5})"
        )
    elif kind == "tolerance" and value < 0:
        yield f"tolerance {value} of {where} is negative (a tolerance is 0 or more)"
    elif kind == "within_days" and (value < 0 or value != int(value)):
        yield (
            f"within_days {value} of {where} is not a whole number of days "
            "(write 0 or more, e.g. 31)"
        )


_EXAMPLES = {
    "overlap": "{overlap: 0.5}",
    "tolerance": "{tolerance: {abs: 1}} or {tolerance: {rel: 0.1}}",
    "within_days": "{within_days: 31}",
}


def _note(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    if question.type == "note":
        if question.required:
            yield f"note {where} cannot be required (remove required; a note has no answer)"
        if question.constraint is not None:
            yield f"note {where} cannot have a constraint (remove constraint; a note has no answer)"
    elif question.constraint_message and question.constraint is None:
        yield (
            f"{where} has a constraint_message but no constraint "
            "(add constraint: or remove constraint_message)"
        )


# ---------------------------------------------------------------------------- mirrors


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


def _expressions(q: Questionnaire) -> Found:
    types = {x.key: x.type for x in q.questions()}
    earlier: dict[str, str] = {}
    for section in q.sections:
        where = f"section '{section.key}'"
        yield from _expression(section.relevant, "relevant", where, section.line, earlier, types)
        for question in section.questions:
            yield from _question_expressions(question, earlier, types)
            earlier[question.key] = question.type


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


def _expression(
    source: str | None,
    field: str,
    where: str,
    line: int | None,
    known: Mapping[str, str],
    types: Mapping[str, str],
    current: str | None = None,
) -> Found:
    if source is None:
        return
    what = f"{field} of {where}"
    try:
        expression = expressions.parse(source)
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
