"""The command line: a thin click layer over the library.

Exit codes: 0 ok; 1 error; 2 usage (also an output that would overwrite an input); 3 partial
import (a file failed or had rejects); 4 database in use by another process; 5 findings at or
above --fail-on; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import click

from analyzer.errors import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    AnalyzerError,
    Interrupted,
    catching_interrupts,
    interrupt_requested,
    is_interrupt,
    shown,
)

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}
STOPPED = "nothing was changed by the step in progress: run the same command again"


class AnalyzerGroup(click.Group):
    """Turns library errors into one 'Error: ...' line and the documented exit code.

    Ctrl-C stops the command with one line and exit 130, whatever it was doing: DuckDB rolls
    back the transaction in flight, so the database holds what was committed before it.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with catching_interrupts():
                return super().invoke(ctx)
        except Interrupted as exc:
            click.echo(f"Interrupted: {exc.message}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except KeyboardInterrupt:
            click.echo(f"Interrupted: {STOPPED}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except AnalyzerError as exc:
            if interrupt_requested():  # a DuckDB query stopped by Ctrl-C, reported as a failure
                click.echo(f"Interrupted: {STOPPED}", err=True)
                ctx.exit(EXIT_INTERRUPTED)
            click.echo(f"Error: {shown(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # DuckDB's own interrupt, raised from any query
            if is_interrupt(exc) or interrupt_requested():
                click.echo(f"Interrupted: {STOPPED}", err=True)
                ctx.exit(EXIT_INTERRUPTED)
            raise


def report_options(command: Any) -> Any:
    """--period, --lang and --mask, shared by `run` and `report`."""
    command = click.option(
        "--mask",
        is_flag=True,
        help="Mask phone numbers and ICCIDs (e.g. +1 201 ••• ••23) for a report you will share.",
    )(command)
    command = click.option(
        "--lang",
        type=click.Choice(["en", "zh"]),
        default="en",
        show_default=True,
        help="Language of the report: English or Simplified Chinese.",
    )(command)
    return click.option(
        "--period",
        metavar="YYYY-MM|START..END",
        help="Only this month (2026-10) or billing cycle (2026-09-19..2026-10-18).",
    )(command)


def _progress(path: Path) -> None:
    if sys.stderr.isatty():
        click.echo(f"  reading {shown(path.name)} ...", err=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _print_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    file: IO[str] | None = None,
) -> None:
    """Rows as an aligned table, CSV (formula-safe) or JSON, to stdout or ``file``."""
    if fmt == "json":
        records = [{c: _jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2), file=file)
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
        click.echo(buffer.getvalue(), nl=False, file=file)
        return
    text = [[("" if v is None else shown(_jsonable(v))) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(columns)]
    header = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
    click.echo(header, file=file)
    for row in text:
        click.echo(
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), file=file
        )


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return _jsonable(value)
    text = str(_jsonable(value))
    if text and text[0] in "=+-@\t\r＝＋－＠":
        return "'" + text
    return text


year_option = click.option(
    "--year",
    type=click.IntRange(1990, 2100),
    help="The year of bills whose dates print none ('28. Okt'), when the file does not say.",
)
profiles_option = click.option(
    "--profiles",
    "profile_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Also this folder of TOML carrier profiles (repeatable).",
)


@click.group(cls=AnalyzerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    default="usage.duckdb",
    show_default=True,
    envvar="ANALYZER_DB",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The DuckDB database file.",
)
@click.version_option(package_name="usage-analyzer")
@click.pass_context
def cli(ctx: click.Context, db_path: Path) -> None:
    """Usage Analyzer: bills and usage exports in, one database, findings and a report out."""
    ctx.obj = {"db": db_path}


def _import(
    ctx: click.Context,
    paths: Sequence[Path],
    password: str | None,
    profiles: Sequence[Path] = (),
    year: int | None = None,
) -> list[Any]:
    from analyzer.importers import ImportOptions
    from analyzer.importing import import_paths
    from analyzer.store import open_db

    con = open_db(ctx.obj["db"])
    try:
        results = import_paths(
            con,
            list(paths),
            options=ImportOptions(password=password, year=year),
            progress=_progress,
            profiles=list(profiles),
        )
    finally:
        con.close()
    for result in results:
        detail = result.importer or ""
        if result.status in ("imported", "partial"):
            detail = f"{result.importer}: {result.events} events"
            if result.rejects:
                detail += f", {result.rejects} rejected rows"
        elif result.reason:
            detail = result.reason
        click.echo(f"{result.status:<12} {shown(result.path)}  {shown(detail)}")
        if result.warnings:
            click.echo(
                f"{'warning':<12} {shown(result.path)}  " + shown("; ".join(result.warnings))
            )
    return results


def _import_summary(results: Sequence[Any]) -> tuple[str, int]:
    by_status: dict[str, int] = {}
    for result in results:
        by_status[result.status] = by_status.get(result.status, 0) + 1
    new = by_status.get("imported", 0) + by_status.get("partial", 0)
    parts = [f"{new} new file(s) imported"]
    for status in ("partial", "skipped", "unrecognised", "failed"):
        if by_status.get(status):
            label = "already imported" if status == "skipped" else status
            parts.append(f"{by_status[status]} {label}")
    code = EXIT_PARTIAL if by_status.get("failed") or by_status.get("partial") else EXIT_OK
    return ", ".join(parts), code


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--password", help="Password for encrypted PDF bills (never stored or logged).")
@profiles_option
@year_option
@click.pass_context
def import_command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    password: str | None,
    profile_dirs: tuple[Path, ...],
    year: int | None,
) -> None:
    """Import bill files or folders (recursively) into the database."""
    results = _import(ctx, paths, password, profile_dirs, year)
    summary, code = _import_summary(results)
    click.echo(summary)
    ctx.exit(code)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the report [default: beside the database, DB.html].",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: FOLDER/analyzer.toml).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="RULE.NAME=VALUE",
    help="Override a rule parameter for this run (repeatable).",
)
@click.option("--password", help="Password for encrypted PDF bills (never stored or logged).")
@profiles_option
@year_option
@report_options
@click.pass_context
def run(
    ctx: click.Context,
    folder: Path,
    out: Path,
    config_path: Path | None,
    params: tuple[str, ...],
    password: str | None,
    profile_dirs: tuple[Path, ...],
    year: int | None,
    period: str | None,
    lang: str,
    mask: bool,
) -> None:
    """The main job: import every bill in FOLDER, run the rules, write the report."""
    from analyzer.api import _inputs, analyse, check_output
    from analyzer.config import find_config

    if period is not None:  # the report's module (pandas) loads only when it is needed
        from analyzer.report import parse_period

        parse_period(period)
    out = out or default_report(ctx.obj["db"])
    check_output(out, ctx.obj["db"], _inputs(folder, find_config(folder, config_path)))
    results = _import(ctx, [folder], password, profile_dirs, year)
    summary, code = _import_summary(results)
    click.echo(summary)
    outcome = analyse(
        ctx.obj["db"],
        folder=folder,
        config_path=config_path,
        params=params,
        out=out,
        period=period,
        lang=lang,
        mask=mask,
        skip_if_unchanged=True,
    )
    if outcome["unchanged"]:
        click.echo("Nothing changed since the last run: the findings and the report are current.")
    for failure in outcome["rule_failures"]:
        click.echo(f"Warning: {shown(failure)}; the other rules' findings stand", err=True)
    counts = outcome["findings"]
    click.echo(
        f"{outcome['events']} events; findings: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("error", "warning", "info"))
    )
    click.echo(f"Report: {shown(outcome['report'])}")
    ctx.exit(code)


@cli.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (analyzer.toml).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="RULE.NAME=VALUE",
    help="Override a rule parameter (repeatable).",
)
@click.option("--rerun/--no-rerun", default=False, help="Run the rules again before listing.")
@click.option("--rule", "rules", multiple=True, help="Only these rules (repeatable).")
@click.option("--line", "lines", multiple=True, help="Only these lines (repeatable).")
@click.option(
    "--severity",
    type=click.Choice(["info", "warning", "error"]),
    help="Only findings at or above this severity.",
)
@click.option("--period", help="Only findings overlapping this month (YYYY-MM).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--csv", "as_csv", is_flag=True, help="Same as --format csv.")
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error"]),
    help="Exit with code 5 when a finding at or above this severity exists.",
)
@click.pass_context
def findings(
    ctx: click.Context,
    config_path: Path | None,
    params: tuple[str, ...],
    rerun: bool,
    rules: tuple[str, ...],
    lines: tuple[str, ...],
    severity: str | None,
    period: str | None,
    fmt: str,
    as_json: bool,
    as_csv: bool,
    fail_on: str | None,
) -> None:
    """List findings, with their evidence and the money at stake."""
    from analyzer.api import analyse, list_findings

    if rerun or params or config_path:
        analyse(ctx.obj["db"], folder=None, config_path=config_path, params=params, out=None)
    fmt = "json" if as_json else "csv" if as_csv else fmt
    columns, rows = list_findings(
        ctx.obj["db"], rules=rules, lines=lines, severity=severity, period=period
    )
    _print_rows(columns, rows, fmt)
    if fail_on:
        index = columns.index("severity")
        if any(SEVERITY_ORDER[row[index]] >= SEVERITY_ORDER[fail_on] for row in rows):
            ctx.exit(EXIT_FINDINGS)


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the report [default: beside the database, DB.html].",
)
@report_options
@click.pass_context
def report(ctx: click.Context, out: Path | None, period: str | None, lang: str, mask: bool) -> None:
    """Write the HTML report from the database as it is."""
    from analyzer.api import write_report

    out = out or default_report(ctx.obj["db"])
    path = write_report(ctx.obj["db"], out, period=period, lang=lang, mask=mask)
    click.echo(f"Report: {shown(path)}")


