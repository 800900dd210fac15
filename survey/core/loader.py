"""Load questionnaires from YAML files (docs/questionnaire-format.md) and write them back.

`load_yaml` composes the YAML into nodes, which keep their lines, and builds the
frozen model of survey.core.questionnaire from them: it rejects what PyYAML lets
pass (duplicate keys), catches typos in keys, checks the kind of every value,
applies the defaults and `derive:` (OpenCC), then runs `validate`. It raises one
QuestionnaireError with every problem, YAML-level and semantic, in line order.

`load_yaml(..., validate=False)` skips the semantic checks, so the researcher
preview can show a file whose translations are still incomplete; problems that
make the model unreliable (YAML syntax, unknown keys, wrong kinds of values)
still raise.

`dump_yaml` writes a model back as readable YAML. Texts that OpenCC derived are
written out as ordinary texts and no `derive:` is written, so the dump stands on
its own and loads back to the same content hash.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import opencc
import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from survey.core.questionnaire import (
    RULES,
    CompareRule,
    Option,
    Problem,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
)
from survey.core.validate import validate as validate_model

TOP_KEYS = (
    "key", "version", "languages", "default_language", "derive", "title", "introduction",
    "closing", "sections",
)  # fmt: skip
SECTION_KEYS = ("key", "title", "description", "relevant", "questions")
QUESTION_KEYS = (
    "key", "type", "text", "help", "required", "options", "min", "max", "pattern",
    "min_length", "max_length", "relevant", "constraint", "constraint_message", "compare",
    "mirror", "dont_know", "refused", "offer_special",
)  # fmt: skip
OPTION_KEYS = ("code", "label")
PLAIN_RULES = ("exact", "set", "review", "none")
RULE_EXAMPLES = {
    "overlap": "{overlap: 0.5}",
    "tolerance": "{tolerance: {abs: 1}} or {tolerance: {rel: 0.1}}",
    "within_days": "{within_days: 31}",
}
DEFAULT_RULES = {
    "single": "exact", "yesno": "exact", "year": "exact", "integer": "exact", "number": "exact",
    "scale": "exact", "date": "exact", "multi": "set", "text": "review", "longtext": "none",
}  # fmt: skip
# (target, source) → OpenCC conversion
CONVERSIONS = {("zh-Hant", "zh-Hans"): "s2t", ("zh-Hans", "zh-Hant"): "t2s"}
NULL_TAG = "tag:yaml.org,2002:null"


def load_file(path: str | Path, *, validate: bool = True) -> Questionnaire:
    """Read a UTF-8 YAML questionnaire file; raise QuestionnaireError with every problem."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        problem = Problem(source, None, f"cannot read the file: {error.strerror} (check the path)")
        raise QuestionnaireError([problem]) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = f"the file is not UTF-8: byte 0x{data[error.start]:02x} cannot be decoded"
        problem = Problem(source, line, f"{message} (save the file as UTF-8)")
        raise QuestionnaireError([problem]) from error
    return load_yaml(text, source, validate=validate)


def load_yaml(text: str, source: str, *, validate: bool = True) -> Questionnaire:
    """Build the model from YAML text; raise QuestionnaireError listing every problem."""
    root = _compose(text, source)
    reader = _Reader(source)
    questionnaire = reader.questionnaire(root)
    problems = reader.problems
    if validate:
        problems += validate_model(questionnaire, source, reader.top_lines)
    if problems:
        raise QuestionnaireError(sorted(problems, key=lambda p: p.line or 0))
    return questionnaire


def dump_yaml(q: Questionnaire) -> str:
    """The model as block-style YAML in the format's key order; derived texts written out."""
    data = q.to_dict()
    order = ("key", "version", "languages", "default_language", "title", "introduction")
    ordered = {name: data[name] for name in (*order, "closing", "sections") if name in data}
    options = {"allow_unicode": True, "sort_keys": False, "default_flow_style": False}
    return yaml.dump(ordered, Dumper=_Dumper, width=100, **options)


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, writes multi-line texts as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        """Indent a list under its key, as people write it."""
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        """Never write &anchors."""
        return True  # repeated texts stay readable instead of becoming &anchors


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML mangles the Unicode line breaks outside double quotes; | falls back to quotes
    # by itself where a literal block cannot hold the text.
    style = '"' if _UNICODE_BREAKS & set(text) else "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_UNICODE_BREAKS = frozenset("\x85\u2028\u2029")


_Dumper.add_representer(str, _represent_str)


# ---------------------------------------------------------------------------- YAML


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


# ---------------------------------------------------------------------------- reader


