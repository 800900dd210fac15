"""The questionnaire, its sections, questions, options and compare rules from YAML nodes."""

from __future__ import annotations

import dataclasses

from yaml.nodes import MappingNode, Node, ScalarNode

from survey.core.loader.keys import (
    DEFAULT_RULES,
    OPTION_KEYS,
    PLAIN_RULES,
    QUESTION_KEYS,
    ROSTER_RULE_KEYS,
    RULE_EXAMPLES,
    SECTION_KEYS,
    TOP_KEYS,
)
from survey.core.loader.nodes import _Fields, _line, _name, _suggestion
from survey.core.loader.texts import _Texts
from survey.core.questionnaire import RULES, CompareRule, Option, Question, Questionnaire, Section


class _Reader(_Texts):
    """Turns YAML nodes into the model, collecting every problem with its line."""

    def __init__(self, source: str):
        super().__init__(source)
        self.top_lines: dict[str, int] = {}

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
        columns = tuple(
            self.question(n, f"{path}.columns.{i}", _name(n, "column", i, where))
            for i, n in enumerate(self.items(fields, "columns", where))
        )
        compare = self.compare(fields, where, kind)
        if compare is not None and compare.kind == "roster":
            columns = self.column_rules(fields, columns, where)
        return Question(
            key=self.string(fields, "key", where) or "",
            type=kind,
            text=self.text(fields, "text", where, f"{path}.text"),
            help=self.text(fields, "help", where, f"{path}.help"),
            guidance=self.text(fields, "guidance", where, f"{path}.guidance"),
            required=self.boolean(fields, "required", where, default=False),
            required_if=self.string(fields, "required_if", where),
            required_message=self.text(
                fields, "required_message", where, f"{path}.required_message"
            ),
            options=options,
            choice_filter=self.string(fields, "choice_filter", where),
            min=self.bound(fields, "min", where),
            max=self.bound(fields, "max", where),
            step=self.step(fields, where),
            pattern=self.string(fields, "pattern", where),
            min_length=self.integer(fields, "min_length", where),
            max_length=self.integer(fields, "max_length", where),
            relevant=self.string(fields, "relevant", where),
            constraint=self.string(fields, "constraint", where),
            constraint_message=self.text(
                fields, "constraint_message", where, f"{path}.constraint_message"
            ),
            compare=compare,
            mirror=self.string(fields, "mirror", where),
            dont_know=self.boolean(fields, "dont_know", where, default=True),
            refused=self.boolean(fields, "refused", where, default=True),
            offer_special=self.boolean(fields, "offer_special", where, default=True),
            calculation=self.string(fields, "calculation", where),
            default=self.string(fields, "default", where),
            read_only=self.boolean(fields, "read_only", where, default=False),
            dropdown=self.boolean(fields, "dropdown", where, default=False),
            identifying=self.boolean(fields, "identifying", where, default=False),
            columns=columns,
            count=self.string(fields, "count", where),
            line=fields.line,
        )

    def option(self, node: Node, path: str, where: str) -> Option:
        """One option of a choice question."""
        fields = self.mapping(node, where, OPTION_KEYS)
        label = self.text(fields, "label", where, f"{path}.label")
        code = self.string(fields, "code", where) or ""
        return Option(code, label, line=fields.line, columns=self.columns(fields, where))

    def columns(self, fields: _Fields, where: str) -> dict[str, str]:
        """An option's columns for a choice_filter: names to single values, kept as written."""
        node = fields.get("columns")
        if node is None:
            return {}
        found = self.mapping(node, f"columns of {where}", None)
        return {
            name: value
            for name in found.nodes
            if (value := self.string(found, name, f"columns of {where}")) is not None
        }

    def step(self, fields: _Fields, where: str) -> float | None:
        """range: the distance between two values offered (validate checks it fits)."""
        node = fields.get("step")
        return None if node is None else self.number(node, f"step of {where}", "step: 1")

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
        if name == "roster":
            return self.roster_rule(value, what)
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

    # -- the roster rule

    def roster_rule(self, node: Node, what: str) -> CompareRule | None:
        """`{match: [year, direction], mirror: {direction: {sent: received}}, compare: …}`;
        the rules under `compare` are given to the columns by `column_rules`."""
        where = f"roster in {what}"
        fields = self.mapping(node, where, ROSTER_RULE_KEYS)
        match = [self.scalar(n) for n in self.sequence(fields, "match", where)]
        if not all(isinstance(key, str) for key in match):
            self.report(fields.line, f"match of {where} must list column keys (e.g. [year])")
            return None
        mirror: dict[str, dict[str, str]] = {}
        mirrored = fields.get("mirror")
        if mirrored is not None:
            for column, codes in self.mapping(mirrored, f"mirror of {where}", None).nodes.items():
                pairs = self.mapping(codes, f"mirror of column '{column}' in {where}", None)
                values = {code: self.scalar(other) for code, other in pairs.nodes.items()}
                mirror[column] = {str(a): str(b) for a, b in values.items()}
        return CompareRule.roster(match, mirror)

    def column_rules(
        self, fields: _Fields, columns: tuple[Question, ...], where: str
    ) -> tuple[Question, ...]:
        """The columns with the rules the roster rule's `compare` gives them."""
        node = fields.get("compare")
        inner = node.value[0][1] if isinstance(node, MappingNode) and node.value else None
        rules = None
        if isinstance(inner, MappingNode):
            rules = next((v for k, v in inner.value if k.value == "compare"), None)
        if rules is None:
            return columns
        what = f"compare of the roster rule of {where}"
        given = self.mapping(rules, what, None)
        by_key = {column.key: column for column in columns}
        for key, rule_node in given.nodes.items():
            if key not in by_key:
                hint = _suggestion(key, tuple(by_key))
                self.report(given.lines[key], f"{what} names '{key}', not a column ({hint})")
                continue
            rule = self.rule(rule_node, f"column '{key}' in {what}")
            if rule is not None:
                by_key[key] = dataclasses.replace(by_key[key], compare=rule)
        return tuple(by_key[column.key] for column in columns)
