"""De-identified exports, the default: no column or row that names a person.

Left out: the respondents' names (variables marked `identifying`; e-mails, telephones and
positions are never exported) and every variable of a free-text question the
questionnaire marks `identifying: true`; in the long layout, the rows of those questions.
What was left out is listed in `Dataset.withheld`, which the codebook prints
(docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from survey.core.questionnaire import Questionnaire
from survey.exports.dataset import Dataset, Variable


def identifying_keys(q: Questionnaire) -> frozenset[str]:
    """The keys of the questions whose answers may name a person (a roster's column as
    `<roster>.<column>`, as its roster file's variables name it)."""
    keys = {question.key for question in q.questions() if question.identifying}
    keys |= {
        f"{question.key}.{column.key}"
        for question in q.questions()
        for column in question.columns
        if column.identifying
    }
    return frozenset(keys)


def deidentified(q: Questionnaire, dataset: Dataset) -> Dataset:
    """`dataset` without what names a person, with `withheld` saying what went."""
    keys = identifying_keys(q)

    def named(v: Variable) -> bool:
        return v.identifying or (v.question is not None and v.question in keys)

    withheld = [v.name for v in dataset.variables if named(v)]
    kept = dataset.select(lambda v: not named(v))
    asked = frozenset(key for key in keys if "." not in key)  # not a roster's column
    if dataset.layout == "long" and asked:
        index = [v.name for v in kept.stored].index("question")
        kept = replace(kept, rows=_without(kept.rows, index, asked))
        withheld += [f"question={key}" for key in sorted(asked)]
    parts = tuple((key, deidentified(q, part)) for key, part in dataset.parts)
    withheld += [f"{key}: {name}" for key, part in parts for name in part.withheld]
    return replace(kept, withheld=tuple(withheld), parts=parts)


def _without(
    rows: Iterable[Sequence[Any]], index: int, keys: frozenset[str]
) -> Iterator[Sequence[Any]]:
    for row in rows:
        if row[index] not in keys:
            yield row


def withheld_about(dataset: Dataset) -> dict[str, str]:
    """The codebook's line naming what a de-identified export left out."""
    return {"withheld": ", ".join(dataset.withheld)} if dataset.withheld else {}
