"""Questions from survey rows: type and options from the row type, appearance and choice
list; the checks from survey's own columns; every problem noted with its row."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any

from pyxform import constants

from survey.core.expressions import ExpressionError, parse_filter
from survey.core.loader import DEFAULT_RULES
from survey.core.questionnaire import YESNO_CODES, CompareRule, Option, Question
from survey.core.validate.common import OPTION_CODE
from survey.core.xlsform.adapting import code_for, unique
from survey.core.xlsform.book import _MESSAGE, REQUIRED_MESSAGE, Book, Cells, Tokens
from survey.core.xlsform.cells import (
    _bound,
    _count,
    _identifying,
    _number,
    _special,
    _truth,
    compare_from_text,
)
from survey.core.xlsform.choicefiles import FormFiles, csv_choices
from survey.core.xlsform.kinds import _APPEARANCES, _BY_APPEARANCE, _Kind

Note = Callable[[int | None, str], None]


class QuestionRows:
    """The choice lists, and each survey row's question built from its cells; the names
    taken so far (they must be unique in the whole form)."""

    def __init__(self, book: Book, files: FormFiles, note: Note):
        self.book, self.problem, self.texts = book, book.problem, book.texts
        self.files, self.note = files, note
        self.file_lists: dict[tuple[str, str | None], list[Option] | None] = {}
        self.lists: dict[str, list[Option]] = {}
        self.external_lists: dict[str, list[Option]] = {}  # the external_choices sheet's
        self.names: dict[str, int] = {}  # question name → its row
        self.choice_renames: dict[str, str] = {}  # a choice name → the code it is stored as

    def read_choices(self) -> None:
        rows: dict[str, list[tuple[int, str, Cells]]] = {}
        external: list[tuple[int, str, str, Cells]] = []
        for sheet in (self.book.choices, self.book.external):
            for line, cells in sheet.rows:
                list_name, code = cells.get((constants.LIST_NAME_S,)), cells.get(("name",))
                if not (list_name or code):
                    continue  # an empty row, or one with only columns survey does not read
                if not (list_name and code):
                    self.problem(
                        line, f"{sheet.name} sheet: the row needs both a list_name and a name"
                    )
                elif sheet is self.book.external:  # a name twice is ODK's way there: told
                    external.append((line, list_name, code, cells))  # apart by a filter
                else:
                    rows.setdefault(list_name, []).append((line, code, cells))
        duplicates = bool(_truth(self.book.settings.get(("allow_choice_duplicates",), "no")))
        coded = {name: self._codes(name, listed, duplicates) for name, listed in rows.items()}
        for list_name, listed in rows.items():
            self.lists[list_name] = [
                self._option(line, code, cells)
                for (line, _, cells), code in zip(listed, coded[list_name], strict=True)
            ]
        for line, list_name, name, cells in external:  # their filter columns follow renames
            option = self._option(line, name, cells, self.book.external.name)
            self.external_lists.setdefault(list_name, []).append(option)

    def _option(self, line: int, code: str, cells: Cells, sheet: str = "choices") -> Option:
        # a filter column's value that names a renamed choice follows it
        renames = self.choice_renames
        columns = {k: renames.get(v, v) for k, v in _extra_columns(cells).items()}
        return Option(code, self.texts(sheet, cells, ("label",)), line, columns)

    def _codes(self, list_name: str, listed: list[tuple[int, str, Cells]], duplicates: bool):
        """Each choice's code: its name, or (with a warning) a code made of it when survey
        cannot store the name as one, or when it repeats under allow_choice_duplicates."""
        names, codes, seen = {name for _, name, _ in listed}, [], set()
        for line, name, _ in listed:
            code = name
            if name in seen and not duplicates:
                self.problem(
                    line,
                    f"choices sheet: the list '{list_name}' has the name '{name}' more than once",
                )
            elif name in seen:
                code = unique(code_for(name), names | set(codes))
                self.note(
                    line,
                    f"choices sheet: the list '{list_name}' has the name '{name}' more than"
                    f" once (allow_choice_duplicates): this one is stored as '{code}', so"
                    f" that answers tell them apart; an expression naming '{name}' means"
                    " the first",
                )
            elif not OPTION_CODE.fullmatch(name):
                code = unique(code_for(name), names | set(codes))
                self.choice_renames.setdefault(name, code)
                self.note(
                    line,
                    f"choices sheet: the choice name '{name}' of the list '{list_name}' is"
                    f" renamed '{code}' (a code has only letters, digits, '_', '-' and '.');"
                    " expressions and filter columns naming it follow",
                )
            seen.add(name)
            codes.append(code)
        return codes

    def question(
        self, line: int, name: str, kind: _Kind, cells: Cells, enclosing: Iterable[str | None]
    ) -> Question:
        """The question of a survey row; `enclosing`: the relevant of each group it is in."""
        self._claim(line, name)
        choice_filter = cells.get(("choice_filter",))
        qtype, options = self._shape(line, name, kind, cells)
        options = _filtered_columns(options, choice_filter)
        label, hint, guidance, message, required_message = (
            self.texts("survey", cells, fld)
            for fld in (("label",), ("hint",), ("guidance_hint",), _MESSAGE, REQUIRED_MESSAGE)
        )
        relevant = _all_of([*enclosing, cells.get(("bind", "relevant"))])
        return Question(
            key=name,
            type=qtype,
            text=label,
            help=hint,
            guidance=guidance if qtype != "calculate" else {},
            options=options,
            choice_filter=choice_filter,
            relevant=relevant,
            constraint=cells.get(("bind", "constraint")) if qtype != "calculate" else None,
            constraint_message=message,
            required_message=required_message if qtype != "calculate" else {},
            mirror=cells.get(("mirror",)),
            # ODK's calculation on an asked question (a computed default) is not read
            calculation=cells.get(("bind", "calculate")) if qtype == "calculate" else None,
            line=line,
            default=cells.get(("default",)) if qtype not in ("calculate", "note") else None,
            read_only=qtype not in ("calculate", "note")
            and bool(_truth(cells.get(("bind", "readonly"), "no"))),
            dropdown=qtype == "single"
            and (DROPDOWN in appearance_of(cells) or (kind.external and len(options) > LONG_LIST)),
            **self._columns(line, name, qtype, cells),
        )

    def other_question(self, line: int, chosen: Question) -> Question:
        """The text question `<name>_other` that XLSForm's `or_other` adds after a select,
        asked when 'other' is chosen (as pyxform builds it)."""
        name = f"{chosen.key}_other"
        self._claim(line, name)
        languages = self.book.languages
        when = f"selected(${{{chosen.key}}}, '{OTHER_CODE}')"
        return Question(
            key=name,
            type="text",
            text={tag: SPECIFY_LABELS.get(tag, SPECIFY_LABELS["en"]) for tag in languages},
            relevant=_all_of([chosen.relevant, when]),
            compare=CompareRule(DEFAULT_RULES["text"]),
            line=line,
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
        appearance = appearance_of(cells)
        looks = [ours for (base, look), ours in _BY_APPEARANCE.items() if base == kind.qtype]
        qtype = next((ours for ours in looks if _APPEARANCES[ours] in appearance), kind.qtype)
        if kind.file is not None:
            return qtype, tuple(self._file_choices(line, name, kind.file, cells))
        if kind.external and kind.list_name is not None:
            return qtype, self._external_choices(line, name, kind.list_name)
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
        if kind.or_other and all(option.code != OTHER_CODE for option in options):
            languages = self.book.languages
            label = {tag: OTHER_LABELS.get(tag, OTHER_LABELS["en"]) for tag in languages}
            options = [*options, Option(OTHER_CODE, label, line)]
        if qtype == "single" and sorted(o.code for o in options) == sorted(YESNO_CODES):
            return "yesno", ()  # yesno has fixed codes; the service brings their labels
        return qtype, tuple(options)

    def _external_choices(self, line: int, name: str, list_name: str) -> tuple[Option, ...]:
        """The choices of `select_one_external L`, from the external_choices sheet: a name
        the list has more than once (ODK tells them apart by their filter columns) is
        stored as `<name>_2`, `_3` …, as survey's codes are unique in a question; a name
        survey cannot store as a code is made one, as on the choices sheet."""
        options = self.external_lists.get(list_name, [])
        codes = {option.code for option in options}
        first: dict[str, int | None] = {}
        kept = []
        for option in options:
            code = option.code
            if code in first:
                code = unique(code_for(code), codes | {code})
                self.note(
                    line,
                    f"'{name}': the list '{list_name}' of the external_choices sheet has the"
                    f" name '{option.code}' more than once (rows {first[option.code]} and"
                    f" {option.line}): row {option.line} is stored as '{code}'",
                )
            elif not OPTION_CODE.fullmatch(code):
                code = unique(code_for(code), codes)
                self.choice_renames.setdefault(option.code, code)
                self.note(
                    option.line,
                    f"external_choices sheet: the choice name '{option.code}' of the list"
                    f" '{list_name}' is renamed '{code}' (a code has only letters, digits,"
                    " '_', '-' and '.'); expressions and filter columns naming it follow",
                )
            first.setdefault(option.code, option.line)
            codes.add(code)
            kept.append(dataclasses.replace(option, code=code))
        return tuple(kept)

    def _file_choices(self, line: int, name: str, file: str, cells: Cells) -> list[Option]:
        """The choices of `select_one_from_file F.csv`, read once per file and parameters."""
        parameters = cells.get(("parameters",))
        if (file, parameters) not in self.file_lists:
            data = self.files.read(file)
            if data is None:
                self.problem(
                    line,
                    f"question '{name}' reads its choices from '{file}', which is not beside"
                    " the form (put it in the form's folder, or the form and its CSV files"
                    " in one .zip)",
                )
                self.file_lists[(file, parameters)] = None
            else:
                problems: list[str] = []
                read = csv_choices(file, data, self.book.languages, parameters, problems.append)
                for message in problems:
                    self.problem(line, f"question '{name}': {message}")
                coded = None if problems else self._coded_file_choices(line, file, read)
                self.file_lists[(file, parameters)] = coded
        return list(self.file_lists[(file, parameters)] or [])

    def _coded_file_choices(self, line: int, file: str, read: list[Option]) -> list[Option]:
        """A CSV file's choices, a name survey cannot store as a code made one (as on the
        choices sheet; expressions naming it follow)."""
        codes = {option.code for option in read}
        coded = []
        for option in read:
            if not OPTION_CODE.fullmatch(option.code):
                code = unique(code_for(option.code), codes)
                codes.add(code)
                self.choice_renames.setdefault(option.code, code)
                self.note(
                    line,
                    f"'{file}': the choice name '{option.code}' is renamed '{code}' (a code"
                    " has only letters, digits, '_', '-' and '.');"
                    " expressions and filter columns naming it follow",
                )
                option = dataclasses.replace(option, code=code)
            coded.append(option)
        return coded

    def _columns(self, line: int, name: str, qtype: str, cells: Cells) -> dict[str, Any]:
        """The question's fields from `required` and from survey's own columns."""

        def parsed(column: str | Tokens, parse: Callable[[str], Any]) -> Any:
            text = cells.get(column if isinstance(column, tuple) else (column,))
            return None if text is None else self._parse(line, name, text, parse)

        # an acknowledge box has nothing to say "don't know" to, unless the form asks for it
        plain = (qtype != "acknowledge",) * 2 + (True,)
        dont_know, refused, offer = parsed("special", _special) or plain
        asked = qtype != "calculate"  # required means nothing for a calculation
        limits = {
            "min": parsed("min", lambda text: _bound(qtype, text)),
            "max": parsed("max", lambda text: _bound(qtype, text)),
        }
        if qtype == "range":
            limits = parsed("parameters", _range_parameters) or _range_parameters("")
        return {
            **_requirement(asked, cells.get(("bind", "required"))),
            "compare": self._compare(line, name, qtype, parsed("compare", compare_from_text)),
            **limits,
            "pattern": cells.get(("pattern",)),
            "min_length": parsed("min_length", _count),
            "max_length": parsed("max_length", _count),
            "dont_know": dont_know,
            "refused": refused,
            "offer_special": offer,
            "identifying": bool(parsed("identifying", _identifying)),
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


_CHOICE_COLUMNS = frozenset({constants.LIST_NAME_S, "name", "label", "media"})


def _extra_columns(cells: Cells) -> dict[str, str]:
    """A choice row's further columns (XLSForm's for a choice_filter, e.g. `province`)."""
    return {
        tokens[0]: text
        for tokens, text in cells.items()
        if len(tokens) == 1 and tokens[0] not in _CHOICE_COLUMNS
    }


def _filtered_columns(options: Iterable[Option], choice_filter: str | None) -> tuple[Option, ...]:
    """The options with only the columns their question's choice_filter names (none without
    one): the other columns of a choices sheet are not part of the questionnaire."""
    named: frozenset[str] = frozenset()
    if choice_filter:
        with contextlib.suppress(ExpressionError):  # the validator names the problem
            named = parse_filter(choice_filter).columns
    return tuple(
        dataclasses.replace(o, columns={k: v for k, v in o.columns.items() if k in named})
        for o in options
    )


DROPDOWN = "minimal"  # the appearance that makes a select_one one drop-down
LONG_LIST = 20  # an external select_one with more choices than this is one drop-down
# Appearances survey honours: the rest are named in a warning and ignored.
KNOWN_APPEARANCES = frozenset({*_APPEARANCES.values(), DROPDOWN, "field-list"})


def appearance_of(cells: Cells) -> list[str]:
    """The words of a row's appearance cell."""
    return cells.get(("control", "appearance"), "").split()


