"""The mail outbox: messages are queued in the caller's transaction and sent by a worker.

States (docs/mail.md): queued → claimed → sending → sent | queued (retry later) |
failed | unknown. The worker claims one message in its own short transaction
(PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: `BEGIN IMMEDIATE`), commits `claimed`,
connects, commits `sending` right before transmitting, and records the result in a new
transaction; a claim that dies before transmitting is queued again after its lease.
Nothing is marked `sent` unless the server accepted the message (QUALITY.md MAIL-01…03).
While a message is `sending`, `retry_at` holds the end of the worker's lease: a message
still `sending` after it ends was held by a worker that died, so it becomes
`unknown` and is never resent automatically (MAIL-02); `requeue_unknown` resends
it, with the same Message-ID, when a researcher decides to.

The parts: `outbox` (queueing, counts, requeue), `settings`, `worker` (claim, deliver,
record) and `smtp` (delivery over SMTP or into a folder).
"""

from survey.rounds.mail.outbox import (
    MAX_ERROR_LENGTH,
    Draft,
    check_draft,
    messages_in,
    new_message_id,
    outbox_counts,
    queue_many,
    queue_message,
    requeue_unknown,
)
from survey.rounds.mail.settings import MailSettings
from survey.rounds.mail.smtp import build_message, eml_name, write_eml
from survey.rounds.mail.worker import SendReport, send_pending

__all__ = [
    "Draft",
    "MAX_ERROR_LENGTH",
    "MailSettings",
    "SendReport",
    "build_message",
    "check_draft",
    "eml_name",
    "messages_in",
    "new_message_id",
    "outbox_counts",
    "queue_many",
    "queue_message",
    "requeue_unknown",
    "send_pending",
    "write_eml",
]
