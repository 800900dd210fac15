"""CSV: the rows streamed as UTF-8 text (with a BOM for Excel when asked), formula-safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from survey.core.formulas import neutralise
from survey.exports.dataset import Dataset
from survey.exports.writers.cells import text_batches
from survey.exports.writers.targets import Target, text_target


def write_csv(
    dataset: Dataset, target: Target, *, bom: bool = False, labels: str | None = None
) -> int:
    """RFC 4180 CSV in UTF-8 (with a BOM for Excel when asked); returns the row count.

    With `labels` (a language), a second row holds the variable labels in that language."""
    table = dataset.table("csv")
    count = 0
    with text_target(target) as stream:
        if bom:
            stream.write("\ufeff")
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow([neutralise(v.name) for v in table.variables])
        if labels:
            writer.writerow([neutralise(v.label_in(labels)) for v in table.variables])
        for batch in text_batches(table):
            writer.writerows(batch)
            count += len(batch)
    return count


def iter_csv(dataset: Dataset, *, bom: bool = False) -> Iterator[bytes]:
    """The CSV of `write_csv` as UTF-8 chunks, for a streamed HTTP response."""
    table = dataset.table("csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff" if bom else "")
    writer.writerow([neutralise(v.name) for v in table.variables])
    for batch in text_batches(table):
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
