"""What commands print: tables for people on a terminal, plain formats for scripts, progress.

On a terminal, `--format table` (the default there) draws aligned columns with headers
and words (question texts, option and side labels, rules in words), and long work shows
a progress bar on stderr. When stdout is not a terminal (a pipe, a file, a script), the
default is `tsv`: a header row of the stable column keys, then one tab-separated line per
row — the machine format; no progress is drawn. `--format table|tsv|csv|json` chooses
explicitly. Rich (https://github.com/Textualize/rich) draws the tables and progress bars:
it measures CJK text as two columns wide, so Chinese labels stay aligned. A table never
splits a word to fit the terminal: codes, numbers and dates keep one line, columns of words
wrap at spaces (Chinese between characters); when even that is too wide, each row is drawn
as "header  value" lines (`layout`).

`SURVEY_TERMINAL=1` (or `0`) overrides the terminal detection: for tests, and for tools
that run the command in a pseudo-terminal but parse its output.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
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
    """A column: its stable key (machine formats), its header and cell text on a terminal.

    `wrap`: whether the column's cells may wrap onto more lines, at spaces only. By default
    a column of words (a cell with a space in it) wraps and one of codes, numbers or dates
    never does: those keep their line and set the column's width.
    """

    key: str
    header: str
    numeric: bool = False
    show: Callable[[dict[str, Any]], str] | None = None  # the words shown for a row
    wrap: bool | None = None

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
    out = console()
    out.print(layout(rows, columns, out.width, title=title, caption=caption))


def layout(
    rows: list[dict[str, Any]],
    columns: Sequence[Column],
    width: int,
    *,
    title: str | None = None,
    caption: str | None = None,
) -> Any:  # noqa: ANN401  (a rich renderable)
    """The table for a terminal `width` columns wide, never splitting a word.

    Codes, numbers and dates keep one line and their full width; only columns of words wrap,
    at spaces, down to their longest word (a Chinese character is a word of its own). When
    even that does not fit, each row is drawn as a list of "header  value" lines instead.
    """
    from rich import box
    from rich.table import Table

    cells = [[column.cell(row) for column in columns] for row in rows]
    fits = _widths(columns, cells, width - 2 * (len(columns) - 1))
    if fits is None:
        return _records(columns, cells, width, title, caption if caption else _count(len(rows)))
    wraps = any(
        "\n" in cell or _cell_len(cell) > fits[n] for line in cells for n, cell in enumerate(line)
    )
    grid = Table(
        leading=1 if wraps else 0,
        box=box.SIMPLE_HEAD,
        title=title,
        title_justify="left",
        caption=caption if caption is not None else _count(len(rows)),
        caption_justify="left",
        header_style="bold",
        padding=(0, 1, 0, 0),  # two spaces between columns: this one and the separator
        pad_edge=False,
        show_edge=False,
    )
    for column, size in zip(columns, fits, strict=True):
        grid.add_column(
            _wrap(column.header, size),
            justify="right" if column.numeric else "left",
            width=size,
            no_wrap=True,
        )
    for line in cells:
        grid.add_row(*(_escape(_wrap(cell, size)) for cell, size in zip(line, fits, strict=True)))
    return grid


def _wrap(value: str, width: int) -> str:
    """`value` broken into lines of at most `width` columns between words, never inside one.

    Rich would fold a run of Chinese with digits in it ("2004至2008年间") anywhere, digits
    included; lines are broken here instead, and the table only draws them.
    """
    lines = []
    for paragraph in value.split("\n"):
        line, used = "", 0
        for match in _SPACED_WORD.finditer(paragraph):
            gap, word = (" " if match[1] and line else ""), match[2]
            size = _cell_len(word)
            if line and used + len(gap) + size > width:
                lines.append(line)
                line, used = word, size
            else:
                line, used = line + gap + word, used + len(gap) + size
        lines.append(line)
    return "\n".join(lines)


def _widths(columns: Sequence[Column], cells: list[list[str]], room: int) -> list[int] | None:
    """Each column's width within `room`, or None when words would have to be split."""
    widest, least, longest = [], [], []
    for n, column in enumerate(columns):
        values = [line[n] for line in cells]
        longest.append([_cell_len(w) for w in _words(max(values, key=_cell_len, default=""))])
        full = max([_cell_len(column.header), *(_cell_len(v) for v in values)])
        header_word = max(_cell_len(word) for word in _words(column.header) or [""])
        if _wraps(column, cells, n):
            shortest = max(
                [header_word, *(max(map(_cell_len, _words(v)), default=0) for v in values)]
            )
        else:  # a header may wrap at its spaces ("in progress"), its codes or numbers never
            shortest = max([header_word, *(_cell_len(v) for v in values)])
        widest.append(full)
        least.append(shortest)
    if sum(least) > room:
        return None
    sizes = list(least)
    for _ in range(room - sum(sizes)):  # each spare column to the words now on the most lines
        short = [n for n in range(len(sizes)) if sizes[n] < widest[n]]
        if not short:
            break
        n = max(short, key=lambda i: (_lines(longest[i], sizes[i]), widest[i] - sizes[i]))
        sizes[n] += 1
    return sizes


def _lines(words: list[int], width: int) -> int:
    """How many lines words of these widths take when wrapped at spaces to `width`."""
    lines, used = 1, -1
    for word in words:
        if used + 1 + word > width and used > 0:
            lines, used = lines + 1, word
        else:
            used += 1 + word
    return lines


def _records(
    columns: Sequence[Column], cells: list[list[str]], width: int, title: str | None, caption: str
) -> Any:  # noqa: ANN401
    """Too wide for the terminal: each row as "header  value" lines, rows apart."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    heads = max(_cell_len(c.header) for c in columns)
    parts: list[Any] = [Text(title, style="bold")] if title else []
    for line in cells:
        record = Table.grid(padding=(0, 2))
        record.add_column(style="bold", no_wrap=True, width=heads)
        room = max(1, width - heads - 2)
        record.add_column(no_wrap=True, width=room)
        for column, cell in zip(columns, line, strict=True):
            record.add_row(column.header, Text(_wrap(cell, room)))
        parts += [record, Text("")]
    parts.append(Text(caption))
    return Group(*parts)


_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"  # CJK characters, kana, full-width forms
# Never the first thing on a line: kept with the character they close.
_CLOSING = "，。、；：？！）」』】》〉"
_WORD = re.compile(f"[{_CJK}][{_CLOSING}]*|[^\\s{_CJK}]+")
_SPACED_WORD = re.compile(f"(\\s*)({_WORD.pattern})")


def _words(value: str) -> list[str]:
    """The runs a line may not break inside: words between spaces, or one CJK character."""
    return _WORD.findall(value)


def _wraps(column: Column, cells: list[list[str]], n: int) -> bool:
    if column.wrap is not None:
        return column.wrap
    return not column.numeric and any(" " in line[n].strip() for line in cells)


def _cell_len(value: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(part) for part in value.split("\n")), default=0)


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
