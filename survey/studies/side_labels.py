"""A side's label per pair kind: set and removed by researchers, read wherever a side is named.

A study's side has one label per language; for the pairs of one kind (`cross-strait`) the
study may name it otherwise ("Taiwan" / "台湾" / "臺灣"). `StudySide.label_for(kind)` gives
the label for a pair; `labels_by_pair` gives every pair's side labels at once, for exports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey import audit
from survey.errors import ServiceError
from survey.studies.models import Pair, SideKindLabel, Study, StudySide

LANGUAGES = ("en", "zh-Hans", "zh-Hant")
LONGEST = 100


def pair_kinds(session: Session, study: Study) -> list[str]:
    """The kinds the study's pairs have, in order; a label can be given only for these."""
    query = select(Pair.kind).where(Pair.study_id == study.id, Pair.kind != "").distinct()
    return sorted(session.scalars(query))


def set_kind_label(
    session: Session,
    study: Study,
    side_code: str,
    kind: str,
    labels: Mapping[str, str],
    *,
    user: Any = None,
) -> SideKindLabel:
    """Give `side_code` the `labels` (language tag → text) for the study's pairs of `kind`."""
    side = _side(study, side_code)
    kind = kind.strip()
    kinds = pair_kinds(session, study)
    if kind not in kinds:
        raise ServiceError("kind", "unknown_study_kind", kind=kind, kinds=", ".join(kinds) or "–")
    cleaned = _cleaned(labels)
    own = next((row for row in side.kind_labels if row.kind == kind), None)
    before = dict(own.label) if own else None
    if own is None:
        own = SideKindLabel(kind=kind, label=cleaned)
        side.kind_labels.append(own)
    else:
        own.label = cleaned
    session.flush()
    audit.record_for(
        own,
        "side.label",
        user,
        details={"side": side.code, "kind": kind, "before": before, "after": cleaned},
        study_id=study.id,
        session=session,
    )
    return own


def remove_kind_label(
    session: Session, study: Study, side_code: str, kind: str, *, user: Any = None
) -> None:
    """The side is named by its own label again for the pairs of `kind`."""
    side = _side(study, side_code)
    own = next((row for row in side.kind_labels if row.kind == kind), None)
    if own is None:
        raise ServiceError("kind", "no_kind_label", side=side.code, kind=kind)
    audit.record_for(
        own,
        "side.label",
        user,
        details={"side": side.code, "kind": kind, "before": dict(own.label), "after": None},
        study_id=study.id,
        session=session,
    )
    side.kind_labels.remove(own)
    session.flush()


def labels_by_pair(
    session: Session, sides: Iterable[StudySide], pairs: Iterable[tuple[str, str]]
) -> dict[str, dict[str, dict[str, str]]]:
    """For each (pair code, kind): side code → its label for that pair, in every language."""
    ids = [side.id for side in sides]
    loaded = session.scalars(
        select(StudySide).where(StudySide.id.in_(ids)).options(selectinload(StudySide.kind_labels))
    ).all()
    return {code: {s.code: s.label_for(kind) for s in loaded} for code, kind in pairs}


def _side(study: Study, code: str) -> StudySide:
    side = next((s for s in study.sides if s.code == code), None)
    if side is None:
        codes = ", ".join(s.code for s in study.sides)
        raise ServiceError("side", "unknown_side", side=code, sides=codes)
    return side


def _cleaned(labels: Mapping[str, str]) -> dict[str, str]:
    cleaned = {}
    for language, text in labels.items():
        if language not in LANGUAGES:
            raise ServiceError("label", "bad_language", language=language)
        text = " ".join((text or "").split())
        if not text:
            raise ServiceError("label", "label_empty", language=language)
        if len(text) > LONGEST:
            raise ServiceError("label", "too_long", max=LONGEST)
        cleaned[language] = text
    if "en" not in cleaned:
        raise ServiceError("label", "label_empty", language="en")
    return cleaned
