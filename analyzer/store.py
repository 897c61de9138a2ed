"""Open or create the database, guard its schema version, and save one file per transaction."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analyzer.copies import resolve_copies
from analyzer.duck import database_config, memory_at_most, quiet
from analyzer.errors import (
    ConfigError,
    DatabaseError,
    DatabaseLockedError,
    ForeignDatabaseError,
    SchemaVersionError,
    is_interrupt,
    shown,
)
from analyzer.paths import path_text

if TYPE_CHECKING:
    from analyzer.importers.base import Extracted

# 2: events.superseded (copies resolved when a file is saved)
# 3: statements, events and rejects reference sources (foreign keys); the project marker
# 4: a CSV's text kept once (source_files, source_text) instead of a JSON copy of every row
# 5: events.utc_offset_min (the UTC offset a file prints with the start time), lines.time_zone
# 6: events without primary and foreign key (their checks were a third of an import's insert);
#    new files' text in pieces (source_text_pieces)
SCHEMA_VERSION = 6
DEFAULT_DB = "usage.duckdb"
# Written into `meta` of every database this project creates: only such files are opened.
MARKER_KEY = "application"
MARKER = "usage-analyzer"
CHILD_TABLES = ("statements", "events", "rejects")

_LOCK_PID = re.compile(r"PID (\d+)")


def connect(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect with the analyzer's settings; a locked file becomes a clear error."""
    target = str(path)
    if read_only and target != ":memory:" and not Path(target).exists():
        raise DatabaseError(
            f"no database at {shown(target)}; import some bills first with 'analyzer run FOLDER'"
        )
    try:
        config = database_config()
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        con = duckdb.connect(target, read_only=read_only, config=config)
        quiet(con)
        return con
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = _LOCK_PID.search(text)
            holder = f"process {pid.group(1)}" if pid else "another process"
            raise DatabaseLockedError(
                f"the database {shown(target)} is in use by {holder}; close it (a notebook?) "
                "or use --db another.duckdb"
            ) from exc
        if "not a valid DuckDB database" in text:
            raise ForeignDatabaseError(
                f"{shown(target)} is not a DuckDB database; it was left untouched: "
                "pass --db with a new file name or an analyzer database"
            ) from exc
        raise DatabaseError(f"cannot open the database {shown(target)}: {text}") from exc
    except duckdb.Error as exc:
        if is_interrupt(exc):
            raise
        raise DatabaseError(
            f"{shown(target)} is not a usable database ({exc}); pass --db with another file"
        ) from exc


