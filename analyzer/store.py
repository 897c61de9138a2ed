"""Open or create the database, guard its schema version, and save one file per transaction."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analyzer.copies import resolve_copies
from analyzer.errors import DatabaseError, DatabaseLockedError, SchemaVersionError

if TYPE_CHECKING:
    from analyzer.importers.base import Extracted

SCHEMA_VERSION = 2  # 2: events.superseded (copies resolved when a file is saved)
DEFAULT_DB = "usage.duckdb"

# Nothing the analyzer does needs an extension; never let DuckDB fetch one from the network.
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """Turn DuckDB's progress bar off: it writes to stdout and would corrupt --json and --csv.

    In a notebook without ipywidgets DuckDB refuses the setting; no bar is drawn there anyway.
    """
    with suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")


_LOCK_PID = re.compile(r"PID (\d+)")


def connect(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect with the analyzer's settings; a locked file becomes a clear error."""
    target = str(path)
    if read_only and target != ":memory:" and not Path(target).exists():
        raise DatabaseError(
            f"no database at {target}; import some bills first with 'analyzer run FOLDER'"
        )
    try:
        con = duckdb.connect(target, read_only=read_only, config=_CONFIG)
        quiet(con)
        return con
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = _LOCK_PID.search(text)
            holder = f"process {pid.group(1)}" if pid else "another process"
            raise DatabaseLockedError(
                f"the database {target} is in use by {holder}; close it (a notebook?) "
                "or use --db another.duckdb"
            ) from exc
        raise DatabaseError(f"cannot open the database {target}: {text}") from exc
    except duckdb.Error as exc:
        raise DatabaseError(
            f"{target} is not a usable database ({exc}); pass --db with another file"
        ) from exc


def open_db(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database, creating the schema on first use and refusing newer versions."""
    con = connect(path, read_only=read_only)
    try:
        ensure_schema(con, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection, *, read_only: bool = False) -> None:
    """Create the tables (idempotent) and check the recorded schema version."""
    has_meta = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()[0][0]
    if has_meta:
        rows = con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        found = int(rows[0][0]) if rows else SCHEMA_VERSION
        if found > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"this database was written by a newer version of the analyzer (schema {found}, "
                f"this version reads {SCHEMA_VERSION}); upgrade the analyzer or use another --db"
            )
        if read_only:
            return
    elif read_only:
        raise DatabaseError("this file is not an analyzer database; pass --db with another file")
    con.execute(resources.files("analyzer").joinpath("schema.sql").read_text("utf-8"))
    if has_meta and found < 2:
        resolve_copies(con)  # a version-1 database: flag the copies it already holds
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('duckdb_version', ?)",
        [str(SCHEMA_VERSION), duckdb.__version__],
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
    """All or nothing: on any exception the database is left as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
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
    """Write one file's statements, events and rejects in one transaction; return its counts."""
    as_of = extracted.as_of
    with transaction(con):
        con.execute("DELETE FROM sources WHERE sha256 = ? AND status = 'failed'", [sha256])
        source_id = con.sql("SELECT nextval('source_ids')").fetchall()[0][0]
        statement_ids = [
            con.sql("SELECT nextval('statement_ids')").fetchall()[0][0]
            for _ in extracted.statements
        ]
        for statement, statement_id in zip(extracted.statements, statement_ids, strict=True):
            _insert_statement(con, source_id, statement, statement_id)
        _insert_rows(con, source_id, statement_ids, extracted)
        resolve_copies(con, source_id)
        totals = extracted.counts()
        status = "partial" if totals["rejects"] else "ok"
        con.execute(
            """
            INSERT INTO sources (source_id, sha256, path, size, format, importer, imported_at,
                                 status, rows_read, events, event_rows, rejects, skipped, as_of)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                source_id,
                sha256,
                str(path),
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
    return totals


def _insert_rows(
    con: duckdb.DuckDBPyConnection, source_id: int, statement_ids: list[int], part: Extracted
) -> None:
    if part.events.num_rows:
        con.register("incoming_events", part.events)
        con.execute(
            """
            INSERT INTO events
            SELECT nextval('event_ids'), ?,
                   CASE WHEN statement_index IS NOT NULL THEN (?::INTEGER[])[statement_index + 1] END,
                   line, started_at, ended_at, kind, direction, quantity, unit, duration_s,
                   counterparty, counterparty_e164, counterparty_country, counterparty_type, country, network, roaming, amount, currency,
                   description, page, "row", raw, false
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
        con.execute("DELETE FROM sources WHERE sha256 = ?", [sha256])
        con.execute(
            """
            INSERT INTO sources (source_id, sha256, path, size, format, importer, imported_at,
                                 status, error)
            VALUES (nextval('source_ids'), ?, ?, ?, ?, ?, ?, 'failed', ?)
            """,
            [
                sha256,
                str(path),
                path.stat().st_size,
                file_format,
                importer,
                datetime.now().replace(microsecond=0),
                error,
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
