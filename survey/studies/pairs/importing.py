"""Importing a pairs file: all or nothing, pairs matched by code and updated in place."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from survey import audit
from survey.accounts.models import User
from survey.studies.models import Pair, PairSide, Respondent, Study
from survey.studies.pairs.changes import FieldChange, _audited, _changed
from survey.studies.pairs.checking import _Checked, _SideRow, check_table
from survey.studies.pairs.columns import (
    PAIR_COLUMNS,
    PERSON_COLUMN,
    PLACE_COLUMNS,
    RESPONDENT_COLUMNS,
)
from survey.studies.pairs.files import read_table
from survey.studies.pairs.stored import StoredPair, stored_pairs


@dataclass
class PairsImportReport:
    """What an import did (or, for a dry run, would do), pair by pair."""

    source: str
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[FieldChange]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    kept_columns: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        """`3 created, 1 updated, 33 unchanged` (English, for the command line)."""
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def import_pairs(
    session: Session,
    study: Study,
    path: str | Path,
    *,
    encoding: str | None = None,
    user: User | None = None,
    dry_run: bool = False,
    source_name: str | None = None,
) -> PairsImportReport:
    """Check a pairs file completely, then create or update its pairs in place; all or nothing."""
    path = Path(path)
    checked = check_table(read_table(path, encoding), [s.code for s in study.sides])
    report = PairsImportReport(
        source=source_name or path.name, kept_columns=checked.kept, dry_run=dry_run
    )
    if not dry_run:
        _lock_study(session, study)
    stored = stored_pairs(session, study)
    writes = _Writes()
    for code, group in checked.groups.items():
        if code not in stored:
            report.created.append(code)
        elif changes := _diff_pair(study, stored[code], group, checked, writes):
            report.updated[code] = changes
        else:
            report.unchanged.append(code)
    report.not_in_file = [code for code in stored if code not in checked.groups]
    if not dry_run:
        _write(session, writes)
        _insert_pairs(session, study, [(c, checked.groups[c]) for c in report.created], checked)
        _audit_import(session, study, report, hashlib.sha256(path.read_bytes()).hexdigest(), user)
    return report


def _lock_study(session: Session, study: Study) -> None:
    """Serialise imports into one study (PostgreSQL), so two never create the same pair."""
    session.execute(select(Study.id).where(Study.id == study.id).with_for_update())


@dataclass
class _Writes:
    """What an import changes in stored pairs: parameter rows for bulk UPDATEs and INSERTs."""

    updates: dict[type, list[dict[str, Any]]] = field(
        default_factory=lambda: {Pair: [], PairSide: [], Respondent: []}
    )
    new_sides: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    new_people: list[dict[str, Any]] = field(default_factory=list)


def _diff_pair(
    study: Study,
    stored: StoredPair,
    group: dict[str, _SideRow],
    checked: _Checked,
    writes: _Writes,
) -> list[FieldChange]:
    """The changes a pair's rows make, noted in `writes`; [] when it is unchanged."""
    merged = _merged(group, checked)
    new = {c: merged[c] for c in PAIR_COLUMNS if c in checked.present}
    if "kind" in new:
        new["kind"] = new["kind"] or ""
    changed = _changed(stored.values, new)
    changes = [FieldChange(k, stored.values[k], v) for k, v in changed.items()]
    if checked.kept:
        old = stored.values["attributes"]
        attributes = {k: v for k, v in old.items() if k not in checked.kept}
        attributes.update({k: merged[k] for k in checked.kept if merged[k] is not None})
        for key in sorted(set(old) | set(attributes)):
            if old.get(key) != attributes.get(key):
                changes.append(FieldChange(f"attributes.{key}", old.get(key), attributes.get(key)))
        if attributes != old:
            changed["attributes"] = attributes
    if changed:
        writes.updates[Pair].append({"id": stored.id, **changed})
    for side in study.sides:
        if side.code in group:
            changes += _diff_side(stored, side.id, group[side.code], checked, writes)
    return changes


def _diff_side(
    stored: StoredPair, side_id: int, row: _SideRow, checked: _Checked, writes: _Writes
) -> list[FieldChange]:
    person = _respondent_values(row, checked.present)
    old_side = stored.sides.get(side_id)
    if old_side is None:  # a pair stored with one side only (never by an import)
        places = {c: row.values.get(c, "") for c in PLACE_COLUMNS}
        writes.new_sides.append(({"pair_id": stored.id, "side_id": side_id, **places}, person))
        return [FieldChange(row.side, None, "added")]
    changed = _changed(old_side, {c: row.values[c] for c in PLACE_COLUMNS if c in checked.present})
    changes = [FieldChange(f"{row.side}.{k}", old_side[k], v) for k, v in changed.items()]
    if changed:
        writes.updates[PairSide].append({"id": old_side["id"], **changed})
    old_person = stored.people.get(side_id)
    if old_person is None:
        if _filled(person):
            writes.new_people.append({"pair_side_id": old_side["id"], "is_primary": True, **person})
            changes.append(FieldChange(f"{row.side}.respondent", None, "added"))
        return changes
    changed = _changed(old_person, person)
    changes += [
        FieldChange(f"{row.side}.{PERSON_COLUMN[k]}", old_person[k], v) for k, v in changed.items()
    ]
    if changed:
        writes.updates[Respondent].append({"id": old_person["id"], **changed})
    return changes


