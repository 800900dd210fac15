"""What ODK accepts and survey adapts on import without `--skip-unsupported`, each with a
warning naming the row: texts missing in a language, keys and choice names survey cannot
take, dk/rf choices, required notes, one-choice selects, duplicate choices under
allow_choice_duplicates, a bare null and a Java-style regex pattern."""

from __future__ import annotations

import pytest

from survey.core.choices import offered
from survey.core.expressions import ExpressionError, parse
from survey.core.loader import load_yaml
from survey.core.questionnaire import QuestionnaireError
from survey.core.validate import validate
from survey.core.xlsform import dump_xlsform, load_xlsform, read_xlsform
from survey.core.xlsform.adapting import null_as_empty
from tests.core.test_xlsform import SURVEY, refusal, write_form


@pytest.fixture
def form(tmp_path):
    """A writer of small workbooks to form.xlsx in a temporary folder."""

    def make(survey, choices=None, settings=None):
        return write_form(tmp_path / "form.xlsx", survey, choices, settings)

    return make


TWO = ("type", "name", "label::English (en)", "label::Simplified Chinese (zh-Hans)")
CHOICES = ("list_name", "name", "label::English (en)")


def read(path, **flags):
    """The questionnaire and the warnings (`file:row: message`) of an import."""
    done = read_xlsform(path, source="form.xlsx", **flags)
    return done.questionnaire, [str(warning) for warning in done.warnings]


def test_a_text_missing_in_a_language_is_filled_from_the_default_one(form):
    survey = [(*TWO, "hint::English (en)"), ("text", "a", "A", "甲", "Help"),
              ("text", "b", "B", None, None)]  # fmt: skip
    q, warnings = read(form(survey))
    assert q.question("b").text == {"en": "B", "zh-Hans": "B"}
    assert q.question("a").help == {"en": "Help", "zh-Hans": "Help"}
    assert warnings == [
        "form.xlsx:2: 2 texts have no zh-Hans version: the en text is shown instead (rows 2, 3)"
    ]


def test_a_calculation_gets_no_text_from_the_filling(form):
    survey = [(*TWO, "calculation"), ("integer", "a", "A", "甲", None),
              ("calculate", "c", None, None, "${a} * 2")]  # fmt: skip
    q, warnings = read(form(survey))
    assert (q.question("c").text, warnings) == ({}, [])


def test_a_key_with_dots_or_hyphens_gets_underscores_and_references_follow(form):
    survey = [(*SURVEY, "relevant"), ("integer", "tel.office", "Tel", None),
              ("text", "role_project-alpha", "Role", "${tel.office} > 0")]  # fmt: skip
    q, warnings = read(form(survey))
    assert [x.key for x in q.questions()] == ["tel_office", "role_project_alpha"]
    assert q.question("role_project_alpha").relevant == "${tel_office} > 0"
    assert warnings == [
        "form.xlsx:2: 'tel.office' is renamed 'tel_office' (a key has only letters, digits"
        " and '_')",
        "form.xlsx:3: 'role_project-alpha' is renamed 'role_project_alpha' (a key has only"
        " letters, digits and '_')",
    ]


DISTRICTS = [
    (*CHOICES, "region", "district"),
    ("region", "sindh", "Sindh", None, None),
    ("region", "punjab", "Punjab", None, None),
    ("district", "Thatta&ShahBunder", "Thatta & Shah Bunder", "sindh", None),
    ("district", "Thatta_ShahBunder", "Thatta (old name)", "sindh", None),
    ("district", "Lahore", "Lahore", "punjab", None),
    ("town", "Township 01", "Township 1", None, "Thatta&ShahBunder"),
]


def test_a_choice_name_survey_cannot_store_is_made_a_code_and_what_names_it_follows(form):
    survey = [
        (*SURVEY, "relevant", "choice_filter", "constraint"),
        ("select_one region", "region", "Region", None, None, None),
        ("select_one district", "district", "District", None, "region=${region}",
         ". != \"Lahore\""),
        ("select_one town", "town", "Town", None, "district=${district}", None),
        ("text", "coast", "Coast?", "selected(${district}, 'Thatta&ShahBunder')", None, None),
    ]  # fmt: skip
    q, warnings = read(form(survey, DISTRICTS))
    district = q.question("district")
    assert [o.code for o in district.options] == [
        "Thatta_ShahBunder_2", "Thatta_ShahBunder", "Lahore",  # the name already taken stays
    ]  # fmt: skip
    assert q.question("town").options[0].columns == {"district": "Thatta_ShahBunder_2"}
    assert q.question("coast").relevant == "selected(${district}, 'Thatta_ShahBunder_2')"
    assert warnings == [
        "form.xlsx:4: choices sheet: the choice name 'Thatta&ShahBunder' of the list"
        " 'district' is renamed 'Thatta_ShahBunder_2' (a code has only letters, digits, '_',"
        " '-' and '.'); expressions and filter columns naming it follow",
        "form.xlsx:7: choices sheet: the choice name 'Township 01' of the list 'town' is"
        " renamed 'Township_01' (a code has only letters, digits, '_', '-' and '.');"
        " expressions and filter columns naming it follow",
    ]
    # the relevant and both cascading filters still work on the renamed code
    answers = {"region": "sindh", "district": "Thatta_ShahBunder_2"}
    assert parse(q.question("coast").relevant).test(answers)
    assert not parse(q.question("coast").relevant).test({**answers, "district": "Lahore"})
    assert [o.code for o in offered(district, answers)] == [
        "Thatta_ShahBunder_2", "Thatta_ShahBunder",
    ]  # fmt: skip
    assert [o.code for o in offered(q.question("town"), answers)] == ["Township_01"]
    assert offered(q.question("town"), {"district": "Lahore"}) == ()


