"""Personal data in append-only places, sealed per person so that it can be destroyed.

The audit log is append-only and hash-chained: its rows can never change. What such a
row says about a respondent (the values of a save, an explanation) is therefore kept
encrypted with that respondent's own key ("crypto-shredding"): `seal` puts the personal
fields of an audit row's details under `sealed`, encrypted with Fernet (AES-128-CBC and
HMAC-SHA256, from `cryptography`) under a random key kept in `subject_keys`, one row per
respondent. The chain's hash covers the ciphertext, so erasing the person deletes only the
key row (`forget`) and every hash stays right; the ciphertext can no longer be read.
`opened` gives readers the details back, with each sealed field as `ERASED` once the key is
gone. A row about two people (a discrepancy's compared values, one per side) seals each value
on its own under its own person's key (`seal_by_side`); `opened` opens such boxes wherever
they lie in the details. See docs/privacy.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, ForeignKey, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from survey.db import Base, UTCDateTime, utcnow

SEALED = "sealed"
ERASED = "[erased]"


class SubjectKey(Base):
    """The key that opens what append-only rows say about one respondent."""

    __tablename__ = "subject_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id"), unique=True)
    key: Mapped[str] = mapped_column(String(64), comment="Fernet key; deleted on erasure")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


_TABLE = SubjectKey.__table__


def key_of(connection: Connection, respondent_id: int) -> str:
    """The respondent's key, made on first use (a concurrent first use makes one key)."""
    found = connection.execute(
        select(_TABLE.c.key).where(_TABLE.c.respondent_id == respondent_id)
    ).scalar()
    if found:
        return found
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {
        "respondent_id": respondent_id,
        "key": Fernet.generate_key().decode("ascii"),
        "created_at": utcnow(),
    }
    connection.execute(
        dialect.insert(_TABLE)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["respondent_id"])
    )
    return connection.execute(
        select(_TABLE.c.key).where(_TABLE.c.respondent_id == respondent_id)
    ).scalar_one()


def seal(
    connection: Connection, respondent_id: int, details: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    """`details` with `fields` encrypted under the respondent's key (in `sealed`)."""
    fields = [name for name in fields if name in details]
    if not fields:
        return dict(details)
    secret = {name: details[name] for name in fields}
    token = Fernet(key_of(connection, respondent_id).encode("ascii")).encrypt(
        json.dumps(secret, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    )
    clear = {name: value for name, value in details.items() if name not in fields}
    return clear | {
        SEALED: {"subject": respondent_id, "fields": fields, "data": token.decode("ascii")}
    }


def seal_value(connection: Connection, respondent_id: int, value: Any) -> dict[str, Any]:
    """One value sealed on its own under the respondent's key (a box `opened` unwraps)."""
    token = Fernet(key_of(connection, respondent_id).encode("ascii")).encrypt(
        json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    )
    return {SEALED: {"subject": respondent_id, "value": True, "data": token.decode("ascii")}}


def seal_by_side(connection: Connection, values: Any, subjects: Mapping[str, int]) -> Any:
    """A side-keyed mapping of values (a discrepancy's) with each side's value sealed under
    the key of that side's respondent (`subjects`: side code -> respondent id). A side
    without a known respondent (none was invited) has nothing personal to seal."""
    if not isinstance(values, Mapping):
        return values
    return {
        side: seal_value(connection, subjects[side], value)
        if side in subjects and value is not None
        else value
        for side, value in values.items()
    }


def _boxes(details: Any) -> Iterable[dict[str, Any]]:
    if isinstance(details, dict):
        if isinstance(details.get(SEALED), dict):
            yield details[SEALED]
        for name, value in details.items():
            if name != SEALED:
                yield from _boxes(value)
    elif isinstance(details, list):
        for value in details:
            yield from _boxes(value)


def subjects_of(details: Iterable[Any]) -> set[int]:
    """The respondents whose keys open these details (boxes at any depth)."""
    return {box["subject"] for d in details for box in _boxes(d) if "subject" in box}


def keys_for(session: Session, subjects: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(subjects))
    if not wanted:
        return {}
    rows = session.execute(
        select(SubjectKey.respondent_id, SubjectKey.key).where(SubjectKey.respondent_id.in_(wanted))
    )
    return {respondent_id: key for respondent_id, key in rows}


def _decrypt(sealed: Mapping[str, Any], keys: Mapping[int, str]) -> tuple[bool, Any]:
    key = keys.get(sealed.get("subject"))  # type: ignore[arg-type]
    if key is None:
        return False, None
    try:
        return True, json.loads(Fernet(key.encode("ascii")).decrypt(sealed["data"].encode("ascii")))
    except (InvalidToken, ValueError, KeyError):
        return False, None


def opened(details: Any, keys: Mapping[int, str]) -> Any:
    """The details as written, sealed fields and values opened; `ERASED` where the key is
    gone."""
    if isinstance(details, list):
        return [opened(value, keys) for value in details]
    if not isinstance(details, dict):
        return details
    sealed = details.get(SEALED)
    clear = {name: opened(value, keys) for name, value in details.items() if name != SEALED}
    if not isinstance(sealed, dict):
        return clear
    found, data = _decrypt(sealed, keys)
    if sealed.get("value") is True:  # one value on its own (`seal_value`)
        return data if found else ERASED
    if found and isinstance(data, dict):
        return clear | data
    return clear | dict.fromkeys(sealed.get("fields", ()), ERASED)


def open_all(session: Session, entries: Iterable[Any]) -> dict[int, Any]:
    """Audit row id → its details opened (one query for every key the rows need)."""
    entries = list(entries)
    keys = keys_for(session, subjects_of(e.details for e in entries))
    return {e.id: opened(e.details, keys) for e in entries}


def forget(session: Session, respondent_id: int) -> bool:
    """Destroy the respondent's key: what sealed rows say of them can never be read again."""
    result = session.execute(delete(SubjectKey).where(SubjectKey.respondent_id == respondent_id))
    return bool(result.rowcount)
