"""Layouts: columns, rows, derived variables, laziness (survey/exports/layouts.py)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pyreadstat
import pytest

from survey.core.loader import load_file
from survey.exports import layouts, writers
from survey.exports.dataset import Dataset, ExportError, Variable, code_numbers
from survey.exports.layouts import long, pairwise, respondent, wide
from tests.exports import ANSWERS, SIDES, questionnaire, records

ROOT = Path(__file__).resolve().parents[2]


def names(dataset: Dataset, fmt: str | None = None) -> list[str]:
    return [v.name for v in dataset.table(fmt).variables]


def test_wide_columns_come_in_the_documented_order():
    dataset = wide(questionnaire(), SIDES, [], include_status=True)
    head = ["pair", "kind", "established"]
    for side in SIDES:
        head += [f"{field}_{side}" for field in layouts.SIDE_FIELDS]
    assert names(dataset, "csv")[: len(head)] == head
    rest = names(dataset, "csv")[len(head) :]
    assert rest[:6] == ["kind_us", "kind_cn", "kind_agree", "kind_status", "areas_us", "areas_cn"]
    assert "trust_agree" not in rest  # compare: none
    assert "note_us" not in rest  # notes take no answer
    assert rest[-2:] == ["story_us", "story_cn"]


def test_wide_statistical_formats_add_one_flag_per_option_and_r_the_dkrf_factor():
    dataset = wide(questionnaire(), SIDES, [])
    sav = names(dataset, "sav")
    start = sav.index("areas_us")
    assert sav[start : start + 4] == ["areas_us", "areas_trade_us", "areas_education_us",
                                      "areas_long_us"]  # fmt: skip
    assert "areas_trade_us" not in names(dataset, "csv")
    assert "kind_us_dkrf" in names(dataset, "rds")
    assert "kind_us_dkrf" not in sav
    assert "account_us_dkrf" not in names(dataset, "rds")  # this question turns dk and rf off


def test_wide_rows_copy_answers_and_code_agreement():
    q = questionnaire()
    dataset = wide(q, SIDES, records(4), include_status=True, attributes=["note"])
    table = dataset.table("csv")
    rows = [dict(zip([v.name for v in table.variables], row, strict=True)) for row in table.rows]
    assert len(rows) == 4
    first = rows[0]
    assert (first["pair"], first["kind"], first["established"], first["note"]) == (
        "pair-0",
        "city",
        1980,
        "n0",
    )
    assert first["kind_us"] == ANSWERS[0]["kind"]
    assert first["kind_cn"] == "dk"
    assert first["areas_us"] == ["trade", "long"]
    assert first["kind_agree"] == 1
    assert first["kind_status"] is None
    assert rows[1]["kind_agree"] == 0
    assert rows[1]["kind_status"] == "open"
    assert rows[2]["kind_agree"] is None  # missing: neither 1 nor 0
    assert first["sent_agree"] == 0
    assert first["sent_status"] == "explained"
    assert first["account_agree"] is None  # review
    assert first["agreement_agree"] is None  # no outcome given
    assert rows[3]["kind_cn"] is None  # the last pair's second side never answered


def test_derived_flags_follow_the_multi_answer():
    dataset = wide(questionnaire(), SIDES, records(3))
    table = dataset.table("sav")
    index = {v.name: i for i, v in enumerate(table.variables)}
    rows = list(table.rows)
    flags = ["areas_trade_us", "areas_education_us", "areas_long_us"]
    assert [rows[0][index[n]] for n in flags] == [1, 0, 1]
    assert [rows[0][index[n.replace("_us", "_cn")]] for n in flags] == ["rf"] * 3
    assert [rows[2][index[n]] for n in flags] == [None] * 3  # {} answered nothing


def test_long_has_one_row_per_pair_and_answerable_question():
    q = questionnaire()
    answerable = [question.key for question in q.questions() if question.is_answerable]
    rows = list(long(q, SIDES, records(3)).table().rows)
    assert len(rows) == 3 * len(answerable)
    by_key = {row[1]: row for row in rows[: len(answerable)]}
    assert by_key["areas"][2:4] == ["trade;long", "rf"]
    assert by_key["budget"][2:4] == ["1.5", "123456.75"]
    assert by_key["sent"][2:] == ["3", "dk", "disagree", "explained",
                                 "tolerance abs=1; mirror received"]  # fmt: skip
    assert by_key["trust"][4:] == [None, None, "none"]
    assert by_key["visit"][-1] == "within_days 31"


def test_pairwise_gives_each_side_once_as_actor():
    rows = list(pairwise(questionnaire(), SIDES, records(2)).table("csv").rows)
    expected = [(f"pair-{n}", *sides) for n in range(2) for sides in (SIDES, SIDES[::-1])]
    assert [row[:3] for row in rows] == expected
    variables = names(pairwise(questionnaire(), SIDES, []), "csv")
    kind, partner = variables.index("kind"), variables.index("kind_partner")
    assert (rows[0][kind], rows[0][partner]) == ("trade", "dk")
    assert (rows[1][kind], rows[1][partner]) == ("dk", "trade")


def test_respondent_gives_one_row_per_side():
    dataset = respondent(questionnaire(), SIDES, records(3))
    assert names(dataset, "csv")[:10] == [
        "pair", "side", "place_en", "place_zh", "organization", "respondent", "language",
        "mode", "state", "submitted_at",
    ]  # fmt: skip
    rows = list(dataset.table("csv").rows)
    assert [row[:2] for row in rows] == [[f"pair-{n}", side] for n in range(3) for side in SIDES]
    assert rows[-1][10:] == [None] * (len(rows[-1]) - 10)  # never answered


def test_side_labels_label_the_side_columns(tmp_path):
    labels = {"us": {"en": "U.S.", "zh-Hans": "美方"}, "cn": {"en": "China", "zh-Hans": "中方"}}
    dataset = respondent(questionnaire(), SIDES, [], side_labels=labels)
    side = next(v for v in dataset.variables if v.name == "side")
    assert side.kind == "code"
    assert side.numbers() == {"us": 1, "cn": 2}
    assert side.value_labels["cn"]["zh-Hans"] == "中方"
    wide_label = next(v for v in wide(questionnaire(), SIDES, [], side_labels=labels).variables
                      if v.name == "kind_cn").label  # fmt: skip
    assert wide_label["zh-Hans"] == "[中方] Question kind?（简）"
    path = tmp_path / "out.sav"
    writers.write_sav(respondent(questionnaire(), SIDES, records(1), side_labels=labels), path)
    frame, meta = pyreadstat.read_sav(path)
    assert meta.variable_value_labels["side"] == {1.0: "U.S.", 2.0: "China"}
    assert frame["side"].tolist() == [1.0, 2.0]


def test_sides_out_of_order_are_refused_not_swapped():
    record = next(records(1))
    swapped = replace(record, sides=record.sides[::-1])
    for layout in layouts.LAYOUTS.values():
        with pytest.raises(ExportError, match="expected us, cn"):
            list(layout(questionnaire(), SIDES, [swapped]).rows)


def test_layouts_read_records_lazily():
    endless = records(10**9)  # a generator that would never end
    rows = wide(questionnaire(), SIDES, endless).table("sav").rows
    assert len(list(itertools.islice(rows, 5))) == 5


def test_a_name_already_taken_gets_a_suffix():
    q = questionnaire()
    section = replace(q.sections[0], questions=(
        *q.sections[0].questions, replace(q.question("kind"), key="organization"),
    ))  # fmt: skip
    dataset = wide(replace(q, sections=(section,)), SIDES, [])
    assert "organization_us" in names(dataset)
    assert "organization_us_2" in names(dataset)
    assert names(dataset).count("organization_us") == 1


def test_select_drops_identifying_columns_and_flags_follow_their_source():
    dataset = wide(questionnaire(), SIDES, records(2))
    anonymous = dataset.select(lambda v: not v.identifying and v.question != "areas")
    assert "respondent_us" not in names(anonymous)
    assert not [n for n in names(anonymous, "sav") if n.startswith("areas")]
    assert len(list(anonymous.table("sav").rows)) == 2


def test_dataset_refuses_duplicate_names_and_unknown_sources():
    variable = Variable("x", {"en": "x"}, "string")
    with pytest.raises(ValueError, match="duplicate"):
        Dataset((variable, variable), [])
    with pytest.raises(ValueError, match="source"):
        Dataset((replace(variable, source="y", role="special"),), [])


@pytest.mark.parametrize(
    ("codes", "numbers"),
    [
        (("yes", "no"), {"yes": 1, "no": 0}),
        (("1", "2", "5"), {"1": 1, "2": 2, "5": 5}),
        (("01", "1"), {"01": 1, "1": 2}),  # would collide as numbers: positions instead
        (("city", "state"), {"city": 1, "state": 2}),
    ],
)
def test_option_codes_get_stable_numbers(codes, numbers):
    assert code_numbers(codes) == numbers


def test_the_shipped_questionnaire_builds_every_layout():
    q = load_file(ROOT / "questionnaires" / "sister-cities.yaml")
    answerable = [question for question in q.questions() if question.is_answerable]
    dataset = wide(q, SIDES, [])
    compared = sum(question.is_compared for question in answerable)
    assert len(dataset.table("csv").variables) == 3 + 12 + 2 * len(answerable) + compared
    for layout in layouts.LAYOUTS.values():
        assert layout(q, SIDES, []).table().variables
