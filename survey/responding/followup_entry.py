"""Interviewer entry of a follow-up round: a telephone, e-mail or paper follow-up interview.

The entry page of a follow-up round's invitation asks only the questions the round asks
that pair, as the respondent's follow-up page does: each pre-filled with what the side
saved in the follow-up, else with its own earlier answer (shown beside it too), with the
"what is this answer based on?" field, and the partner's earlier answer only where an
owner chose to show it. Answers are checked and submitted against `one_page` (the asked
questions, each required), so a submit re-evaluates the original round's discrepancies
through the same answer listener as a web follow-up; explanations are stored and audited
by `save_explanations` with the interviewer as the one who entered them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from survey.core.questionnaire import Question, Questionnaire
from survey.core.types import is_blank
from survey.responding.followup_answers import (
    WHY_MAX,
    asked_keys,
    asked_part,
    explanations_of,
    one_page,
    original_answers,
    partner_label,
)
from survey.rounds.models import FollowupRound, Invitation, Round

WHY = "_why."  # explanation fields, as on the respondent's follow-up page


@dataclass
class AskedAgain:
    """What a follow-up interview asks one side, and what the interviewer sees beside it."""

    page: Questionnaire  # the asked questions only, each required
    earlier: dict[str, Any]  # this side's answers in the original round
    partner: dict[str, Any] | None  # the partner's, when an owner chose to show them
    partner_label: str
    explanations: dict[str, str]

    @property
    def questions(self) -> tuple[Question, ...]:
        """The questions the interviewer asks (a calculation is computed, not asked)."""
        return tuple(q for q in self.page.sections[0].questions if q.is_asked)


def asked_again(
    session: Session, round_: Round, q: Questionnaire, invitation: Invitation, language: str
) -> AskedAgain | None:
    """The follow-up interview of `invitation`, or None when the round is no follow-up."""
    keys = asked_keys(session, round_.id, invitation.pair_id)
    if keys is None:
        return None
    link = session.get(FollowupRound, round_.id)
    assert link is not None
    before = original_answers(session, link.parent_id, invitation.pair_id)
    partner, label = None, ""
    if link.reveal == "counterpart":
        partner = next((v for side, v in before.items() if side != invitation.side_id), {})
        label = partner_label(session, invitation.pair_id, invitation.side_id, language)
    return AskedAgain(
        page=one_page(q, asked_part(q, keys)),
        earlier=before.get(invitation.side_id, {}),
        partner=partner,
        partner_label=label,
        explanations=explanations_of(session, invitation.id),
    )


def prefilled(asked: AskedAgain, saved: dict[str, Any]) -> dict[str, Any]:
    """The values the form shows first: saved in the follow-up, else the earlier answer."""
    shown = dict(saved)
    for question in asked.questions:
        if is_blank(shown.get(question.key)) and question.key in asked.earlier:
            shown[question.key] = asked.earlier[question.key]
    return shown


def typed_explanations(asked: AskedAgain, form: MultiDict) -> dict[str, str]:
    """What the interviewer typed as each answer's basis (only the asked questions)."""
    typed = {}
    for question in asked.questions:
        value = form.get(WHY + question.key)
        if value is not None:
            typed[question.key] = value.replace("\r\n", "\n").strip()[:WHY_MAX]
    return typed
