"""The small CSV downloads outside the export layer, spreadsheet-safe (INJ-02).

One rule for every CSV the service writes: `core.formulas.neutralise`, as in the exports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

from survey.core.formulas import neutralise


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe; others as is."""
    return neutralise(value) if isinstance(value, str) else value


def csv_download(
    header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str, *, bom: bool = True
) -> Response:
    """A small CSV attachment (UTF-8, with a BOM for Excel unless `bom=False`), every cell
    formula-safe, not cached."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return Response(
        ("\ufeff" if bom else "") + buffer.getvalue(),
        mimetype="text/csv",  # werkzeug adds "; charset=utf-8"
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
