"""Overlapping copies across files: flagged when a file is saved, so `usage` is a filter."""

from __future__ import annotations

import json
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


def add_export(con, source_id: int, rows: list[tuple], tolerance: dict[str, int] | None) -> None:
    """One unbilled export of (time, kind, quantity) rows to one counterparty; ``tolerance`` is
    what its layout declares in ``[copies]`` (kept on its statement as the profile does)."""
    extra = {f"copy_{k}": str(v) for k, v in (tolerance or {}).items()}
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (?, ?, ?, 0, 'csv', now(), 'ok')",
        [source_id, f"sha{source_id}", f"export{source_id}.csv"],
    )
    con.execute(
        "INSERT INTO statements (statement_id, source_id, carrier, extra) "
        "VALUES (?, ?, 'Test Mobile', ?)",
        [source_id, source_id, json.dumps(extra)],
    )
    for started_at, kind, quantity in rows:
        con.execute(
            "INSERT INTO events (event_id, source_id, statement_id, line, started_at, kind, "
            "quantity, unit, counterparty_e164) VALUES (nextval('event_ids'), ?, ?, ?, ?, ?, ?, "
            "?, '+12015550187')",
            [source_id, source_id, LINE, started_at, kind, quantity,
             "bytes" if kind == "data" else "seconds"],
        )  # fmt: skip
    resolve_copies(con, source_id)


def counted(con) -> list[tuple[int, str, int]]:
    return con.sql(
        "SELECT source_id, strftime(started_at, '%H:%M:%S'), CAST(quantity AS BIGINT) FROM usage "
        "ORDER BY started_at, source_id"
    ).fetchall()


def unmatched(con) -> list[tuple[int, str]]:
    return con.sql(
        "SELECT source_id, strftime(started_at, '%H:%M:%S') FROM unmatched_overlap "
        "ORDER BY started_at, source_id"
    ).fetchall()


TO_THE_MINUTE = {"seconds": 59, "voice_seconds": 59}
SECONDS = [("2026-10-02 09:00:00", "voice", 60), ("2026-10-02 10:00:37", "voice", 125)]
SECONDS.append(("2026-10-02 11:00:00", "voice", 30))
MINUTES = [("2026-10-02 09:00:00", "voice", 60), ("2026-10-02 10:00:00", "voice", 120)]
MINUTES.append(("2026-10-02 11:00:00", "voice", 30))


def test_a_call_printed_to_the_minute_is_the_same_call_printed_to_the_second(db) -> None:
    add_export(db, 1, SECONDS, None)
    add_export(db, 2, MINUTES, TO_THE_MINUTE)
    assert counted(db) == [(2, "09:00:00", 60), (2, "10:00:00", 120), (2, "11:00:00", 30)]
    assert unmatched(db) == []


def test_without_a_declared_tolerance_the_two_prints_stay_apart_and_are_listed(db) -> None:
    add_export(db, 1, SECONDS, None)
    add_export(db, 2, MINUTES, None)
    assert [r[1] for r in counted(db)] == ["09:00:00", "10:00:00", "10:00:37", "11:00:00"]
    assert unmatched(db) == [(2, "10:00:00"), (1, "10:00:37")]


def test_a_record_is_the_copy_of_one_other_only_the_nearest(db) -> None:
    add_export(db, 1, [*SECONDS[:1], ("2026-10-02 10:00:10", "voice", 120), *SECONDS[1:]], None)
    add_export(db, 2, MINUTES, TO_THE_MINUTE)
    # 10:00:10 (120 s) is nearer to 10:00 (120 s) than 10:00:37 (125 s): only it is the copy.
    assert counted(db) == [
        (2, "09:00:00", 60),
        (2, "10:00:00", 120),
        (1, "10:00:37", 125),
        (2, "11:00:00", 30),
    ]
    assert unmatched(db) == [(1, "10:00:37")]


def test_data_compared_in_bytes_within_the_declared_tolerance(db) -> None:
    first = [("2026-10-02 09:00:00", "data", 5000), ("2026-10-02 12:00:00", "data", 7000)]
    add_export(db, 1, [*first, ("2026-10-02 10:00:00", "data", 1_048_576)], None)
    # Printed in whole KB: 1,048,576 bytes reads back as 1,047,552 (1,023 KB), within 1 KB.
    add_export(db, 2, [*first, ("2026-10-02 10:00:00", "data", 1_047_552)], {"data_bytes": 1024})
    assert [r[0] for r in counted(db)] == [2, 2, 2]


def test_a_session_still_growing_at_export_time_is_not_a_copy(db) -> None:
    first = [("2026-10-02 09:00:00", "data", 5000), ("2026-10-02 12:00:00", "data", 7000)]
    add_export(db, 1, [*first, ("2026-10-02 10:00:00", "data", 300_000)], {"data_bytes": 1024})
    add_export(db, 2, [*first, ("2026-10-02 10:00:00", "data", 900_000)], {"data_bytes": 1024})
    assert [r[2] for r in counted(db) if r[1] == "10:00:00"] == [300_000, 900_000]
    assert unmatched(db) == [(1, "10:00:00"), (2, "10:00:00")]


def test_a_profile_declares_its_tolerance_for_its_statements(tmp_path: Path) -> None:
    from analyzer.importers.base import ImportOptions
    from analyzer.importers.profile import load_profile

    (tmp_path / "p.toml").write_text(
        'name = "minute_calls"\nformat = "csv"\n[identify]\nheader = ["When", "Minutes"]\n'
        '[read]\ndate_format = "%Y-%m-%d %H:%M"\n[copies]\nseconds = 59\nvoice_seconds = 59\n'
        '[fields]\nline = { value = "+12015550123" }\nstarted_at = "When"\n'
        'kind = { value = "voice" }\nquantity = { column = "Minutes", type = "duration", '
        'unit = "minutes" }\n',
        encoding="utf-8",
    )
    (tmp_path / "calls.csv").write_text("When,Minutes\n2026-10-02 10:00,2\n", encoding="utf-8")
    extracted = load_profile(tmp_path / "p.toml").extract(tmp_path / "calls.csv", ImportOptions())
    assert extracted.statements[0].extra == {"copy_seconds": "59", "copy_voice_seconds": "59"}
