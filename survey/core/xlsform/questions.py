"""Questions from survey rows: type and options from the row type, appearance and choice
list; the checks from survey's own columns; every problem noted with its row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pyxform import constants

from survey.core.loader import DEFAULT_RULES
from survey.core.questionnaire import YESNO_CODES, CompareRule, Option, Question
from survey.core.xlsform.book import _MESSAGE, Book, Cells, Tokens
from survey.core.xlsform.cells import _bound, _count, _required, _special, compare_from_text
from survey.core.xlsform.kinds import _APPEARANCES, _BY_APPEARANCE, _Kind


class QuestionRows:
    """The choice lists, and each survey row's question built from its cells; the names
    taken so far (they must be unique in the whole form)."""

    def __init__(self, book: Book):
        self.book, self.problem, self.texts = book, book.problem, book.texts
        self.lists: dict[str, list[Option]] = {}
        self.names: dict[str, int] = {}  # question name → its row

    def read_choices(self) -> None:
        for line, cells in self.book.choices.rows:
            list_name, code = cells.get((constants.LIST_NAME_S,)), cells.get(("name",))
            if not (list_name or code):
                continue  # an empty row, or one with only columns survey does not read
            if not (list_name and code):
                self.problem(line, "choices sheet: the row needs both a list_name and a name")
                continue
            options = self.lists.setdefault(list_name, [])
            if any(option.code == code for option in options):
                self.problem(
                    line,
                    f"choices sheet: the list '{list_name}' has the name '{code}' more than once",
                )
            options.append(Option(code, self.texts("choices", cells, ("label",)), line))

    def question(
        self, line: int, name: str, kind: _Kind, cells: Cells, enclosing: Iterable[str | None]
    ) -> Question:
        """The question of a survey row; `enclosing`: the relevant of each group it is in."""
        self._claim(line, name)
        if cells.get(("choice_filter",)):
            self.problem(
                line,
                f"question '{name}' has a choice_filter, which survey cannot"
                " apply (make one question per case instead)",
            )
        qtype, options = self._shape(line, name, kind, cells)
        label, hint, message = (
            self.texts("survey", cells, fld) for fld in (("label",), ("hint",), _MESSAGE)
        )
        relevant = _all_of([*enclosing, cells.get(("bind", "relevant"))])
        return Question(
            key=name,
            type=qtype,
            text=label,
            help=hint,
            options=options,
            relevant=relevant,
            constraint=cells.get(("bind", "constraint")) if qtype != "calculate" else None,
            constraint_message=message,
            mirror=cells.get(("mirror",)),
            # ODK's calculation on an asked question (a computed default) is not read
            calculation=cells.get(("bind", "calculate")) if qtype == "calculate" else None,
            line=line,
            **self._columns(line, name, qtype, cells),
        )

    def _claim(self, line: int, name: str) -> None:
        if name in self.names:
            self.problem(
                line,
                f"the name '{name}' is already used at row {self.names[name]}"
                " (question names must be unique in the whole form)",
            )
        self.names.setdefault(name, line)

    def _shape(self, line: int, name: str, kind: _Kind, cells: Cells):
        """The question's type and options, from the row's type, appearance and choice list."""
        appearance = cells.get(("control", "appearance"), "").split()
        looks = [ours for (base, look), ours in _BY_APPEARANCE.items() if base == kind.qtype]
        qtype = next((ours for ours in looks if _APPEARANCES[ours] in appearance), kind.qtype)
        if kind.list_name is None:
            return qtype, ()
        options = self.lists.get(kind.list_name)
        if options is None:
            self.problem(
                line,
                f"question '{name}' uses the choice list '{kind.list_name}',"
                " which the choices sheet does not have",
            )
            return qtype, ()
        if qtype == "single" and sorted(o.code for o in options) == sorted(YESNO_CODES):
            return "yesno", ()  # yesno has fixed codes; the service brings their labels
        return qtype, tuple(options)

    def _columns(self, line: int, name: str, qtype: str, cells: Cells) -> dict[str, Any]:
        """The question's fields from `required` and from survey's own columns."""

        def parsed(column: str | Tokens, parse: Callable[[str], Any]) -> Any:
            text = cells.get(column if isinstance(column, tuple) else (column,))
            return None if text is None else self._parse(line, name, text, parse)

        dont_know, refused, offer = parsed("special", _special) or (True, True, True)
        asked = qtype != "calculate"  # required means nothing for a calculation
        return {
            "required": asked and bool(parsed(("bind", "required"), _required)),
            "compare": self._compare(line, name, qtype, parsed("compare", compare_from_text)),
            "min": parsed("min", lambda text: _bound(qtype, text)),
            "max": parsed("max", lambda text: _bound(qtype, text)),
            "pattern": cells.get(("pattern",)),
            "min_length": parsed("min_length", _count),
            "max_length": parsed("max_length", _count),
            "dont_know": dont_know,
            "refused": refused,
            "offer_special": offer,
        }

    def _parse(self, line: int, name: str, text: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            self.problem(line, f"question '{name}': {error}")
            return None

    def _compare(self, line: int, name: str, qtype: str, rule: CompareRule | None):
        if qtype != "note":
            return rule or CompareRule(DEFAULT_RULES[qtype])
        if rule is not None:
            self.problem(
                line,
                f"question '{name}' is a note, which is never compared"
                " (leave its compare cell empty)",
            )
        return None


def _all_of(expressions: Iterable[str | None]) -> str | None:
    present = [expression for expression in expressions if expression]
    if len(present) < 2:
        return present[0] if present else None
    return " and ".join(f"({expression})" for expression in present)
