"""JSON: the variables and rows streamed as one document."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from survey.exports.dataset import Dataset, Table, Variable
from survey.exports.writers.cells import iso_datetime, text_batches
from survey.exports.writers.targets import Target, text_target


def write_json(dataset: Dataset, target: Target, *, about: Mapping[str, Any] | None = None) -> int:
    """One JSON document: about, questionnaire, variables, then the records, streamed;
    with rosters (the wide layout), "rosters": each roster's variables and records."""
    table = dataset.table("json")
    head = {
        "about": {key: _json_value(value) for key, value in (about or {}).items()},
        "questionnaire": dataset.questionnaire.to_dict() if dataset.questionnaire else None,
        "variables": [_variable_json(v) for v in table.variables],
    }
    with text_target(target) as stream:
        opening = json.dumps(head, ensure_ascii=False, indent=1, default=str)
        stream.write(opening.removesuffix("\n}") + ',\n "records": [')
        count = _records(stream, table, "  ")
        stream.write("\n ]")
        for number, (key, part) in enumerate(dataset.parts):
            rows = part.table("json")
            variables = json.dumps([_variable_json(v) for v in rows.variables], ensure_ascii=False)
            stream.write(',\n "rosters": {' if number == 0 else ",")
            stream.write(f'\n  {json.dumps(key)}: {{"variables": {variables}, "records": [')
            _records(stream, rows, "   ")
            stream.write("\n  ]}")
        stream.write("\n }\n}\n" if dataset.parts else "\n}\n")
    return count


def _records(stream: Any, table: Table, indent: str) -> int:
    """The rows of `table` as JSON objects, one a line; returns how many."""
    names = [v.name for v in table.variables]
    count = 0
    for row in itertools.chain.from_iterable(text_batches(table, "json")):
        stream.write(f",\n{indent}" if count else f"\n{indent}")
        stream.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False))
        count += 1
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
