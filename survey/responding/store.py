"""The answer store's statements: every SQL of the respondent's path, and its only dialect branches.

A narrow interface over SQLAlchemy Core on the request's session (public API only;
statements are built once and SQLAlchemy's compiled cache does the rest):

- `answer_list(invitation_id_column)`: a query's column holding an invitation's answers,
  so that the visit's one read brings them along (`read_visit`); `stored_rows` reads it;
- `read_visit`: an invitation (ORM, as every other path has it) with its round and
  what a respondent page shows, and its answers, in one statement;
- `answer_rows`: the answers of an invitation, read again;
- `move_invitation`: the invitation's guarded UPDATE (its optimistic-lock version),
  which on PostgreSQL also claims the audit chain when the guard held;
- `write_rows`: a save's changed and new answers, one statement each, the rows as one
  JSON document (`json_to_recordset` on PostgreSQL, `json_each` on SQLite).

Tested on both databases by tests/responding/test_store.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Row, Text, TypeDecorator, bindparam, func, select, text, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from survey import audit
from survey.questionnaires.models import QuestionnaireVersion
from survey.responding.models import Answer
from survey.rounds.models import FollowupRound, Invitation, Round
from survey.studies.models import Pair, Respondent, SideKindLabel, Study, StudySide


class Stored(NamedTuple):
    """A stored answer as read: its row, value and optimistic-lock version."""

    id: int | None
    value: Any
    version: int


class Fresh(NamedTuple):
    """An answer to be stored for the first time."""

    key: str
    value: Any
    version: int


# ---------------------------------------------------------------------------- reading


class _AnswerArray(TypeDecorator[list[Any]]):
    """`answer_list`'s result: PostgreSQL hands JSON over decoded, SQLite as text."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> list[Any]:
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else value


class answer_list(FunctionElement[list[Any]]):  # noqa: N801  (used like a SQL function)
    """SQL: every answer of invitation `id` as a JSON array of [id, key, value, version]."""

    type = _AnswerArray()
    inherit_cache = True
    name = "answer_list"


# The invitation's id is compiled from a column expression, never taken from input.
@compiles(answer_list, "postgresql")
def _answer_list_postgresql(element: answer_list, compiler: Any, **kw: Any) -> str:
    invitation = compiler.process(element.clauses, **kw)
    return (
        "(SELECT json_agg(json_build_array(a.id, a.question_key, a.value, a.version))"  # noqa: S608
        f" FROM answers AS a WHERE a.invitation_id = {invitation})"
    )


@compiles(answer_list, "sqlite")
def _answer_list_sqlite(element: answer_list, compiler: Any, **kw: Any) -> str:
    invitation = compiler.process(element.clauses, **kw)
    return (
        "(SELECT json_group_array(json_array(a.id, a.question_key, json(a.value), a.version))"  # noqa: S608
        f" FROM answers AS a WHERE a.invitation_id = {invitation})"
    )


def stored_rows(listed: Sequence[Any]) -> dict[str, Stored]:
    """`answer_list`'s array by question key."""
    return {key: Stored(row_id, value, version) for row_id, key, value, version in listed}


_ANSWERS = Answer.__table__
_ROWS = select(_ANSWERS.c.id, _ANSWERS.c.question_key, _ANSWERS.c.value, _ANSWERS.c.version).where(
    _ANSWERS.c.invitation_id == bindparam("invitation_id")
)


def answer_rows(session: Session, invitation_id: int) -> dict[str, Stored]:
    """The stored answers of an invitation by question key (plain rows, not ORM objects)."""
    result = session.connection().execute(_ROWS, {"invitation_id": invitation_id})
    return {key: Stored(row_id, value, version) for row_id, key, value, version in result}


_VISIT = (
    select(
        Invitation,
        Round,
        QuestionnaireVersion.content_hash,
        Study.title,
        func.coalesce(SideKindLabel.label, StudySide.label),  # the side's name for this pair
        StudySide.default_language,
        Respondent.language,
        answer_list(Invitation.id),
        FollowupRound.parent_id,  # set when the round is a follow-up of that round
    )
    .join(Round, Round.id == Invitation.round_id)
    .join(QuestionnaireVersion, QuestionnaireVersion.id == Round.questionnaire_version_id)
    .join(Study, Study.id == Round.study_id)
    .join(StudySide, StudySide.id == Invitation.side_id)
    .join(Pair, Pair.id == Invitation.pair_id)
    .outerjoin(
        SideKindLabel, (SideKindLabel.side_id == StudySide.id) & (SideKindLabel.kind == Pair.kind)
    )
    .join(Respondent, Respondent.id == Invitation.respondent_id)
    .outerjoin(FollowupRound, FollowupRound.round_id == Round.id)
    .where(Invitation.id == bindparam("invitation_id"))
)


def read_visit(session: Session, invitation_id: int) -> Row[Any] | None:
    """(invitation, round, content hash, study title, side label, side language,
    respondent's language, answers as `answer_list`, the original round's id when the
    round is a follow-up) of one invitation, or None."""
    return session.execute(_VISIT, {"invitation_id": invitation_id}).one_or_none()