def test_choices_dk_and_rf_are_survey_s_own_answers_without_the_flag(form):
    choices = [CHOICES, ("ynd", "yes", "Yes"), ("ynd", "no", "No"), ("ynd", "dk", "Don't know"),
               ("ynd", "rf", "Refused")]  # fmt: skip
    q, warnings = read(form([SURVEY, ("select_one ynd", "q", "Q?")], choices))
    question = q.question("q")
    assert (question.type, question.options, question.dont_know, question.refused) == (
        "yesno", (), True, True,
    )  # fmt: skip
    assert warnings == ["form.xlsx:2: 'q': the choice 'dk' and 'rf' is survey's own special answer"]


def test_required_on_a_note_is_left_out_with_a_warning(form):
    survey = [(*SURVEY, "required"), ("integer", "n", "N", None),
              ("note", "stop", "Check the number", "yes")]  # fmt: skip
    q, warnings = read(form(survey))
    assert (q.question("stop").required, q.question("stop").required_if) == (False, None)
    assert warnings == ["form.xlsx:3: required of note 'stop' is left out: nobody answers a note"]


def test_a_select_with_one_choice_is_kept(form):
    choices = [CHOICES, ("agree", "yes_agree", "I agree")]
    survey = [SURVEY, ("select_one agree", "consent", "Privacy policy"),
              ("select_multiple agree", "also", "Also")]  # fmt: skip
    q, warnings = read(form(survey, choices))
    assert [(x.type, [o.code for o in x.options]) for x in q.questions()] == [
        ("single", ["yes_agree"]), ("multi", ["yes_agree"]),
    ]  # fmt: skip
    assert warnings == []


ONE_OPTION_YAML = """
key: demo
version: "1"
languages: [en]
title: Demo
sections:
  - key: main
    title: Main
    questions:
      - key: consent
        type: {type}
        text: I agree to the privacy policy
        options: {options}
"""


def _yaml(qtype: str, options: str):
    return load_yaml(ONE_OPTION_YAML.format(type=qtype, options=options), "x.yaml", validate=False)


@pytest.mark.parametrize("qtype", ["single", "multi"])
def test_a_yaml_select_with_one_option_is_valid_and_with_none_is_not(qtype):
    one = _yaml(qtype, "[{code: 'yes', label: Yes}]")
    assert validate(one, "x.yaml") == []
    none = _yaml(qtype, "[]")
    assert [p.message for p in validate(none, "x.yaml")] == [
        f"{qtype} question 'consent' has no options (add options: - {{code: …, label: …}})"
    ]


@pytest.mark.parametrize("qtype", ["scale", "rank"])
def test_a_scale_or_ranking_still_needs_two_options(qtype):
    one = _yaml(qtype, "[{code: '1', label: A}]")
    assert [p.message for p in validate(one, "x.yaml")] == [
        f"{qtype} question 'consent' needs at least 2 options (has 1; add options:"
        " - {code: …, label: …})"
    ]


COUNTIES = [
    (*CHOICES, "state"),
    ("states", "texas", "Texas", None),
    ("states", "washington", "Washington", None),
    ("counties", "king", "King (TX)", "texas"),
    ("counties", "cameron", "Cameron", "texas"),
    ("counties", "king", "King (WA)", "washington"),
]
CASCADE = [
    (*SURVEY, "choice_filter"),
    ("select_one states", "state", "State", None),
    ("select_one counties", "county", "County", "state=${state}"),
]


