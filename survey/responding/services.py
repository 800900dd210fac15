"""Answers: parse, validate and store them with an audit trail; submit exactly once.

Shared by the respondent's form, interviewer entry, the responses import and
discrepancy corrections. One audit row per save lists every changed answer with
its old and new value, who changed it and on whose behalf (ACL-05).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Dialect,
    Text,
    TypeDecorator,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.functions import FunctionElement

from survey import audit
from survey.accounts.models import User
from survey.core import relevance
from survey.core.questionnaire import Questionnaire
from survey.core.types import AnswerError, check_answer, type_of
from survey.db import DriverStatement, driver_statement, utcnow
from survey.errors import ServiceError
from survey.responding.models import Answer
from survey.rounds.models import Invitation, Round

EDITABLE_STATES = frozenset({"pending", "sent", "opened", "in_progress"})


@dataclass(frozen=True)
class RoundRow:
    """What a respondent's request needs of its round, as plain values."""

    id: int
    study_id: int
    state: str
    closes_at: dt.datetime | None
    questionnaire_version_id: int


@dataclass
class InvitationRow:
    """An invitation as the respondent's pages read it: plain values, not an ORM object.

    Read with everything else a page needs in one statement (`visit.load_visit`),
    without the ORM's work per object. `plan` and `write` take it as they take an
    `Invitation`; `write` sets what it wrote here too. Anything else that changes an
    invitation works on the ORM object (`session.get(Invitation, row.id)`).
    """

    id: int
    round_id: int
    respondent_id: int
    pair_id: int
    side_id: int
    token_hash: str
    state: str
    version: int
    current_section: str | None
    started_at: dt.datetime | None
    round: RoundRow


Invited = Invitation | InvitationRow  # what saving answers takes

# Called with (session, invitation) after answers of an invitation changed or it was
# submitted; the comparison feature registers itself here to re-run the pair.
ANSWER_LISTENERS: list[Callable[[Session, Invited], None]] = []


@dataclass(frozen=True)
class Actor:
    """Who writes: the respondent (user None) or a researcher/interviewer on their behalf."""

    source: str = "respondent"  # respondent | interviewer | import | correction
    user: User | None = None
    reason: str | None = None
    mode: str | None = None  # web | phone | email | paper, recorded on the invitation


@dataclass
class SaveResult:
    """What a save did: values stored, errors per question, conflicts with a newer save."""

    saved: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, AnswerError] = field(default_factory=dict)
    conflicts: dict[str, tuple[Any, int]] = field(default_factory=dict)  # key -> (theirs, version)


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


@dataclass
class Plan:
    """A save worked out on what was read, before anything is written (see `write`)."""

    result: SaveResult
    rows: dict[str, Stored]  # every answer of the invitation as it will be once written
    updates: list[Stored] = field(default_factory=list)  # stored rows with their new value
    inserts: list[Fresh] = field(default_factory=list)  # answers not stored before
    changes: dict[str, list[Any]] = field(default_factory=dict)  # key -> [old, new], audited
    invitation_id: int | None = None  # whose answers, from where, when, by whom: every row
    source: str = "respondent"
    at: dt.datetime | None = None
    by: int | None = None


_ANSWERS = Answer.__table__
_ROWS = select(_ANSWERS.c.id, _ANSWERS.c.question_key, _ANSWERS.c.value, _ANSWERS.c.version).where(
    _ANSWERS.c.invitation_id == bindparam("invitation_id")
)


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


@functools.cache
def _invitation_update(names: tuple[str, ...], *, guarded: bool) -> Any:
    """UPDATE invitations SET <names>, version = version + :bump [WHERE version = :seen]."""
    table = Invitation.__table__
    statement = update(table).where(table.c.id == bindparam("invitation_id"))
    if guarded:
        statement = statement.where(table.c.version == bindparam("seen"))
    values = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names}
    values["version"] = table.c.version + bindparam("bump")
    return statement.values(**values).returning(table.c.version)


@functools.cache
def _driver_update(
    dialect: Dialect, names: tuple[str, ...], guarded: bool, claim: bool
) -> DriverStatement:
    """`_invitation_update` for the driver, claiming the audit chain when it moved the row.

    (The chain's claim is PostgreSQL's; SQLite's writers are serialised already.)
    """
    statement = _invitation_update(names, guarded=guarded)
    if claim:
        moved = statement.cte("moved")
        statement = select(moved.c.version, audit.claim_chain()).select_from(moved)
    return driver_statement(statement, dialect)


