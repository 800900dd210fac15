"""Benchmark: compare a whole round in the database, beside the time to merely read its answers.

A synthetic round of N pairs × 60 compared questions (both sides submitted) is
written with bulk inserts into a fresh SQLite file (or the PostgreSQL database in
SURVEY_BENCH_DATABASE_URL, which is wiped). Then, in the same run:

  floor    read every answer of the round from the database into per-side dicts
  compare  survey.comparison.services.compare_round: engine + storing every outcome
  repair   one answer corrected -> that pair re-compared (the listener path)

Run: python benchmarks/compare_round_db.py --pairs 10000 20000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_engine import make_answers, make_questionnaire  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from survey import create_app  # noqa: E402
from survey.db import db, utcnow, writing  # noqa: E402


def _fresh(url: str) -> None:
    if url.startswith("postgresql"):
        from survey.db import make_engine

        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def _side_answers(
    rng: random.Random,
    q,
    first: dict[int, dict],
    pair_id: int,  # noqa: ANN001
    disagreement: float,
) -> dict:
    """Side A answers at random; side B repeats each answer except for a share of them."""
    if pair_id not in first:
        first[pair_id] = make_answers(rng, q)
        return first[pair_id]
    other = make_answers(rng, q)
    return {
        key: other.get(key, value) if rng.random() < disagreement else value
        for key, value in first.pop(pair_id).items()
    }


def populate(n_pairs: int, seed: int, disagreement: float = 0.1):  # noqa: ANN201
    """Study, pairs, sides, respondents, an open round pinned to a 60-question version, answers."""
    from survey.core.questionnaire import Questionnaire
    from survey.models import Answer, Invitation, Pair, PairSide, Respondent, RoundPair  # noqa: F401
    from survey.questionnaires.services import import_questionnaire
    from survey.rounds import services as rounds
    from survey.studies.services import create_study

    rng = random.Random(seed)
    q: Questionnaire = make_questionnaire()
    study = create_study(db.session, "bench", [("us", "en"), ("cn", "zh-Hans")])
    import_questionnaire(db.session, q, study=study)
    sides = sorted(study.sides, key=lambda s: s.position)
    db.session.execute(
        insert(Pair),
        [
            {"study_id": study.id, "code": f"p{i:06d}", "kind": "city", "attributes": {}}
            for i in range(n_pairs)
        ],
    )
    pair_ids = list(
        db.session.scalars(select(Pair.id).where(Pair.study_id == study.id).order_by(Pair.id))
    )
    db.session.execute(
        insert(PairSide), [{"pair_id": p, "side_id": s.id} for p in pair_ids for s in sides]
    )
    pair_sides = list(db.session.execute(select(PairSide.id, PairSide.pair_id, PairSide.side_id)))
    db.session.execute(
        insert(Respondent),
        [
            {"pair_side_id": ps, "name": "r", "email": "", "is_primary": True}
            for ps, _, _ in pair_sides
        ],
    )
    round_ = rounds.create_round(db.session, study, "Bench", q.key)
    rounds.set_state(db.session, round_, "open")
    respondents = {
        ps: r for ps, r in db.session.execute(select(Respondent.pair_side_id, Respondent.id))
    }
    now = utcnow()
    db.session.execute(
        insert(Invitation),
        [
            {
                "round_id": round_.id,
                "respondent_id": respondents[ps],
                "pair_id": p,
                "side_id": s,
                "token_hash": f"{ps:064d}",
                "token_nonce": "x",
                "state": "submitted",
                "submitted_at": now,
            }
            for ps, p, s in pair_sides
        ],
    )
    invitations = list(
        db.session.execute(
            select(Invitation.id, Invitation.pair_id)
            .where(Invitation.round_id == round_.id)
            .order_by(Invitation.pair_id, Invitation.side_id)
        )
    )
    batch: list[dict] = []
    first: dict[int, dict] = {}
    for invitation_id, pair_id in invitations:
        given = _side_answers(rng, q, first, pair_id, disagreement)
        for key, value in given.items():
            batch.append(
                {
                    "invitation_id": invitation_id,
                    "question_key": key,
                    "value": value,
                    "version": 1,
                    "source": "import",
                }
            )
        if len(batch) > 50_000:
            db.session.execute(insert(Answer), batch)
            batch = []
    if batch:
        db.session.execute(insert(Answer), batch)
    db.session.commit()
    return round_.id, q


def read_floor(round_id: int) -> int:
    """Read every answer of the round into per-invitation dicts (what any comparison must do)."""
    from survey.models import Answer, Invitation

    rows = db.session.execute(
        select(Answer.invitation_id, Answer.question_key, Answer.value)
        .join(Invitation, Invitation.id == Answer.invitation_id)
        .where(Invitation.round_id == round_id)
    )
    found: dict[int, dict] = {}
    for invitation_id, key, value in rows:
        found.setdefault(invitation_id, {})[key] = value
    db.session.rollback()
    return len(found)


def compare_all(round_id: int) -> None:
    from survey.comparison import services
    from survey.models import Round

    with writing():
        services.compare_round(db.session, db.session.get(Round, round_id))
        db.session.commit()


def repair_one(round_id: int, q) -> float:  # noqa: ANN001
    """Correct one answer of one submitted side; the pair is re-compared in the same call."""
    from survey.models import Invitation
    from survey.responding import services as answers

    invitation = db.session.scalar(
        select(Invitation).where(Invitation.round_id == round_id).limit(1)
    )
    key = next(x.key for x in q.questions() if x.type == "integer")
    start = time.perf_counter()
    with writing():
        answers.record_answers(
            db.session,
            invitation,
            q,
            {key: str(random.randint(0, 99))},
            actor=answers.Actor("correction", reason="benchmark"),
        )
        db.session.commit()
    return time.perf_counter() - start


def run(n_pairs: int, url: str, seed: int, disagreement: float) -> dict[str, float]:
    _fresh(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b" * 40, "LINK_KEY": "k" * 40})
    with app.app_context():
        app.test_cli_runner().invoke(args=["db", "upgrade"])
        with writing():
            round_id, q = populate(n_pairs, seed, disagreement)
        timings = {}
        start = time.perf_counter()
        read_floor(round_id)
        timings["floor"] = time.perf_counter() - start
        start = time.perf_counter()
        compare_all(round_id)
        timings["compare"] = time.perf_counter() - start
        timings["repair"] = statistics.median(repair_one(round_id, q) for _ in range(5))
        db.session.remove()
        db.engine.dispose()
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[10_000, 20_000])
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument(
        "--disagreement",
        type=float,
        default=0.1,
        help="Share of side B's answers drawn afresh instead of repeating A's.",
    )
    args = parser.parse_args(argv)
    url = os.environ.get("SURVEY_BENCH_DATABASE_URL")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for n in args.pairs:
            results[n] = run(
                n, url or f"sqlite:///{folder}/bench-{n}.sqlite", args.seed, args.disagreement
            )
    print(
        f"backend: {'PostgreSQL' if url else 'SQLite'}; 60 compared questions per pair; "
        f"{args.disagreement:.0%} of side B's answers drawn afresh"
    )
    print(
        f"{'pairs':>8} {'read floor s':>13} {'compare s':>10} {'× floor':>8} {'re-compare ms':>14}"
    )
    for n, t in results.items():
        print(
            f"{n:>8} {t['floor']:13.2f} {t['compare']:10.2f} {t['compare'] / t['floor']:8.2f} "
            f"{t['repair'] * 1000:14.1f}"
        )
    if len(results) > 1:
        (small, a), (large, b) = list(results.items())[0], list(results.items())[-1]
        print(
            f"growth: {large / small:.1f}× pairs -> {b['compare'] / a['compare']:.2f}× compare time"
        )


if __name__ == "__main__":
    main()
