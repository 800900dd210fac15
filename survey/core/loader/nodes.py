"""YAML composed into nodes that keep their lines, and typed values read from them."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import opencc
import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from survey.core.loader.keys import NULL_TAG
from survey.core.questionnaire import Problem, QuestionnaireError


def _compose(text: str, source: str) -> MappingNode:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        raise QuestionnaireError([_syntax_problem(error, source)]) from error
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        message = f"character U+{code:04X} is not allowed in YAML (remove it)"
        raise QuestionnaireError([Problem(source, line, message)]) from error
    if not isinstance(node, MappingNode):
        found = "nothing" if node is None else _kind(node)
        line = 1 if node is None else _line(node)
        message = (
            f"the file holds {found}, not a questionnaire "
            "(expected a mapping with key, version, languages, title and sections)"
        )
        raise QuestionnaireError([Problem(source, line, message)])
    return node


def _syntax_problem(error: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    problem = error.problem or "unreadable YAML"
    if "\\t" in problem or "\t" in problem:
        return Problem(source, line, "a tab is used for indentation (indent with spaces)")
    context = f"{error.context}, " if error.context else ""
    # PyYAML ends a plain text at '?' inside {…}, so "{en: How many?, …}" needs quotes.
    hint = "check the indentation; quote texts with ': ' or ' #', and texts in {…} with '?' or ','"
    return Problem(source, line, f"YAML syntax error: {context}{problem} ({hint})")


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    return "a list" if isinstance(node, SequenceNode) else f"the value {node.value!r}"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def _peek(node: Node, key: str) -> str:
    """The plain value of `key` in a mapping node, to name it in messages before reading it."""
    if isinstance(node, MappingNode):
        for key_node, value in node.value:
            if key_node.value == key and isinstance(value, ScalarNode) and not _is_null(value):
                return str(value.value)
    return ""


def _name(node: Node, kind: str, index: int, parent: str = "") -> str:
    """How messages name a section, question or option: by its key, else by its position."""
    key = _peek(node, "code" if kind == "option" else "key")
    within = f" of {parent}" if parent and (kind == "option" or not key) else ""
    return f"{kind} '{key}'{within}" if key else f"{kind} #{index + 1}{within}"


def _suggestion(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(choices)}"


@lru_cache(maxsize=2)
def _converter(conversion: str) -> opencc.OpenCC:
    return opencc.OpenCC(conversion)  # loading the dictionaries is slow: once per process


@dataclass
class _Fields:
    """A YAML mapping's values by key, with the line of each key."""

    line: int
    nodes: dict[str, Node] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> Node | None:
        """The value node of `key`; None when absent or null."""
        node = self.nodes.get(key)
        return None if node is None or _is_null(node) else node


class _Values:
    """Typed values read from YAML nodes, every problem collected with its line."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        self.constructor = SafeConstructor()

    def report(self, line: int, message: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(self.source, line, message))

    def mapping(self, node: Node, where: str, allowed: tuple[str, ...] | None) -> _Fields:
        """The keys of a mapping node; reports duplicates and keys not in `allowed`."""
        fields = _Fields(_line(node))
        if not isinstance(node, MappingNode):
            message = f"{where} must be a mapping of keys to values, not {_kind(node)}"
            self.report(_line(node), message)
            return fields
        seen: dict[str, int] = {}
        for key_node, value in node.value:
            key, line = str(key_node.value), _line(key_node)
            if key == "<<":
                self.report(
                    line, f"merge keys (<<) are not supported in {where} (write the keys out)"
                )
            elif self.known_key(key, line, seen, where, allowed):
                fields.nodes[key], fields.lines[key] = value, line
            seen.setdefault(key, line)
        return fields

    def known_key(
        self, key: str, line: int, seen: dict[str, int], where: str, allowed: tuple[str, ...] | None
    ) -> bool:
        """Whether a key may be read: reports it given twice, or unknown (with a suggestion)."""
        if key in seen:
            first = f"first at line {seen[key]}; give each key once"
            self.report(line, f"key '{key}' appears twice in {where} ({first})")
        elif allowed is not None and key not in allowed:
            self.report(line, f"unknown key '{key}' in {where} ({_suggestion(key, allowed)})")
        else:
            return True
        return False

    def sequence(self, fields: _Fields, name: str, where: str) -> list[Node]:
        """The items of a list value; [] when absent."""
        node = fields.get(name)
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.report(
                _line(node),
                f"{name} of {where} must be a list, not {_kind(node)} (start each item with '- ')",
            )
            return []
        return list(node.value)

    def items(self, fields: _Fields, name: str, where: str) -> list[MappingNode]:
        """The mappings of a list such as `questions`; other items are reported and left out."""
        nodes = self.sequence(fields, name, where)
        for node in nodes:
            if not isinstance(node, MappingNode):
                message = f"an item of {name} of {where} is {_kind(node)}, not a mapping"
                self.report(_line(node), f"{message} (write - key: … and the other keys below)")
        return [node for node in nodes if isinstance(node, MappingNode)]

    def string(self, fields: _Fields, name: str, where: str) -> str | None:
        """A single value as written, so that 1.10 stays '1.10' and yes stays 'yes'."""
        node = fields.get(name)
        if node is None:
            return None
        if not isinstance(node, ScalarNode):
            self.report(_line(node), f"{name} of {where} must be a single value, not {_kind(node)}")
            return None
        return str(node.value)

    def scalar(self, node: Node) -> Any:
        """A scalar node as PyYAML's safe loader reads it (bool, int, float, date, str)."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value  # e.g. 2009-13-45 looks like a date but is none

    def boolean(self, fields: _Fields, name: str, where: str, *, default: bool) -> bool:
        """true or false; `default` when absent."""
        node = fields.get(name)
        value = default if node is None else self.scalar(node)
        if not isinstance(value, bool):
            self.report(_line(node), f"{name} of {where} must be true or false, not {_kind(node)}")
            return default
        return value

    def integer(self, fields: _Fields, name: str, where: str) -> int | None:
        """A whole number, or None when absent."""
        node = fields.get(name)
        value = None if node is None else self.scalar(node)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            self.report(
                _line(node),
                f"{name} of {where} must be a whole number, not {_kind(node)} (e.g. {name}: 1)",
            )
            return None
        return value

    def number(self, node: Node, what: str, example: str) -> float | None:
        """A finite number (int or float)."""
        value = self.scalar(node) if isinstance(node, ScalarNode) else None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.report(
                _line(node), f"{what} must be a number, not {_kind(node)} (write e.g. {example})"
            )
            return None
        return value

    def bound(self, fields: _Fields, name: str, where: str) -> float | str | None:
        """min/max: a number, or an ISO date kept as a string (validate checks which fits)."""
        node = fields.get(name)
        if node is None:
            return None
        value = self.scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str) or (
            isinstance(value, int | float) and not isinstance(value, bool)
        ):
            return value
        self.report(
            _line(node),
            f"{name} of {where} must be a number or a date, not {_kind(node)} "
            f"(e.g. {name}: 0 or {name}: 2009-01-01)",
        )
        return None
