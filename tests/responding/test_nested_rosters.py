"""An XLSForm repeat inside a repeat on the respondent's page: the outer roster and the
roster linked to it (each row naming its outer row in `children_row`) take rows, are
checked and saved as two answers of rows."""

from __future__ import annotations

import pytest

from survey.core.loader import dump_yaml
from survey.core.xlsform import load_xlsform
from survey.responding import services as answers
from survey.rounds import services as rounds
from tests.core.test_xlsform import write_form
from tests.fixtures.web import text_of
from tests.responding.test_flow import start
from tests.responding.test_rosters import press

LABELS = ("label::English (en)", "label::Chinese (zh-Hans)")
SURVEY = (
    ("type", "name", *LABELS),
    ("begin repeat", "children", "3. Children", "3. 孩子"),
    ("text", "name", "Name", "名字"),
    ("begin repeat", "cartoons", "Cartoons", "动画片"),
    ("text", "title", "Title", "片名"),
    ("end repeat",),
    ("end repeat",),
)


@pytest.fixture
def us(session, make_round, tmp_path):
    q = load_xlsform(write_form(tmp_path / "children.xlsx", SURVEY))
    path = tmp_path / "children.yaml"
    path.write_text(dump_yaml(q), encoding="utf-8")
    round_ = make_round(pairs=1, questionnaire=path)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    return by_side["us"]


def test_rows_of_both_rosters_are_saved_each_cartoon_naming_its_child(client, session, us):
    path = start(client, us)
    page = text_of(client.get(path))
    assert "3. Children #" not in page  # no row of cartoons yet: the link column not shown
    page = text_of(press(client, path, page, "_roster=add:children"))
    page = text_of(press(client, path, page, "_roster=add:children", **{"children.0.name": "Ann"}))
    page = text_of(press(client, path, page, "_roster=add:cartoons", **{"children.1.name": "Bo"}))
    assert 'name="cartoons.0.children_row"' in page
    assert "3. Children #" in page
    page = text_of(
        press(
            client, path, page, "_roster=add:cartoons",
            **{"cartoons.0.children_row": "2", "cartoons.0.title": "Tom and Jerry"},
        )
    )  # fmt: skip
    page = text_of(
        press(
            client, path, page, "_roster=add:cartoons",
            **{"cartoons.1.children_row": "0", "cartoons.1.title": "Heidi"},
        )
    )  # fmt: skip
    assert "Enter a number no smaller than 1." in page  # there is no child 0
    stored = answers.answers_of(session, us)
    assert stored["children"] == [{"name": "Ann"}, {"name": "Bo"}]
    assert stored["cartoons"] == [{"children_row": 2, "title": "Tom and Jerry"}]  # 0 refused
    page = text_of(
        press(
            client, path, page, "_nav=next",
            **{"cartoons.1.children_row": "1", "cartoons.1.title": "Heidi",
               "cartoons.2.title": "Mulan"},
        )
    )  # fmt: skip
    assert "Please answer this question." in page  # the third cartoon names no child
    page = text_of(press(client, path, page, "_roster=remove:cartoons:2"))
    assert answers.answers_of(session, us)["cartoons"] == [
        {"children_row": 2, "title": "Tom and Jerry"},
        {"children_row": 1, "title": "Heidi"},
    ]