def open_db(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database, creating the schema on first use and refusing newer versions.

    A file that is not this project's database is refused before anything is written to it.
    """
    target = str(path)
    file = None if target == ":memory:" else Path(target)
    if file is not None and file.is_file() and file.stat().st_size == 0:
        file.unlink()  # nothing to keep: DuckDB cannot open a 0-byte file, so start it afresh
    if file is not None and not read_only and Path(f"{target}.wal").exists():
        # Opening for writing would fold the log into the file: look at it read-only first.
        _refuse_foreign(file)
    con = connect(path, read_only=read_only)
    try:
        if file is not None:
            _refuse_unmarked(con, file)
        ensure_schema(con, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con


def _refuse_foreign(path: Path) -> None:
    """Look at an existing file read-only; raise unless it is ours, an empty database or new."""
    if not path.exists():
        return
    con = connect(path, read_only=True)
    try:
        _refuse_unmarked(con, path)
    finally:
        con.close()


def _refuse_unmarked(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Raise unless the open database is ours or empty. Nothing has been written to it yet:
    DuckDB writes to a file only at a checkpoint, and a file without a log has none to do."""
    if _has_marker(con):
        return
    held = con.sql(
        "SELECT (SELECT count(*) FROM duckdb_tables()) + (SELECT count(*) FROM duckdb_views() "
        "WHERE NOT internal) + (SELECT count(*) FROM duckdb_sequences())"
    ).fetchall()[0][0]
    if held:
        raise ForeignDatabaseError(
            f"{shown(path)} is a database of another program (it has no usage-analyzer "
            "marker); it was left untouched: pass --db with a new file name"
        )


def _has_marker(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``meta`` says this project wrote the database (one query: opening is frequent)."""
    try:
        keys = dict(con.sql("SELECT key, value FROM meta").fetchall())
    except duckdb.Error:
        return False
    if keys.get(MARKER_KEY) == MARKER:
        return True
    # versions 1 and 2 did not write the marker; their tables say who made them
    tables = {row[0] for row in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
    return "schema_version" in keys and {"sources", "events", "rejects"} <= tables


def ensure_schema(con: duckdb.DuckDBPyConnection, *, read_only: bool = False) -> None:
    """Create the tables (idempotent) and check the recorded schema version.

    Older databases are upgraded in one transaction; rows left without their source by an
    interrupted import of an older version are removed then (their file was never recorded, so
    importing it again brings them back whole).
    """
    try:
        keys = dict(
            con.sql(
                "SELECT key, value FROM meta WHERE key IN ('schema_version', 'schema_digest')"
            ).fetchall()
        )
        has_meta = True
    except duckdb.CatalogException:
        keys, has_meta = {}, False
    found = int(keys.get("schema_version", SCHEMA_VERSION))
    if has_meta:
        if found > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"this database was written by a newer version of the analyzer (schema {found}, "
                f"this version reads {SCHEMA_VERSION}); upgrade the analyzer or use another --db"
            )
        if read_only:
            if found < SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"this database was written by an older version of the analyzer (schema "
                    f"{found}); run 'analyzer import' or 'analyzer run' on it once to upgrade it"
                )
            return
    elif read_only:
        raise DatabaseError(
            "this database is empty; import some bills first with 'analyzer run FOLDER'"
        )
    schema = schema_sql()
    if has_meta and found < SCHEMA_VERSION:
        _upgrade(con, schema, found)
        return
    if keys.get("schema_digest") != _digest(schema):
        # Views and macros are replaced when schema.sql or DuckDB changed; the same schema is
        # not executed again (that cost a tenth of a second and a write at every opening).
        with transaction(con):  # a new file holds the whole schema or nothing
            con.execute(schema)
            _mark(con)
    check_orphans(con)


@cache
def schema_sql() -> str:
    """The text of schema.sql, read once per process."""
    return resources.files("analyzer").joinpath("schema.sql").read_text("utf-8")


def _digest(schema: str) -> str:
    """What the schema as created depends on: its text and the DuckDB that created it."""
    return hashlib.sha256(f"{schema}\0{duckdb.__version__}".encode()).hexdigest()


def _mark(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('schema_digest', ?), "
        "('duckdb_version', ?), (?, ?)",
        [str(SCHEMA_VERSION), _digest(schema_sql()), duckdb.__version__, MARKER_KEY, MARKER],
    )


def _upgrade(con: duckdb.DuckDBPyConnection, schema: str, found: int) -> None:
    """Bring an older database to this version in one transaction.

    Before 3, the child tables are rebuilt with their foreign keys (DuckDB cannot add one to a
    table); from 3, new tables and columns are only added (older rows keep their ``raw`` copies,
    and their events no printed UTC offset). Before 6, events are rebuilt without key checks.
    """
    if found >= 3:
        with transaction(con):
            _add_columns(con)
            if found < 6:
                con.execute("ALTER TABLE events RENAME TO events_v5")
            con.execute(schema)
            if found < 6:
                con.execute("INSERT INTO events BY NAME SELECT * FROM events_v5")
                con.execute("DROP TABLE events_v5")
            _mark(con)
        return
    with transaction(con):
        for table in CHILD_TABLES:
            con.execute(f"ALTER TABLE {table} RENAME TO {table}_v{found}")
        con.execute(schema)
        _add_columns(con)
        for table in CHILD_TABLES:
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT * FROM {table}_v{found} "
                "WHERE source_id IN (SELECT source_id FROM sources)"
            )
            con.execute(f"DROP TABLE {table}_v{found}")
        _mark(con)
        # Copies are matched and ranked by this version's key (charges by amount and
        # description, the latest document wins): flag those an older database holds again.
        resolve_copies(con)


def _add_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Columns added to existing tables since version 3 (CREATE TABLE IF NOT EXISTS keeps old
    tables as they are)."""
    con.execute("ALTER TABLE events ADD COLUMN IF NOT EXISTS utc_offset_min SMALLINT")
    con.execute("ALTER TABLE lines ADD COLUMN IF NOT EXISTS time_zone VARCHAR")


def orphan_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of statements, events and rejects whose source_id has no sources row."""
    return {
        table: con.sql(
            f"SELECT count(*) FROM {table} t ANTI JOIN sources s ON s.source_id = t.source_id"
        ).fetchall()[0][0]
        for table in CHILD_TABLES
    }


def check_orphans(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse a database holding rows of no imported file (no import of this project leaves any).

    Run at every opening, so the files the rows name are checked first (one pass over their
    source ids: half the time of counting rows, 0.05 s at ten million events); the rows are
    counted only for the message."""
    named = " UNION ALL ".join(
        f"SELECT source_id FROM {t} GROUP BY source_id" for t in CHILD_TABLES
    )
    [(unknown,)] = con.sql(
        f"SELECT count(*) FROM ({named}) t ANTI JOIN sources s ON s.source_id = t.source_id"
    ).fetchall()
    found = {table: n for table, n in orphan_counts(con).items() if n} if unknown else {}
    if found:
        listed = ", ".join(f"{n} {table}" for table, n in found.items())
        raise DatabaseError(
            f"the database holds rows of no imported file ({listed}); it was changed by "
            "another program: import the bills again into a new --db"
        )


def sha256_of(path: Path) -> str:
    """A file's identity: importing the same bytes again changes nothing."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def known_source(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[int, str] | None:
    """The (source_id, status) of a file already seen, or None."""
    rows = con.execute(
        "SELECT source_id, status FROM sources WHERE sha256 = ?", [sha256]
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: on any exception the database is left as it was.

    If the rollback itself is interrupted, the transaction stays open and uncommitted: closing
    the connection discards it, so the file on disk never holds half of it.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error, KeyboardInterrupt):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def save_extracted(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sha256: str,
    file_format: str,
    importer: str,
    extracted: Extracted,
) -> dict[str, int]:
    """Write one file's source, statements, events and rejects in one transaction.

    The sources row comes first, with its final counts: the foreign keys of statements and
    rejects then accept their rows, and an interrupt at any point rolls back all of them
    together. Returns the counts.
    """
    as_of = extracted.as_of
    totals = extracted.counts()
    status = "partial" if totals["rejects"] else "ok"
    with transaction(con):
        con.execute("DELETE FROM sources WHERE sha256 = ? AND status = 'failed'", [sha256])
        source_id = con.sql("SELECT nextval('source_ids')").fetchall()[0][0]
        con.execute(
            """
            INSERT INTO sources (source_id, sha256, path, size, format, importer, imported_at,
                                 status, rows_read, events, event_rows, rejects, skipped, as_of)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                source_id,
                sha256,
                path_text(path),
                path.stat().st_size,
                file_format,
                importer,
                datetime.now().replace(microsecond=0),
                status,
                totals["rows_read"],
                totals["events"],
                totals["event_rows"],
                totals["rejects"],
                totals["skipped"],
                as_of,
            ],
        )
        statement_ids = [
            con.sql("SELECT nextval('statement_ids')").fetchall()[0][0]
            for _ in extracted.statements
        ]
        for statement, statement_id in zip(extracted.statements, statement_ids, strict=True):
            _insert_statement(con, source_id, statement, statement_id)
        _insert_rows(con, source_id, statement_ids, extracted)
        if extracted.text is not None:
            from analyzer.importers.source_text import save_text

            save_text(con, source_id, extracted.text)
        resolve_copies(con, source_id)
    return totals


