"""A small fieldwork fixture: four pairs, eight sides, one of each AAPOR group but UO.

The cases, with the disposition each must get (hand-worked in docs/fieldwork.md):

| case  | mode  | state       | attempts (oldest first)           | AAPOR | group |
|-------|-------|-------------|-----------------------------------|-------|-------|
| p1 us | web   | submitted   | —                                 | 1.1   | I     |
| p1 cn | phone | sent        | busy, callback, completed         | 1.1   | I     |
| p2 us | web   | in_progress | —                                 | 1.2   | P     |
| p2 cn | phone | sent        | no answer, refused, no answer     | 2.11  | R     |
| p3 us | phone | sent        | answering machine                 | 2.22  | NC    |
| p3 cn | phone | sent        | callback, appointment              | 2.30  | O     |
| p4 us | phone | sent        | busy, no answer                   | 3.13  | UH    |
| p4 cn | phone | sent        | ineligible                        | 4.70  | NE    |
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from survey.fieldwork import services
from survey.rounds import services as rounds

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"
T0 = dt.datetime(2010, 3, 15, 1, 0, tzinfo=dt.UTC)
SHANGHAI = "Asia/Shanghai"

PLAN = {
    ("p1", "us"): ("web", "submitted", []),
    ("p1", "cn"): ("phone", "sent", ["busy", "callback", "completed"]),
    ("p2", "us"): ("web", "in_progress", []),
    ("p2", "cn"): ("phone", "sent", ["no_answer", "refused", "no_answer"]),
    ("p3", "us"): ("phone", "sent", ["answering_machine"]),
    ("p3", "cn"): ("phone", "sent", ["callback", "appointment"]),
    ("p4", "us"): ("phone", "sent", ["busy", "no_answer"]),
    ("p4", "cn"): ("phone", "sent", ["ineligible"]),
}
EXPECTED = {
    ("p1", "us"): ("1.1", "I"),
    ("p1", "cn"): ("1.1", "I"),
    ("p2", "us"): ("1.2", "P"),
    ("p2", "cn"): ("2.11", "R"),
    ("p3", "us"): ("2.22", "NC"),
    ("p3", "cn"): ("2.30", "O"),
    ("p4", "us"): ("3.13", "UH"),
    ("p4", "cn"): ("4.70", "NE"),
}


@pytest.fixture
def field(session, make_study, make_pair, make_user):
    """The study, its round (slug in `round_.slug`) and the cases of the table above."""
    from survey.core.loader import load_file
    from survey.questionnaires import services as questionnaires

    owner = make_user()
    study = make_study(owner=owner)
    q = load_file(MINI)
    questionnaires.import_questionnaire(session, q, study=study)
    for code in ("p1", "p2", "p3", "p4"):
        make_pair(study, code)
    round_ = rounds.create_round(session, study, "Field wave", q.key)
    rounds.set_state(session, round_, "open")
    rounds.ensure_invitations(session, round_)
    for case in services.cases(session, round_):
        mode, state, outcomes = PLAN[(case.pair.code, case.side.code)]
        case.invitation.mode, case.invitation.state = mode, state
        for n, outcome in enumerate(outcomes):
            callback = T0 + dt.timedelta(days=3) if outcome in ("callback", "appointment") else None
            services.log_attempt(
                session,
                case,
                outcome=outcome,
                at=T0 + dt.timedelta(hours=n),
                callback_at=callback,
                zone=SHANGHAI,
                user=owner,
            )
    session.flush()
    return study, round_, owner
