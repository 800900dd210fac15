"""`survey export` and `survey codebook`."""

from __future__ import annotations

import click

from survey.db import db, writing
from survey.errors import ServiceError
from survey.exports import services
from survey.rounds.cli import resolve


def _request(
    fmt: str, layout: str, lang: str, bom: bool, sides: str, kind: str | None, include_partial: bool
) -> services.ExportRequest:
    return services.ExportRequest(
        fmt=fmt,
        layout=layout,
        lang=lang,
        bom=bom,
        sides=sides,
        kind=kind,
        include_partial=include_partial,
    )


@click.command("export")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option("--format", "fmt", type=click.Choice(services.FORMATS), required=True)
@click.option(
    "--layout", type=click.Choice(services.LAYOUT_NAMES), default="wide", show_default=True
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh-Hans", "zh-Hant"]),
    default="en",
    show_default=True,
    help="Language of variable and value labels.",
)
@click.option("--bom", is_flag=True, help="CSV for Excel on Windows: start with a UTF-8 BOM.")
@click.option(
    "--sides",
    type=click.Choice(services.SIDE_FILTERS),
    default="any",
    show_default=True,
    help="Pairs: all, both sides submitted, or at least one.",
)
@click.option("--kind", default=None, help="Only pairs of this kind.")
@click.option("--include-partial", is_flag=True, help="Also saved, unsubmitted answers.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def export_command(
    slug: str,
    study_slug: str | None,
    fmt: str,
    layout: str,
    lang: str,
    bom: bool,
    sides: str,
    kind: str | None,
    include_partial: bool,
    output: str,
) -> None:
    """Export a round's matched data (reads one snapshot; the export is audited)."""
    request = _request(fmt, layout, lang, bom, sides, kind, include_partial)
    try:
        round_ = resolve(slug, study_slug)
        db.session.rollback()  # the export reads in a snapshot transaction of its own
        with click.progressbar(length=1, label=f"Exporting {slug}", file=None) as bar:
            result = services.write(db.session, round_, request, output)
            bar.update(1)
        db.session.rollback()  # end the read snapshot before writing the audit row
        with writing():
            services.record_export(db.session, round_, request, result, user=None)
            db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    finally:
        db.session.remove()
    click.echo(f"Wrote {result.rows} rows ({result.pairs} pairs, {layout}, {fmt}) to {output}.")


@click.command("codebook")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "html"]), required=True)
@click.option(
    "--layout", type=click.Choice(services.LAYOUT_NAMES), default="wide", show_default=True
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def codebook_command(slug: str, study_slug: str | None, fmt: str, layout: str, output: str) -> None:
    """Write the bilingual codebook of a round's export layout."""
    try:
        round_ = resolve(slug, study_slug)
        rows = services.write_codebook(
            db.session, round_, fmt, output, services.ExportRequest(layout=layout)
        )
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    finally:
        db.session.rollback()
        db.session.remove()
    click.echo(f"Wrote the codebook ({rows} variables) to {output}.")
