"""The immutable expression tree, its walk, and its JSON form for the browser evaluator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Literal:
    """A string or number literal."""

    value: str | float


@dataclass(frozen=True, slots=True)
class Ref:
    """`${key}`: another question's answer."""

    key: str


@dataclass(frozen=True, slots=True)
class Column:
    """A bare name in a `choice_filter`: that column of the choice being tested."""

    name: str


@dataclass(frozen=True, slots=True)
class Current:
    """`.`: the answer the constraint is checking."""


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    """A binary operator: logical, comparison or arithmetic."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; the parser has checked the name and the number of arguments."""

    name: str
    args: tuple[Node, ...]


Node = Literal | Ref | Column | Current | Negate | Binary | Call


def children(node: Node) -> tuple[Node, ...]:
    """A node's direct sub-expressions."""
    match node:
        case Negate(operand):
            return (operand,)
        case Binary(_, left, right):
            return (left, right)
        case Call(_, args):
            return args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, children before parents: operators in source order."""
    order, stack = [], [node]
    while stack:  # root-right-left, reversed below into left-right-root
        order.append(node := stack.pop())
        stack.extend(children(node))
    return reversed(order)


def to_json(node: Node) -> Any:
    """A tree as nested JSON lists (shape in the module docstring)."""
    match node:
        case Literal(value):
            return ["str" if isinstance(value, str) else "num", value]
        case Ref(key):
            return ["ref", key]
        case Column(name):
            return ["col", name]
        case Negate(operand):
            return ["neg", to_json(operand)]
        case Binary(op, left, right):
            return [op, to_json(left), to_json(right)]
        case Call(name, args):
            return ["call", name, *map(to_json, args)]
    return ["cur"]
