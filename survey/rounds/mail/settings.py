"""The worker's mail settings, read from the configuration (docs/mail.md lists the keys)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class MailSettings:
    """The worker's view of the configuration (docs/mail.md lists the keys)."""

    host: str | None
    port: int
    username: str | None
    password: str | None = dataclasses.field(repr=False)
    starttls: bool
    timeout: float
    mail_from: str
    reply_to: str | None
    outbox_dir: Path | None
    max_attempts: int
    retry_base: dt.timedelta
    retry_max: dt.timedelta
    lease: dt.timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """Read SMTP_*, MAIL_* and OUTBOX_DIR, with the documented defaults."""
        timeout = float(config.get("SMTP_TIMEOUT") or 10)
        lease = max(float(config.get("MAIL_SENDING_TIMEOUT_SECONDS") or 600), 20 * timeout)
        outbox = config.get("OUTBOX_DIR")
        return cls(
            host=config.get("SMTP_HOST") or None,
            port=int(config.get("SMTP_PORT") or 25),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            starttls=_flag(config.get("SMTP_STARTTLS")),
            timeout=timeout,
            mail_from=str(config.get("MAIL_FROM") or "survey@localhost"),
            reply_to=config.get("MAIL_REPLY_TO") or None,
            outbox_dir=Path(outbox) if outbox else None,
            max_attempts=int(config.get("MAIL_MAX_ATTEMPTS") or 12),
            retry_base=dt.timedelta(seconds=max(1, float(config.get("MAIL_RETRY_SECONDS") or 60))),
            retry_max=dt.timedelta(hours=6),
            lease=dt.timedelta(seconds=lease),
        )

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """Wait before attempt `attempts + 1`: the base doubled per attempt, at most six hours."""
        return min(self.retry_base * 2 ** min(max(attempts - 1, 0), 20), self.retry_max)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
