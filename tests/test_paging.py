"""The paging helper: address parameters, page arithmetic, sorting in SQL and in memory."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.accounts.models import User
from survey.paging import BadPage, Listing, PageRequest, list_page, parse, query_page

COLUMNS = ("name", "count")


def test_parse_reads_page_sort_and_direction():
    assert parse({}, COLUMNS, "name") == PageRequest(1, "name", "asc")
    assert parse({"page": "3", "sort": "count", "dir": "desc"}, COLUMNS, "name") == PageRequest(
        3, "count", "desc"
    )
    assert parse({}, COLUMNS, "count", default_direction="desc").direction == "desc"
    assert parse({"sort": "name"}, COLUMNS, "count", default_direction="desc").direction == "asc"


@pytest.mark.parametrize(
    "args",
    [
        {"page": "x"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1.5"},
        {"page": "99999999999999999999"},
        {"sort": "password"},
        {"sort": "name; drop table users"},
        {"dir": "sideways"},
    ],
)
def test_parse_refuses_what_it_cannot_honour(args):
    with pytest.raises(BadPage) as raised:
        parse(args, COLUMNS, "name")
    assert raised.value.code == 400


def _listing(total: int, page: int, per_page: int = 50) -> Listing:
    return Listing(
        [],
        total,
        PageRequest(page, "name", "asc", per_page),
        link=lambda **p: repr(sorted(p.items())),
    )


def test_listing_counts_like_a_person_reads():
    listing = _listing(151, 2)
    assert (listing.first, listing.last, listing.pages) == (51, 100, 4)
    assert (_listing(151, 4).first, _listing(151, 4).last) == (151, 151)
    assert (_listing(0, 1).first, _listing(0, 1).last, _listing(0, 1).pages) == (0, 0, 1)


def test_listing_offers_nearby_pages_with_gaps():
    assert _listing(1000, 10, 10).window() == [1, None, 8, 9, 10, 11, 12, None, 100]
    assert _listing(30, 1, 10).window() == [1, 2, 3]


def test_listing_links_keep_sort_and_reverse_on_second_click():
    listing = _listing(151, 2)
    assert listing.url(page=3) == repr([("dir", "asc"), ("page", 3), ("sort", "name")])
    assert "page" not in listing.url(page=1)
    assert listing.sort_url("name") == repr([("dir", "desc"), ("sort", "name")])
    assert listing.sort_url("count") == repr([("dir", "asc"), ("sort", "count")])
    assert listing.aria_sort("name") == "ascending"
    assert listing.aria_sort("count") == "none"


def test_list_page_sorts_slices_and_clamps():
    rows = [{"name": n, "count": c} for n, c in [("b", 2), ("a", None), ("c", 1), ("d", 3)]]
    keys = {"name": lambda r: r["name"], "count": lambda r: r["count"]}
    items, total, request = list_page(rows, PageRequest(1, "count", "desc", 2), keys)
    assert [r["name"] for r in items] == ["d", "b"]
    assert total == 4
    items, _, request = list_page(rows, PageRequest(9, "count", "asc", 2), keys)
    assert request.page == 2
    assert [r["name"] for r in items] == ["d", "a"]  # None sorts last


def test_query_page_counts_orders_and_pages_in_sql(session, make_user):
    made = [make_user(email=f"page-{n:02d}@example.org") for n in range(7)]
    statement = select(User).where(User.email.like("page-%"))
    columns = {"email": User.email}
    items, total, request = query_page(
        session,
        statement,
        PageRequest(2, "email", "desc", 3),
        columns,
        tiebreak=User.id,
        scalars=True,
    )
    assert total == 7
    assert request.page == 2
    assert [u.email for u in items] == [made[n].email for n in (3, 2, 1)]
    items, _, request = query_page(
        session,
        statement,
        PageRequest(50, "email", "asc", 3),
        columns,
        tiebreak=User.id,
        scalars=True,
    )
    assert request.page == 3
    assert [u.email for u in items] == [made[6].email]
