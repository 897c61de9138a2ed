"""Overlapping copies across files: flagged when a file is saved, so `usage` is a filter."""

from __future__ import annotations

from pathlib import Path

from analyzer.copies import resolve_copies
from analyzer.store import SCHEMA_VERSION, open_db

LINE = "+12015550123"


def add_file(con, source_id: int, rows: list[tuple[str, int]], total_due: float | None) -> None:
    """One file's data sessions (time, bytes); a statement with a printed total makes it billed."""
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (?, ?, ?, 0, 'csv', now(), 'ok')",
        [source_id, f"sha{source_id}", f"file{source_id}.csv"],
    )
    con.execute(
        "INSERT INTO statements (statement_id, source_id, carrier, total_due) "
        "VALUES (?, ?, 'Test Mobile', ?)",
        [source_id, source_id, total_due],
    )
    for started_at, quantity in rows:
        con.execute(
            "INSERT INTO events (event_id, source_id, statement_id, line, started_at, kind, "
            "quantity, unit) VALUES (nextval('event_ids'), ?, ?, ?, ?, 'data', ?, 'bytes')",
            [source_id, source_id, LINE, started_at, quantity],
        )


def usage(con) -> list[tuple[int, str]]:
    return con.sql(
        "SELECT source_id, CAST(started_at AS VARCHAR) FROM usage ORDER BY started_at, source_id"
    ).fetchall()


def test_the_billed_copy_wins_even_when_the_export_is_newer(db) -> None:
    add_file(db, 1, [("2026-10-01 10:00", 5), ("2026-10-02 10:00", 6)], total_due=40.0)
    resolve_copies(db, 1)
    add_file(db, 2, [("2026-10-02 10:00", 6), ("2026-10-03 10:00", 7)], total_due=None)
    resolve_copies(db, 2)
    assert usage(db) == [
        (1, "2026-10-01 10:00:00"),
        (1, "2026-10-02 10:00:00"),
        (2, "2026-10-03 10:00:00"),
    ]


def test_a_newer_billed_copy_takes_over_from_an_export(db) -> None:
    add_file(db, 1, [("2026-10-02 10:00", 6), ("2026-10-02 10:00", 6)], total_due=None)
    resolve_copies(db, 1)
    assert usage(db) == [(1, "2026-10-02 10:00:00")] * 2  # in-file duplicates are all kept
    add_file(db, 2, [("2026-10-02 10:00", 6)], total_due=12.5)
    resolve_copies(db, 2)
    assert usage(db) == [(2, "2026-10-02 10:00:00")]
    assert db.sql("SELECT count(*) FROM events").fetchall() == [(3,)]  # nothing is deleted


def test_events_without_a_time_are_never_copies(db) -> None:
    add_file(db, 1, [(None, 6)], total_due=None)
    add_file(db, 2, [(None, 6)], total_due=None)
    resolve_copies(db)
    assert db.sql("SELECT count(*) FROM usage").fetchall() == [(2,)]


def test_a_version_1_database_gets_its_copies_flagged_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = open_db(path)
    add_file(con, 1, [("2026-10-02 10:00", 6)], total_due=None)
    add_file(con, 2, [("2026-10-02 10:00", 6)], total_due=None)  # written without resolving
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    con = open_db(path)
    try:
        assert usage(con) == [(2, "2026-10-02 10:00:00")]
        assert con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (str(SCHEMA_VERSION),)
        ]
    finally:
        con.close()
