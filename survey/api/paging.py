"""Cursor pagination: an opaque cursor, a `Link: <...>; rel="next"` header and a total.

The cursor carries the position after the page and the filters it was made under, so a
cursor used with other filters is refused (400) instead of paging another list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from flask import request
from flask_babel import gettext as _

from survey.api.problems import Problem


def _filters() -> str:
    kept = sorted((k, v) for k, v in request.args.items(multi=True) if k not in {"cursor"})
    return hashlib.sha256(json.dumps([request.path, kept]).encode()).hexdigest()[:12]


def state_of(cursor: str | None) -> dict[str, Any] | None:
    """What a cursor carries (None: the first page); 400 for a cursor that is not ours or
    was made for other filters."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found = json.loads(raw)
        offset, filters = int(found["o"]), str(found["f"])
        if not isinstance(found, dict) or offset < 0 or filters != _filters():
            raise ValueError(cursor)
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise Problem(400, "bad_cursor", _("This cursor is not valid.")) from None
    return found


def offset_of(cursor: str | None) -> int:
    """Where the page starts."""
    found = state_of(cursor)
    return int(found["o"]) if found else 0


def cursor_at(offset: int, **more: Any) -> str:
    """A cursor for the position `offset` (and what else the list needs to go on there)."""
    raw = json.dumps({"o": offset, "f": _filters(), **more}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def page(
    items: Sequence[Any], total: int, offset: int, limit: int, **more: Any
) -> tuple[dict, dict]:
    """The page's body fields (`items`, `total`, `next_cursor`) and its `Link` header."""
    after = offset + len(items)
    next_cursor = cursor_at(after, **more) if after < total else None
    headers = {"X-Total-Count": str(total)}
    if next_cursor is not None:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        args["cursor"] = next_cursor
        query = "&".join(f"{k}={_quote(v)}" for k, v in args.items())
        headers["Link"] = f'<{request.base_url}?{query}>; rel="next"'
    return {"items": list(items), "total": total, "next_cursor": next_cursor}, headers


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
