"""Agreement by group (before/after follow-up, mode pair, language pair, pair kind), checked
against a reference computed independently here with scikit-learn and numpy on the same rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from survey.comparison import agreement_groups, followups
from survey.comparison import services as comparison
from survey.responding import services as answers
from survey.responding.followup_answers import asked_part, one_page
from survey.rounds import services as rounds

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"
PAIRS = 12


def training(number: int) -> tuple[str, str]:
    return ("yes" if number % 2 else "no"), ("yes" if number % 3 else "no")


@pytest.fixture
def grouped_round(session, make_round):
    return make_grouped_round(session, make_round)


def make_grouped_round(session, make_round):
    """12 pairs: the first 4 of kind state, the first 6 with a phone side, training varied."""
    round_ = make_round(pairs=PAIRS, questionnaire=MINI)
    q = comparison.questionnaire_of(session, round_)
    for number, rows in enumerate(rounds.by_pair(rounds.invitation_rows(session, round_)).values()):
        rows[0].pair.kind = "state" if number < 4 else "city"
        for side, row in enumerate(rows):
            mode = "phone" if side == 1 and number < 6 else "web"
            actor = answers.Actor("import" if mode == "phone" else "respondent", mode=mode)
            values = {"established": "1990", "training": training(number)[side]}
            answers.record_answers(session, row.invitation, q, values, actor=actor)
            answers.submit(session, row.invitation, q, actor=actor)
    return round_


def _reference(numbers):
    a = [training(n)[0] for n in numbers]
    b = [training(n)[1] for n in numbers]
    return float(np.mean([x == y for x, y in zip(a, b, strict=True)])), cohen_kappa_score(a, b)


def _cell(rows, group, question):
    return next(r for r in rows if r["group"] == group and r["question"] == question)


def test_by_mode_pair_matches_scikit_learn(session, grouped_round):
    rows = agreement_groups.grouped(session, grouped_round, "mode", n_boot=200)
    for group, numbers in (("phone–web", range(6)), ("web–web", range(6, PAIRS))):
        cell = _cell(rows, group, "training")
        percent, kappa = _reference(numbers)
        assert cell["pairs_compared"] == 6
        assert cell["percent_agreement"] == pytest.approx(percent)
        assert cell["cohen_kappa"] == pytest.approx(kappa)
        assert cell["cohen_kappa_low"] <= cell["cohen_kappa_high"]


def test_a_cell_under_five_pairs_shows_no_statistic(session, grouped_round):
    rows = agreement_groups.grouped(session, grouped_round, "kind", n_boot=100)
    small = _cell(rows, "state", "training")
    assert small["pairs_compared"] == 4
    assert small["percent_agreement"] is None
    assert small["note"] == agreement_groups.TOO_FEW
    city = _cell(rows, "city", "training")
    percent, kappa = _reference(range(4, PAIRS))
    assert city["percent_agreement"] == pytest.approx(percent)
    assert city["cohen_kappa"] == pytest.approx(kappa)
    overall = _cell(rows, "city", "overall")
    agree = sum(1 + (training(n)[0] == training(n)[1]) for n in range(4, PAIRS))
    assert overall["percent_agreement"] == pytest.approx(agree / (2 * (PAIRS - 4)))
    languages = agreement_groups.grouped(session, grouped_round, "language", n_boot=0)
    assert {r["group"] for r in languages} == {"en–zh-Hans"}


def test_before_and_after_followup(runner, session, grouped_round):
    followup, found = followups.create(session, grouped_round, "Again", followups.Selection())
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    q = comparison.questionnaire_of(session, grouped_round)
    for row in rounds.invitation_rows(session, followup):
        if row.side.code != "cn":
            continue
        keys = found.asked[row.pair.code]  # the cn side now gives the us side's account
        us_said = {}
        for original in rounds.invitation_rows(session, grouped_round):
            if original.pair.id == row.pair.id and original.side.code == "us":
                us_said = answers.answers_of(session, original.invitation)
        answers.record_answers(session, row.invitation, q, {k: us_said[k] for k in keys})
        answers.submit(session, row.invitation, one_page(q, asked_part(q, keys)))
    rows = agreement_groups.grouped(session, grouped_round, "followup", n_boot=100)
    before, after = _cell(rows, "original", "training"), _cell(rows, "final", "training")
    percent, kappa = _reference(range(PAIRS))
    assert before["percent_agreement"] == pytest.approx(percent)
    assert before["cohen_kappa"] == pytest.approx(kappa)
    assert after["percent_agreement"] == pytest.approx(1.0)  # every cn side now agrees
    shown = runner.invoke(
        args=[
            "agreement",
            grouped_round.slug,
            "--by",
            "followup",
            "--format",
            "json",
            "--boot",
            "50",
        ]
    )
    assert shown.exit_code == 0, shown.output
    groups = {r["group"] for r in json.loads(shown.output)}
    assert groups == {"original", "final"}


def test_groups_on_final_values(runner, session, grouped_round):
    """--values final: the mode, language and kind groups compare each pair again on the
    newest answer of each side; original (the default) on the answers first given."""
    followup, found = followups.create(session, grouped_round, "Again", followups.Selection())
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    q = comparison.questionnaire_of(session, grouped_round)
    changed = []
    for row in rounds.invitation_rows(session, followup):
        if row.side.code != "cn":
            continue
        keys = found.asked[row.pair.code]
        us_said = next(
            answers.answers_of(session, o.invitation)
            for o in rounds.invitation_rows(session, grouped_round)
            if o.pair.id == row.pair.id and o.side.code == "us"
        )
        answers.record_answers(session, row.invitation, q, {k: us_said[k] for k in keys})
        answers.submit(session, row.invitation, one_page(q, asked_part(q, keys)))
        changed.append(row.pair.id)
    assert changed
    kind = "city"
    final = agreement_groups.grouped(session, grouped_round, "kind", n_boot=0, values="final")
    original = agreement_groups.grouped(session, grouped_round, "kind", n_boot=0)
    assert _cell(final, kind, "training")["percent_agreement"] == pytest.approx(1.0)
    percent, kappa = _reference(range(4, PAIRS))
    assert _cell(original, kind, "training")["percent_agreement"] == pytest.approx(percent)
    assert _cell(original, kind, "training")["cohen_kappa"] == pytest.approx(kappa)
    by_mode = agreement_groups.grouped(session, grouped_round, "mode", n_boot=0, values="final")
    assert _cell(by_mode, "phone–web", "training")["percent_agreement"] == pytest.approx(1.0)
    shown = runner.invoke(
        args=[
            "agreement", grouped_round.slug, "--by", "kind", "--values", "final",
            "--format", "json", "--boot", "0",
        ]
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == json.loads(json.dumps(final))
    default = runner.invoke(
        args=["agreement", grouped_round.slug, "--by", "kind", "--format", "json", "--boot", "0"]
    )
    assert json.loads(default.output) == json.loads(json.dumps(original))
    for wrong in (["--by", "followup", "--values", "final"], ["--values", "original"]):
        refused = runner.invoke(args=["agreement", grouped_round.slug, *wrong])
        assert refused.exit_code != 0
        assert "--values goes with --by mode, language or kind" in refused.output
