"""Pairs pages: list, pair, create/edit, respondents, upload/download, interviewer assignment."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

import survey.studies.pair_views  # noqa: F401  (registers the routes before the app is built)
from survey.audit import AuditEntry
from survey.studies import pairs
from survey.studies.models import InterviewerAssignment, Pair, PairSide, Respondent
from tests.fixtures.web import csrf_token, login, text_of

DEMO = Path(__file__).resolve().parents[2] / "survey" / "demo" / "pairs.csv"
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"


@pytest.fixture
def study(session, make_study):
    study = make_study()
    pairs.import_pairs(session, study, DEMO)
    return study


def member(make_user, session, study, role):  # noqa: ANN001, ANN201
    """A new user with `role` in the study."""
    from survey.studies import services

    user = make_user()
    services.add_member(session, study, user.email, role)
    return user


def counts(session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Pair, PairSide, Respondent, AuditEntry)
    )


def post(client, path: str, form_page: str, data: dict | None = None, **kwargs):  # noqa: ANN201
    """POST like a browser: with the CSRF token of the page holding the form."""
    return client.post(
        path, data={"csrf_token": csrf_token(client, form_page), **(data or {})}, **kwargs
    )


# ---------------------------------------------------------------- who sees what


def test_a_researcher_sees_both_sides_places_organisations_and_contacts(
    client, session, make_user, study
):
    login(client, member(make_user, session, study, "researcher").email)
    page = text_of(client.get(f"/studies/{study.slug}/pairs/"))
    assert "37 pairs" in page
    assert '<th scope="row"><a href="/studies/' in page
    assert "Boulder" in page
    assert "拉萨" in page
    assert "拉萨市外事办公室" in page
    assert "Ellen Marsh" in page
    assert "e.marsh@example.org" in page
    assert "+1-303-555-0111" in page


@pytest.mark.parametrize("role", ["viewer", "interviewer"])
def test_viewers_and_interviewers_see_pairs_but_no_emails_or_phones(
    client, session, make_user, study, role
):
    login(client, member(make_user, session, study, role).email)
    listing = text_of(client.get(f"/studies/{study.slug}/pairs/"))
    pair = text_of(client.get(f"/studies/{study.slug}/pairs/boulder-lhasa/"))
    for page in (listing, pair):
        assert "Ellen Marsh" in page
        assert "e.marsh@example.org" not in page
        assert "zhaxi.ciren@example.com" not in page
        assert "555-0111" not in page
        assert "Upload a pairs file" not in page
        assert "/edit" not in page


def test_the_list_filters_by_kind_and_searches_code_and_places(client, session, make_user, study):
    login(client, member(make_user, session, study, "viewer").email)
    base = f"/studies/{study.slug}/pairs/"
    states = text_of(client.get(base + "?kind=state"))
    assert "3 pairs" in states
    assert "boulder-lhasa" not in states
    assert "3 pairs" not in text_of(client.get(base + "?kind=city"))
    assert "1 pairs" in text_of(client.get(base + "?q=LHASA"))
    assert "boulder-lhasa" in text_of(client.get(base + "?q=拉萨"))
    assert "No pairs match." in text_of(client.get(base + "?q=%25"))  # a LIKE wildcard is text


def test_the_pair_page_shows_both_sides_and_their_respondents(client, session, make_user, study):
    login(client, member(make_user, session, study, "researcher").email)
    page = text_of(client.get(f"/studies/{study.slug}/pairs/boulder-lhasa/"))
    heading = page.split('<h1 class="govuk-heading-l">')[1].split("</h1>")[0]
    assert "Boulder – Lhasa" in heading  # both places, as people name the pair
    assert '<code class="key">boulder-lhasa</code>' in heading  # the code small beside them
    assert "扎西次仁" in page
    assert "zhaxi.ciren@example.com" in page
    assert "Add a respondent for" in page
    assert client.get(f"/studies/{study.slug}/pairs/no-such-pair/").status_code == 404


def urls(study, respondent_id: int, user_id: int) -> list[tuple[str, str]]:
    """Every pairs and members URL, with its method."""
    base = f"/studies/{study.slug}"
    return [
        ("GET", f"{base}/pairs/"),
        ("GET", f"{base}/pairs/boulder-lhasa/"),
        ("GET", f"{base}/pairs/new"),
        ("POST", f"{base}/pairs/new"),
        ("GET", f"{base}/pairs/boulder-lhasa/edit"),
        ("POST", f"{base}/pairs/boulder-lhasa/edit"),
        ("POST", f"{base}/pairs/import"),
        ("POST", f"{base}/pairs/export"),
        ("GET", f"{base}/pairs/boulder-lhasa/us/respondents/new"),
        ("POST", f"{base}/pairs/boulder-lhasa/us/respondents/new"),
        ("GET", f"{base}/pairs/boulder-lhasa/respondents/{respondent_id}/edit"),
        ("POST", f"{base}/pairs/boulder-lhasa/respondents/{respondent_id}/edit"),
        ("POST", f"{base}/pairs/boulder-lhasa/interviewers"),
        ("POST", f"{base}/pairs/boulder-lhasa/interviewers/{user_id}/remove"),
        ("GET", f"{base}/members/"),
        ("POST", f"{base}/members/add"),
        ("POST", f"{base}/members/{user_id}/role"),
        ("POST", f"{base}/members/{user_id}/remove"),
    ]


def _ids(session, study, user) -> tuple[int, int]:
    pair = pairs.get_pair(session, study, "boulder-lhasa")
    respondent = pairs.primary_respondent(pairs.get_pair_side(pair, study, "us"))
    return respondent.id, user.id


def test_a_member_of_another_study_gets_404_on_every_url(client, session, make_user, study):
    outsider = make_user()
    pairs.import_pairs(session, _other_study(session, outsider), DEMO)
    target_owner = session.get(type(outsider), study.created_by_id)
    login(client, outsider.email)
    token = csrf_token(client, "/")
    before = counts(session)
    for method, url in urls(study, *_ids(session, study, target_owner)):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, url)
        assert "Ellen Marsh" not in text_of(response), url
        assert "拉萨" not in text_of(response), url
    assert counts(session) == before


def _other_study(session, owner):  # noqa: ANN001, ANN202
    from survey.studies import services

    return services.create_study(
        session, "other-study", [("us", "en"), ("cn", "zh-Hans")], owner=owner
    )


@pytest.mark.parametrize("role", ["viewer", "interviewer"])
def test_viewers_and_interviewers_may_not_change_anything(client, session, make_user, study, role):
    user = member(make_user, session, study, role)
    login(client, user.email)
    token = csrf_token(client, f"/studies/{study.slug}/members/")
    before = counts(session)
    for method, url in urls(study, *_ids(session, study, user)):
        if method == "GET" and not url.endswith(("/new", "/edit")):
            continue
        response = client.open(url, method=method, data={"csrf_token": token, "role": "owner"})
        assert response.status_code == 403, (method, url)
    assert counts(session) == before


def test_a_post_without_csrf_token_is_400(client, session, make_user, study):
    login(client, member(make_user, session, study, "owner").email)
    before = counts(session)
    response = client.post(f"/studies/{study.slug}/pairs/new", data={"code": "x-y"})
    assert response.status_code == 400
    response = client.post(
        f"/studies/{study.slug}/pairs/import",
        data={"file": (io.BytesIO(DEMO.read_bytes()), "pairs.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert counts(session) == before


# ---------------------------------------------------------------- create and edit


def test_a_researcher_creates_a_pair_with_both_places(client, session, make_user, study):
    login(client, member(make_user, session, study, "researcher").email)
    form = f"/studies/{study.slug}/pairs/new"
    response = post(
        client,
        form,
        form,
        {
            "code": "tucson-kunming",
            "kind": "city",
            "established": "2001",
            "sides-0-place_en": "Tucson",
            "sides-0-region": "Arizona",
            "sides-1-place_en": "Kunming",
            "sides-1-place_zh": "昆明",
            "study_id": "999",
        },
    )
    assert response.status_code == 302
    pair = pairs.get_pair(session, study, "tucson-kunming")
    assert (pair.study_id, pair.kind, pair.established) == (study.id, "city", 2001)
    assert pairs.get_pair_side(pair, study, "cn").place_zh == "昆明"
    assert "Pair tucson-kunming created." in text_of(client.get(response.headers["Location"]))


def test_a_bad_or_taken_pair_code_is_shown_on_the_form(client, session, make_user, study):
    login(client, member(make_user, session, study, "researcher").email)
    form = f"/studies/{study.slug}/pairs/new"
    taken = text_of(post(client, form, form, {"code": "boulder-lhasa"}))
    assert "This study already has a pair boulder-lhasa." in taken
    bad = text_of(post(client, form, form, {"code": "<b>Bad Code</b>"}))
    assert "&lt;b&gt;Bad Code&lt;/b&gt; is not a pair code" in bad
    assert "<b>Bad Code" not in bad
    breaking = text_of(post(client, form, form, {"code": "x-y", "sides-1-place_en": "a\r\nb"}))
    assert "Line breaks are not allowed here." in breaking
    assert 'aria-invalid="true"' in breaking


def test_editing_a_pair_changes_it_in_place_and_is_audited(client, session, make_user, study):
    login(client, member(make_user, session, study, "researcher").email)
    pair = pairs.get_pair(session, study, "boulder-lhasa")
    page = f"/studies/{study.slug}/pairs/boulder-lhasa/edit"
    assert 'value="Boulder"' in text_of(client.get(page))
    data = {"code": "boulder-lhasa", "kind": "city", "established": "1988"}
    for index, side in enumerate(study.sides):
        ps = pairs.get_pair_side(pair, study, side.code)
        data |= {f"sides-{index}-{c}": getattr(ps, c) for c in pairs.PLACE_COLUMNS}
    data["sides-0-region"] = "CO"
    assert post(client, page, page, data).status_code == 302
    session.expire_all()
    assert pairs.get_pair(session, study, "boulder-lhasa").id == pair.id
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "pair.update"
    assert entry.details["changes"] == {
        "established": [1987, 1988],
        "us.region": ["Colorado", "CO"],
    }


# ---------------------------------------------------------------- respondents


def test_respondents_are_added_and_one_is_primary(client, session, make_user, study):
    login(client, member(make_user, session, study, "researcher").email)
    form = f"/studies/{study.slug}/pairs/boulder-lhasa/us/respondents/new"
    data = {"name": "Ruth Kim", "email": "R.Kim@EXAMPLE.org", "language": "en", "is_primary": "y"}
    assert post(client, form, form, {**data, "pair_side_id": "1"}).status_code == 302
    side = pairs.get_pair_side(pairs.get_pair(session, study, "boulder-lhasa"), study, "us")
    by_name = {r.name: r for r in side.respondents}
    assert by_name["Ruth Kim"].email == "R.Kim@example.org"
    assert by_name["Ruth Kim"].is_primary
    assert not by_name["Ellen Marsh"].is_primary
    assert pairs.primary_respondent(side).name == "Ruth Kim"


def test_a_respondent_is_edited_and_the_primary_cannot_just_be_unset(
    client, session, make_user, study
):
    login(client, member(make_user, session, study, "researcher").email)
    side = pairs.get_pair_side(pairs.get_pair(session, study, "boulder-lhasa"), study, "us")
    person = pairs.primary_respondent(side)
    page = f"/studies/{study.slug}/pairs/boulder-lhasa/respondents/{person.id}/edit"
    assert 'value="e.marsh@example.org"' in text_of(client.get(page))
    kept = {"name": "Ellen Marsh", "email": "e.marsh@example.org", "years_involved": "19"}
    refused = post(client, page, page, kept)
    assert "A side needs a primary respondent" in text_of(refused)
    assert post(client, page, page, {**kept, "is_primary": "y"}).status_code == 302
    assert session.get(Respondent, person.id).years_involved == 19
    bad = post(client, page, page, {**kept, "is_primary": "y", "email": "nope@"})
    assert "nope@ is not a valid e-mail address." in text_of(bad)


def test_a_researcher_sets_a_respondents_time_zone_and_a_bad_one_keeps_what_was_typed(
    client, session, make_user, study
):
    login(client, member(make_user, session, study, "researcher").email)
    side = pairs.get_pair_side(pairs.get_pair(session, study, "boulder-lhasa"), study, "cn")
    person = pairs.primary_respondent(side)
    page = f"/studies/{study.slug}/pairs/boulder-lhasa/respondents/{person.id}/edit"
    kept = {"name": person.name, "email": person.email, "is_primary": "y"}
    bad = post(client, page, page, {**kept, "timezone": "Beijing", "position": "处长"})
    assert bad.status_code == 200
    assert "Unknown time zone Beijing" in text_of(bad)
    assert 'value="Beijing"' in text_of(bad)
    assert 'value="处长"' in text_of(bad)
    session.expire_all()
    assert session.get(Respondent, person.id).timezone is None
    assert post(client, page, page, {**kept, "timezone": "asia/shanghai"}).status_code == 302
    session.expire_all()
    assert session.get(Respondent, person.id).timezone == "Asia/Shanghai"
    shown = text_of(client.get(f"/studies/{study.slug}/pairs/boulder-lhasa/"))
    assert "Asia/Shanghai" in shown
    # emptied: the side's zone applies again
    assert post(client, page, page, {**kept, "timezone": ""}).status_code == 302
    session.expire_all()
    assert session.get(Respondent, person.id).timezone is None
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "respondent.update").order_by(AuditEntry.id)
    ).all()[-2]
    assert entry.details["changes"]["timezone"] == [None, "Asia/Shanghai"]


def test_a_viewer_cannot_set_a_time_zone(client, session, make_user, study):
    login(client, member(make_user, session, study, "viewer").email)
    side = pairs.get_pair_side(pairs.get_pair(session, study, "boulder-lhasa"), study, "cn")
    person_id = pairs.primary_respondent(side).id
    page = f"/studies/{study.slug}/pairs/boulder-lhasa/respondents/{person_id}/edit"
    assert client.get(page).status_code == 403
    assert post(client, page, page, {"name": "X", "timezone": "Asia/Taipei"}).status_code == 403
    session.expire_all()
    assert session.get(Respondent, person_id).timezone is None


def test_a_respondent_of_another_pair_cannot_be_edited_through_this_one(
    client, session, make_user, study
):
    login(client, member(make_user, session, study, "researcher").email)
    other = pairs.get_pair(session, study, "portland-suzhou")
    stranger = pairs.primary_respondent(other.sides[0])
    page = f"/studies/{study.slug}/pairs/boulder-lhasa/respondents/{stranger.id}/edit"
    assert client.get(page).status_code == 404
    assert (
        client.get(f"/studies/{study.slug}/pairs/boulder-lhasa/xx/respondents/new").status_code
        == 404
    )


# ---------------------------------------------------------------- upload and download


def test_uploading_a_file_shows_the_summary(client, session, make_user, make_study):
    owner = make_user()
    study = make_study(owner=owner)
    login(client, owner.email)
    page = f"/studies/{study.slug}/pairs/"
    response = post(
        client,
        f"/studies/{study.slug}/pairs/import",
        page,
        {"file": (io.BytesIO(DEMO.read_bytes()), "pairs.csv")},
        content_type="multipart/form-data",
    )
    body = text_of(response)
    assert response.status_code == 200
    assert "Imported pairs.csv" in body
    assert "37 created, 0 updated, 0 unchanged." in body
    assert len(pairs.list_pairs(session, study)[0]) == 37


def test_uploading_a_bad_file_lists_every_problem_escaped_and_writes_nothing(
    client, session, make_user, study
):
    login(client, member(make_user, session, study, "researcher").email)
    before = counts(session)
    payload = b"pair,side,<img src=x onerror=alert(1)>\n<script>x</script>,us,a\n"
    for name, data in (
        ("several_problems.csv", (BAD / "several_problems.csv").read_bytes()),
        ("<i>x</i>.csv", payload),
    ):
        response = post(
            client,
            f"/studies/{study.slug}/pairs/import",
            f"/studies/{study.slug}/pairs/",
            {"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        body = text_of(response)
        assert "Nothing was imported" in body
        assert "<script>" not in body
        assert "<img src=x" not in body
        assert "<i>x</i>" not in body
    assert "&lt;script&gt;x&lt;/script&gt; is not a pair code" in body
    assert counts(session) == before


def test_a_dry_run_upload_changes_nothing(client, session, make_user, study):
    login(client, member(make_user, session, study, "researcher").email)
    edited = DEMO.read_text(encoding="utf-8").replace(
        "Boulder,博尔德,Colorado,", "Boulder,博尔德,CO,"
    )
    before = counts(session)
    response = post(
        client,
        f"/studies/{study.slug}/pairs/import",
        f"/studies/{study.slug}/pairs/",
        {"file": (io.BytesIO(edited.encode("gb18030")), "edited.csv"), "dry_run": "y"},
        content_type="multipart/form-data",
    )
    body = text_of(response)
    assert "Check of edited.csv: nothing was changed" in body
    assert "0 created, 1 updated, 36 unchanged." in body
    assert "<code>us.region</code>" in body
    assert counts(session) == before


def test_an_upload_that_is_not_csv_or_xlsx_is_refused_by_the_form(
    client, session, make_user, study
):
    login(client, member(make_user, session, study, "researcher").email)
    response = post(
        client,
        f"/studies/{study.slug}/pairs/import",
        f"/studies/{study.slug}/pairs/",
        {"file": (io.BytesIO(b"x"), "pairs.exe")},
        content_type="multipart/form-data",
    )
    assert "Use a .csv or .xlsx file." in text_of(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_researcher_downloads_the_pairs_file_and_it_is_audited(
    client, session, make_user, study, fmt
):
    user = member(make_user, session, study, "researcher")
    login(client, user.email)
    response = post(
        client,
        f"/studies/{study.slug}/pairs/export",
        f"/studies/{study.slug}/pairs/",
        {"format": fmt},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert f"filename={study.slug}-pairs.{fmt}" in response.headers["Content-Disposition"]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        assert len(rows) == 75
        assert "e.marsh@example.org" in rows[1]
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_user_id) == ("pairs.export", user.id)


# ---------------------------------------------------------------- interviewers


def test_an_interviewer_is_assigned_to_a_pair_and_withdrawn(client, session, make_user, study):
    login(client, member(make_user, session, study, "researcher").email)
    interviewer = member(make_user, session, study, "interviewer")
    viewer = member(make_user, session, study, "viewer")
    page = f"/studies/{study.slug}/pairs/boulder-lhasa/"
    assign = f"{page}interviewers"
    assert interviewer.email in text_of(client.get(page))  # offered in the select
    done = post(client, assign, page, {"user_id": str(interviewer.id)}, follow_redirects=True)
    assert "Interviewer assigned." in text_of(done)
    refused = post(client, assign, page, {"user_id": str(viewer.id)}, follow_redirects=True)
    assert "Only members with the interviewer role can be assigned to pairs." in text_of(refused)
    assigned = session.scalars(select(InterviewerAssignment)).all()
    assert [a.pair_id for a in assigned] == [pairs.get_pair(session, study, "boulder-lhasa").id]
    remove = f"{page}interviewers/{interviewer.id}/remove"
    assert post(client, remove, page).status_code == 302
    assert session.scalars(select(InterviewerAssignment)).all() == []
    assert post(client, remove, page).status_code == 404


def test_a_user_of_another_study_cannot_be_assigned(client, session, make_user, make_study, study):
    login(client, member(make_user, session, study, "owner").email)
    stranger = make_user()
    make_study(members={stranger: "interviewer"})
    page = f"/studies/{study.slug}/pairs/boulder-lhasa/"
    post(client, f"{page}interviewers", page, {"user_id": str(stranger.id)})
    assert session.scalars(select(InterviewerAssignment)).all() == []


def test_the_import_summary_escapes_column_names_and_values(client, session, make_user, study):
    login(client, member(make_user, session, study, "researcher").email)

    def upload(data: bytes):  # noqa: ANN202
        return text_of(
            post(
                client,
                f"/studies/{study.slug}/pairs/import",
                f"/studies/{study.slug}/pairs/",
                {"file": (io.BytesIO(data), "x.csv")},
                content_type="multipart/form-data",
            )
        )

    upload(b"pair,side,place_en,<b>col</b>\nx-y,us,A,<i>v</i>\nx-y,cn,B,\n")
    body = upload(b"pair,side,place_en,<b>col</b>\nx-y,us,<img src=x>,<i>v</i>\nx-y,cn,B,\n")
    assert "Extra columns kept as pair attributes: &lt;b&gt;col&lt;/b&gt;" in body
    assert "&lt;img src=x&gt;" in body
    assert "<img src=x>" not in body
    assert "<b>col</b>" not in body
    page = text_of(client.get(f"/studies/{study.slug}/pairs/x-y/"))
    assert "&lt;b&gt;col&lt;/b&gt;" in page
    assert "&lt;i&gt;v&lt;/i&gt;" in page
