"""The respondent's flow: link exchange, one section a page, autosave, review, submit once.

`install_log_redaction(app)` keeps link tokens out of the access logs (TOK-03): the
factory calls it once.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Flask

bp = Blueprint("responding", __name__, template_folder="templates")

# The personal link's path; whatever follows /r/ is a secret (or an attacker's guess).
_LINK_PATH = re.compile(r"/r/[^\s\"?#]*")
REDACTED = "/r/[redacted]"
# Loggers that write request lines: the development server and gunicorn's access log.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    """A log line with any respondent link token replaced."""
    return _LINK_PATH.sub(REDACTED, text)


class TokenRedactingFilter(logging.Filter):
    """Rewrites each record's message so that no `/r/<token>` path reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to logging's own error path
            return True
        if "/r/" in message:
            record.msg, record.args = redact(message), ()
        return True


def install_log_redaction(app: Flask) -> None:
    """Attach the redacting filter to the app's logger and the access loggers (idempotent)."""
    for logger in (app.logger, *(logging.getLogger(name) for name in ACCESS_LOGGERS)):
        if not any(isinstance(f, TokenRedactingFilter) for f in logger.filters):
            logger.addFilter(TokenRedactingFilter())
