"""The database handle: short-lived read-only connections, or one held for a ``with`` block."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.api.filters import Day, Lines, _as_list, _date_range, _findings_query, _where
from analyzer.errors import AnalyzerError
from analyzer.paths import FILE_NAME_SQL, path_text
from analyzer.store import DEFAULT_DB
from analyzer.store import open_db as _open_connection

if TYPE_CHECKING:
    from collections.abc import Iterator

    import duckdb


def path_of(db: str | Path | Database) -> Path:
    """The file behind a path or a :class:`Database` handle: every function takes either."""
    return db.path if isinstance(db, Database) else Path(db)


@contextmanager
def connection(
    db: str | Path | Database = DEFAULT_DB, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is closed when the block ends (releasing the file lock), or the one a
    handle holds in its ``with`` block when that one can serve (opening costs a tenth of a
    second; a writable one serves readers too), which stays open."""
    if isinstance(db, Database) and db.held is not None and (read_only or not db.read_only):
        yield db.held
        return
    con = _open_connection(path_of(db), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


# Statement types that only read; DESCRIBE, SHOW, SUMMARIZE, VALUES and FROM-first are SELECTs.
_READING = {"SELECT", "EXPLAIN"}


def check_reading_statement(sql: str) -> None:
    """Refuse anything but exactly one reading statement, judged by DuckDB's own parser."""
    import duckdb

    from analyzer.duck import private_connection

    try:
        statements = private_connection().extract_statements(sql)
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


def open_db(path: str | Path | Database = DEFAULT_DB, *, read_only: bool = True) -> Database:
    """A handle on an analyzer database; checks now that it exists and is readable."""
    database = Database(path_of(path), read_only=read_only)
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

    @property
    def held(self) -> duckdb.DuckDBPyConnection | None:
        """The connection of the ``with`` block in progress, if any."""
        return self._held

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
            from analyzer.duck import private_connection

            self._memory = private_connection()
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
            where = f"(src.path = ? OR {FILE_NAME_SQL.format('src.path')} = ?)"
            args = [path_text(file)] * 2
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
