"""Loading a questionnaire file or YAML text, and dumping a model back as readable YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from survey.core.loader.nodes import _compose
from survey.core.loader.reader import _Reader
from survey.core.questionnaire import Problem, Questionnaire, QuestionnaireError
from survey.core.validate import validate as validate_model


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
