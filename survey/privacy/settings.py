"""A study's privacy settings, the audit row of an access export, and plans in words."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.db import utcnow
from survey.messages import translate
from survey.privacy.models import StudyPrivacy
from survey.studies.models import Study

UNCHANGED = "unchanged"


def of(session: Session, study: Study) -> StudyPrivacy:
    """The study's settings (the defaults, unsaved, when it never changed them)."""
    return session.get(StudyPrivacy, study.id) or StudyPrivacy(
        study_id=study.id, erase_answers=False, retention_days=None
    )


def change(
    session: Session,
    study: Study,
    erase_answers: bool | None,
    retention_days: Any = UNCHANGED,
    *,
    user: User | None,
) -> StudyPrivacy:
    """Set what is given (None / UNCHANGED leave a setting as it is); audited when changed."""
    row = session.get(StudyPrivacy, study.id)
    if row is None:
        row = StudyPrivacy(study_id=study.id, erase_answers=False, retention_days=None)
        session.add(row)
    before = {"erase_answers": bool(row.erase_answers), "retention_days": row.retention_days}
    if erase_answers is not None:
        row.erase_answers = erase_answers
    if retention_days != UNCHANGED:
        row.retention_days = retention_days
    after = {"erase_answers": bool(row.erase_answers), "retention_days": row.retention_days}
    if after != before:
        row.updated_at = utcnow()
        session.flush()
        audit.record_for(
            study, "study.privacy", user, details={"before": before, "after": after},
            session=session,
        )  # fmt: skip
    return row


def plan_words(plan: Any, *, done: bool = False) -> str:
    """What an erasure removes (or removed), in the interface language, one line each."""
    s = plan.summary()
    lines = [
        translate("Identity: %(fields)s", fields=", ".join(s["identity"]) or "—"),
        translate("Answers to identifying questions: %(count)s", count=s["identifying_answers"]),
        translate(
            "Other answers removed: %(removed)s; kept: %(kept)s",
            removed=s["answers_removed"],
            kept=s["answers_kept"],
        ),  # fmt: skip
        translate("Explanations: %(count)s", count=s["explanations"]),
        translate("Sent messages blanked: %(count)s", count=s["mails_blanked"]),
        translate("Queued messages: %(count)s", count=s["mails_queued"]),
    ]
    if done:
        lines.append(translate("The audit log's sealed values about them can no longer be read."))
    return "\n".join(lines)
