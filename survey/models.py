"""Import every model so that the metadata is complete (Alembic, tests, scripts)."""

from survey.accounts.models import (
    PasswordReset,
    RecoveryCode,
    RememberedDevice,
    TwoFactor,
    TwoFactorRequirement,
    User,
    UserSession,
)
from survey.api.models import ApiToken, IdempotentRequest
from survey.audit import AuditEntry
from survey.comparison.models import Comparison, Discrepancy
from survey.db import Base
from survey.fieldwork.models import ContactAttempt
from survey.privacy.models import StudyPrivacy
from survey.questionnaires.models import QuestionnaireVersion
from survey.responding.models import Answer, Explanation
from survey.rounds.models import (
    FollowupPair,
    FollowupRound,
    Invitation,
    OutboxMessage,
    Round,
    RoundPair,
)
from survey.rounds.paradata import ParadataPage, ParadataVisit
from survey.sealing import SubjectKey
from survey.studies.models import (
    IdentifierGrant,
    InterviewerAssignment,
    Membership,
    Pair,
    PairSide,
    Respondent,
    Study,
    StudySide,
)

__all__ = [
    "Answer",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Comparison",
    "ContactAttempt",
    "Discrepancy",
    "Explanation",
    "IdempotentRequest",
    "IdentifierGrant",
    "FollowupPair",
    "FollowupRound",
    "InterviewerAssignment",
    "Invitation",
    "Membership",
    "OutboxMessage",
    "Pair",
    "PairSide",
    "ParadataPage",
    "ParadataVisit",
    "PasswordReset",
    "QuestionnaireVersion",
    "RecoveryCode",
    "RememberedDevice",
    "Respondent",
    "Round",
    "RoundPair",
    "Study",
    "StudyPrivacy",
    "StudySide",
    "SubjectKey",
    "TwoFactor",
    "TwoFactorRequirement",
    "User",
    "UserSession",
]