OTHER_CODE = "other"  # pyxform's name for the choice or_other adds
OTHER_LABELS = {"en": "Other", "zh-Hans": "其他", "zh-Hant": "其他", "fr": "Autre",
                "de": "Andere", "es": "Otro", "pt": "Outro"}  # fmt: skip
SPECIFY_LABELS = {"en": "Specify other.", "zh-Hans": "请注明其他。", "zh-Hant": "請註明其他。",
                  "fr": "Précisez autre.", "de": "Bitte andere angeben.",
                  "es": "Especifique otro.", "pt": "Especifique outro."}  # fmt: skip
_RANGE_DEFAULTS = {"start": 1, "end": 10, "step": 1}  # pyxform's, for a range without them


def _range_parameters(text: str) -> dict[str, Any]:
    """A range's `parameters` cell (`start=0 end=10 step=2`) as min, max and step."""
    given = dict(_RANGE_DEFAULTS)
    for part in re.split(r"[\s,;]+", text.strip()):
        name, equals, value = part.partition("=")
        if not part:
            continue
        if not equals or name.strip().lower() not in given:
            raise ValueError(
                f"parameters '{text}' must name start, end and step, e.g. start=0 end=10 step=1"
            )
        given[name.strip().lower()] = _number(value)
    return {"min": given["start"], "max": given["end"], "step": given["step"]}


def _requirement(asked: bool, text: str | None) -> dict[str, Any]:
    """`required` as yes/no, or an expression: required only while it holds."""
    if not asked or text is None:
        return {"required": False}
    truth = _truth(text)
    if truth is None:
        return {"required": False, "required_if": text.strip()}
    return {"required": truth}


def _all_of(expressions: Iterable[str | None]) -> str | None:
    present = [expression for expression in expressions if expression]
    if len(present) < 2:
        return present[0] if present else None
    return " and ".join(f"({expression})" for expression in present)