def _write(session: Session, writes: _Writes) -> None:
    """Apply the noted changes with bulk statements, and expire what the session holds of them."""
    session.flush()
    for model, rows in writes.updates.items():
        if rows:
            session.execute(update(model), rows)
            _expire(session, model, [row["id"] for row in rows])
    if writes.new_sides:
        side_ids = _inserted_ids(session, PairSide, [side for side, _ in writes.new_sides])
        for pair_side_id, (side, person) in zip(side_ids, writes.new_sides, strict=True):
            _expire(session, Pair, [side["pair_id"]])
            if _filled(person):
                writes.new_people.append(
                    {"pair_side_id": pair_side_id, "is_primary": True, **person}
                )
    if writes.new_people:
        session.execute(insert(Respondent), writes.new_people)
        _expire(session, PairSide, [row["pair_side_id"] for row in writes.new_people])


def _expire(session: Session, model: type, ids: Iterable[int]) -> None:
    """Bulk statements bypass the identity map: objects loaded earlier must reload."""
    for object_id in ids:
        loaded = session.identity_map.get(identity_key(model, object_id))
        if loaded is not None:
            session.expire(loaded)


def _merged(group: dict[str, _SideRow], checked: _Checked) -> dict[str, Any]:
    """The pair-level values of a pair's rows: the non-blank one wins (they agree)."""
    merged: dict[str, Any] = {}
    for column in (*PAIR_COLUMNS, *checked.kept):
        found = [r.values.get(column, r.attributes.get(column)) for r in group.values()]
        merged[column] = next((v for v in found if v not in (None, "")), None)
    return merged


def _insert_pairs(
    session: Session, study: Study, new: list[tuple[str, dict[str, _SideRow]]], checked: _Checked
) -> None:
    """Insert new pairs, then their sides, then their respondents: one bulk INSERT each.

    Bulk statements rather than ORM objects: creating thousands of pairs through the unit of
    work costs several times as much (benchmarks/pairs_import.py).
    """
    if not new:
        return
    pair_rows = []
    for code, group in new:
        merged = _merged(group, checked)
        pair_rows.append(
            {
                "study_id": study.id,
                "code": code,
                "kind": merged["kind"] or "",
                "established": merged["established"],
                "attributes": {k: merged[k] for k in checked.kept if merged[k] is not None},
            }
        )
    pair_ids = _inserted_ids(session, Pair, pair_rows)
    side_ids = {s.code: s.id for s in study.sides}
    side_rows, people = [], []
    for pair_id, (_code, group) in zip(pair_ids, new, strict=True):
        for side_code, row in group.items():
            places = {c: row.values.get(c, "") for c in PLACE_COLUMNS}
            side_rows.append({"pair_id": pair_id, "side_id": side_ids[side_code], **places})
            people.append(_respondent_values(row, checked.present))
    respondent_rows = [
        {"pair_side_id": pair_side_id, "is_primary": True, **person}
        for pair_side_id, person in zip(
            _inserted_ids(session, PairSide, side_rows), people, strict=True
        )
        if _filled(person)
    ]
    if respondent_rows:
        session.execute(insert(Respondent), respondent_rows)


def _inserted_ids(session: Session, model: type[Pair | PairSide], rows: list[dict]) -> list[int]:
    """Insert the rows; their new ids, in the rows' order."""
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def _filled(values: dict[str, Any]) -> bool:
    """Whether any value is given: a side without respondent data gets no empty respondent."""
    return any(v not in (None, "") for v in values.values())


def _respondent_values(row: _SideRow, present: frozenset[str]) -> dict[str, Any]:
    values = {f: row.values[c] for c, f in RESPONDENT_COLUMNS.items() if c in present}
    if "organization" in present:
        values["organization"] = row.values["organization"]
    return values


def _audit_import(
    session: Session, study: Study, report: PairsImportReport, digest: str, user: User | None
) -> None:
    details = {
        "file": report.source,
        "sha256": digest,
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": len(report.unchanged),
        "kept_columns": report.kept_columns,
        "created_pairs": report.created,
        "changes": {code: _audited(changes) for code, changes in report.updated.items()},
    }
    audit.record_for(study, "pairs.import", user, details=details, session=session)