def default_report(db: Path) -> Path:
    """The report beside its database: reports/demo.duckdb -> reports/demo.html."""
    return db.with_suffix(".html")


@cli.command()
@click.argument("sql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "parquet"]),
    default="table",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rows to this file instead of stdout (required for parquet).",
)
@click.pass_context
def query(ctx: click.Context, sql: str, fmt: str, as_json: bool, out: Path | None) -> None:
    """Run one read-only SQL query (tables: events, statements, findings; views: usage, ...).

    The rows are those of analyzer.open_db(DB).sql(SQL); CSV cells a spreadsheet would run as
    formulas are prefixed with a quote.
    """
    from analyzer.api import check_output, run_query

    fmt = "json" if as_json else fmt
    if out is not None:
        check_output(out, ctx.obj["db"])
    if fmt == "parquet":
        if out is None:
            raise click.UsageError("--format parquet writes a file: add --out FILE.parquet")
        from analyzer.api import write_query_parquet

        rows = write_query_parquet(ctx.obj["db"], sql, out)
        click.echo(f"{rows} rows written to {shown(out)}", err=True)
        return
    columns, rows = run_query(ctx.obj["db"], sql)
    if out is None:
        _print_rows(columns, rows, fmt)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        _print_rows(columns, rows, fmt, file=handle)
    click.echo(f"{len(rows)} rows written to {shown(out)}", err=True)


