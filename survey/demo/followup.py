"""The demo's follow-up round: two pairs with open discrepancies asked again.

In the first pair the second side now gives the first side's account (a discrepancy
resolved by the follow-up); in the second both sides stand by their answers, each saying
what it is based on (still disputed, with explanations side by side on the pair page).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from survey.accounts.models import User
from survey.comparison import followups
from survey.comparison import services as comparison
from survey.db import clock_at, db
from survey.responding import services as answers
from survey.responding.followup_answers import asked_part, one_page
from survey.responding.models import Explanation
from survey.rounds import services as rounds
from survey.rounds.models import Round

DEMO_FOLLOWUP = "Follow-up 2010"
BASED_ON = {
    "en": ("Checked our office's files from that year.", "From the memory of the staff involved."),
    "zh-Hans": ("核对了本单位当年的档案。", "根据当时经办人员的回忆。"),
    "zh-Hant": ("核對了本單位當年的檔案。", "根據當時經辦人員的回憶。"),
}


def load_followup(round_: Round, user: User, when: dt.datetime) -> Round | None:
    """Ask two pairs with open discrepancies again and record both sides' replies."""
    try:
        plan = followups.plan(db.session, round_, followups.Selection())
    except Exception:  # noqa: BLE001  (a demo without open discrepancies has no follow-up)
        return None
    chosen = list(plan.asked)[:2]
    with clock_at(when):
        followup, _ = followups.create(
            db.session, round_, DEMO_FOLLOWUP, followups.Selection(pairs=chosen), user=user
        )
        rounds.set_state(db.session, followup, "open", user=user)
        rounds.ensure_invitations(db.session, followup)
        for row in rounds.invitation_rows(db.session, followup):  # sent by the researchers
            row.invitation.sent_at, row.invitation.state = when, "sent"
    q = comparison.questionnaire_of(db.session, round_)
    original = {
        (row.pair.code, row.side.code): answers.answers_of(db.session, row.invitation)
        for row in rounds.invitation_rows(db.session, round_)
        if row.pair.code in chosen
    }
    asked = followups.asked_of(db.session, followup)
    seen: set[str] = set()
    for number, row in enumerate(rounds.invitation_rows(db.session, followup)):  # A, B by pair
        keys = asked[row.pair.id]
        own = original.get((row.pair.code, row.side.code), {})
        second_side = row.pair.code in seen
        seen.add(row.pair.code)
        if row.pair.code == chosen[0] and second_side:
            partner = next(
                v for (c, s), v in original.items() if c == row.pair.code and s != row.side.code
            )
            values = {key: _mirrored(q, partner, key, own) for key in keys}
        else:
            values = {key: own.get(key, "dk") for key in keys}
        language = row.respondent.language or row.side.default_language
        texts = BASED_ON.get(language, BASED_ON["en"])
        with clock_at(when + dt.timedelta(days=4 + number)):
            answers.record_answers(db.session, row.invitation, q, values)
            for key in keys[:1]:
                db.session.add(
                    Explanation(
                        invitation_id=row.invitation.id, question_key=key, text=texts[number % 2]
                    )
                )
            db.session.flush()
            answers.submit(db.session, row.invitation, one_page(q, asked_part(q, keys)))
    return followup


def _mirrored(q: Any, partner: dict[str, Any], key: str, own: dict[str, Any]) -> Any:
    """The partner's account of `key`: its answer to the mirror question, or to the same one."""
    mirror = q.question(key).mirror or key
    return partner.get(mirror, own.get(key, "dk"))
