"""`query`, `export` and `report`: the database out, as rows, Parquet or the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from analyzer.cli.base import (
    chosen_format,
    db_option,
    db_path,
    format_options,
    report_options,
    wide_option,
)
from analyzer.cli.imports import default_report
from analyzer.cli.output import print_rows
from analyzer.errors import shown


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the report [default: beside the database, DB.html].",
)
@report_options
@db_option
@click.pass_context
def report(ctx: click.Context, out: Path | None, period: str | None, lang: str, mask: bool) -> None:
    """Write the HTML report from the database as it is (exit 6 for a period without data)."""
    from analyzer.api import write_report

    db = db_path(ctx)
    if period:
        from analyzer.cli.checks import check_period_has_data

        check_period_has_data(db, period)
    path = write_report(db, out or default_report(db), period=period, lang=lang, mask=mask)
    click.echo(f"Report: {shown(path)}")


@click.command()
@click.argument("sql")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    nargs=2,
    metavar="NAME VALUE",
    help="Bind $NAME in the query to VALUE, as text (repeatable): -p line +12015550123.",
)
@format_options("table", "json", "csv", "nl", "parquet")
@wide_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rows to this file instead of stdout (required for parquet).",
)
@db_option
@click.pass_context
def query(
    ctx: click.Context,
    sql: str,
    params: tuple[tuple[str, str], ...],
    wide: bool,
    out: Path | None,
    **formats: Any,
) -> None:
    """Run one read-only SQL query (tables: events, statements, findings; views: usage, ...).

    The rows are those of analyzer.open_db(DB).sql(SQL, {NAME: VALUE}); CSV cells a spreadsheet
    would run as formulas are prefixed with a quote.
    """
    from analyzer.api import check_output, run_query

    fmt = chosen_format(**formats)
    db = db_path(ctx)
    bound = dict(params) or None
    if out is not None:
        check_output(out, db)
    if fmt == "parquet":
        if out is None:
            raise click.UsageError("--format parquet writes a file: add --out FILE.parquet")
        from analyzer.api import write_query_parquet

        rows = write_query_parquet(db, sql, out, bound)
        click.echo(f"{rows} rows written to {shown(out)}", err=True)
        return
    columns, rows = run_query(db, sql, bound)
    if out is None:
        print_rows(columns, rows, fmt, wide=wide)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        print_rows(columns, rows, fmt, file=handle)
    click.echo(f"{len(rows)} rows written to {shown(out)}", err=True)


@click.command()
@click.option(
    "--parquet",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write Parquet files into (Hive layout).",
)
@click.option("--overwrite", is_flag=True, help="Replace a previous export in that folder.")
@db_option
@click.pass_context
def export(ctx: click.Context, folder: Path, overwrite: bool) -> None:
    """Export events (partitioned by line and month), statements, findings and sources.

    The folder is a Hive-partitioned dataset (events/line=.../month=.../*.parquet) that DuckDB,
    polars, Spark or Trino read directly, locally or from object storage.
    """
    from analyzer.api import export_parquet

    counts = export_parquet(db_path(ctx), folder, overwrite=overwrite)
    for name, rows in counts.items():
        click.echo(f"{rows:>9} {name:<10} {shown(folder / name)}")