def _insert_rows(
    con: duckdb.DuckDBPyConnection, source_id: int, statement_ids: list[int], part: Extracted
) -> None:
    if part.events.num_rows:
        # Streamed from the extraction's database in batches: never all in memory at once.
        # They take consecutive ids by their place in its table: nextval() row by row kept the
        # insert on one core (a third of its time).
        from analyzer.importers.event_rows import NUMBERED

        span = part.events.id_span()
        first = _reserve_ids(con, "event_ids", span) if span else None
        con.register("incoming_events", part.events.batches(first_id=first))
        offset = "utc_offset_min" if "utc_offset_min" in part.events.column_names else "NULL"
        event_id = NUMBERED if first is not None else "nextval('event_ids')"
        # Inserting on both cores holds more memory: bounded, so that a large file's peak
        # stays where its mapping's is.
        with memory_at_most(con, INSERT_MEMORY_MB):
            con.execute(
                f"""
                INSERT INTO events BY NAME
                SELECT {event_id} AS event_id, ? AS source_id,
                       CASE WHEN statement_index IS NOT NULL THEN (?::INTEGER[])[statement_index + 1] END
                           AS statement_id,
                       line, started_at, ended_at, kind, direction, quantity, unit, duration_s,
                       counterparty, counterparty_e164, counterparty_country, counterparty_type, country, network, roaming, amount, currency,
                       description, page, "row", raw, false AS superseded, {offset} AS utc_offset_min
                FROM incoming_events
                """,
                [source_id, statement_ids],
            )
        con.unregister("incoming_events")
    if part.rejects.num_rows:
        con.register("incoming_rejects", part.rejects)
        con.execute(
            'INSERT INTO rejects SELECT ?, page, "row", raw, reason FROM incoming_rejects',
            [source_id],
        )
        con.unregister("incoming_rejects")


