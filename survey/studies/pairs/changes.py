"""Changed fields of a pair, as shown to the researcher and as kept in the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from survey.studies.pairs.columns import PERSONAL


@dataclass(frozen=True)
class FieldChange:
    """One changed field of an updated pair: `us.respondent_email`, `kind`, `attributes.x`."""

    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.field}: {_shown(self.old)} → {_shown(self.new)}"


def _shown(value: Any) -> str:
    return (
        "(blank)" if value in (None, "") else repr(value) if isinstance(value, str) else str(value)
    )


def _same(old: Any, new: Any) -> bool:
    return old == new or (old in (None, "") and new in (None, ""))


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in new.items() if not _same(old.get(key), value)}


def _set(obj: Any, attr: str, new: Any, label: str, changes: list[FieldChange]) -> None:
    """Set an attribute of a loaded object, noting the change (edits from the pages)."""
    old = getattr(obj, attr)
    if not _same(old, new):
        changes.append(FieldChange(label, old, new))
        setattr(obj, attr, new)


def _audited(changes: Iterable[FieldChange]) -> dict[str, Any]:
    """Field → [old, new], or just "changed" for personal contact data (see the module doc)."""
    result: dict[str, Any] = {}
    for change in changes:
        personal = change.field.rpartition(".")[2] in PERSONAL
        result[change.field] = "changed" if personal else [change.old, change.new]
    return result