def test_allow_choice_duplicates_stores_the_later_ones_apart_with_a_warning(form):
    settings = [("allow_choice_duplicates",), ("yes",)]
    q, warnings = read(form(CASCADE, COUNTIES, settings))
    county = q.question("county")
    assert [(o.code, o.label["en"]) for o in county.options] == [
        ("king", "King (TX)"), ("cameron", "Cameron"), ("king_2", "King (WA)"),
    ]  # fmt: skip
    assert [o.code for o in offered(county, {"state": "washington"})] == ["king_2"]
    assert warnings == [
        "form.xlsx:6: choices sheet: the list 'counties' has the name 'king' more than once"
        " (allow_choice_duplicates): this one is stored as 'king_2', so that answers tell"
        " them apart; an expression naming 'king' means the first"
    ]


def test_without_allow_choice_duplicates_a_duplicate_choice_is_still_refused(form):
    assert refusal(form(CASCADE, COUNTIES)) == [
        "form.xlsx:6: choices sheet: the list 'counties' has the name 'king' more than once"
    ]


def test_a_bare_null_in_an_expression_reads_as_empty_with_a_warning(form):
    survey = [
        (*SURVEY, "calculation"),
        ("integer", "age", "Age", None),
        ("calculate", "adult", None, "if(${age} >= 18, ${age}, null)"),
        ("calculate", "said", None, "concat('null', ${age})"),
    ]
    q, warnings = read(form(survey))
    adult = q.question("adult")
    assert adult.calculation == "if(${age} >= 18, ${age}, '')"
    assert q.question("said").calculation == "concat('null', ${age})"  # a string stays
    assert parse(adult.calculation).evaluate({"age": 12}) == ""
    assert parse(adult.calculation).evaluate({"age": 40}) == 40
    assert warnings == [
        "form.xlsx:3: the calculation of 'adult' has a bare null, read as '' (in XPath it"
        " names no node, so it is empty)"
    ]


def test_outside_an_import_null_is_still_an_unknown_name():
    with pytest.raises(ExpressionError, match="unknown name 'null'"):
        parse("if(${a} = 1, ${a}, null)")


def test_a_java_style_email_pattern_is_kept_and_checks_answers(form):
    pattern = r"regex(., '^[\w-\.]+@([\w-]+\.)+[\w-]{2,4}$')"
    q, warnings = read(form([(*SURVEY, "constraint"), ("text", "email", "E-mail", pattern)]))
    constraint = parse(q.question("email").constraint)
    assert constraint.test({}, current="jane.doe@example.org")
    assert not constraint.test({}, current="jane doe@example.org")
    assert warnings == []


def test_an_adapted_form_exports_and_reimports_with_the_same_hash(form, tmp_path):
    choices = [*DISTRICTS, ("ynd", "yes", "Yes"), ("ynd", "no", "No"), ("ynd", "dk", "DK"),
               ("agree", "ok", "I agree")]  # fmt: skip
    survey = [
        (*TWO, "relevant", "required", "calculation"),
        ("select_one district", "d.1", "District", "区", None, None, None),
        ("text", "coast", "Coast", None, "selected(${d.1}, 'Thatta&ShahBunder')", None, None),
        ("select_one ynd", "yn", "Y/N", None, None, None, None),
        ("note", "stop", "Stop", None, None, "yes", None),
        ("select_one agree", "consent", "Consent", None, None, None, None),
        ("calculate", "c", None, None, None, None, "if(${yn} = 'yes', 1, null)"),
        ("select_one town", "town", "Town", None, None, None, None),
    ]
    q = load_xlsform(form(survey, choices))
    assert validate(q, "form.xlsx") == []
    dump_xlsform(q, tmp_path / "out.xlsx")
    again = read_xlsform(tmp_path / "out.xlsx", source="out.xlsx")
    assert again.questionnaire.content_hash() == q.content_hash()
    assert again.warnings == []  # nothing left to adapt


def test_with_the_flag_the_adaptations_are_the_same(form):
    survey = [(*SURVEY, "relevant"), ("select_one town", "t", "Town", None),
              ("text", "x", "X", "${t} = 'Township 01'")]  # fmt: skip
    path = form(survey, DISTRICTS)
    assert read(path) == read(path, skip_unsupported=True)


def test_geo_still_refuses_without_the_flag(form):
    with pytest.raises(QuestionnaireError):
        load_xlsform(form([SURVEY, ("geopoint", "where", "Where?"), ("text", "q", "Q")]))


@pytest.mark.parametrize(
    ("expression", "read"),
    [
        ("if(${a} = 1, ${a}, null)", "if(${a} = 1, ${a}, '')"),
        ("coalesce(null, 'x')", "coalesce('', 'x')"),
        ("concat('null', \"null\")", "concat('null', \"null\")"),  # strings stay
        ("${null} + ${ null } = 1", "${null} + ${ null } = 1"),  # a question named null
        ("nullable(1) or null_count = 1 or x-null", "nullable(1) or null_count = 1 or x-null"),
    ],
)
def test_only_a_bare_null_reads_as_empty(expression, read):
    assert null_as_empty(expression) == read
