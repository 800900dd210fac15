"""The corpus table of docs/xlsform.md held true: every third-party form of the corpus read
without and with `skip_unsupported`, its outcome, questions, languages and what was left out.

`python -m tests.core.test_xlsform_corpus` prints the table as the walk finds it (to paste
into the docs after a change that the test then holds).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from survey.core.questionnaire import Problem, QuestionnaireError
from survey.core.xlsform import read_xlsform
from tests.core.test_xlsform import CORPUS, _corpus_files, needs_corpus

DOCS = Path(__file__).resolve().parents[2] / "docs" / "xlsform.md"
HEADER = (
    "| file | outcome | questions | languages | adapted, left out (with the flag) or why refused |"
)

# A warning → what the table counts it as (the first pattern that matches).
_KINDS = (
    (r"the appearance '[^']+' of .* is ignored", "appearance ignored"),
    (r"the condition of required of .* is left out", "condition of required left out"),
    (r"has type '([^' ]+)", None),  # the ODK type's first word
    (r"is a repeat inside the repeat .*: it becomes the roster", "nested repeat as a roster"),
    (r"the repeat_count of .* is left out", "repeat_count of a nested repeat left out"),
    (r"a column of the outer repeat", "reads an outer repeat's column"),
    (r"is a (repeat|loop) inside the loop", "repeat or loop in a loop"),
    (r"is a loop", "loop"),
    (r"inside the loop '", "rows in loops"),
    (r"became \d+ × \d+ questions", "loop as questions"),
    (r"ODK searches its list on the external_choices sheet", "external choices as a select"),
    (r"of the external_choices sheet has the name", "external choice renamed"),
    (r"a hidden value is neither shown", "hidden"),
    (r"the choice_filter of .* is ignored", "choice_filter ignored"),
    (r"none of the rows of its repeat", "repeat left empty"),
    (r"inside the repeat", "rows in repeats"),
    (r"the choice name '[^']+' of the list '[^']+' is renamed", "choice name made a code"),
    (r"more than once \(allow_choice_duplicates\)", "duplicate choice renamed"),
    (r"has a bare null, read as ''", "null read as empty"),
    (r"reads its choices from '[^']+', which is not beside", "choices file missing"),
    (r"is survey's own special answer", "choice dk/rf as survey's own"),
    (r"offers \d choice", "one-choice select"),
    (r"is renamed", "renamed key"),
    (r"texts have no (\S+) version", "texts filled from another language"),
    (r"constraint of .* is left out", "constraint left out"),
    (r"required of note .* is left out", "required on a note left out"),
    (r"uses what survey cannot evaluate", "unsupported function"),
    (r"uses \$\{.*which comes after it", "forward reference"),
    (r"(uses|mirrors) \$\{", "depended on a dropped row"),
    (r"is not asked: survey records", "paradata"),
    (r"is left out: a web form has no", "device metadata"),
)


def _kind(message: str) -> str:
    for pattern, name in _KINDS:
        if found := re.search(pattern, message):
            return name or found[1]
    raise AssertionError(f"a warning the table does not count: {message}")


def summary(warnings: list[Problem]) -> str:
    """What was left out, counted by kind in order of first appearance: 'image ×3; …'."""
    counts = Counter(_kind(warning.message) for warning in warnings)
    return "; ".join(f"{kind} ×{n}" if n > 1 else kind for kind, n in counts.items()) or "—"


def walk(name: str) -> tuple[str, str, str, str]:
    """(outcome, questions, languages, left out or why refused) of one corpus form."""
    try:
        read = read_xlsform(CORPUS / name, source=name)
        outcome = "imports"
    except QuestionnaireError:
        try:
            read = read_xlsform(CORPUS / name, source=name, skip_unsupported=True)
            outcome = "imports with --skip-unsupported"
        except QuestionnaireError as error:
            why = "; ".join(problem.message for problem in error.problems[:2])
            return "refused", "—", "—", why
    q = read.questionnaire
    questions = str(sum(1 for _ in q.questions()))
    return outcome, questions, ", ".join(q.languages), summary(read.warnings)


def table() -> str:
    rows = [HEADER, "|---|---|---|---|---|"]
    for name in _corpus_files():
        rows.append("| `" + name + "` | " + " | ".join(walk(name)) + " |")
    return "\n".join(rows)


def documented() -> dict[str, tuple[str, ...]]:
    """The table in docs/xlsform.md: file → its cells."""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(HEADER)
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("| `"):
            break
        cells = tuple(cell.strip() for cell in line.strip("|").split(" | "))
        rows[cells[0].strip("`")] = cells[1:]
    return rows


@needs_corpus
def test_the_docs_table_names_every_corpus_form():
    assert sorted(documented()) == _corpus_files()


@needs_corpus
@pytest.mark.parametrize("name", _corpus_files())
def test_the_docs_table_holds_for_each_corpus_form(name):
    assert documented()[name] == walk(name)


@needs_corpus
def test_with_the_flag_only_truly_invalid_forms_are_refused():
    refused = {name: walk(name)[3] for name in _corpus_files() if walk(name)[0] == "refused"}
    assert refused == {
        "pyxform__duplicate_columns.xlsx": "cannot read the form: Duplicate column header: label",
    }


# What still refuses a corpus form without the flag, and nothing else: geo, media and
# barcode rows (what a web form cannot record); choice files the corpus does not hold (ODK
# Central will not publish a form without its attachments either); an expression in a
# nested repeat that reads its outer repeat's columns (survey's one gap: a nested repeat
# is a linked roster); a form no tool reads. Everything else ODK accepts is adapted.
_STILL_REFUSED = re.compile(
    r"has type '(geopoint|geotrace|geoshape|gps|osm|image|photo|audio|video|file|"
    r"background-audio|barcode)\b"
    r"|has type 'select_(one|multiple)_from_file \S+\.geojson'"
    r"|which is not beside the form|a column of the outer repeat|cannot read the form"
)


@needs_corpus
@pytest.mark.parametrize("name", _corpus_files())
def test_without_the_flag_only_what_survey_cannot_store_refuses_a_form(name):
    try:
        read_xlsform(CORPUS / name, source=name)
    except QuestionnaireError as error:
        adaptable = [p.message for p in error.problems if not _STILL_REFUSED.search(p.message)]
        assert adaptable == []


if __name__ == "__main__":
    print(table())
