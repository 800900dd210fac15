"""Pages of a long table: `?page=`, `?sort=COLUMN&dir=asc|desc`, a total, links that keep filters.

One helper for every paginated, sortable table of the researcher's pages. The query
side counts the rows, orders by a whitelisted column (then by a tiebreaker, so that
pages never overlap) and fetches one page with LIMIT/OFFSET; lists already in memory
(a round's pairs, a study's members) are sorted and sliced the same way. Address
parameters are checked here: a page or sort that is not a number or a known column
raises `BadPage`, a 400 Bad Request the error pages answer; a page past the end is clamped to the
last one, so that a link kept while rows were deleted still shows something.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest

T = TypeVar("T")
PER_PAGE = 50
MAX_PAGE = 1_000_000  # far beyond any table here; keeps OFFSET arithmetic small
DIRECTIONS = ("asc", "desc")


class BadPage(BadRequest):
    """A `page`, `sort` or `dir` parameter that cannot be honoured (answered with 400)."""


@dataclass(frozen=True)
class PageRequest:
    """What the address asks for: a page number, a sort column and a direction."""

    page: int
    sort: str
    direction: str
    per_page: int = PER_PAGE


def parse(
    args: Mapping[str, str],
    columns: Sequence[str],
    default: str,
    *,
    default_direction: str = "asc",
    per_page: int = PER_PAGE,
) -> PageRequest:
    """Read `page`, `sort` and `dir` from the query string; BadPage when one is not allowed."""
    raw_page = args.get("page", "1") or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise BadPage(description="page")
    sort = args.get("sort") or default
    if sort not in columns:
        raise BadPage(description="sort")
    direction = args.get("dir") or (default_direction if sort == default else "asc")
    if direction not in DIRECTIONS:
        raise BadPage(description="dir")
    return PageRequest(int(raw_page), sort, direction, per_page)


@dataclass
class Listing(Generic[T]):
    """One page of rows with everything the table and its navigation show."""

    items: list[T]
    total: int
    request: PageRequest
    link: Callable[..., str] = field(repr=False, default=lambda **_: "")

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))

    @property
    def first(self) -> int:
        """The 1-based number of the page's first row (0 when there are none)."""
        return (self.page - 1) * self.request.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.request.per_page)

    def url(self, **changes: Any) -> str:
        """This listing's address with `changes` (page, sort, dir); filters are kept."""
        params = {"page": self.page, "sort": self.request.sort, "dir": self.request.direction}
        params.update(changes)
        if params["page"] == 1:
            params.pop("page")
        return self.link(**params)

    def sort_url(self, column: str) -> str:
        """The address that sorts by `column`: ascending first, reversed on a second click."""
        direction = "desc" if self.is_sorted(column, "asc") else "asc"
        return self.url(page=1, sort=column, dir=direction)

    def is_sorted(self, column: str, direction: str | None = None) -> bool:
        return self.request.sort == column and direction in (None, self.request.direction)

    def aria_sort(self, column: str) -> str:
        if self.request.sort != column:
            return "none"
        return "ascending" if self.request.direction == "asc" else "descending"

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to offer: first, last and those near the current one; None is a gap."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        for number in shown:
            if out and number - (out[-1] or 0) > 1:
                out.append(None)
            out.append(number)
        return out


def clamp(request: PageRequest, total: int) -> PageRequest:
    """The request with its page moved back to the last page when it lies beyond it."""
    last = max(1, math.ceil(total / request.per_page))
    return replace(request, page=min(request.page, last))


def query_page(
    session: Session,
    statement: Select[Any],
    request: PageRequest,
    columns: Mapping[str, Any],
    *,
    tiebreak: Any,
    scalars: bool = False,
) -> tuple[list[Any], int, PageRequest]:
    """One page of `statement` ordered by the whitelisted `columns[request.sort]`, and the total."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    request = clamp(request, total or 0)
    column = columns[request.sort]
    order = column.desc() if request.direction == "desc" else column.asc()
    tie = tiebreak.desc() if request.direction == "desc" else tiebreak.asc()
    paged = (
        statement.order_by(None)
        .order_by(order, tie)
        .limit(request.per_page)
        .offset((request.page - 1) * request.per_page)
    )
    result = session.scalars(paged) if scalars else session.execute(paged)
    return list(result), total or 0, request


def list_page(
    items: Sequence[T], request: PageRequest, keys: Mapping[str, Callable[[T], Any]]
) -> tuple[list[T], int, PageRequest]:
    """One page of rows already in memory, sorted by `keys[request.sort]` (None sorts last)."""
    key = keys[request.sort]
    present = [item for item in items if key(item) is not None]
    absent = [item for item in items if key(item) is None]
    ordered = sorted(present, key=key, reverse=request.direction == "desc") + absent
    request = clamp(request, len(ordered))
    start = (request.page - 1) * request.per_page
    return ordered[start : start + request.per_page], len(ordered), request


def link_to(endpoint: str, args: Mapping[str, str], **view_args: Any) -> Callable[..., str]:
    """A `Listing.link` for `endpoint`: the current query string's filters plus the changes."""
    from flask import url_for

    kept = {k: v for k, v in args.items() if k not in ("page", "sort", "dir") and v}

    def link(**params: Any) -> str:
        return url_for(endpoint, **view_args, **{**kept, **params})

    return link