def relock(session: Session, invitation: Invitation) -> None:
    """Read the invitation again, locked until the transaction ends (PostgreSQL's FOR UPDATE)."""
    session.refresh(invitation, with_for_update=True)


# ---------------------------------------------------------------------------- writing


@functools.cache
def _invitation_update(names: tuple[str, ...], guarded: bool, claim: bool) -> Any:
    """UPDATE invitations SET <names>, version = version + :bump [WHERE version = :seen].

    With `claim` (PostgreSQL), the statement also takes the audit chain's lock, but only
    when its guard held: a save that lost the race holds no lock while it reads the
    invitation again (it would wait for the winner's row lock while the winner waited
    for the chain).
    """
    table = Invitation.__table__
    statement = update(table).where(table.c.id == bindparam("invitation_id"))
    if guarded:
        statement = statement.where(table.c.version == bindparam("seen"))
    values = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names}
    values["version"] = table.c.version + bindparam("bump")
    statement = statement.values(**values).returning(table.c.version)
    if not claim:
        return statement
    moved = statement.cte("moved")
    return select(moved.c.version, audit.claim_chain()).select_from(moved)


def move_invitation(
    session: Session,
    invitation_id: int,
    values: Mapping[str, Any],
    *,
    seen: int | None,
    bump: bool,
    audited: bool,
) -> int | None:
    """Set `values` on the invitation and move its version on (by one with `bump`).

    With `seen`, only if its version is still `seen`. Returns the version now
    stored, or None when the guard failed. With `audited`, the transaction may then
    append to the audit chain (`audit.head` without a second lock on PostgreSQL).
    """
    connection = session.connection()
    claim = audited and connection.dialect.name == "postgresql"
    statement = _invitation_update(tuple(sorted(values)), seen is not None, claim)
    params = {f"new_{name}": value for name, value in values.items()}
    params |= {"invitation_id": invitation_id, "seen": seen, "bump": int(bump)}
    return connection.execute(statement, params).scalar()


_HEAD = text(audit.HEAD_SQL)


def chain_head(session: Session) -> str | None:
    """The audit chain's newest hash, after an `audited` `move_invitation` (whose lock, on
    PostgreSQL, lets this transaction alone append to the chain; SQLite's writers are
    serialised already)."""
    return session.connection().execute(_HEAD).scalar()


class _RowStatements(NamedTuple):
    update: Any
    insert: Any


def _row_statements(rows_sql: str) -> _RowStatements:
    """A save's rows in one statement each, read by `rows_sql` from the JSON document :rows.

    `rows_sql` is one of the constants of `_ROW_WRITES`, never anything from input.
    """
    at = bindparam("at", type_=_ANSWERS.c.updated_at.type)
    return _RowStatements(
        text(
            "UPDATE answers SET value = r.value, version = r.version, source = :source,"  # noqa: S608
            f" updated_at = :at, updated_by_id = :by FROM {rows_sql} WHERE answers.id = r.id"
        ).bindparams(at),
        text(
            "INSERT INTO answers (invitation_id, question_key, value, version, source,"  # noqa: S608
            " updated_at, updated_by_id) SELECT :invitation_id, r.key, r.value, r.version,"
            f" :source, :at, :by FROM {rows_sql}"
        ).bindparams(at),
    )


# Every row's value comes as its JSON text, as the JSON column type would store it.
_ROW_WRITES = {
    "postgresql": _row_statements(
        "(SELECT r.id, r.key, CAST(r.value AS jsonb) AS value, r.version"
        " FROM json_to_recordset(CAST(:rows AS json))"
        " AS r(id integer, key text, value text, version integer)) AS r"
    ),
    "sqlite": _row_statements(
        "(SELECT e.value ->> '$.id' AS id, e.value ->> '$.key' AS key,"
        " e.value ->> '$.value' AS value, e.value ->> '$.version' AS version"
        " FROM json_each(:rows) AS e) AS r"
    ),
}


def write_rows(
    session: Session,
    invitation_id: int,
    updates: Sequence[Stored],
    inserts: Sequence[Fresh],
    *,
    source: str,
    at: dt.datetime,
    by: int | None,
) -> None:
    """Changed answers (`updates`, by row id) and new ones (`inserts`), one statement each.

    A statement per row would cost, per row, a round of parameter handling here and a
    message, a parse and an executor start in the database.
    """
    connection = session.connection()
    statements = _ROW_WRITES[connection.dialect.name]
    stamp = {"source": source, "at": at, "by": by}
    if updates:
        rows = [{"id": r.id, "value": json.dumps(r.value), "version": r.version} for r in updates]
        connection.execute(statements.update, {"rows": json.dumps(rows), **stamp})
    if inserts:
        rows = [{"key": r.key, "value": json.dumps(r.value), "version": r.version} for r in inserts]
        params = {"rows": json.dumps(rows), "invitation_id": invitation_id, **stamp}
        connection.execute(statements.insert, params)
