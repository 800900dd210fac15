"""`survey export` and `survey codebook`."""

from __future__ import annotations

from pathlib import Path

import click

from survey.commands import cannot_write, output_file
from survey.commands.output import progress
from survey.db import db, writing
from survey.errors import ServiceError
from survey.exports import services
from survey.rounds.cli import resolve

BUNDLES = ("none", "zip")


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
    default=None,
    help="Language of variable and value labels (sav, dta, rds; default en). "
    "For csv: a second row with the variable labels in this language.",
)
@click.option("--bom", is_flag=True, help="CSV for Excel on Windows: start with a UTF-8 BOM.")
@click.option(
    "--sides",
    default="all",
    show_default=True,
    metavar="all|any|both|SIDE",
    help="Which pairs: all; any (at least one side submitted); both (both submitted); "
    "or a side's code such as us (pairs where that side submitted).",
)
@click.option("--kind", default=None, help="Only pairs of this kind (one the round's pairs have).")
@click.option("--include-partial", is_flag=True, help="Also saved, unsubmitted answers.")
@click.option(
    "--values",
    type=click.Choice(services.VALUES),
    default="original",
    show_default=True,
    help="final: a follow-up round's answer where a side gave one (flagged in <key>_followup; "
    "the long layout names the round); original: the answers first given.",
)
@click.option(
    "--codebook",
    "codebook_fmt",
    type=click.Choice([*services.CODEBOOK_FORMATS, "none"]),
    default="html",
    show_default=True,
    help="For csv, sav, dta and rds: the bilingual codebook written beside the file as "
    "NAME.codebook.FORMAT (xlsx and json hold theirs inside).",
)
@click.option(
    "--bundle",
    type=click.Choice(BUNDLES),
    default="none",
    show_default=True,
    help="zip: write one .zip (-o) holding the data file and its codebook.",
)
@click.option(
    "--identifiers",
    is_flag=True,
    help="Include respondents' names and identifying free-text answers (needs --reason, and "
    "the owner role or the identifiers permission of --user; audited).",
)
@click.option("--reason", default=None, help="Why the identifiers are needed (audited).")
@click.option("--user", "email", default=None, help="Who exports (default: the study's owner).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def export_command(
    slug: str,
    study_slug: str | None,
    fmt: str,
    layout: str,
    lang: str | None,
    bom: bool,
    sides: str,
    kind: str | None,
    include_partial: bool,
    values: str,
    codebook_fmt: str,
    bundle: str,
    identifiers: bool,
    reason: str | None,
    email: str | None,
    output: str,
) -> None:
    """Export a round's matched data with its codebook (one snapshot; the export is audited).

    De-identified unless --identifiers: no names, no identifying free-text answers."""
    target = output_file(output)
    request = services.ExportRequest(
        fmt=fmt,
        layout=layout,
        lang=lang or "en",
        bom=bom,
        sides=_sides(sides),
        kind=kind,
        include_partial=include_partial,
        label_row=fmt == "csv" and lang is not None,
        values=values,
        identifiers=identifiers,
        reason=reason,
    )
    if bundle == "zip" and target.suffix.lower() != ".zip":
        raise click.BadParameter("with --bundle zip, give a .zip file name", param_hint="-o")
    try:
        round_ = resolve(slug, study_slug)
        user = _exporter(round_, request, email)
        db.session.rollback()  # the export reads in a snapshot transaction of its own
        with progress(f"Exporting {round_.slug} ({layout}, {fmt})"):
            if bundle == "zip":
                name = f"{target.stem}.{fmt}"
                result = services.write_bundle(db.session, round_, request, target, name)
            else:
                result = services.write(db.session, round_, request, target)
            book = _codebook(round_, request, target, codebook_fmt, bundle)
        db.session.rollback()  # end the read snapshot before writing the audit row
        with writing():
            services.record_export(db.session, round_, request, result, user=user)
            db.session.commit()
    except OSError as error:
        raise cannot_write(target, error) from error
    finally:
        db.session.rollback()
        db.session.remove()
    click.echo(f"Wrote {result.rows} rows ({result.pairs} pairs, {layout}, {fmt}) to {target}.")
    for path in result.beside:
        click.echo(f"Wrote a roster's rows to {path.name if bundle == 'zip' else path}.")
    if bundle == "zip":
        click.echo("The zip holds the data file and its bilingual codebook (HTML).")
    elif book is not None:
        click.echo(f"Wrote its bilingual codebook to {book}.")


def _exporter(round_, request: services.ExportRequest, email: str | None):  # noqa: ANN001, ANN202
    """Who exports (the audit row's actor); with --identifiers, checked for the right."""
    if not request.identifiers and email is None:
        return None
    from survey.studies import identifiers
    from survey.studies.cli import acting_user
    from survey.studies.models import Study

    study = db.session.get(Study, round_.study_id)
    user = acting_user(email, study)
    if request.identifiers:
        try:
            identifiers.check(db.session, study, user, request.reason)
        except ServiceError as error:
            raise click.ClickException(error.message) from error
    return user


def _sides(value: str) -> str:
    if value == "one":  # the old name of "any"
        click.echo(
            "Warning: --sides one is deprecated; use --sides any (pairs where at least one side "
            "submitted). The values are all, any, both or a side's code.",
            err=True,
        )
        return "any"
    return value


def _codebook(
    round_,  # noqa: ANN001
    request: services.ExportRequest,
    target: Path,
    fmt: str,
    bundle: str,
) -> Path | None:
    if fmt == "none" or bundle == "zip" or not services.needs_codebook(request.fmt):
        return None
    book = services.codebook_path(target, fmt)
    services.write_codebook(db.session, round_, fmt, book, request)
    return book


@click.command("codebook")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option("--format", "fmt", type=click.Choice(services.CODEBOOK_FORMATS), required=True)
@click.option(
    "--layout", type=click.Choice(services.LAYOUT_NAMES), default="wide", show_default=True
)
@click.option("--kind", default=None, help="Only pairs of this kind (one the round's pairs have).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def codebook_command(
    slug: str, study_slug: str | None, fmt: str, layout: str, kind: str | None, output: str
) -> None:
    """Write the bilingual codebook of a round's export layout (of one pair kind's, with --kind)."""
    target = output_file(output)
    try:
        round_ = resolve(slug, study_slug)
        count = services.write_codebook(
            db.session, round_, fmt, target, services.ExportRequest(layout=layout, kind=kind)
        )
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    except OSError as error:
        raise cannot_write(target, error) from error
    finally:
        db.session.rollback()
        db.session.remove()
    click.echo(f"Wrote the codebook ({count} variables) to {target}.")
