"""`?identifiers=true&reason=…`: the API's identified reads (docs/privacy.md).

Reads are de-identified by default: respondents' names, e-mail addresses, telephone
numbers and positions come back as null, and answers to questions marked `identifying`
are left out (listed in `withheld`). With `identifiers=true` and a `reason`, the token's
user must be the study's owner or hold the `identifiers` permission (403 otherwise, 422
without a reason); each identified read is audited with its reason.
"""

from __future__ import annotations

from flask import g, request

from survey import audit
from survey.api.problems import Problem
from survey.api.schemas import IdentifiersQuery
from survey.db import db
from survey.errors import ServiceError
from survey.studies import identifiers


def identified(query: IdentifiersQuery, what: str) -> bool:
    """Whether this read shows identifiers: checked and audited when asked for."""
    if not query.identifiers:
        return False
    try:
        reason = identifiers.check(db.session, g.study, g.user, query.reason)
    except ServiceError as error:
        status = 403 if error.field == "identifiers" else 422
        raise Problem(status, error.code, error.message) from None
    audit.record(
        db.session,
        "api.identifiers_read",
        study_id=g.study.id,
        actor_user_id=g.user.id,
        object_type="api",
        object_id=what[:100],
        details={"path": request.path},
        reason=reason,
    )
    return True
