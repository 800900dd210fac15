"""`survey pairs …` commands: import, export, list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from survey.commands import output_file, transactional
from survey.commands.output import Column, chosen, emit, format_option, progress
from survey.db import db
from survey.studies import pairs
from survey.studies.cli import LANGUAGES, in_language, resolve_study
from survey.studies.models import Pair, Study


@click.group("pairs", cls=AppGroup)
def pairs_group() -> None:
    """Pairs files: import, export, list."""


def known_encoding(value: str | None) -> str | None:
    """An encoding Python knows, or a usage error naming it."""
    import codecs

    if value is not None:
        try:
            codecs.lookup(value)
        except LookupError:
            raise click.BadParameter(
                f"unknown encoding {value!r} (for example utf-8, gb18030, big5, cp1252)"
            ) from None
    return value


@pairs_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--study", "study_slug", required=True, help="The study's slug.")
@click.option(
    "--encoding",
    default=None,
    callback=lambda _ctx, _param, value: known_encoding(value),
    help="Encoding of a CSV (default: UTF-8, else GB18030).",
)
@click.option("--dry-run", is_flag=True, help="Check and show the changes; write nothing.")
@transactional
def import_(file: str, study_slug: str, encoding: str | None, dry_run: bool) -> None:
    """Import a .csv or .xlsx pairs file: all or nothing, every problem reported (exit 1)."""
    study = resolve_study(study_slug)
    try:
        with progress(f"Importing {Path(file).name}"):
            report = pairs.import_pairs(db.session, study, file, encoding=encoding, dry_run=dry_run)
    except pairs.PairsImportError as error:
        for problem in error.problems:
            click.echo(_located(file, problem), err=True)
        click.echo(f"{file}: nothing was imported ({len(error.problems)} problems).", err=True)
        raise SystemExit(1) from error
    for line in _report_lines(file, report):
        click.echo(line)


def _located(file: str, problem: pairs.RowProblem) -> str:
    """`FILE:ROW: column: message` (no row for problems of the whole file)."""
    where = f"{file}:{problem.row}" if problem.row is not None else file
    column = f" {problem.column}:" if problem.column else ""
    return f"{where}:{column} {problem.message}"


def _report_lines(file: str, report: pairs.PairsImportReport) -> list[str]:
    prefix = "Dry run, nothing written: " if report.dry_run else ""
    lines = [f"{prefix}{file}: {report.summary()}."]
    if report.kept_columns:
        lines.append("Extra columns kept as pair attributes: " + ", ".join(report.kept_columns))
    for code in report.created:
        lines.append(f"  created {code}")
    for code, changes in report.updated.items():
        lines.append(f"  updated {code}: " + "; ".join(str(c) for c in changes))
    if report.not_in_file:
        lines.append(
            f"{len(report.not_in_file)} pairs of the study are not in the file (left as they "
            "were): " + ", ".join(report.not_in_file)
        )
    return lines


@pairs_group.command("export")
@click.option("--study", "study_slug", required=True, help="The study's slug.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="FILE.csv or FILE.xlsx; the extension chooses the format.",
)
@click.option("--bom/--no-bom", default=True, help="Start a CSV with a UTF-8 BOM (for Excel).")
@transactional
def export(study_slug: str, output: str, bom: bool) -> None:
    """Write the pairs file (one row per side, the primary respondents) as CSV or XLSX."""
    fmt = Path(output).suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise click.BadParameter("give a .csv or .xlsx file name", param_hint="--output")
    output_file(output)
    study = resolve_study(study_slug)
    rows = pairs.export_pairs(db.session, study)
    Path(output).write_bytes(pairs.pairs_file(rows, fmt, bom=bom))
    click.echo(f"Wrote {len(rows)} rows ({len({r['pair'] for r in rows})} pairs) to {output}.")


@pairs_group.command("list")
@click.option("--study", "study_slug", required=True, help="The study's slug.")
@format_option(("table", "tsv", "json"))
@click.option("--lang", type=LANGUAGES, default="en", show_default=True, help="Side labels in.")
def list_(study_slug: str, fmt: str | None, lang: str) -> None:
    """List the study's pairs with both sides' places and primary respondents."""
    study = resolve_study(study_slug)
    found, _total = pairs.list_pairs(db.session, study, per_page=10**9)
    records = [_record(study, pair) for pair in found]
    fmt = chosen(fmt)
    if fmt == "json":
        emit(records, [], fmt)
        return
    rows = [
        {
            "pair": r["pair"],
            "kind": r["kind"],
            "established": r["established"],
            **{
                f"place_{code}": f"{side['place_en']} {side['place_zh']}".strip()
                for code, side in r["sides"].items()
            },
        }
        for r in records
    ]
    columns = [
        Column("pair", "Pair"),
        Column("kind", "Kind"),
        Column("established", "Established", numeric=True),
        *(Column(f"place_{s.code}", in_language(s.label, lang) or s.code) for s in study.sides),
    ]
    emit(rows, columns, fmt, title=f"Pairs of {study.slug}")


def _record(study: Study, pair: Pair) -> dict[str, Any]:
    by_side = {ps.side_id: ps for ps in pair.sides}
    sides = {}
    for side in study.sides:
        pair_side = by_side.get(side.id)
        if pair_side is None:
            continue
        person = pairs.primary_respondent(pair_side)
        sides[side.code] = {
            **{column: getattr(pair_side, column) for column in pairs.PLACE_COLUMNS},
            "respondent": None
            if person is None
            else {"name": person.name, "email": person.email, "language": person.language},
        }
    return {
        "pair": pair.code,
        "kind": pair.kind,
        "established": pair.established,
        "attributes": pair.attributes or {},
        "sides": sides,
    }
