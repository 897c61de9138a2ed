"""The Python API: what the CLI does, callable from a notebook or a script.

Every function opens a short-lived connection and closes it, so a notebook never keeps the
database locked against the CLI (DuckDB allows one writing process per file).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.config import apply_config, find_config, load_config
from analyzer.rules import parse_param_overrides, run_rules
from analyzer.store import DEFAULT_DB, open_db

if TYPE_CHECKING:
    from collections.abc import Iterator

    import duckdb

    from analyzer.importing import FileResult
    from analyzer.report import ReportData


@contextmanager
def connection(
    db: str | Path = DEFAULT_DB, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is closed when the block ends (releasing the file lock)."""
    con = open_db(db, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def import_paths(db: str | Path, paths: Sequence[str | Path], **options: Any) -> list[FileResult]:
    """Import bill files or folders; one result per file (imported, skipped, failed...)."""
    from analyzer.importers import ImportOptions
    from analyzer.importing import import_paths as _import_paths

    with connection(db) as con:
        return _import_paths(con, [Path(p) for p in paths], options=ImportOptions(**options))


def analyse(
    db: str | Path,
    *,
    folder: Path | None,
    config_path: Path | None = None,
    params: Sequence[str] = (),
    out: Path | None = None,
) -> dict[str, Any]:
    """Apply analyzer.toml, run every rule, and write the report when ``out`` is given."""
    config = load_config(find_config(folder, config_path))
    overrides = {k: dict(v) for k, v in config.rule_params.items()}
    for rule_id, values in parse_param_overrides(list(params)).items():
        overrides.setdefault(rule_id, {}).update(values)
    with connection(db) as con:
        apply_config(con, config)
        run_rules(con, overrides)
        counts = dict(con.sql("SELECT severity, count(*) FROM findings GROUP BY ALL").fetchall())
        events = con.sql("SELECT count(*) FROM usage").fetchall()[0][0]
        report_path = None
        if out is not None:
            report_path = save_report(build_report(con), out)
    return {"findings": counts, "events": events, "report": report_path}


def build_report(con: duckdb.DuckDBPyConnection) -> ReportData:
    """The report's data (charts, tables) from an open connection; ``.save_html(path)``."""
    from analyzer.report import build

    return build(con)


def write_report(db: str | Path, out: Path) -> Path:
    """Write the HTML report for the database as it is."""
    with connection(db, read_only=True) as con:
        return save_report(build_report(con), out)


def save_report(data: ReportData, out: Path) -> Path:
    """Write the report; an unwritable folder or a full disk is a clear error, not a traceback."""
    from analyzer.errors import AnalyzerError

    try:
        return data.save_html(out)
    except OSError as exc:
        if out.is_file() and exc.filename is None:
            out.unlink(missing_ok=True)  # a half-written report would mislead
        raise AnalyzerError(
            f"cannot write the report to {out}: {exc.strerror or exc}; "
            "pass --out with a folder you can write to (and free some disk space)"
        ) from exc


def list_findings(
    db: str | Path,
    *,
    rules: Sequence[str] = (),
    lines: Sequence[str] = (),
    severity: str | None = None,
    period: str | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Findings with evidence (file, page/row), filtered; parameterised SQL only."""
    where, args = ["TRUE"], []
    if rules:
        where.append("f.rule IN (SELECT unnest(?))")
        args.append(list(rules))
    if lines:
        where.append("f.line IN (SELECT unnest(?))")
        args.append(list(lines))
    if severity:
        where.append(
            "list_position(['info', 'warning', 'error'], f.severity) >= "
            "list_position(['info', 'warning', 'error'], ?)"
        )
        args.append(severity)
    if period:
        where.append(
            "f.period_start <= last_day(strptime(? || '-01', '%Y-%m-%d')) AND "
            "coalesce(f.period_end, f.period_start) >= strptime(? || '-01', '%Y-%m-%d')"
        )
        args.extend([period, period])
    sql = f"""
        SELECT f.rule, f.severity, f.line, f.period_start, f.period_end, f.amount_at_stake,
               f.currency, f.observed, f.expected, f.detail,
               (SELECT string_agg(format('{{}}{{}}{{}}', e.path,
                        CASE WHEN e.page IS NOT NULL THEN ' page ' || e.page ELSE '' END,
                        CASE WHEN e."row" IS NOT NULL THEN ' row ' || e."row" ELSE '' END), '; '
                        ORDER BY e.event_id)
                FROM finding_evidence e WHERE e.finding_id = f.finding_id) AS evidence
        FROM findings f
        WHERE {" AND ".join(where)}
        ORDER BY f.rule, f.line, f.period_start
    """
    with connection(db, read_only=True) as con:
        result = con.execute(sql, args)
        columns = [d[0] for d in result.description]
        return columns, result.fetchall()


def run_query(
    db: str | Path, sql: str, params: Sequence[Any] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One query on a read-only connection: it cannot change the database."""
    import duckdb

    from analyzer.errors import AnalyzerError

    with connection(db, read_only=True) as con:
        try:
            result = con.execute(sql, params or [])
        except duckdb.Error as exc:
            raise AnalyzerError(f"the query failed: {str(exc).splitlines()[0]}") from exc
        columns = [d[0] for d in result.description] if result.description else []
        return columns, result.fetchall()
