"""`begin loop over L` … `end loop`: the rows of a loop's body asked once per choice of L.

pyxform expands a loop (`builder._create_loop_from_dict`): for every choice of list L but
one named `none`, a group labelled with the choice's label holds a copy of every row of
the body, where `%(name)s` and `%(label)s` in every cell are the choice's name and label
(in a text of one language, the choice's label in that language). survey's questions are
flat, so each (choice, body row) is one question keyed `<row>_<choice>`
(`number_pit_latrine_with_slab`), or `<loop>_<choice>_<row>` when that key is taken, in
the section the loop is in and in pyxform's order. `${row}` inside the body, for another
row of the body, means that choice's copy. A repeat or a loop inside a loop is refused
(dropped with its rows with `skip_unsupported`); groups inside are flattened as anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

from survey.core.questionnaire import Option
from survey.core.xlsform.book import Book, Cells
from survey.core.xlsform.cells import _truth
from survey.core.xlsform.kinds import _CONTROL, _classify, control_what
from survey.core.xlsform.questions import OTHER_CODE, OTHER_LABELS
from survey.core.xlsform.skipping import Skips

_SUBSTITUTION = re.compile(r"%\((name|label)\)s|%%")  # pyxform applies Python's `%` to cells
_REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")
NONE_CHOICE = "none"  # pyxform leaves a choice so named out of a loop
_LISTED = 6  # keys the warning names before '…'


@dataclass
class Loop:
    """A `begin loop over L` row and the rows of its body, collected up to its `end` row."""

    line: int
    name: str
    type_text: str
    list_name: str
    relevant: str | None
    rows: list[tuple[int, Cells]] = field(default_factory=list)
    depth: int = 0

    def take(self, line: int, type_text: str, cells: Cells) -> bool:
        """Collect a row of the body; True (not collected) for the row that ends the loop."""
        control = _CONTROL.fullmatch(type_text)
        if control and control["edge"].lower() == "end":
            if self.depth == 0:
                return True
            self.depth -= 1
        elif control:
            self.depth += 1
        self.rows.append((line, cells))
        return False


class FormNames:
    """Every name of the survey sheet (a loop's keys avoid them, and each other), and the
    lists `or_other` adds its choice 'other' to (pyxform adds it to the list itself, so a
    loop over the list has it too)."""

    def __init__(self, book: Book):
        self.book = book
        self.taken: set[str] = set()
        self.other_lists: set[str] = set()
        for _, cells in book.survey.rows:
            type_text = " ".join(cells.get(("type",), "").split())
            kind = _classify(type_text) if type_text else None
            if (
                kind
                and kind.or_other
                and kind.list_name
                and not _truth(cells.get(("disabled",), ""))
            ):
                self.other_lists.add(kind.list_name)
            self.taken.add(cells.get(("name",), ""))

    def choices(self, list_name: str, options: Iterable[Option]) -> list[Option]:
        """The choices a loop over the list goes through."""
        choices = list(options)
        if list_name in self.other_lists and all(c.code != OTHER_CODE for c in choices):
            languages = self.book.languages
            label = {tag: OTHER_LABELS.get(tag, OTHER_LABELS["en"]) for tag in languages}
            choices.append(Option(OTHER_CODE, label))
        return choices


def loop_refusal(name: str, type_text: str, list_name: str | None, lists: Container[str]):
    """Why a `begin loop` row is refused even with `skip_unsupported` (as pyxform refuses
    it), else None."""
    if not name:
        return f"the '{type_text}' row has no name"
    if not list_name:
        return f"'{name}' ({type_text}) names no choice list to loop over (begin loop over LIST)"
    if list_name not in lists:
        return (
            f"'{name}' ({type_text}) loops over the choice list '{list_name}',"
            " which the choices sheet does not have"
        )
    return None


def expand(
    loop: Loop, choices: Iterable[Option], book: Book, skips: Skips, taken: set[str]
) -> list[tuple[int, Cells]]:
    """The rows the loop stands for: its body once per choice, each row renamed and its
    texts and references substituted; `taken` (every other name of the form) gains the keys.
    A warning names the loop and the questions it became."""
    body = _body(loop, skips)
    asked = [(line, cells) for line, cells in body if not _is_control(cells)]
    names = {_row_name(line, cells) for line, cells in asked}
    rows: list[tuple[int, Cells]] = []
    keys: list[str] = []
    kept = [choice for choice in choices if choice.code != NONE_CHOICE]
    for choice in kept:
        mine = {}
        for line, cells in asked:
            name = _row_name(line, cells)
            mine[name] = _key(loop.name, choice, name, book, taken)
            taken.add(mine[name])
            keys.append(mine[name])
        for line, cells in body:
            copy = {
                tokens: _substitute(tokens, _rewritten(text, mine), choice, book)
                for tokens, text in cells.items()
            }
            if not _is_control(cells):
                copy[("name",)] = mine[_row_name(line, cells)]
            rows.append((line, copy))
    listed = ", ".join(keys[:_LISTED]) + (f" … ({len(keys)} in all)" if len(keys) > _LISTED else "")
    skips.note(
        loop.line,
        f"'{loop.name}' ({loop.type_text}) became {len(kept)} × {len(names)} questions"
        f"{': ' + listed if listed else ''}",
    )
    return rows


def _body(loop: Loop, skips: Skips) -> list[tuple[int, Cells]]:
    """The rows of the body without a repeat or loop inside it (each refused, or with
    `skip_unsupported` dropped with its rows)."""
    kept: list[tuple[int, Cells]] = []
    inner: tuple[str, int, str] | None = None
    depth = 0
    for line, cells in loop.rows:
        control = _CONTROL.fullmatch(" ".join(cells.get(("type",), "").split()))
        name = cells.get(("name",), "")
        if inner is not None:
            if control:
                depth += 1 if control["edge"].lower() == "begin" else -1
            if depth < 0:
                inner, depth = None, 0  # its end row
            else:
                skips.inside(line, name, *inner)
            continue
        if control and control["edge"].lower() == "begin" and control_what(control) != "group":
            what = control_what(control)
            skips.unsupported(
                line,
                name,
                f"'{name}' is a {what} inside the loop '{loop.name}', which survey cannot store"
                " (a loop's rows become questions, one per choice, and cannot hold a roster)",
            )
            inner = (name, line, what)
            continue
        kept.append((line, cells))
    return kept


def _is_control(cells: Cells) -> bool:
    return bool(_CONTROL.fullmatch(" ".join(cells.get(("type",), "").split())))


def _row_name(line: int, cells: Cells) -> str:
    """A body row's name; a note without one is named as survey names such notes."""
    return cells.get(("name",)) or f"note_{line}"


def _key(loop: str, choice: Option, name: str, book: Book, taken: Container[str]) -> str:
    """`<row>_<choice>` (or the row's name with `%(name)s` substituted), else
    `<loop>_<choice>_<row>` when taken; a key has only letters, digits and '_'."""
    if "%(" in name:
        wanted = _identifier(_substitute(("name",), name, choice, book))
    else:
        wanted = _identifier(f"{name}_{choice.code}")
    if wanted in taken:
        wanted = _identifier(f"{loop}_{choice.code}_{name}")
    key, number = wanted, 2
    while key in taken:
        key, number = f"{wanted}_{number}", number + 1
    return key


def _identifier(text: str) -> str:
    key = re.sub(r"\W", "_", text, flags=re.ASCII)
    return f"_{key}" if key[:1].isdigit() else key


def _substitute(tokens: tuple[str, ...], text: str, choice: Option, book: Book) -> str:
    """A cell with `%(name)s` and `%(label)s` (and pyxform's `%%`) put in: in a text of one
    language the choice's label in that language, elsewhere in the form's first language."""
    if "%" not in text:
        return text
    column = book.columns.get(("survey", tokens))
    label = _label(choice, column.tag if column else None, book.languages)

    def value(found: re.Match[str]) -> str:
        if found[0] == "%%":
            return "%"
        return choice.code if found[1] == "name" else label

    return _SUBSTITUTION.sub(value, text)


def _label(choice: Option, tag: str | None, languages: Iterable[str]) -> str:
    texts = choice.label
    for each in (tag, *languages):
        if each in texts:
            return texts[each]
    return next(iter(texts.values()), choice.code)


def _rewritten(text: str, keys: Mapping[str, str]) -> str:
    """`${row}` of another row of the body as this choice's copy of it."""

    def key(found: re.Match[str]) -> str:
        return f"${{{keys[found[1]]}}}" if found[1] in keys else found[0]

    return _REFERENCE.sub(key, text)
