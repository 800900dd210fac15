"""The checks that need the questions' types: unknown references, arithmetic on codes."""

from __future__ import annotations

from collections.abc import Mapping

from survey.core.expressions.functions import CHOICE_KEY
from survey.core.expressions.numeric import NUMERIC
from survey.core.expressions.tokens import (
    ARITHMETIC,
    CHOICE_QUESTION_TYPES,
    NON_ARITHMETIC_TYPES,
)
from survey.core.expressions.tree import Binary, Call, Current, Negate, Node, Ref


def _reference_problems(node: Node, types: Mapping[str, str], current: str | None) -> list[str]:
    if isinstance(node, Current) and current is None:
        return ["'.' is only allowed in a constraint"]
    if not isinstance(node, Ref):
        return []
    if node.key not in types:
        return [f"unknown question ${{{node.key}}} (only earlier questions can be referred to)"]
    if types[node.key] == "note":
        return [f"${{{node.key}}} is a note and has no answer"]
    return []


def _operand_type(node: Node, types: Mapping[str, str], current: str | None) -> tuple[str, str]:
    """(how to name the operand, its question type), or ('', '') when not a question."""
    if isinstance(node, Ref) and node.key in types:
        return f"${{{node.key}}}", types[node.key]
    if isinstance(node, Current) and current is not None:
        return "'.'", current
    return "", ""


def _arithmetic_problems(node: Node, types: Mapping[str, str], current: str | None) -> list[str]:
    if isinstance(node, Negate):
        operands, op = (node.operand,), "-"
    elif isinstance(node, Binary) and node.op in ARITHMETIC:
        operands, op = (node.left, node.right), node.op
    else:
        return []
    problems = []
    for operand in operands:
        name, kind = _operand_type(operand, types, current)
        if kind in NON_ARITHMETIC_TYPES:
            problems.append(f"{name} is a {kind} question: it cannot be used with '{op}'")
    return problems


# The math functions read their arguments as numbers: a code or a text never is one.
_MATH = frozenset(NUMERIC) - {"boolean"}


def _math_problems(node: Node, types: Mapping[str, str], current: str | None) -> list[str]:
    if not isinstance(node, Call) or node.name not in _MATH:
        return []
    problems = []
    for argument in node.args:
        name, kind = _operand_type(argument, types, current)
        if kind in NON_ARITHMETIC_TYPES:
            problems.append(f"{name} is a {kind} question: it cannot be used with {node.name}()")
    return problems


def _selection_problems(node: Node, types: Mapping[str, str], current: str | None) -> list[str]:
    if not isinstance(node, Call) or node.name not in ("selected", "count-selected", "selected-at"):
        return []
    target = node.args[0]
    if not isinstance(target, Ref | Current):
        return [f"the first argument of {node.name}() must be a question such as ${{key}}"]
    name, kind = _operand_type(target, types, current)
    # A calculation's value may be a space-separated list of codes, as XPath's selected() reads it
    allowed = ("multi", "calculate", "rank")  # a ranking holds every code it ranks
    if node.name == "selected":
        allowed += ("single", "yesno", "scale")
    if not kind or kind in allowed:
        return []  # unknown references are reported on their own
    choices = "a single, multi, yesno or scale" if node.name == "selected" else "a multi"
    wanted = f"{choices} question or a calculation"
    return [f"{node.name}() needs {wanted}, but {name} is {kind}"]


def _choice_name_problems(node: Node, types: Mapping[str, str], current: str | None) -> list[str]:
    if not isinstance(node, Call) or node.name != "jr:choice-name":
        return []
    found = CHOICE_KEY.fullmatch(str(getattr(node.args[1], "value", "")))
    key = found[1] if found else ""
    if key not in types:
        return [f"jr:choice-name() names the unknown question ${{{key}}} (only earlier ones)"]
    if types[key] not in CHOICE_QUESTION_TYPES:
        return [f"jr:choice-name() needs a question with choices, but ${{{key}}} is {types[key]}"]
    return []


_CHECKS = (
    _reference_problems,
    _arithmetic_problems,
    _math_problems,
    _selection_problems,
    _choice_name_problems,
)
