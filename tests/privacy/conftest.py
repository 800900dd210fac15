"""A round whose free-text question is marked identifying, answered by both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.comparison import services as comparison
from survey.responding import services as answers
from survey.rounds import services as rounds

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"
SECRET_TEXT = "Mayor Zhang Wei told me in confidence"  # an identifying free-text answer


@pytest.fixture
def identifying_questionnaire(tmp_path) -> Path:
    """mini.yaml with its `comment` (longtext) marked identifying."""
    text = MINI.read_text(encoding="utf-8")
    marked = text.replace(
        "      - key: comment\n        type: longtext\n",
        "      - key: comment\n        type: longtext\n        identifying: true\n",
    )
    assert marked != text
    path = tmp_path / "mini-identifying.yaml"
    path.write_text(marked, encoding="utf-8")
    return path


@pytest.fixture
def named_round(session, make_user, make_study, make_round, identifying_questionnaire):
    """Two pairs, both sides submitted, each with the identifying comment answered."""
    owner, researcher, viewer = make_user(), make_user(), make_user()
    study = make_study(owner=owner, members={researcher: "researcher", viewer: "viewer"})
    round_ = make_round(study, pairs=2, questionnaire=identifying_questionnaire)
    q = comparison.questionnaire_of(session, round_)
    for rows in rounds.by_pair(rounds.invitation_rows(session, round_)).values():
        for row in rows:
            values = {"established": "1990", "training": "no", "comment": SECRET_TEXT}
            answers.record_answers(session, row.invitation, q, values)
            answers.submit(session, row.invitation, q)
    return {
        "slug": round_.slug,
        "study_slug": study.slug,
        "study_id": study.id,
        "emails": {"owner": owner.email, "researcher": researcher.email, "viewer": viewer.email},
        "ids": {"owner": owner.id, "researcher": researcher.id, "viewer": viewer.id},
        "round": round_,
        "study": study,
        "owner": owner,
        "researcher": researcher,
        "viewer": viewer,
    }
