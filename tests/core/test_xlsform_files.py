"""`select_one_from_file` / `select_multiple_from_file`: choices from a CSV file beside
the form or in its .zip, stored in the version (the hash covers them), with a clear
refusal for a missing file, a missing column or a name used twice."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from survey.core.choices import offered
from survey.core.questionnaire import QuestionnaireError
from survey.core.xlsform import dump_xlsform, load_xlsform, read_xlsform
from tests.core.test_xlsform import SURVEY, write_form

PLACES = "name,label,province\ntoronto,Toronto,on\nottawa,Ottawa,on\nvancouver,Vancouver,bc\n"
PROVINCES = (
    ("list_name", "name", "label::English (en)"),
    ("provinces", "on", "Ontario"),
    ("provinces", "bc", "British Columbia"),
)


def form_with_file(folder: Path, csv_text: str | None = PLACES, row=None) -> Path:
    survey = [
        (*SURVEY, "choice_filter"),
        ("select_one provinces", "province", "Province", None),
        row or ("select_one_from_file places.csv", "city", "City", "province = ${province}"),
    ]
    path = write_form(folder / "form.xlsx", survey, PROVINCES)
    if csv_text is not None:
        (folder / "places.csv").write_text(csv_text, encoding="utf-8")
    return path


def problems(path: Path, **flags) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        read_xlsform(path, source="form.xlsx", **flags)
    return [str(problem) for problem in caught.value.problems]


def test_the_choices_come_from_the_csv_beside_the_form(tmp_path):
    q = load_xlsform(form_with_file(tmp_path))
    city = q.question("city")
    assert city.type == "single"
    assert [(o.code, dict(o.label)) for o in city.options] == [
        ("toronto", {"en": "Toronto"}),
        ("ottawa", {"en": "Ottawa"}),
        ("vancouver", {"en": "Vancouver"}),
    ]
    assert [o.code for o in offered(city, {"province": "on"})] == ["toronto", "ottawa"]


def test_select_multiple_from_file_and_labels_per_language(tmp_path):
    text = "name,label::English (en),label::Chinese (zh-Hans)\nnorth,North,北\nsouth,South,南\n"
    survey = [
        ("type", "name", "label::English (en)", "label::Chinese (zh-Hans)"),
        ("select_multiple_from_file areas.csv", "areas", "Areas", "地区"),
    ]
    path = write_form(tmp_path / "form.xlsx", survey)
    (tmp_path / "areas.csv").write_text(text, encoding="utf-8")
    areas = load_xlsform(path).question("areas")
    assert areas.type == "multi"
    assert dict(areas.options[1].label) == {"en": "South", "zh-Hans": "南"}
    assert all(not o.columns for o in areas.options)  # no filter: no columns kept


def test_a_changed_csv_gives_another_hash(tmp_path):
    path = form_with_file(tmp_path)
    first = load_xlsform(path).content_hash()
    assert load_xlsform(path).content_hash() == first
    (tmp_path / "places.csv").write_text(PLACES.replace("Ottawa,", "Ottawa (ON),"), "utf-8")
    assert load_xlsform(path).content_hash() != first


def test_a_zip_holds_the_form_and_its_csv_files(tmp_path):
    beside = load_xlsform(form_with_file(tmp_path))
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(tmp_path / "form.xlsx", "forms/form.xlsx")
        bundle.write(tmp_path / "places.csv", "forms/places.csv")
    assert load_xlsform(archive).content_hash() == beside.content_hash()


def test_a_zip_with_no_form_or_two_is_refused(tmp_path):
    form_with_file(tmp_path)
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(tmp_path / "places.csv", "places.csv")
    assert problems(archive) == [
        "form.xlsx:0: the .zip holds no form: it must hold one .xlsx, .xls or .md form"
    ]
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.write(tmp_path / "form.xlsx", "a.xlsx")
        bundle.write(tmp_path / "form.xlsx", "b.xlsx")
    assert problems(archive) == [
        "form.xlsx:0: the .zip holds 2 forms (a.xlsx, b.xlsx): it must hold one .xlsx, .xls"
        " or .md form"
    ]


def test_a_missing_file_is_refused_naming_where_it_was_looked_for(tmp_path):
    assert problems(form_with_file(tmp_path, None)) == [
        "form.xlsx:3: question 'city' reads its choices from 'places.csv', which is not beside"
        " the form (put it in the form's folder, or the form and its CSV files in one .zip)"
    ]


def test_with_the_flag_a_missing_file_drops_the_question(tmp_path):
    read = read_xlsform(form_with_file(tmp_path, None), skip_unsupported=True)
    assert [q.key for q in read.questionnaire.questions()] == ["province"]
    assert "reads its choices from 'places.csv', which is not beside" in read.warnings[0].message


def test_a_file_without_a_name_or_label_column_is_refused(tmp_path):
    assert problems(form_with_file(tmp_path, "code,title\na,A\n")) == [
        "form.xlsx:3: question 'city': 'places.csv' has no 'name' column (its first row"
        " names the columns: code, title)",
        "form.xlsx:3: question 'city': 'places.csv' has no 'label' column (its first row"
        " names the columns: code, title)",
    ]


def test_parameters_name_other_columns(tmp_path):
    row = ("select_one_from_file places.csv", "city", "City", None)
    path = form_with_file(tmp_path, "code,title\na,A\nb,B\n", row)
    with pytest.raises(QuestionnaireError):
        load_xlsform(path)
    survey = [
        (*SURVEY, "parameters"),
        ("select_one_from_file places.csv", "c", "C", "value=code label=title"),
    ]
    path = write_form(tmp_path / "other.xlsx", survey)
    assert [o.code for o in load_xlsform(path).question("c").options] == ["a", "b"]


def test_a_name_used_twice_is_refused_with_its_rows(tmp_path):
    text = "name,label\na,A\nb,B\na,Again\n,No name\n"
    assert problems(form_with_file(tmp_path, text)) == [
        "form.xlsx:3: question 'city': 'places.csv' row 4: the name 'a' is used at row 2 too",
        "form.xlsx:3: question 'city': 'places.csv' row 5 has no name",
    ]


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = form_with_file(tmp_path)
    (tmp_path / "places.csv").write_bytes("name,label\nzh,中文\n".encode("gb18030"))
    assert problems(path) == [
        "form.xlsx:3: question 'city': 'places.csv' is not UTF-8 text (save it as CSV UTF-8)"
    ]


def test_a_path_instead_of_a_file_name_is_never_read(tmp_path):
    (tmp_path / "inner").mkdir()
    row = ("select_one_from_file ../places.csv", "city", "City", None)
    path = form_with_file(tmp_path / "inner", None, row)
    (tmp_path / "places.csv").write_text(PLACES, encoding="utf-8")
    assert "which is not beside the form" in problems(path)[0]


def test_the_export_writes_plain_choices_that_read_back_to_the_same_hash(tmp_path):
    q = load_xlsform(form_with_file(tmp_path))
    out = tmp_path / "out"
    out.mkdir()
    dump_xlsform(q, out / "export.xlsx")
    assert not (out / "places.csv").exists()
    assert load_xlsform(out / "export.xlsx").content_hash() == q.content_hash()


def test_a_name_that_is_no_code_is_made_one_and_the_cascade_follows(tmp_path):
    places = PLACES.replace("toronto,", "St. John's,")
    path = form_with_file(tmp_path, places)
    read = read_xlsform(path, source="form.xlsx")
    city = read.questionnaire.question("city")
    assert [o.code for o in city.options][0] == "St._John_s"
    assert [str(w) for w in read.warnings] == [
        "form.xlsx:3: 'places.csv': the choice name 'St. John's' is renamed 'St._John_s' (a"
        " code has only letters, digits, '_', '-' and '.'); expressions and filter columns"
        " naming it follow"
    ]
    assert [o.code for o in offered(city, {"province": "on"})] == ["St._John_s", "ottawa"]
