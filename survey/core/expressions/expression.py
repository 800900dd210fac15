"""`Expression`: a parsed source with its tree; `parse` caches one per source."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from survey.core.expressions.check import _CHECKS
from survey.core.expressions.evaluate import Env, evaluate
from survey.core.expressions.functions import written
from survey.core.expressions.parser import _Parser
from survey.core.expressions.tokens import MAX_LENGTH, ExpressionError
from survey.core.expressions.tree import Column, Current, Node, Ref, to_json, walk
from survey.core.expressions.values import to_boolean


@dataclass(frozen=True)
class Expression:
    """A parsed expression: evaluate it against answers, or check it against question types."""

    source: str
    tree: Node = field(repr=False, compare=False)

    @property
    def references(self) -> frozenset[str]:
        """The question keys named by ${…}."""
        return frozenset(node.key for node in walk(self.tree) if isinstance(node, Ref))

    @property
    def columns(self) -> frozenset[str]:
        """The choice columns a choice_filter names (bare names)."""
        return frozenset(node.name for node in walk(self.tree) if isinstance(node, Column))

    @property
    def uses_current(self) -> bool:
        """Whether the expression reads the current answer through '.'."""
        return any(isinstance(node, Current) for node in walk(self.tree))

    def evaluate(
        self,
        answers: Mapping[str, Any],
        current: Any = None,
        today: datetime.date | None = None,
        labels: Callable[[str, str], str] | None = None,
        choice: Mapping[str, str] | None = None,
        now: datetime.datetime | None = None,
    ) -> Any:
        """The XPath value (str, float or bool) of the expression; never raises.
        `labels(key, code)` gives jr:choice-name() a choice's label (else it gives the code);
        `choice`: a choice_filter's choice, its columns by name; `now`: the moment now()
        gives (an aware datetime; else the clock's when now() is called)."""
        moment = written(now.astimezone(datetime.UTC)) if now is not None else None
        env = Env(answers, current, _iso_today(today), labels, choice, moment)
        return evaluate(self.tree, env)

    def test(
        self,
        answers: Mapping[str, Any],
        current: Any = None,
        today: datetime.date | None = None,
        choice: Mapping[str, str] | None = None,
    ) -> bool:
        """Whether the expression holds: XPath boolean() of its value."""
        return to_boolean(self.evaluate(answers, current, today, choice=choice))

    def check(self, types: Mapping[str, str], current_type: str | None = None) -> list[str]:
        """Type problems given the earlier questions' types; '.' allowed iff current_type."""
        problems = [
            problem
            for node in walk(self.tree)
            for check in _CHECKS
            for problem in check(node, types, current_type)
        ]
        return list(dict.fromkeys(problems))  # each problem once, in source order

    def to_json(self) -> Any:
        """The tree as nested JSON lists (shape in the module docstring)."""
        return to_json(self.tree)


def _iso_today(today: datetime.date | str | None) -> str:
    if today is None:
        return datetime.date.today().isoformat()
    if isinstance(today, datetime.datetime):
        return today.date().isoformat()
    return today if isinstance(today, str) else today.isoformat()


@lru_cache(maxsize=1024)
def parse(source: str) -> Expression:
    """Parse an XLSForm expression; raise ExpressionError with a message and a position."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(source)} characters; at most {MAX_LENGTH})"
        )
    return Expression(source, _Parser(source).parse())


@lru_cache(maxsize=1024)
def parse_filter(source: str) -> Expression:
    """Parse a `choice_filter`: as `parse`, and a bare name (`province`) is a column of the
    choice being tested, as in XLSForm (`name` is the choice's own name)."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(source)} characters; at most {MAX_LENGTH})"
        )
    return Expression(source, _Parser(source, columns=True).parse())
