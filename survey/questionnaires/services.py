"""Questionnaire versions: import (immutable, hashed), look-up, visibility."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.questionnaires.models import QuestionnaireVersion
from survey.studies.models import Membership


def visible_versions(session: Session, user: User) -> list[QuestionnaireVersion]:
    """Shared-library versions and those of the user's studies (all for admins)."""
    query = select(QuestionnaireVersion).order_by(
        QuestionnaireVersion.key, QuestionnaireVersion.imported_at.desc()
    )
    if not user.is_admin:
        mine = select(Membership.study_id).where(Membership.user_id == user.id)
        query = query.where(
            or_(QuestionnaireVersion.study_id.is_(None), QuestionnaireVersion.study_id.in_(mine))
        )
    return list(session.scalars(query))