@cli.command()
@click.option(
    "--parquet",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write Parquet files into (Hive layout).",
)
@click.option("--overwrite", is_flag=True, help="Replace a previous export in that folder.")
@click.pass_context
def export(ctx: click.Context, folder: Path, overwrite: bool) -> None:
    """Export events (partitioned by line and month), statements, findings and sources.

    The folder is a Hive-partitioned dataset (events/line=.../month=.../*.parquet) that DuckDB,
    polars, Spark or Trino read directly, locally or from object storage.
    """
    from analyzer.api import export_parquet

    counts = export_parquet(ctx.obj["db"], folder, overwrite=overwrite)
    for name, rows in counts.items():
        click.echo(f"{rows:>9} {name:<10} {shown(folder / name)}")


@cli.command("rules")
@click.option("--json", "as_json", is_flag=True, help="Print the rules as JSON.")
def rules_command(as_json: bool) -> None:
    """List the rules: id, severity, title, parameters (with defaults) and what each catches."""
    from analyzer.rules import load_rules

    rows = [
        (
            r.id,
            r.severity,
            r.title,
            ", ".join(f"{k}={v}" for k, v in r.params.items()),
            r.description.split(". ")[0].rstrip(".") + ".",
        )
        for r in load_rules()
    ]
    columns = ("rule", "severity", "title", "params", "description")
    _print_rows(columns, rows, "json" if as_json else "table")


@cli.group()
def profile() -> None:
    """Carrier profiles: draft one for a new export, list and show them."""


@profile.command("init")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--date-format", help="The file's date format, e.g. %d/%m/%Y (when ambiguous).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the draft here."
)
def profile_init(file: Path, date_format: str | None, out: Path | None) -> None:
    """Draft a TOML profile for FILE (CSV, XLSX, XLS or PDF); it lists what it is unsure of."""
    from analyzer.importers.draft import draft_profile

    draft = draft_profile(file, date_format)
    text = draft.text()
    if out:
        from analyzer.api import check_output

        check_output(out, click.get_current_context().find_root().obj["db"], [file])
        out.write_text(text, encoding="utf-8")
        click.echo(f"Draft profile: {shown(out)}", err=True)
    else:
        click.echo(text, nl=False)
    if draft.unmapped:
        click.echo("Could not map: " + ", ".join(shown(u) for u in draft.unmapped), err=True)
    for key, why in draft.unsure:
        click.echo(f"Unsure: {key}: {shown(why)}", err=True)
    for name in draft.claimed_by:
        click.echo(
            f"Note: the built-in layout {name} already reads this file; a profile that also "
            "claims it makes the file ambiguous",
            err=True,
        )