class _Reader:
    """Turns YAML nodes into the model, collecting every problem with its line."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        self.top_lines: dict[str, int] = {}
        self.languages: tuple[str, ...] = ()
        self.base_language = ""
        self.converters: dict[str, tuple[str, str]] = {}  # target → (source language, conversion)
        self.derived: set[tuple[str, str]] = set()
        self.constructor = SafeConstructor()

    def report(self, line: int, message: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(self.source, line, message))

    # -- questionnaire, sections, questions, options

    def questionnaire(self, root: MappingNode) -> Questionnaire:
        """The whole questionnaire."""
        where = "the questionnaire"
        fields = self.mapping(root, where, TOP_KEYS)
        # Something missing is reported at the top of the questionnaire.
        self.top_lines = {name: fields.line for name in TOP_KEYS} | fields.lines
        self.languages = self.language_list(fields)
        default_language = self.string(fields, "default_language", where)
        # A plain string belongs to the only language (or, while in error, the default one).
        declared = default_language in self.languages and len(self.languages) > 1
        self.base_language = default_language if declared else (self.languages or ("",))[0]
        self.derive(fields)
        title, intro, closing = (
            self.text(fields, name, where, name) for name in ("title", "introduction", "closing")
        )
        nodes = self.items(fields, "sections", where)
        sections = tuple(self.section(node, index) for index, node in enumerate(nodes))
        return Questionnaire(
            key=self.string(fields, "key", where) or "",
            version=self.string(fields, "version", where) or "",
            languages=self.languages,
            title=title,
            sections=sections,
            default_language=default_language,
            introduction=intro,
            closing=closing,
            derived=frozenset(self.derived),
            source=self.source,
        )

    def section(self, node: Node, index: int) -> Section:
        """One section and its questions."""
        where = _name(node, "section", index)
        fields, path = self.mapping(node, where, SECTION_KEYS), f"sections.{index}"
        nodes = self.items(fields, "questions", where)
        questions = tuple(
            self.question(n, f"{path}.questions.{i}", _name(n, "question", i, where))
            for i, n in enumerate(nodes)
        )
        return Section(
            key=self.string(fields, "key", where) or "",
            title=self.text(fields, "title", where, f"{path}.title"),
            questions=questions,
            description=self.text(fields, "description", where, f"{path}.description"),
            relevant=self.string(fields, "relevant", where),
            line=fields.line,
        )

    def question(self, node: Node, path: str, where: str) -> Question:
        """One question, with the defaults of the format applied."""
        fields = self.mapping(node, where, QUESTION_KEYS)
        kind = self.string(fields, "type", where) or ""
        nodes = self.items(fields, "options", where)
        options = tuple(
            self.option(n, f"{path}.options.{i}", _name(n, "option", i, where))
            for i, n in enumerate(nodes)
        )
        return Question(
            key=self.string(fields, "key", where) or "",
            type=kind,
            text=self.text(fields, "text", where, f"{path}.text"),
            help=self.text(fields, "help", where, f"{path}.help"),
            required=self.boolean(fields, "required", where, default=False),
            options=options,
            min=self.bound(fields, "min", where),
            max=self.bound(fields, "max", where),
            pattern=self.string(fields, "pattern", where),
            min_length=self.integer(fields, "min_length", where),
            max_length=self.integer(fields, "max_length", where),
            relevant=self.string(fields, "relevant", where),
            constraint=self.string(fields, "constraint", where),
            constraint_message=self.text(
                fields, "constraint_message", where, f"{path}.constraint_message"
            ),
            compare=self.compare(fields, where, kind),
            mirror=self.string(fields, "mirror", where),
            dont_know=self.boolean(fields, "dont_know", where, default=True),
            refused=self.boolean(fields, "refused", where, default=True),
            offer_special=self.boolean(fields, "offer_special", where, default=True),
            line=fields.line,
        )

    def option(self, node: Node, path: str, where: str) -> Option:
        """One option of a choice question."""
        fields = self.mapping(node, where, OPTION_KEYS)
        label = self.text(fields, "label", where, f"{path}.label")
        return Option(self.string(fields, "code", where) or "", label, line=fields.line)

    # -- values

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

    # -- languages and texts

    def language_list(self, fields: _Fields) -> tuple[str, ...]:
        """The declared languages, as written."""
        node = fields.get("languages")
        if isinstance(node, ScalarNode):
            self.report(
                _line(node),
                f"languages must be a list, not {_kind(node)} (write languages: [{node.value}])",
            )
            return (str(node.value),)
        items = self.sequence(fields, "languages", "the questionnaire")
        for item in items:
            if not isinstance(item, ScalarNode) or _is_null(item):
                self.report(
                    _line(item),
                    f"a language must be a tag such as en or zh-Hans, not {_kind(item)}",
                )
        return tuple(
            str(item.value) for item in items if isinstance(item, ScalarNode) and not _is_null(item)
        )

    def derive(self, fields: _Fields) -> None:
        """Read `derive: {target: source}` and set up the OpenCC conversions."""
        node = fields.get("derive")
        if node is None:
            return
        pairs = self.mapping(node, "derive", None)
        for target, value in pairs.nodes.items():
            origin = str(value.value) if isinstance(value, ScalarNode) else ""
            self.derive_pair(target, origin, pairs.lines[target])

    def derive_pair(self, target: str, origin: str, line: int) -> None:
        """Check one derive pair and remember its conversion."""
        conversion = CONVERSIONS.get((target, origin))
        if conversion is None:
            self.report(
                line,
                f"cannot derive {target} from {origin or 'nothing'} "
                "(supported: derive: {zh-Hant: zh-Hans} or derive: {zh-Hans: zh-Hant})",
            )
        elif target not in self.languages or origin not in self.languages:
            self.report(
                line,
                f"derive {target} from {origin} needs both among the languages "
                "(add them to languages: or remove derive)",
            )
        else:
            self.converters[target] = (origin, conversion)

    def text(self, fields: _Fields, name: str, where: str, path: str) -> dict[str, str]:
        """A text per language, completed by `derive`; {} when absent."""
        node = fields.get(name)
        texts = {} if node is None else self.text_node(node, f"{name} of {where}")
        for target, (origin, conversion) in self.converters.items():
            if not texts.get(target, "").strip() and texts.get(origin, "").strip():
                texts[target] = _converter(conversion).convert(texts[origin])
                self.derived.add((path, target))
        return texts

    def text_node(self, node: Node, what: str) -> dict[str, str]:
        """{language: text} from a mapping, or from a plain string when there is one language."""
        if isinstance(node, ScalarNode):
            return self.plain_text(node, what)
        texts = {}
        fields = self.mapping(node, what, None)
        for language, value in fields.nodes.items():
            if not isinstance(value, ScalarNode):
                message = f"{what} in '{language}' must be a string, not {_kind(value)}"
                self.report(fields.lines[language], message)
            elif not _is_null(value):  # `zh-Hant:` left empty means "not translated yet"
                texts[language] = str(value.value)
        return texts

    def plain_text(self, node: ScalarNode, what: str) -> dict[str, str]:
        """A plain string: the text of the only language (reported when there are more)."""
        if len(self.languages) > 1:
            example = ", ".join(f"{language}: …" for language in self.languages)
            count = len(self.languages)
            message = f"{what} is a plain string, but the questionnaire has {count} languages"
            self.report(_line(node), f"{message} (write {{{example}}})")
        return {self.base_language: str(node.value)} if self.languages else {}

    # -- compare rules

    def compare(self, fields: _Fields, where: str, kind: str) -> CompareRule | None:
        """The compare rule as written, or the default for the question type."""
        node = fields.get("compare")
        rule = None if node is None else self.rule(node, f"compare of {where}")
        if rule is None and kind in DEFAULT_RULES:
            return CompareRule(DEFAULT_RULES[kind])
        return rule

    def rule(self, node: Node, what: str) -> CompareRule | None:
        """`exact`, `{overlap: J}`, `{tolerance: {abs: X}}`, … (ranges are checked by validate)."""
        if isinstance(node, ScalarNode):
            return self.plain_rule(str(node.value), _line(node), what)
        one = "must name exactly one rule (e.g. compare: exact or compare: {tolerance: {abs: 1}})"
        entry = self.single_entry(node, what, RULES, one)
        if entry is None:
            return None
        name, value = entry
        if name in PLAIN_RULES:
            self.report(
                _line(value), f"{what}: rule '{name}' takes no value (write compare: {name})"
            )
            return None
        if name == "tolerance":
            return self.tolerance(value, what)
        number = self.number(value, f"{name} in {what}", RULE_EXAMPLES[name])
        return None if number is None else CompareRule(name, number)

    def plain_rule(self, name: str, line: int, what: str) -> CompareRule | None:
        """A rule written as a single word."""
        if name in PLAIN_RULES:
            return CompareRule(name)
        if name in RULE_EXAMPLES:
            self.report(
                line, f"{what}: rule '{name}' needs a value (write compare: {RULE_EXAMPLES[name]})"
            )
        else:
            self.report(line, f"{what}: unknown rule '{name}' ({_suggestion(name, RULES)})")
        return None

    def tolerance(self, node: Node, what: str) -> CompareRule | None:
        """`{abs: X}` or `{rel: R}`: exactly one of the two."""
        one = f"needs exactly one of abs and rel (write {RULE_EXAMPLES['tolerance']})"
        entry = self.single_entry(node, f"tolerance in {what}", ("abs", "rel"), one)
        if entry is None:
            return None
        which, value = entry
        number = self.number(value, f"tolerance {which} in {what}", f"{{{which}: 1}}")
        return None if number is None else CompareRule("tolerance", number, which == "rel")

    def single_entry(
        self, node: Node, what: str, allowed: tuple[str, ...], expected: str
    ) -> tuple[str, Node] | None:
        """The one key and value of a mapping such as {overlap: 0.5}; reported otherwise."""
        before = len(self.problems)
        fields = self.mapping(node, what, allowed)
        if len(fields.nodes) == 1:
            return next(iter(fields.nodes.items()))
        if len(self.problems) == before:  # not already explained as a wrong kind or unknown key
            self.report(fields.line, f"{what} {expected}")
        return None
