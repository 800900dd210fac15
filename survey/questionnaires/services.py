"""Questionnaire versions: import (immutable, hashed), look-up, visibility, impact against data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.caching import Keyed, built
from survey.core.impact import Impact, impact
from survey.core.questionnaire import Problem, Questionnaire, QuestionnaireError
from survey.errors import NotFoundError, ServiceError
from survey.questionnaires.models import QuestionnaireVersion
from survey.studies.models import Membership, Study

LIBRARY = "*"  # scope of versions that belong to no study
YAML_SUFFIXES = (".yaml", ".yml")
XLSFORM_SUFFIXES = (".xlsx", ".xls", ".zip")  # .zip: a form with the CSV files it reads


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the stored version, whether it is new, and its impact report."""

    version: QuestionnaireVersion
    created: bool
    previous: QuestionnaireVersion | None = None
    impact: Impact | None = None


# Answers are stored by a later layer (responding), so this one never imports them: the app
# factory hands in the function that counts them (survey.create_app, like ANSWER_LISTENERS).
AnswerCounter = Callable[[Session, str, str], dict[tuple[str, str | None], int]]
ANSWER_COUNTERS: list[AnswerCounter] = []


def load_source(path: str | Path) -> Questionnaire:
    """Read and validate a questionnaire file (.yaml or XLSForm); QuestionnaireError on problems."""
    return read_source(path)[0]


def read_source(
    path: str | Path, *, skip_unsupported: bool = False
) -> tuple[Questionnaire, list[Problem]]:
    """A questionnaire file read and validated, with its warnings (an XLSForm's rows left
    out; with `skip_unsupported`, also the rows survey cannot store yet and what depended
    on them). QuestionnaireError on problems."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        from survey.core.loader import load_file

        return load_file(path), []
    if suffix in XLSFORM_SUFFIXES:
        from survey.core.xlsform import read_xlsform

        read = read_xlsform(path, skip_unsupported=skip_unsupported)
        return read.questionnaire, read.warnings
    expected = ", ".join(YAML_SUFFIXES + XLSFORM_SUFFIXES)
    message = f"unsupported file type '{suffix or path.name}' (expected one of: {expected})"
    raise QuestionnaireError([Problem(str(path), None, message)])


def import_questionnaire(
    session: Session,
    q: Questionnaire,
    *,
    study: Study | None = None,
    user: User | None = None,
    source_name: str = "",
) -> ImportResult:
    """Store `q` as an immutable version; identical content is a no-op, changed content
    under an existing version string is refused (SCHEMA-01)."""
    scope = study.slug if study else LIBRARY
    existing = _find(session, scope, q.key, q.version)
    if existing is not None:
        if existing.content_hash != q.content_hash():
            raise ServiceError("version", "version_conflict", key=q.key, version=q.version)
        return ImportResult(existing, created=False)
    previous = latest(session, scope, q.key)
    row = QuestionnaireVersion(
        study_id=study.id if study else None,
        scope=scope,
        key=q.key,
        version=q.version,
        content=q.to_dict(),
        content_hash=q.content_hash(),
        source_name=source_name[:300],
        imported_by_id=user.id if user else None,
    )
    session.add(row)
    session.flush()
    report = impact(model_of(previous), q) if previous else None
    audit.record(
        session,
        "questionnaire.import",
        study_id=row.study_id,
        object_type="questionnaire_version",
        object_id=str(row.id),
        details={
            "key": q.key,
            "version": q.version,
            "hash": row.content_hash,
            "previous": previous.version if previous else None,
            "impact": report.to_dict() if report else None,
        },
    )
    return ImportResult(row, created=True, previous=previous, impact=report)


def _find(session: Session, scope: str, key: str, version: str) -> QuestionnaireVersion | None:
    return session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.scope == scope,
            QuestionnaireVersion.key == key,
            QuestionnaireVersion.version == version,
        )
    )


def latest(session: Session, scope: str, key: str) -> QuestionnaireVersion | None:
    """The most recently imported version of `key` in `scope`."""
    return session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.scope == scope, QuestionnaireVersion.key == key)
        .order_by(QuestionnaireVersion.id.desc())
        .limit(1)
    )


def get_version(session: Session, spec: str, *, study: Study | None = None) -> QuestionnaireVersion:
    """Resolve `KEY[@VERSION]` in the study's scope, then the shared library."""
    key, _, version = spec.partition("@")
    scopes = ([study.slug] if study else []) + [LIBRARY]
    for scope in scopes:
        row = _find(session, scope, key, version) if version else latest(session, scope, key)
        if row is not None:
            return row
    raise NotFoundError("questionnaire", spec=spec)


def previous_version(session: Session, row: QuestionnaireVersion) -> QuestionnaireVersion | None:
    """The version of the same key imported just before `row`."""
    return session.scalar(
        select(QuestionnaireVersion)
        .where(
            QuestionnaireVersion.scope == row.scope,
            QuestionnaireVersion.key == row.key,
            QuestionnaireVersion.id < row.id,
        )
        .order_by(QuestionnaireVersion.id.desc())
        .limit(1)
    )


@functools.lru_cache(maxsize=64)
def _model(content: Keyed) -> Questionnaire:
    return Questionnaire.from_dict(built(content))


def model_of(row: QuestionnaireVersion) -> Questionnaire:
    """The frozen model of a stored version, built once per content hash (not per request)."""
    return _model(Keyed(row.content_hash, lambda: row.content))


def model_for(session: Session, version_id: int, content_hash: str) -> Questionnaire:
    """The model of a version known by id and hash: its content is read only on a cache miss."""

    def read() -> dict[str, Any]:
        row = session.get(QuestionnaireVersion, version_id)
        if row is None:
            raise LookupError(f"questionnaire version {version_id} not found")
        return row.content

    return _model(Keyed(content_hash, read))


def answer_counts(session: Session, scope: str, key: str) -> dict[tuple[str, str | None], int]:
    """Answers held for each question (and option code) in rounds pinned to versions of `key`."""
    counts: dict[tuple[str, str | None], int] = {}
    for counter in ANSWER_COUNTERS:
        for found, number in counter(session, scope, key).items():
            counts[found] = counts.get(found, 0) + number
    return counts


def visible_versions(session: Session, user: User) -> list[QuestionnaireVersion]:
    """Shared-library versions and those of the user's studies (all for admins)."""
    query = select(QuestionnaireVersion).order_by(
        QuestionnaireVersion.key, QuestionnaireVersion.id.desc()
    )
    if not user.is_admin:
        mine = select(Membership.study_id).where(Membership.user_id == user.id)
        query = query.where(
            or_(QuestionnaireVersion.study_id.is_(None), QuestionnaireVersion.study_id.in_(mine))
        )
    return list(session.scalars(query))


def can_see(session: Session, user: User, row: QuestionnaireVersion) -> bool:
    """Library versions are open to researchers; study versions to the study's members."""
    if row.study_id is None or user.is_admin:
        return True
    return bool(
        session.scalar(
            select(func.count()).where(
                Membership.study_id == row.study_id, Membership.user_id == user.id
            )
        )
    )
