"""Copies resolved file by file agree with resolving the whole database at once, key part by part."""

from __future__ import annotations

import json
import random

import pytest

from analyzer.copies import resolve_copies

LINE = "+12015550123"


def add_file(con, source_id: int, rows: list[dict], statement: dict | None = None) -> None:
    """One file with one statement (``statement``: its columns) and ``rows`` (events' columns)."""
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (?, ?, ?, 0, 'csv', now(), 'ok')",
        [source_id, f"sha{source_id}", f"file{source_id}.csv"],
    )
    columns = {"carrier": "Test Mobile", **(statement or {})}
    con.execute(
        f"INSERT INTO statements (statement_id, source_id, {', '.join(columns)}) "
        f"VALUES (?, ?{', ?' * len(columns)})",
        [source_id, source_id, *columns.values()],
    )
    for row in rows:
        values = {"line": LINE, "kind": "data", **row}
        con.execute(
            f"INSERT INTO events (event_id, source_id, statement_id, {', '.join(values)}) "
            f"VALUES (nextval('event_ids'), ?, ?{', ?' * len(values)})",
            [source_id, source_id, *values.values()],
        )
    resolve_copies(con, source_id)


def kept(con) -> list[tuple[int, str | None, str | None]]:
    """(file, line, time) of every event not superseded."""
    return con.sql(
        "SELECT source_id, line, strftime(started_at, '%d %H:%M') FROM events "
        "WHERE NOT superseded ORDER BY ALL"
    ).fetchall()


def flags(con) -> list[tuple[int, bool]]:
    return con.sql("SELECT event_id, superseded FROM events ORDER BY event_id").fetchall()


def test_a_missing_line_or_counterparty_is_part_of_the_key(db) -> None:
    add_file(db, 1, [{"line": None, "started_at": "2026-10-02 10:00", "quantity": 5}])
    add_file(
        db,
        2,
        [
            {"line": None, "started_at": "2026-10-02 10:00", "quantity": 5},  # a copy
            {"started_at": "2026-10-02 10:00", "quantity": 5},  # a line: another event
            {"kind": "voice", "counterparty": "555 0187", "started_at": "2026-10-02 11:00"},
        ],
    )
    add_file(db, 3, [{"kind": "voice", "started_at": "2026-10-02 11:00"}])  # no counterparty
    assert kept(db) == [
        (2, LINE, "02 10:00"),
        (2, LINE, "02 11:00"),
        (2, None, "02 10:00"),
        (3, LINE, "02 11:00"),
    ]


def test_a_key_several_files_share_is_ranked_again_with_each_new_copy(db) -> None:
    session = {"started_at": "2026-10-02 10:00", "quantity": 5}
    add_file(db, 1, [session], {"total_due": 40, "issued_on": "2026-11-01"})
    add_file(db, 2, [session, {"started_at": "2026-10-03 10:00", "quantity": 6}])
    assert kept(db) == [(1, LINE, "02 10:00"), (2, LINE, "03 10:00")]  # the bill wins
    # A later bill takes the session from the first; the export's own session stays its own.
    add_file(db, 3, [session], {"total_due": 41, "issued_on": "2026-12-01"})
    assert kept(db) == [(2, LINE, "03 10:00"), (3, LINE, "02 10:00")]
    add_file(db, 4, [{"started_at": "2026-10-04 10:00", "quantity": 7}])  # shares nothing
    assert kept(db) == [(2, LINE, "03 10:00"), (3, LINE, "02 10:00"), (4, LINE, "04 10:00")]


def test_a_dated_document_wins_over_an_undated_one_imported_later(db) -> None:
    session = {"started_at": "2026-10-02 10:00", "quantity": 5}
    add_file(db, 1, [session], {"as_of": "2026-10-05 08:00"})
    add_file(db, 2, [session])
    assert kept(db) == [(1, LINE, "02 10:00")]


def test_copies_inside_one_file_win_or_lose_together(db) -> None:
    session = {"started_at": "2026-10-02 10:00", "quantity": 5}
    add_file(db, 1, [session, session])
    add_file(db, 2, [session, session, session])
    assert kept(db) == [(2, LINE, "02 10:00")] * 3
    add_file(db, 3, [session], {"total_due": 12})
    assert kept(db) == [(3, LINE, "02 10:00")]
    assert db.sql("SELECT count(*) FROM events").fetchall() == [(6,)]


def test_a_charge_without_a_time_is_a_copy_within_the_same_statement_period(db) -> None:
    period = {"period_start": "2026-10-01", "period_end": "2026-10-31"}
    fee = {"kind": "fee", "amount": 5, "currency": "USD", "description": "Line fee"}
    add_file(db, 1, [fee], {**period, "total_due": 5})
    add_file(db, 2, [{**fee, "description": " line FEE "}], {**period, "total_due": 5})
    add_file(db, 3, [{**fee, "amount": 6}], {**period, "total_due": 6})  # differs: not a copy
    assert db.sql("SELECT source_id FROM events WHERE NOT superseded ORDER BY 1").fetchall() == [
        (2,),
        (3,),
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_file_by_file_agrees_with_the_whole_database_at_once(db, seed: int) -> None:
    """Overlapping files of a few lines, times and quantities, some parts missing, some rows
    repeated within a file: resolving each file as it is saved ends where resolving all does."""
    pick = random.Random(seed)
    lines = [LINE, "+12015550124", None]
    statements = [{}, {"total_due": 10}, {"issued_on": "2026-11-01"}, {"as_of": "2026-10-20"}]
    for source_id in range(1, 9):
        rows = []
        for _ in range(pick.randint(0, 25)):
            if pick.random() < 0.2:
                rows.append(
                    {
                        "line": pick.choice(lines),
                        "kind": "fee",
                        "started_at": pick.choice([None, "2026-10-03 00:00"]),
                        "amount": pick.choice([None, 5, 6]),
                        "currency": "USD",
                        "description": pick.choice(["Fee", "fee", None]),
                    }
                )
            else:
                rows.append(
                    {
                        "line": pick.choice(lines),
                        "kind": pick.choice(["data", "voice"]),
                        "started_at": f"2026-10-0{pick.randint(1, 4)} 10:0{pick.randint(0, 2)}",
                        "quantity": pick.choice([None, 5, 6]),
                        "counterparty_e164": pick.choice([None, "+12015550187"]),
                    }
                )
        rows += rows[: pick.randint(0, 2)]  # the same record twice in one file
        statement = {"period_start": "2026-10-01", "period_end": "2026-10-31"}
        add_file(db, source_id, rows, {**statement, **pick.choice(statements)})
    file_by_file = flags(db)
    assert any(superseded for _, superseded in file_by_file)
    db.execute("UPDATE events SET superseded = false")
    resolve_copies(db)
    assert flags(db) == file_by_file


def test_a_record_just_outside_the_new_files_span_is_its_copy_within_the_tolerance(db) -> None:
    def call(at: str) -> dict:
        return {"kind": "voice", "started_at": at, "quantity": 120, "counterparty_e164": "+1202"}

    add_file(db, 1, [call("2026-10-02 09:59:30"), call("2026-10-02 10:30:00")])
    minutes = {"extra": json.dumps({"copy_seconds": "59", "copy_voice_seconds": "59"})}
    add_file(db, 2, [call("2026-10-02 10:00:00"), call("2026-10-02 10:30:00")], minutes)
    assert kept(db) == [(2, LINE, "02 10:00"), (2, LINE, "02 10:30")]
