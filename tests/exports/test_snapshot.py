"""FAULT-05: an export is one snapshot — answers committed while it runs do not leak in."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import create_app
from survey.comparison import services as comparison
from survey.db import db, make_engine, writing
from survey.exports import services as exports
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import Invitation, Round
from tests.fixtures.web import SECRET

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"


@pytest.fixture
def committed(tmp_path, app):
    """A scratch SQLite database with real commits: one pair, side A submitted."""
    url = f"sqlite:///{tmp_path / 'snapshot.sqlite'}"
    scratch = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET, "LINK_KEY": "k" * 40}
    )
    scratch.instance_path = str(tmp_path)
    try:
        with scratch.app_context():
            scratch.test_cli_runner().invoke(args=["db", "upgrade"])
            _populate()
            yield url
    finally:
        db.session.remove()
        db.configure(app.config["DATABASE_URL"])


def _populate() -> None:
    from survey.core.loader import load_file
    from survey.questionnaires import services as questionnaires
    from survey.studies.models import Pair, PairSide, Respondent
    from survey.studies.services import create_study

    with writing():
        study = create_study(db.session, "snap", [("us", "en"), ("cn", "zh-Hans")])
        questionnaires.import_questionnaire(db.session, load_file(MINI), study=study)
        pair = Pair(study_id=study.id, code="a-b", kind="city", attributes={})
        db.session.add(pair)
        db.session.flush()
        for side in study.sides:
            place = PairSide(pair_id=pair.id, side_id=side.id)
            db.session.add(place)
            db.session.flush()
            db.session.add(Respondent(pair_side_id=place.id, name=side.code, is_primary=True))
        round_ = rounds.create_round(db.session, study, "W", "mini")
        rounds.set_state(db.session, round_, "open")
        rounds.ensure_invitations(db.session, round_)
        q = comparison.questionnaire_of(db.session, round_)
        first = rounds.invitation_rows(db.session, round_)[0].invitation
        answers.record_answers(db.session, first, q, {"established": "1987", "training": "no"})
        answers.submit(db.session, first, q)
        db.session.commit()


@pytest.mark.skipif(
    bool(__import__("os").environ.get("SURVEY_TEST_DATABASE_URL")),
    reason="uses a scratch SQLite file; PostgreSQL uses REPEATABLE READ",
)
def test_a_submission_during_the_export_is_not_half_included(committed, tmp_path):
    reader = db.session  # the export's session: its first read fixes the snapshot
    round_ = reader.scalar(select(Round))
    writer = Session(make_engine(committed))
    try:
        with writing():
            other = writer.scalar(select(Invitation).where(Invitation.state != "submitted"))
            q = comparison.questionnaire_of(writer, writer.get(Round, round_.id))
            answers.record_answers(writer, other, q, {"established": "1990", "training": "no"})
            answers.submit(writer, other, q)
            writer.commit()
        out = tmp_path / "during.csv"
        exports.write(reader, round_, exports.ExportRequest(), out)
        with out.open(encoding="utf-8", newline="") as handle:
            during = list(csv.DictReader(handle))
        assert during[0]["established_cn"] == ""  # committed after the snapshot began
        reader.rollback()
        after = tmp_path / "after.csv"
        exports.write(reader, reader.get(Round, round_.id), exports.ExportRequest(), after)
        with after.open(encoding="utf-8", newline="") as handle:
            assert list(csv.DictReader(handle))[0]["established_cn"] == "1990"
    finally:
        writer.close()
        writer.get_bind().dispose()