class _AnswerArray(TypeDecorator[list[Any]]):
    """`answer_list`'s result: PostgreSQL hands JSON over decoded, SQLite as text."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> list[Any]:
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else value


class answer_list(FunctionElement[list[Any]]):  # noqa: N801  (used like a SQL function)
    """SQL: every answer of invitation `id` as a JSON array of [id, key, value, version].

    Lets a query that reads an invitation bring its answers along in the same round
    trip (the respondent's pages read both on every request); `stored_rows` reads it.
    """

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


def stored_rows(listed: list[Any]) -> dict[str, Stored]:
    """`answer_list`'s array as `answer_rows` gives it."""
    return {key: Stored(row_id, value, version) for row_id, key, value, version in listed}


def answer_rows(session: Session, invitation: Invited) -> dict[str, Stored]:
    """The stored answers of an invitation by question key (plain rows, not ORM objects)."""
    result = session.connection().execute(_ROWS, {"invitation_id": invitation.id})
    return {row[1]: Stored(row[0], row[2], row[3]) for row in result}


def answers_of(session: Session, invitation: Invitation) -> dict[str, Any]:
    """The stored values of an invitation by question key (blank answers left out)."""
    return {k: r.value for k, r in answer_rows(session, invitation).items() if r.value is not None}


def record_answers(
    session: Session,
    invitation: Invitation,
    q: Questionnaire,
    raw: Mapping[str, Any],
    *,
    actor: Actor = Actor(),
    expected: Mapping[str, int] | None = None,
    today: dt.date | None = None,
) -> SaveResult:
    """Parse and store answers; bad values come back as errors, newer saves as conflicts."""
    rows = answer_rows(session, invitation)
    found = plan(session, invitation, q, rows, raw, actor=actor, expected=expected, today=today)
    write(session, invitation, found, actor)
    return found.result


def plan(
    session: Session,
    invitation: Invited,
    q: Questionnaire,
    rows: Mapping[str, Stored],
    raw: Mapping[str, Any],
    *,
    actor: Actor = Actor(),
    expected: Mapping[str, int] | None = None,
    today: dt.date | None = None,
) -> Plan:
    """Work a save out on `rows` as read; nothing is written (`write` does that)."""
    _check_writable(session, invitation, actor)
    unknown = sorted(set(raw) - q.answerable_keys)
    if unknown:
        raise ServiceError("question", "unknown_question", keys=", ".join(unknown))
    result = SaveResult()
    now, by = utcnow(), actor.user.id if actor.user else None
    found = Plan(
        result, dict(rows), invitation_id=invitation.id, source=actor.source, at=now, by=by
    )
    parsed = _parse_all(q, raw, result)
    merged = {k: r.value for k, r in rows.items() if r.value is not None} | {
        k: v for k, v in parsed.items() if v is not None
    }
    for key, value in parsed.items():
        error = check_answer(q.question(key), value, merged, today=today)
        if error is not None and error.code != "required":  # required is checked on submit
            result.errors[key] = error
            continue
        row = rows.get(key)
        old = row.value if row is not None else None
        if old == value:
            continue
        seen = (expected or {}).get(key)
        if row is not None and seen is not None and row.version != seen:
            result.conflicts[key] = (row.value, row.version)  # someone saved in between (DATA-06)
            continue
        version = row.version + 1 if row is not None else 1
        found.rows[key] = Stored(row.id if row is not None else None, value, version)
        if row is not None and row.id is not None:
            found.updates.append(Stored(row.id, value, version))
        else:
            found.inserts.append(Fresh(key, value, version))
        result.saved[key] = value
        found.changes[key] = [old, value]
    return found


def write(
    session: Session,
    invitation: Invited,
    found: Plan,
    actor: Actor = Actor(),
    *,
    seen: int | None = None,
    section: str | None = None,
) -> bool:
    """Write a planned save, and move the invitation to `section` when given.

    With `seen` (the invitation's version when the answers were read), nothing is
    written and False comes back if any other save or submit came in since: every
    writer of answers moves that version on, so the plan may be stale. The check and
    the writes are one UPDATE's row lock (PostgreSQL) or one writer transaction (SQLite).
    On PostgreSQL the check and the audit chain's claim take one round trip, the rows
    and the audit row a second (psycopg pipelines).
    """
    values: dict[str, Any] = {}
    if section is not None:
        values["current_section"] = section
    if found.changes:
        if invitation.state in EDITABLE_STATES:
            values["state"] = "in_progress"
            values["started_at"] = invitation.started_at or utcnow()
        if actor.mode:
            values["mode"] = actor.mode
    if not (values or found.changes or seen is not None):
        return True  # nothing to write, nothing to check
    session.flush()  # nothing pending of the invitation may be written over it later
    connection = session.connection()  # plain statements from here: no ORM work to do
    params = {f"new_{name}": value for name, value in values.items()}
    params |= {"invitation_id": invitation.id, "seen": seen, "bump": int(bool(found.changes))}
    names, guarded = tuple(sorted(values)), seen is not None
    entry = _audit_entry(session, invitation, actor, found.changes) if found.changes else None
    if connection.dialect.name == "postgresql":
        version, last_hash = _claim_pipelined(connection, names, guarded, params, entry)
    else:
        statement = _driver_update(connection.dialect, names, guarded, False)
        moved = statement.rows(connection.connection.driver_connection, params)
        version, last_hash = (moved[0][0] if moved else None), None
    if version is None:
        return False
    for name, value in {**values, "version": version}.items():
        if isinstance(invitation, InvitationRow):
            setattr(invitation, name, value)
        else:
            set_committed_value(invitation, name, value)
    if connection.dialect.name == "postgresql":
        with connection.connection.dbapi_connection.pipeline():  # one round trip for all
            _write_rows(connection, found, entry and audit.chain(entry, last_hash))
    else:
        _write_rows(connection, found, entry and audit.chain(entry, audit.head(connection)))
    if found.changes:
        for listener in ANSWER_LISTENERS:
            listener(session, invitation)
    return True


def _claim_pipelined(
    connection: Connection,
    names: tuple[str, ...],
    guarded: bool,
    params: dict[str, Any],
    entry: dict[str, Any] | None,
) -> tuple[int | None, str | None]:
    """PostgreSQL: move the invitation on and, if it moved, claim the audit chain; one trip.

    The chain's lock is taken in the guard's own statement, so only when the guard
    held: a save that lost the race holds no lock while it reads the invitation again
    (it would wait for the winner's row lock while the winner waited for the chain).
    """
    statement = _driver_update(connection.dialect, names, guarded, entry is not None)
    driver = connection.connection.dbapi_connection
    with driver.pipeline():
        moved = statement.execute(driver, params)
        head = driver.execute(audit.HEAD_SQL) if entry is not None else None
    row = moved.fetchone()
    if row is None:
        return None, None
    return row[0], audit.chain_head(head) if head is not None else None


def _write_rows(connection: Connection, found: Plan, chained: dict[str, Any] | None) -> None:
    """The planned answer rows, then the audit row if given.

    One statement for the changed rows and one for the new, each with the rows as one
    JSON document: a statement per row costs, per row, a round of parameter handling
    here and a message, a parse and an executor start in PostgreSQL. They go to the
    driver (in a pipeline on PostgreSQL): SQLAlchemy's work per execution cost more.
    """
    statements = _row_writes(connection.dialect)
    driver = connection.connection.driver_connection
    stamp = {"source": found.source, "at": found.at, "by": found.by}
    if found.updates:
        rows = [{"id": r.id, "value": json.dumps(r.value), "version": r.version}
                for r in found.updates]  # fmt: skip
        statements.update.execute(driver, {"rows": json.dumps(rows), **stamp})
    if found.inserts:
        rows = [{"key": r.key, "value": json.dumps(r.value), "version": r.version}
                for r in found.inserts]  # fmt: skip
        params = {"rows": json.dumps(rows), "invitation_id": found.invitation_id, **stamp}
        statements.insert.execute(driver, params)
    if chained is not None:
        audit.insert_chained(connection, chained)


@functools.cache
def _row_writes(dialect: Dialect) -> _RowStatements:
    statements = _ROW_WRITES[dialect.name]
    return _RowStatements(
        driver_statement(statements.update, dialect), driver_statement(statements.insert, dialect)
    )


def _round_of(session: Session, invitation: Invited) -> Round | RoundRow | None:
    if isinstance(invitation, InvitationRow):
        return invitation.round  # read with it
    return session.get(Round, invitation.round_id)


def _check_writable(session: Session, invitation: Invited, actor: Actor) -> None:
    round_ = _round_of(session, invitation)
    if actor.source == "correction":
        if not actor.reason:
            raise ServiceError("reason", "reason_required")
        return
    if invitation.state == "submitted":
        raise ServiceError(None, "already_submitted")
    if invitation.state == "declined" and actor.source == "respondent":
        raise ServiceError(None, "declined")
    if round_ is None or round_.state != "open":
        raise ServiceError(None, "round_not_open")


def _parse_all(q: Questionnaire, raw: Mapping[str, Any], result: SaveResult) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for key, typed in raw.items():
        question = q.question(key)
        try:
            parsed[key] = type_of(question).parse(question, typed)
        except AnswerError as error:
            result.errors[key] = error
    return parsed


def _audit(
    session: Session, invitation: Invitation, action: str, actor: Actor, details: dict[str, Any]
) -> None:
    audit.record(session, action, details=details, **_audit_fields(session, invitation, actor))


def _audit_entry(
    session: Session, invitation: Invited, actor: Actor, changes: dict[str, list[Any]]
) -> dict[str, Any]:
    """The audit row of a save: every changed answer, old and new (ACL-05)."""
    fields = _audit_fields(session, invitation, actor)
    return audit.entry(session, "answer.save", details={"changes": changes}, **fields)


def _audit_fields(session: Session, invitation: Invited, actor: Actor) -> dict[str, Any]:
    """Who did what to which invitation, on whose behalf."""
    round_ = _round_of(session, invitation)
    return {
        "study_id": round_.study_id if round_ else None,
        "object_type": "invitation",
        "object_id": str(invitation.id),
        "reason": actor.reason,
        "actor_user_id": actor.user.id if actor.user else None,
        "actor_invitation_id": invitation.id if actor.user is None else None,
        "on_behalf_of": f"respondent:{invitation.respondent_id}",
    }


def submit(
    session: Session,
    invitation: Invitation,
    q: Questionnaire,
    *,
    actor: Actor = Actor(),
    today: dt.date | None = None,
) -> bool:
    """Submit once: True when this call submitted, False when it was already submitted.

    Parallel submits race on one conditional UPDATE; only the winner writes the audit
    row (DATA-03/04/05). Missing or invalid answers refuse the submit with their keys.
    """
    if invitation.state == "submitted":
        return False
    answers = answers_of(session, invitation)
    wrong = relevance.problems(q, answers, today)
    if wrong:
        raise ServiceError(None, "incomplete", keys=", ".join(sorted(wrong)))
    changed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.state != "submitted")
        .values(
            state="submitted",
            submitted_at=utcnow(),
            version=Invitation.version + 1,
            mode=actor.mode or Invitation.mode,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(invitation)
    if changed != 1:
        return False
    _audit(session, invitation, "invitation.submit", actor, {"answers": len(answers)})
    for listener in ANSWER_LISTENERS:
        listener(session, invitation)
    return True


def reopen(session: Session, invitation: Invitation, *, user: User, reason: str) -> None:
    """Let a submitted form be edited again (a researcher's decision, with a reason)."""
    if invitation.state != "submitted":
        raise ServiceError(None, "not_submitted")
    if not reason.strip():
        raise ServiceError("reason", "reason_required")
    invitation.state, invitation.submitted_at = "in_progress", None
    invitation.version += 1
    _audit(session, invitation, "invitation.reopen", Actor("interviewer", user, reason), {})


def decline(session: Session, invitation: Invitation) -> None:
    """The respondent declines to take part; reminders stop."""
    if invitation.state == "submitted":
        raise ServiceError(None, "already_submitted")
    invitation.state, invitation.declined_at = "declined", utcnow()
    _audit(session, invitation, "invitation.decline", Actor(), {})
