"""Saving a respondent's page: plan it, write it, plan again on a conflict; say what happened.

`save_page` is the one service behind a section page's post and its autosave. It
plans the save on the answers the request read, works out where the respondent
goes next (Back, Next, or this page again with its errors), and writes the answers
and that place in the request's transaction, guarded by the invitation's version.
Should another save have come in since the read (a second tab, an interviewer), it
locks the invitation, reads the answers again and plans once more: the page then
shows a conflict or finds nothing left to change, never overwriting silently
(DATA-05/06). The view draws the response from what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from survey.core.questionnaire import Section
from survey.core.types import AnswerError, is_blank
from survey.responding import flow, forms, store
from survey.responding import services as answers
from survey.responding.drawing import stored_shown
from survey.responding.visit import State, Visit, state_of

ACTOR = answers.Actor(mode="web")
WELCOME = ":welcome"  # `PageSave.go`: Back from the first page


@dataclass
class PageSave:
    """What a page's save did, and where the respondent goes now.

    `go`: a section's key, `flow.REVIEW` or `WELCOME` to go to; None to show this
    page again with `errors`, `conflicts` and `notes` (keys of `drawing.NOTES`).
    `closed`: the invitation was submitted or declined meanwhile; nothing was written.
    """

    errors: dict[str, AnswerError]
    conflicts: dict[str, tuple[Any, int]]
    plan: answers.Plan
    state: State  # the answers as stored once written
    go: str | None = None
    notes: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def section(self) -> str:
        """The page to remember as the respondent's place."""
        part = self.state.upto or ""
        return self.go if self.go not in (None, WELCOME) else part


def save_page(
    session: Session,
    visit: Visit,
    part: Section,
    state: State,
    page_in: forms.PageInput,
    nav: str | None,
) -> PageSave:
    """Save page `part` as posted (`nav`: "next", "back", or None to stay) and say what happened.

    `state`: the answers as read with the visit, up to `part`.
    """
    seen = visit.invitation.version
    saved = plan_page(session, visit, part, state, page_in, nav)
    invitation = visit.invitation
    if answers.write(session, invitation, saved.plan, ACTOR, seen=seen, section=saved.section):
        return saved
    store.relock(session, visit.invitation)  # PostgreSQL: the row lock, until the commit
    visit.rows = None  # the answers are read again
    if visit.invitation.state in ("submitted", "declined"):
        return PageSave({}, {}, saved.plan, saved.state, closed=True)
    saved = plan_page(session, visit, part, state_of(visit, upto=part.key), page_in, nav)
    answers.write(session, visit.invitation, saved.plan, ACTOR, section=saved.section)
    return saved


def plan_page(  # noqa: PLR0913
    session: Session,
    visit: Visit,
    part: Section,
    state: State,
    page_in: forms.PageInput,
    nav: str | None,
) -> PageSave:
    """Plan a page's save with the versions it was drawn with, and where it leads."""
    raw, errors = dict(page_in.raw), dict(page_in.errors)
    for key in page_in.pending:
        choice = page_in.choices.get(key)
        if choice != "mine":
            raw.pop(key, None)
        if choice is None:
            errors[key] = forms.conflict_error()
        elif choice == "theirs":
            errors.pop(key, None)
            page_in.shown[key] = stored_shown(visit.q.question(key), state.values.get(key))
    plan = answers.plan(
        session,
        visit.invitation,
        visit.q,
        state.rows,
        raw,
        actor=ACTOR,
        expected=page_in.versions,
    )
    after = State(visit.q, plan.rows, part.key)
    shown = flow.shown_questions(part, after.values)
    errors |= {key: error for key, error in plan.result.errors.items() if shown.get(key, True)}
    saved = PageSave(errors, plan.result.conflicts, plan, after)
    _lead(saved, part, page_in, nav)
    return saved


def _lead(saved: PageSave, part: Section, page_in: forms.PageInput, nav: str | None) -> None:
    """Where a saved page leads: itself with its errors or conflicts, Back, Next or stay."""
    state = saved.state
    if saved.errors or saved.conflicts:
        saved.notes = ["conflict"] if saved.conflicts else []
    elif page_in.language or nav not in ("next", "back"):
        saved.go = part.key
    elif nav == "back":
        previous = flow.neighbour(state.order, part.key, -1)
        saved.go = previous.key if previous is not None else WELCOME
    else:
        _next(saved, part, page_in)


def _next(saved: PageSave, part: Section, page_in: forms.PageInput) -> None:
    """Next: every question of this page that applies must be answered and valid (REDCap-like)."""
    state = saved.state
    problems = state.problems.get(part.key, {})
    if problems:
        saved.errors = dict(problems)
        return
    shown = flow.shown_questions(part, state.values)
    unseen = {
        key
        for key, on in shown.items()
        if on
        and page_in.visible is not None
        and key not in page_in.visible
        and key in page_in.versions
        and is_blank(state.values.get(key))
    }
    if unseen:
        saved.notes = ["more"]
        return
    following = flow.neighbour(state.order, part.key, +1)
    saved.go = following.key if following is not None else flow.REVIEW