INSERT_MEMORY_MB = 512  # what storing a file's events may hold of the store's memory


def _reserve_ids(con: duckdb.DuckDBPyConnection, sequence: str, count: int) -> int | None:
    """The first of ``count`` consecutive values taken from ``sequence`` in one statement, or
    None if they are not consecutive (the rows then take theirs one by one)."""
    low, high, taken = con.execute(
        f"SELECT min(id), max(id), count(*) FROM (SELECT nextval('{sequence}') AS id FROM range(?))",
        [count],
    ).fetchall()[0]
    return int(low) if taken == count and high - low + 1 == count else None


def record_failure(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sha256: str,
    file_format: str,
    importer: str | None,
    error: str,
) -> None:
    """Remember that a file failed (no rows of it are kept) so the report can say why."""
    with transaction(con):
        con.execute("DELETE FROM sources WHERE sha256 = ? AND status = 'failed'", [sha256])
        con.execute(
            """
            INSERT INTO sources (source_id, sha256, path, size, format, importer, imported_at,
                                 status, error)
            VALUES (nextval('source_ids'), ?, ?, ?, ?, ?, ?, 'failed', ?)
            """,
            [
                sha256,
                path_text(path),
                path.stat().st_size,
                file_format,
                importer,
                datetime.now().replace(microsecond=0),
                path_text(error),  # a message may name a file whose name is not UTF-8
            ],
        )


def _insert_statement(
    con: duckdb.DuckDBPyConnection, source_id: int, statement: object, statement_id: int
) -> int:
    fields = asdict(statement)  # type: ignore[call-overload]
    con.execute(
        """
        INSERT INTO statements (statement_id, source_id, carrier, account, invoice_number, lines,
            period_start, period_end, issued_on, currency, subtotal, taxes, total_due, plan_name,
            allowance_bytes, balance_after, as_of, page, extra)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            statement_id,
            source_id,
            fields["carrier"],
            fields["account"],
            fields["invoice_number"],
            list(fields["lines"]),
            fields["period_start"],
            fields["period_end"],
            fields["issued_on"],
            fields["currency"],
            fields["subtotal"],
            fields["taxes"],
            fields["total_due"],
            fields["plan_name"],
            fields["allowance_bytes"],
            fields["balance_after"],
            fields["as_of"],
            fields["page"],
            json.dumps(fields["extra"], ensure_ascii=False),
        ],
    )
    return statement_id
