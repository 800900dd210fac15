"""Domain errors that services raise and views/commands map back to fields and messages."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refused operation: the field it concerns, a stable code and message parameters."""

    def __init__(self, field: str | None, code: str, **params: Any):
        self.field, self.code, self.params = field, code, params
        super().__init__(f"{field}: {code} {params}")

    @property
    def message(self) -> str:
        """The message in the current interface language."""
        from survey.messages import message

        return message(self.code, **self.params)


class NotFoundError(ServiceError):
    """The object does not exist (or the caller may not know that it does)."""

    def __init__(self, what: str, **params: Any):
        super().__init__(None, "not_found", what=what, **params)
