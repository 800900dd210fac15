"""The languages a questionnaire declares, texts in each, and those OpenCC derives."""

from __future__ import annotations

from yaml.nodes import Node, ScalarNode

from survey.core.loader.keys import CONVERSIONS
from survey.core.loader.nodes import _converter, _Fields, _is_null, _kind, _line, _Values


class _Texts(_Values):
    """The declared languages, `derive:` (OpenCC) and texts in every language."""

    def __init__(self, source: str):
        super().__init__(source)
        self.languages: tuple[str, ...] = ()
        self.base_language = ""
        self.converters: dict[str, tuple[str, str]] = {}  # target → (source language, conversion)
        self.derived: set[tuple[str, str]] = set()

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
