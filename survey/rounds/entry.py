"""Interviewer entry: who may enter answers for which pair, and reading the entry form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from survey.accounts.authz import ROLE_RANK
from survey.accounts.models import User
from survey.core.questionnaire import Question
from survey.studies.models import InterviewerAssignment, Membership

SPECIAL_SUFFIX = "__special"
VERSION_PREFIX = "v__"


def assigned_pair_ids(session: Session, study_id: int, user: User) -> set[int]:
    """The pairs an interviewer member is assigned to."""
    rows = session.scalars(
        select(InterviewerAssignment.pair_id)
        .join(Membership, Membership.id == InterviewerAssignment.membership_id)
        .where(Membership.study_id == study_id, Membership.user_id == user.id)
    )
    return set(rows)


def may_enter(session: Session, study_id: int, user: User, role: str, pair_id: int) -> bool:
    """Researchers and owners enter for any pair; interviewers only for assigned pairs (ACL-05)."""
    if ROLE_RANK[role] >= ROLE_RANK["researcher"]:
        return True
    return role == "interviewer" and pair_id in assigned_pair_ids(session, study_id, user)


def raw_answers(questions: Iterable[Question], form: MultiDict[str, str]) -> dict[str, Any]:
    """The raw inputs of the questions present in a submitted form (absent ones untouched).

    A checked special answer (don't know / refused) wins over the field itself; an
    empty field clears the stored answer.
    """
    raw: dict[str, Any] = {}
    for question in questions:
        if not question.is_answerable:
            continue
        special = form.get(question.key + SPECIAL_SUFFIX)
        if special:
            raw[question.key] = special
        elif question.type == "multi" and (question.key in form or _marker(question, form)):
            raw[question.key] = form.getlist(question.key)
        elif question.key in form or _marker(question, form):
            raw[question.key] = form.get(question.key, "")
    return raw


def _marker(question: Question, form: MultiDict[str, str]) -> bool:
    # Unticked checkboxes and radios send nothing; the version field says the question
    # was on the page, so "nothing" means "cleared".
    return VERSION_PREFIX + question.key in form


def expected_versions(questions: Iterable[Question], form: MultiDict[str, str]) -> dict[str, int]:
    """The answer versions the page was rendered with, to detect a save in between (DATA-06)."""
    versions: dict[str, int] = {}
    for question in questions:
        value = form.get(VERSION_PREFIX + question.key, "")
        if value.isdigit():
            versions[question.key] = int(value)
    return versions
