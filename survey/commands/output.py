"""What commands print: tables for people on a terminal, plain formats for scripts, progress.

On a terminal, `--format table` (the default there) draws aligned columns with headers
and words (question texts, option and side labels, rules in words), and long work shows
a progress bar on stderr. When stdout is not a terminal (a pipe, a file, a script), the
default is `tsv`: a header row of the stable column keys, then one tab-separated line per
row — the machine format; no progress is drawn. `--format table|tsv|csv|json` chooses
explicitly. Rich (https://github.com/Textualize/rich) draws the tables and progress bars:
it measures CJK text as two columns wide, so Chinese labels stay aligned.

`SURVEY_TERMINAL=1` (or `0`) overrides the terminal detection: for tests, and for tools
that run the command in a pseudo-terminal but parse its output.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import click

TERMINAL_VARIABLE = "SURVEY_TERMINAL"
TABLE_FORMATS = ("table", "tsv", "csv", "json")


def is_terminal(stream: IO[str] | None = None) -> bool:
    """Whether `stream` (stdout by default) is a person's terminal."""
    forced = os.environ.get(TERMINAL_VARIABLE)
    if forced in ("0", "1"):
        return forced == "1"
    stream = stream if stream is not None else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def format_option(choices: Sequence[str] = TABLE_FORMATS, machine: str = "tsv"):  # noqa: ANN201
    """`--format`: `table` on a terminal, `machine` otherwise, unless given."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=None,
        help=f"Output format (default: table on a terminal, {machine} otherwise).",
        metavar="|".join(choices),
    )


def chosen(fmt: str | None, machine: str = "tsv") -> str:
    """The format to print: the one given, else table on a terminal, else `machine`."""
    if fmt:
        return fmt
    return "table" if is_terminal() else machine


@dataclass(frozen=True)
class Column:
    """A column: its stable key (machine formats), its header and cell text on a terminal."""

    key: str
    header: str
    numeric: bool = False
    show: Callable[[dict[str, Any]], str] | None = None  # the words shown for a row

    def cell(self, row: dict[str, Any]) -> str:
        """The text shown in the table for `row`."""
        if self.show is not None:
            return self.show(row)
        return text(row.get(self.key))


def text(value: Any) -> str:
    """A cell as plain text: empty for None, codes joined with ';', 3 decimals for floats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list | tuple):
        return ";".join(text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def emit(
    rows: list[dict[str, Any]],
    columns: Sequence[Column],
    fmt: str,
    *,
    records: Any = None,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Print `rows` in `fmt`; json prints `records` when given (the command's JSON shape)."""
    if fmt == "json":
        click.echo(json.dumps(rows if records is None else records, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        from survey.exports_safety import safe_cell

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([c.key for c in columns])
        writer.writerows([safe_cell(text(row.get(c.key))) for c in columns] for row in rows)
    elif fmt == "tsv":
        click.echo("\t".join(c.key for c in columns))
        for row in rows:
            click.echo("\t".join(_one_line(text(row.get(c.key))) for c in columns))
    else:
        table(rows, columns, title=title, caption=caption)


def _one_line(value: str) -> str:
    return " ".join(value.split()) if any(ch in value for ch in "\t\r\n") else value


def console(stderr: bool = False):  # noqa: ANN201
    """A rich Console on click's stream; plain (no colour, no wrapping) off a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    terminal = is_terminal(stream if stderr else None)
    if terminal:
        return Console(file=stream, force_terminal=True, highlight=False)
    return Console(file=stream, force_terminal=False, no_color=True, highlight=False, width=10_000)


def table(
    rows: list[dict[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Aligned columns with a header row; numbers right-aligned; a row count below."""
    from rich import box
    from rich.table import Table

    out = console()
    cells = [[_escape(column.cell(row)) for column in columns] for row in rows]
    grid = Table(
        leading=1 if any("\n" in cell for line in cells for cell in line) else 0,
        box=box.SIMPLE_HEAD,
        title=title,
        title_justify="left",
        caption=caption if caption is not None else _count(len(rows)),
        caption_justify="left",
        header_style="bold",
        pad_edge=False,
        show_edge=False,
    )
    for column in columns:
        grid.add_column(
            column.header,
            justify="right" if column.numeric else "left",
            overflow="fold",
            no_wrap=False,
        )
    for line in cells:
        grid.add_row(*line)
    out.print(grid)


def _count(n: int) -> str:
    return "1 row" if n == 1 else f"{n} rows"


def _escape(value: str) -> str:
    from rich.markup import escape

    return escape(value)


@contextlib.contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr while the block runs, on a terminal only.

    Yields `advance(n)`; off a terminal it does nothing, so scripts' output stays clean.
    """
    stream = sys.stderr
    if not is_terminal(stream):
        yield lambda n=1: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    parts = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    if total is not None:
        parts.append(MofNCompleteColumn())
    parts.append(TimeElapsedColumn())
    with Progress(*parts, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance
        if total is not None:
            bar.update(task, completed=total)
