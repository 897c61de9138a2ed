"""`import` and `run`: files in, with progress on a terminal and a summary a script can read."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analyzer.cli.base import (
    EXIT_NOTHING,
    db_argument,
    db_option,
    db_path,
    nothing,
    password_option,
    profiles_option,
    report_options,
    year_option,
)
from analyzer.errors import EXIT_OK, EXIT_PARTIAL, shown

if TYPE_CHECKING:
    from analyzer.api import Database

PROGRESS_AFTER_S = 1.0
ENCRYPTED = "it is encrypted"


def on_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal a person watches (tests replace this)."""
    return bool(getattr(stream, "isatty", lambda: False)())


class Progress:
    """A progress bar on stderr, shown only on a terminal and only once an import takes >1 s."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self.bar: Any = None

    def __call__(self, path: Path) -> None:
        if self.bar is None and self._worth_showing():
            self.bar = click.progressbar(
                length=self.total, label="Importing", file=sys.stderr, show_pos=True
            )
            self.bar.update(self.done)
        if self.bar is not None:
            self.bar.label = f"Importing {shown(path.name)[:30]:<30}"
            self.bar.update(1 if self.done else 0)
        self.done += 1

    def _worth_showing(self) -> bool:
        late = time.monotonic() - self.started > PROGRESS_AFTER_S
        return late and self.total > 1 and on_terminal(sys.stderr)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.update(self.total - self.bar.pos)
            self.bar.render_finish()


def _import(
    database: Database,
    paths: Sequence[Path],
    password: str | None,
    profiles: Sequence[Path] = (),
    year: int | None = None,
) -> list[Any]:
    """Import into ``database``, on its connection when its ``with`` block holds one."""
    from analyzer.api import connection
    from analyzer.importers import ImportOptions
    from analyzer.importing import discover, import_paths

    progress = Progress(len(discover(paths)[0]))
    try:
        with connection(database) as con:
            options = ImportOptions(password=password, year=year)
            results = import_paths(
                con, list(paths), options=options, progress=progress, profiles=list(profiles)
            )
            encrypted = [r.path for r in results if _needs_password(r)]
            if encrypted and password is None and on_terminal(sys.stdin):
                password = click.prompt(
                    f"{len(encrypted)} PDF bill(s) are encrypted; password",
                    hide_input=True,
                    err=True,
                )
                options = ImportOptions(password=password, year=year)
                again = {r.path: r for r in import_paths(con, encrypted, options=options)}
                results = [again.get(r.path, r) for r in results]
    finally:
        progress.finish()
    for result in results:
        _echo_result(result)
    return results


def _needs_password(result: Any) -> bool:
    return result.status == "failed" and ENCRYPTED in (result.reason or "")


def _echo_result(result: Any) -> None:
    detail = result.importer or ""
    if result.status in ("imported", "partial"):
        detail = f"{result.importer}: {result.events} events"
        if result.rejects:
            detail += f", {result.rejects} rejected rows"
    elif result.reason:
        detail = result.reason
    click.echo(f"{result.status:<12} {shown(result.path)}  {shown(detail)}")
    if result.warnings:
        click.echo(f"{'warning':<12} {shown(result.path)}  " + shown("; ".join(result.warnings)))


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


def _no_files(paths: Sequence[Path], results: Sequence[Any]) -> None:
    if not results:
        named = ", ".join(shown(p) for p in paths)
        nothing(f"No bill files in {named}: nothing was imported (hidden files are passed over)")


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@password_option
@profiles_option
@year_option
@db_option
@click.pass_context
def import_command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    password: str | None,
    profile_dirs: tuple[Path, ...],
    year: int | None,
) -> None:
    """Import bill files or folders (recursively) into the database."""
    from analyzer.api import Database

    results = _import(Database(db_path(), read_only=False), paths, password, profile_dirs, year)
    _no_files(paths, results)
    summary, code = _import_summary(results)
    click.echo(summary)
    ctx.exit(code)


def default_report(db: Path) -> Path:
    """The report beside its database: reports/demo.duckdb -> reports/demo.html."""
    return db.with_suffix(".html")


def next_steps(db: Path, latest_month: str | None) -> list[str]:
    """Three commands worth trying next, on this database."""
    where = db_argument(db)
    month = latest_month or "YYYY-MM"
    return [
        f"analyzer findings{where} --severity warning",
        f'analyzer query{where} "SELECT * FROM monthly_charges ORDER BY month DESC LIMIT 10"',
        f"analyzer report{where} --period {month} --out month.html",
    ]


def _latest_month(db: Database) -> str | None:
    """The last month with records or a statement, for the suggested report."""
    from analyzer.api import connection

    with connection(db, read_only=True) as con:
        return con.sql(
            """
            SELECT strftime(max(day), '%Y-%m') FROM (
                SELECT max(CAST(started_at AS DATE)) AS day FROM usage
                UNION ALL SELECT max(coalesce(period_end, period_start)) FROM statements)
            """
        ).fetchall()[0][0]


@click.command()
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
@password_option
@profiles_option
@year_option
@report_options
@db_option
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
    from analyzer.api import Database, _inputs, analyse, check_output
    from analyzer.config import find_config

    db = db_path(ctx)
    out = out or default_report(db)
    check_output(out, db, _inputs(folder, find_config(folder, config_path)))
    with Database(db, read_only=False) as database:  # one connection for every step
        results = _import(database, [folder], password, profile_dirs, year)
        _no_files([folder], results)
        summary, code = _import_summary(results)
        click.echo(summary)
        if period:
            from analyzer.cli.checks import check_period_has_data

            check_period_has_data(database, period)
        outcome = analyse(
            database,
            folder=folder,
            config_path=config_path,
            params=params,
            out=out,
            period=period,
            lang=lang,
            mask=mask,
            skip_if_unchanged=True,
        )
        _echo_outcome(outcome, db, _latest_month(database))
    ctx.exit(code)


def _echo_outcome(outcome: dict[str, Any], db: Path, latest_month: str | None) -> None:
    if outcome["unchanged"]:
        click.echo("Nothing changed since the last run: the findings and the report are current.")
    for failure in outcome["rule_failures"]:
        click.echo(f"Warning: {shown(failure)}; the other rules' findings stand", err=True)
    counts = outcome["findings"]
    click.echo(
        f"{outcome['events']} events; findings: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("error", "warning", "info"))
    )
    click.echo(f"Database: {shown(db)}")
    click.echo(f"Report: {shown(outcome['report'])}")
    click.echo("Next:")
    for command in next_steps(db, latest_month):
        click.echo(f"  {shown(command)}")


__all__ = ["EXIT_NOTHING", "default_report", "import_command", "run"]