def _all_importers(profile_dirs: Sequence[Path], near: Sequence[Path] = ()) -> list[Any]:
    from analyzer.importers import BUILT_IN
    from analyzer.importing import with_profiles

    return with_profiles(BUILT_IN, list(near), list(profile_dirs))


@profile.command("list")
@profiles_option
def profile_list(profile_dirs: tuple[Path, ...]) -> None:
    """List built-in layouts and the profiles found (here, the user's folder, --profiles)."""
    rows = [
        (i.name, getattr(i, "carrier", ""), str(getattr(i, "source", None) or "built-in"))
        for i in _all_importers(profile_dirs, [Path.cwd()])
    ]
    _print_rows(("name", "carrier", "source"), rows, "table")


@profile.command("show")
@click.argument("name")
@profiles_option
def profile_show(name: str, profile_dirs: tuple[Path, ...]) -> None:
    """Show one profile's TOML, or a built-in layout's declaration."""
    for importer in _all_importers(profile_dirs, [Path.cwd()]):
        if importer.name == name:
            source = getattr(importer, "source", None)
            click.echo(source.read_text(encoding="utf-8") if source else repr(importer))
            return
    raise AnalyzerError(f"no layout or profile is called {name!r}; see 'analyzer profile list'")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@profiles_option
@click.option("--events", "first", default=10, show_default=True, help="How many events to show.")
@click.option("--password", help="Password for an encrypted PDF (never stored or logged).")
@year_option
def explain(
    file: Path, profile_dirs: tuple[Path, ...], first: int, password: str | None, year: int | None
) -> None:
    """Show how FILE is read: importer, column mapping, statement, first events, rejects."""
    from dataclasses import asdict

    from analyzer.errors import UnknownFormatError
    from analyzer.importers import ImportOptions, identify

    importers = _all_importers(profile_dirs, [file])
    try:
        importer = identify(file, importers)
    except UnknownFormatError:
        from analyzer.importers import why_not_recognised

        click.echo(f"No importer or profile recognises {file.name}:")
        for name, reason in why_not_recognised(file, importers):
            click.echo(f"  {name}: {reason}")
        raise
    source = getattr(importer, "source", None)
    click.echo(
        f"Importer: {shown(importer.name)}"
        + (f" (profile {shown(source)})" if source else " (built-in)")
    )
    for index, mapping in enumerate(getattr(importer, "mappings", ())):
        label = f"  where {mapping.where}" if mapping.where else ""
        click.echo(f"Mapping {index + 1}:{label}")
        for field_name, spec in mapping.fields.items():
            click.echo(f"  {field_name:<20} {spec}")
    extracted = importer.extract(file, ImportOptions(password=password, trace=True, year=year))
    trace = extracted.detail.get("trace")
    if trace:
        click.echo("Text lines (page:line, what took it, context):")
        for page, number, text, taken, context in trace:
            values = ", ".join(f"{k}={v}" for k, v in context.items() if v)
            click.echo(
                f"  {page}:{number:<4} {taken:<28} {shown(text[:90])}"
                + (f"  [{shown(values)}]" if values else "")
            )
    for index, statement in enumerate(extracted.statements):
        click.echo(f"Statement {index + 1}:")
        for key, value in asdict(statement).items():
            if value not in (None, (), {}, []):
                click.echo(f"  {key:<20} {shown(_jsonable(value))}")
    counts = extracted.counts()
    click.echo("Counts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    from analyzer.importers.profile_warnings import profile_warnings

    for warning in profile_warnings(importer, extracted):
        click.echo(f"Warning: {warning}")
    if "unmatched_lines" in extracted.detail:
        click.echo(
            f"Text lines no pattern took: {extracted.detail['unmatched_lines']} "
            f"(unreadable: {extracted.detail['unreadable_lines']})"
        )
    events = extracted.events.slice(0, first).to_pylist()
    if events:
        click.echo(f"First {len(events)} events:")
        columns = [c for c in events[0] if c not in ("raw", "statement_index")]
        _print_rows(columns, [[e[c] for c in columns] for e in events], "table")
    rejects = extracted.rejects.to_pylist()
    click.echo(f"Rejects: {len(rejects)}")
    for reject in rejects:
        where = f"page {reject['page']}, " if reject["page"] is not None else ""
        click.echo(f"  {where}row {reject['row']}: {shown(reject['reason'])}")
    if rejects:  # as `import` would say: the file imports only in part
        sys.exit(EXIT_PARTIAL)


def main() -> None:
    """Console entry point."""
    cli(prog_name="analyzer")
