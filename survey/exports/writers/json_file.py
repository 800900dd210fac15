"""JSON: the variables and rows streamed as one document."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from survey.exports.dataset import Dataset, Variable
from survey.exports.writers.cells import iso_datetime, text_batches
from survey.exports.writers.targets import Target, text_target


def write_json(dataset: Dataset, target: Target, *, about: Mapping[str, Any] | None = None) -> int:
    """One JSON document: about, questionnaire, variables, then the records, streamed."""
    table = dataset.table("json")
    names = [v.name for v in table.variables]
    head = {
        "about": {key: _json_value(value) for key, value in (about or {}).items()},
        "questionnaire": dataset.questionnaire.to_dict() if dataset.questionnaire else None,
        "variables": [_variable_json(v) for v in table.variables],
    }
    count = 0
    with text_target(target) as stream:
        opening = json.dumps(head, ensure_ascii=False, indent=1, default=str)
        stream.write(opening.removesuffix("\n}") + ',\n "records": [')
        for row in itertools.chain.from_iterable(text_batches(table, "json")):
            stream.write(",\n  " if count else "\n  ")
            stream.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False))
            count += 1
        stream.write("\n ]\n}\n")
    return count


def _variable_json(v: Variable) -> dict[str, Any]:
    return {
        "name": v.name, "label": dict(v.label), "kind": v.kind, "role": v.role,
        "question": v.question, "side": v.side,
        "value_labels": {str(k): dict(t) for k, t in (v.value_labels or {}).items()} or None,
    }  # fmt: skip


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
