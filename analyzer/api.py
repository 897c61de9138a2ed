"""The Python API: what the CLI does, callable from a notebook or a script.

DuckDB lets one process write a database file while no other process has it open, so a notebook
that keeps a connection would lock the CLI out. Everything here therefore opens a short-lived
connection and closes it before returning; ``with open_db(path) as db:`` keeps one connection for
a block when that is wanted (lazy relations, large results).

    db = analyzer.open_db("usage.duckdb")
    db.daily(line="+12015550123", period="2026-10").df()
    db.sql("SELECT kind, sum(amount) FROM usage WHERE currency = ? GROUP BY kind", ["USD"]).pl()

Every method returns a DuckDB relation: ``.df()`` (pandas), ``.pl()`` (polars),
``.to_arrow_table()`` (pyarrow), ``.fetchall()`` (tuples). In DuckDB 2.0 ``.arrow()`` returns a
streaming ``RecordBatchReader``, not a table (and keeps the connection busy until drained): use
``.to_arrow_table()``. Money stays exact in ``.pl()``, Arrow and ``.fetchall()``; ``.df()`` turns
DECIMAL into pandas floats, fine for charts, not for totals. Filters are always bound
as parameters, never formatted into the SQL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.config import apply_config, find_config, load_config
from analyzer.errors import AnalyzerError, OutputClashError, shown
from analyzer.rules import parse_param_overrides, rule_failures, run_rules
from analyzer.store import DEFAULT_DB
from analyzer.store import open_db as _open_connection

if TYPE_CHECKING:
    from collections.abc import Iterator

    import duckdb

    from analyzer.importing import FileResult
    from analyzer.report import ReportData

Lines = str | Sequence[str] | None
Day = date | str | None

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_SEVERITIES = ("info", "warning", "error")
# Tables written by export_parquet, and the query behind each (events gain their partition keys).
EXPORT_TABLES: dict[str, str] = {
    "events": """
        SELECT e.* EXCLUDE (raw), CAST(e.raw AS VARCHAR) AS raw,
               e.event_id IN (SELECT event_id FROM usage) AS in_usage,
               strftime(coalesce(e.started_at, s.period_start), '%Y-%m') AS month
        FROM events e LEFT JOIN statements s USING (statement_id)
        ORDER BY e.line, month, e.started_at, e.event_id
    """,
    "statements": "SELECT * EXCLUDE (extra), CAST(extra AS VARCHAR) AS extra FROM statements "
    "ORDER BY statement_id",
    "findings": "SELECT * FROM findings ORDER BY finding_id",
    "sources": "SELECT * FROM sources ORDER BY source_id",
}


@contextmanager
def connection(
    db: str | Path = DEFAULT_DB, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is closed when the block ends (releasing the file lock)."""
    con = _open_connection(db, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


# Statement types that only read; DESCRIBE, SHOW, SUMMARIZE, VALUES and FROM-first are SELECTs.
_READING = {"SELECT", "EXPLAIN"}


def check_reading_statement(sql: str) -> None:
    """Refuse anything but exactly one reading statement, judged by DuckDB's own parser."""
    import duckdb

    try:
        statements = duckdb.connect(":memory:").extract_statements(sql)
    except duckdb.Error as exc:
        raise AnalyzerError(f"the query failed: {str(exc).splitlines()[0]}") from exc
    if not statements:
        raise AnalyzerError("the query is empty: give one SELECT statement")
    if len(statements) > 1:
        raise AnalyzerError(
            f"the query holds {len(statements)} statements; run one at a time "
            "(a query is exactly one SELECT)"
        )
    kind = statements[0].type.name
    if kind not in _READING:
        kind = "INSTALL or LOAD" if kind == "LOAD" else kind.replace("_", " ")
        raise AnalyzerError(
            f"{kind} statements are refused: a query is read-only and reads this database "
            "only (use SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN)"
        )


def reading_only(con: duckdb.DuckDBPyConnection) -> None:
    """No file but the database, no network, and no way to change these settings back."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def open_db(path: str | Path = DEFAULT_DB, *, read_only: bool = True) -> Database:
    """A handle on an analyzer database; checks now that it exists and is readable."""
    database = Database(path, read_only=read_only)
    with connection(database.path, read_only=read_only):
        pass
    return database


class Database:
    """Queries over one database file, each on its own short-lived connection by default.

    Outside a ``with`` block a result is fetched into memory and the file is closed before the
    method returns, so the CLI can write the database between two cells. Inside ``with db:`` one
    connection stays open and results are lazy relations on it (they stream; nothing is copied).
    """

    def __init__(self, path: str | Path = DEFAULT_DB, *, read_only: bool = True) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._held: duckdb.DuckDBPyConnection | None = None
        self._memory: duckdb.DuckDBPyConnection | None = None

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        state = ", open" if self._held is not None else ""
        return f"<analyzer.Database {str(self.path)!r} {mode}{state}>"

    def __enter__(self) -> Database:
        if self._held is not None:
            raise AnalyzerError(f"{self.path} is already open in a 'with' block; use that one")
        self._held = _open_connection(self.path, read_only=self.read_only)
        if self.read_only:
            reading_only(self._held)
        return self

    def __exit__(self, *exc: object) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.close()

    def sql(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run SQL with ``?`` (or ``$name``) parameters; returns a DuckDB relation.

        On a read-only handle (the default) the SQL is one reading statement and can touch
        nothing but this database: no other file, no network, no settings.
        """
        import duckdb

        try:
            if self.read_only:
                check_reading_statement(query)
            if self._held is not None:
                return self._held.sql(query, params=params)
            with connection(self.path, read_only=self.read_only) as con:
                if self.read_only:
                    reading_only(con)
                table = con.sql(query, params=params).to_arrow_table()
        except duckdb.Error as exc:
            raise AnalyzerError(f"the query failed: {str(exc).splitlines()[0]}") from exc
        if self._memory is None:
            self._memory = duckdb.connect(
                config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
            )
        return self._memory.from_arrow(table)

    def events(
        self,
        line: Lines = None,
        period: str | None = None,
        *,
        start: Day = None,
        end: Day = None,
        kind: Lines = None,
    ) -> Any:
        """Every imported event, overlapping copies included (see ``usage`` for one per event)."""
        return self._dated_rows("events", line, period, start, end, kind)

    def usage(
        self,
        line: Lines = None,
        period: str | None = None,
        *,
        start: Day = None,
        end: Day = None,
        kind: Lines = None,
    ) -> Any:
        """Events with overlapping exports collapsed: what the rules and the report count."""
        return self._dated_rows("usage", line, period, start, end, kind)

    def daily(
        self,
        line: Lines = None,
        period: str | None = None,
        *,
        start: Day = None,
        end: Day = None,
        kind: Lines = None,
    ) -> Any:
        """Per line, day, kind, unit and currency: events, quantity and amount (``daily_usage``)."""
        where, args = _where(line=line, kind=kind)
        first, last = _date_range(period, start, end)
        if first:
            where.append("day BETWEEN ? AND ?")
            args += [first, last]
        return self.sql(
            f"SELECT * FROM daily_usage WHERE {' AND '.join(where)} ORDER BY line, day, kind",
            args,
        )

    def monthly(
        self,
        line: Lines = None,
        period: str | None = None,
        *,
        start: Day = None,
        end: Day = None,
        kind: Lines = None,
    ) -> Any:
        """Per line, month, kind and currency: items and amount charged (``monthly_charges``)."""
        where, args = _where(line=line, kind=kind)
        first, last = _date_range(period, start, end)
        if first:
            where.append("month BETWEEN strftime(?, '%Y-%m') AND strftime(?, '%Y-%m')")
            args += [first, last]
        return self.sql(
            f"SELECT * FROM monthly_charges WHERE {' AND '.join(where)} "
            "ORDER BY line, month, kind, currency",
            args,
        )

    def roaming(
        self, line: Lines = None, period: str | None = None, *, start: Day = None, end: Day = None
    ) -> Any:
        """Per line, day and visited country: events, data and networks (``roaming_days``)."""
        where, args = _where(line=line)
        first, last = _date_range(period, start, end)
        if first:
            where.append("day BETWEEN ? AND ?")
            args += [first, last]
        return self.sql(
            f"SELECT * FROM roaming_days WHERE {' AND '.join(where)} ORDER BY line, day, country",
            args,
        )

    def statements(
        self,
        line: Lines = None,
        period: str | None = None,
        *,
        start: Day = None,
        end: Day = None,
        carrier: str | None = None,
    ) -> Any:
        """Bill-level facts as printed, with the file they came from; periods overlapping."""
        where, args = ["TRUE"], []
        if line is not None:
            where.append("list_has_any(s.lines, ?::VARCHAR[])")
            args.append(_as_list(line))
        if carrier is not None:
            where.append("s.carrier = ?")
            args.append(carrier)
        first, last = _date_range(period, start, end)
        if first:
            where.append("s.period_start <= ? AND coalesce(s.period_end, s.period_start) >= ?")
            args += [last, first]
        return self.sql(
            f"""
            SELECT s.*, src.path
            FROM statements s JOIN sources src USING (source_id)
            WHERE {" AND ".join(where)}
            ORDER BY s.period_start, s.carrier, s.statement_id
            """,
            args,
        )

    def findings(
        self,
        line: Lines = None,
        period: str | None = None,
        *,
        start: Day = None,
        end: Day = None,
        rule: Lines = None,
        severity: str | None = None,
    ) -> Any:
        """Findings overlapping the period, at or above ``severity``, with their evidence."""
        query, args = _findings_query(line, period, start, end, rule, severity)
        return self.sql(query, args)

    def rejects(self, file: str | None = None) -> Any:
        """Rows that could not be read, with the file, page/row and the reason."""
        where, args = "TRUE", []
        if file is not None:
            where = "(src.path = ? OR regexp_extract(src.path, '[^/\\\\]+$') = ?)"
            args = [file, file]
        return self.sql(
            f"""
            SELECT src.path, r.page, r."row", r.reason, r.raw
            FROM rejects r JOIN sources src USING (source_id)
            WHERE {where}
            ORDER BY src.path, r.page, r."row"
            """,
            args,
        )

    def sources(self) -> Any:
        """Every file seen: status (ok, partial, failed), counts and the error if any."""
        return self.sql("SELECT * FROM sources ORDER BY path")

    def _dated_rows(
        self, table: str, line: Lines, period: str | None, start: Day, end: Day, kind: Lines
    ) -> Any:
        where, args = _where(line=line, kind=kind, prefix="e.")
        first, last = _date_range(period, start, end)
        if first:
            # Undated charges (plan fees, taxes) belong to their statement's period.
            where.append("coalesce(CAST(e.started_at AS DATE), s.period_start) BETWEEN ? AND ?")
            args += [first, last]
        return self.sql(
            f"""
            SELECT e.* FROM {table} e LEFT JOIN statements s USING (statement_id)
            WHERE {" AND ".join(where)}
            ORDER BY e.line, e.started_at, e.event_id
            """,
            args,
        )


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _where(prefix: str = "", **filters: Lines) -> tuple[list[str], list[Any]]:
    """``column IN (...)`` for each filter given, as SQL with parameters."""
    where, args = ["TRUE"], []
    for column, value in filters.items():
        if value is not None:
            where.append(f"list_contains(?::VARCHAR[], {prefix}{column})")
            args.append(_as_list(value))
    return where, args


def _date_range(period: str | None, start: Day, end: Day) -> tuple[date | None, date | None]:
    """A month ("2026-10") or start/end dates (inclusive) as a pair of dates."""
    if period is not None:
        if start is not None or end is not None:
            raise AnalyzerError("give either a period or start/end dates, not both")
        match = _PERIOD.match(str(period))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise AnalyzerError(f"period {period!r}: write it as YYYY-MM, e.g. 2026-10")
        first = date(int(match.group(1)), int(match.group(2)), 1)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first, following - timedelta(days=1)
    if start is None and end is None:
        return None, None
    return _day(start, "start") or date.min, _day(end, "end") or date.max


def _day(value: Day, name: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise AnalyzerError(f"{name} {value!r}: write dates as YYYY-MM-DD") from None


def _findings_query(
    line: Lines,
    period: str | None,
    start: Day,
    end: Day,
    rule: Lines,
    severity: str | None,
) -> tuple[str, list[Any]]:
    where, args = _where(prefix="f.", line=line, rule=rule)
    if severity is not None:
        if severity not in _SEVERITIES:
            raise AnalyzerError(f"severity {severity!r}: use one of {', '.join(_SEVERITIES)}")
        where.append(
            "list_position(['info', 'warning', 'error'], f.severity) >= "
            "list_position(['info', 'warning', 'error'], ?)"
        )
        args.append(severity)
    first, last = _date_range(period, start, end)
    if first:
        where.append("f.period_start <= ? AND coalesce(f.period_end, f.period_start) >= ?")
        args += [last, first]
    query = f"""
        SELECT f.rule, f.severity, f.title, f.line, f.period_start, f.period_end,
               f.amount_at_stake, f.currency, f.observed, f.expected, f.detail, f.event_ids,
               (SELECT string_agg(format('{{}}{{}}{{}}', e.path,
                        CASE WHEN e.page IS NOT NULL THEN ' page ' || e.page ELSE '' END,
                        CASE WHEN e."row" IS NOT NULL THEN ' row ' || e."row" ELSE '' END), '; '
                        ORDER BY e.event_id)
                FROM finding_evidence e WHERE e.finding_id = f.finding_id) AS evidence
        FROM findings f
        WHERE {" AND ".join(where)}
        ORDER BY f.rule, f.line, f.period_start
    """
    return query, args


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
    period: str | None = None,
    lang: str = "en",
    mask: bool = False,
    skip_if_unchanged: bool = False,
) -> dict[str, Any]:
    """Apply analyzer.toml, run every rule, and write the report when ``out`` is given.

    With ``skip_if_unchanged``, nothing is redone when the database, its files, settings, rules
    and report options are those of the last run and the report at ``out`` is byte for byte the
    one that run wrote (``unchanged`` is then True). An output that would overwrite the
    database or an input is refused first.
    """
    config_file = find_config(folder, config_path)
    config = load_config(config_file)
    overrides = {k: dict(v) for k, v in config.rule_params.items()}
    for rule_id, values in parse_param_overrides(list(params)).items():
        overrides.setdefault(rule_id, {}).update(values)
    if out is not None:
        check_output(out, db, _inputs(folder, config_file))
    with connection(db) as con:
        options = [Path(db), out, period, lang, mask]
        fingerprint = _run_fingerprint(con, config_file, overrides, options)
        recorded = dict(
            con.execute(
                "SELECT key, value FROM meta WHERE key IN ('last_run', 'last_report')"
            ).fetchall()
        )
        unchanged = (
            skip_if_unchanged
            and out is not None
            and recorded.get("last_run") == fingerprint
            and recorded.get("last_report") == _file_digest(out)
        )
        if not unchanged:
            apply_config(con, config)
            run_rules(con, overrides)
        failures = [failure.message for failure in rule_failures(con)]
        counts = dict(con.sql("SELECT severity, count(*) FROM findings GROUP BY ALL").fetchall())
        events = con.sql("SELECT count(*) FROM usage").fetchall()[0][0]
        report_path = out
        if out is not None and not unchanged:
            report_path = save_report(build_report(con, period=period, lang=lang, mask=mask), out)
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('last_run', ?), ('last_report', ?)",
                [fingerprint, _file_digest(out)],
            )
    return {
        "findings": counts,
        "events": events,
        "report": report_path,
        "unchanged": unchanged,
        "rule_failures": failures,
    }


