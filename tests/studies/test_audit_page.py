"""The study's audit log page: filters, CSV export, access, nothing executable."""

from __future__ import annotations

import csv
import io

from survey import audit
from tests.fixtures.web import login, text_of


def test_audit_log_lists_filters_and_downloads(client, session, make_user, make_study):
    owner = make_user("owner@example.org")
    study = make_study(owner=owner)
    audit.record(
        session,
        "answer.save",
        study_id=study.id,
        actor_user_id=owner.id,
        details={"changes": {"comment": [None, '=HYPERLINK("x")<script>']}},
        reason="phone call",
    )
    login(client, owner.email)
    page = text_of(client.get(f"/studies/{study.slug}/audit/"))
    assert "study.create" in page
    assert "answer.save" in page
    assert "<script>" not in page
    only = text_of(client.get(f"/studies/{study.slug}/audit/?action=answer.save"))
    assert "study.create</code>" not in only
    assert "phone call" in only
    download = client.get(f"/studies/{study.slug}/audit/?format=csv&action=answer.save")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["time_utc", "action", "actor"]
    assert rows[1][1:3] == ["answer.save", "owner@example.org"]
    assert rows[1][5] == "phone call"


def test_audit_log_is_for_researchers_of_the_study(client, make_user, make_study):
    viewer, outsider = make_user(), make_user()
    study = make_study(members={viewer: "viewer"})
    make_study(owner=outsider)
    login(client, viewer.email)
    assert client.get(f"/studies/{study.slug}/audit/").status_code == 403
    login(client, outsider.email)
    assert client.get(f"/studies/{study.slug}/audit/").status_code == 404


def test_hostile_filters_are_ignored(client, make_user, make_study):
    owner = make_user()
    study = make_study(owner=owner)
    login(client, owner.email)
    response = client.get(
        f"/studies/{study.slug}/audit/?since=1'--&action=x%27%20OR%201=1&order_by=id;DROP"
    )
    assert response.status_code == 200
    assert "study.create" not in text_of(response).split("<tbody>")[1]


def test_audit_values_are_words_in_the_page_language_with_the_code_beside(
    client, session, make_user, make_study
):
    owner = make_user()
    study = make_study(owner=owner)
    rows = [
        ("discrepancy.decide", {"status": "confirmed", "values_seen": {"us": 3, "cn": 5}}),
        ("round.closed", {"before": "open", "after": "closed"}),
        ("member.role", {"email": "a@example.org", "role": "researcher"}),
        ("comparison.run", {"outcomes": {"agree": 7, "disagree": 2}, "partial": False}),
    ]
    for action, details in rows:
        audit.record(session, action, study_id=study.id, actor_user_id=owner.id, details=details)
    login(client, owner.email)
    words = {
        "en": ("Decision", "confirmed", "closed", "Researcher", "agree", "Role", "No"),
        "zh_Hans": ("处理结论", "确认", "已关闭", "研究人员", "一致", "角色", "否"),
        "zh_Hant": ("處理結論", "確認", "已關閉", "研究人員", "一致", "角色", "否"),
    }
    for locale, expected in words.items():
        page = text_of(client.get(f"/studies/{study.slug}/audit/?lang={locale}"))
        table = page.split("<tbody>")[1]
        for word in expected:
            assert word in table, (locale, word)
        # the code stays, small, beside the word (where the word is not the code itself)
        assert '<code class="key">status</code>' in table
        if locale != "en":  # (a decision's words are the comparison's, like an answer's)
            assert '<code class="key">closed</code>' in table
        assert "US" in table  # values seen, by the side's label
        assert (
            'US <code class="key">us</code></span> 3' + (", " if locale == "en" else "、")
        ) in table
    assert "status: confirmed" not in text_of(client.get(f"/studies/{study.slug}/audit/"))


def test_a_discrepancys_values_name_the_side_as_its_pair_kind_does(
    client, session, make_user, make_study, make_pair, make_round
):
    from survey.comparison.models import Discrepancy
    from survey.studies import side_labels

    owner = make_user()
    study = make_study(owner=owner)
    study.sides[1].label = {"en": "China", "zh-Hans": "中方", "zh-Hant": "中方"}
    pair = make_pair(study, "portland-kaohsiung", kind="cross-strait")
    round_ = make_round(study, pairs=0)
    side_labels.set_kind_label(session, study, "cn", "cross-strait", {"en": "Taiwan"})
    found = Discrepancy(round_id=round_.id, pair_id=pair.id, question_key="established", values={})
    session.add(found)
    session.flush()
    audit.record(
        session,
        "discrepancy.decide",
        study_id=study.id,
        actor_user_id=owner.id,
        object_type="discrepancy",
        object_id=str(found.id),
        details={"status": "confirmed", "values_seen": {"us": 1988, "cn": 1987}},
    )
    login(client, owner.email)
    table = text_of(client.get(f"/studies/{study.slug}/audit/")).split("<tbody>")[1]
    assert 'Taiwan <code class="key">cn</code>' in table
    assert "China" not in table


def test_audit_words_escape_what_people_typed(app):
    """XSS-04: value_words builds Markup only from literal templates whose arguments
    `format` escapes: a side label and an answer holding markup come out as text."""
    from survey.studies.audit_words import value_words

    hostile = "<img src=x onerror=alert(1)>"
    with app.test_request_context():
        shown = str(
            value_words(
                "discrepancy.decide",
                "values_seen",
                {"us": hostile, "cn": "1987"},
                sides={"us": "<script>alert(2)</script>", "cn": "China"},
            )
        )
    assert "<img" not in shown
    assert "<script" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert '&lt;script&gt;alert(2)&lt;/script&gt; <code class="key">us</code>' in shown
    assert 'China <code class="key">cn</code></span> 1987' in shown