def _inputs(folder: Path | None, config_file: Path | None) -> list[Path]:
    """The files a run reads: the bills under ``folder`` and its settings file."""
    from analyzer.importing import discover

    found = discover([folder])[0] if folder is not None else []
    return [*found, *([config_file] if config_file else [])]


def _file_digest(path: Path) -> str | None:
    """The sha256 of the report as written, so a report replaced since then is not 'current'."""
    from analyzer.store import sha256_of

    try:
        return sha256_of(path)
    except OSError:
        return None


def _run_fingerprint(
    con: duckdb.DuckDBPyConnection,
    config_file: Path | None,
    overrides: dict[str, dict[str, Any]],
    report_options: list[Any],
) -> str:
    """What a run's findings and report depend on: the database and its files (sha256),
    settings, rules, report options (output path included) and the analyzer's version."""
    import hashlib
    import json
    from importlib import metadata

    from analyzer.rules import load_rules

    sources = con.sql("SELECT list(sha256 || status ORDER BY sha256) FROM sources").fetchall()
    state = {
        "version": metadata.version("usage-analyzer"),
        "sources": sources[0][0],
        "config": config_file.read_text("utf-8") if config_file else None,
        "overrides": overrides,
        "rules": [rule.sql for rule in load_rules()],
        "report": [str(Path(o).resolve()) if isinstance(o, Path) else o for o in report_options],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def build_report(
    con: duckdb.DuckDBPyConnection,
    period: str | None = None,
    lang: str = "en",
    mask: bool = False,
) -> ReportData:
    """The report's data (charts, tables) from an open connection; ``.save_html(path)``."""
    from analyzer.report import build

    return build(con, period=period, lang=lang, mask=mask)


def write_report(
    db: str | Path, out: Path, period: str | None = None, lang: str = "en", mask: bool = False
) -> Path:
    """Write the HTML report for the database as it is."""
    check_output(out, db)
    with connection(db, read_only=True) as con:
        return save_report(build_report(con, period=period, lang=lang, mask=mask), out)


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
    """Findings with evidence (file, page/row), filtered; the rows ``analyzer findings`` prints."""
    query, args = _findings_query(lines or None, period, None, None, rules or None, severity)
    with connection(db, read_only=True) as con:
        relation = con.sql(
            f"""
            SELECT rule, severity, line, period_start, period_end, amount_at_stake, currency,
                   observed, expected, detail, evidence
            FROM ({query})
            """,
            params=args,
        )
        return list(relation.columns), relation.fetchall()


def run_query(
    db: str | Path, sql: str, params: Sequence[Any] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One query on a read-only connection (it cannot change the database): columns and rows."""
    with Database(db) as database:
        relation = database.sql(sql, params)
        return list(relation.columns), relation.fetchall()


def write_query_parquet(
    db: str | Path, sql: str, out: str | Path, params: Sequence[Any] | None = None
) -> int:
    """Write one read-only query's rows to a Parquet file (streamed); return the row count.

    The query's connection may not write files, so the batches are written here with pyarrow.
    """
    import duckdb
    import pyarrow.parquet as pq

    target = Path(out)
    check_output(target, db)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with Database(db) as database:
        relation = database.sql(sql, params)
        try:
            reader = relation.to_arrow_reader()
            with pq.ParquetWriter(str(target), reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
                    rows += batch.num_rows
        except duckdb.Error as exc:
            target.unlink(missing_ok=True)
            raise AnalyzerError(f"the query failed: {str(exc).splitlines()[0]}") from exc
    return rows


def _same_file(a: Path, b: Path) -> bool:
    """One file under two names: equal paths, symbolic links, or hard links (device, inode)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        first, second = a.stat(), b.stat()
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def check_output(
    out: str | Path, db: str | Path, inputs: Sequence[Path] = (), *, folder: bool = False
) -> None:
    """Refuse an output that would overwrite the database, its write-ahead log or an input.

    A ``folder`` output is refused when the database or an input lies inside it, since an
    export with --overwrite replaces what it finds there.
    """
    target = Path(out)
    protected = [(Path(db), "the database")]
    protected += [(Path(f"{db}.wal"), "the database's write-ahead log")]
    protected += [(Path(os.path.realpath(db) + ".wal"), "the database's write-ahead log")]
    protected += [(Path(p), "the input file") for p in inputs]
    for path, what in protected:
        inside = folder and _inside(path, target)
        if _same_file(target, path) or inside:
            named = "" if what.startswith("the database") else f" {shown(path)}"
            where = f"holds {what}" if inside else f"is {what}"
            raise OutputClashError(
                f"refusing to write to {shown(target)}: it {where}{named}; "
                "choose another output path"
            )


def _inside(path: Path, folder: Path) -> bool:
    real = Path(os.path.realpath(path))
    return Path(os.path.realpath(folder)) in real.parents


def export_parquet(
    db: str | Path, folder: str | Path, *, overwrite: bool = False
) -> dict[str, int]:
    """Write events (Hive-partitioned by line and month), statements, findings and sources.

    Layout: ``events/line=<line>/month=<YYYY-MM>/*.parquet`` (line URL-encoded, ``+`` as
    ``%2B``; the partition columns are also kept inside the files, as text), and
    ``statements/``, ``findings/``, ``sources/`` with one file each. Returns rows per table.
    """
    target = Path(folder)
    for name in EXPORT_TABLES:
        check_output(target / name, db, folder=True)
    if target.exists() and not target.is_dir():
        raise AnalyzerError(f"{target} is a file; give a folder to export into")
    if not overwrite:
        taken = [name for name in EXPORT_TABLES if (target / name).exists()]
        if taken:
            raise AnalyzerError(
                f"{target / taken[0]} already exists; choose another folder or pass --overwrite"
            )
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with connection(db, read_only=True) as con:
        for name, query in EXPORT_TABLES.items():
            options = ["FORMAT parquet"] + (["OVERWRITE"] if overwrite else [])
            destination = target / name
            if name == "events":
                options += ["PARTITION_BY (line, month)", "WRITE_PARTITION_COLUMNS true"]
            else:
                destination.mkdir(exist_ok=True)
                destination = destination / f"{name}.parquet"
            # A path cannot be a bound parameter in COPY: quote it as an SQL string literal.
            literal = "'" + str(destination).replace("'", "''") + "'"
            written = con.execute(f"COPY ({query}) TO {literal} ({', '.join(options)})")
            counts[name] = int(written.fetchall()[0][0])
    return counts
