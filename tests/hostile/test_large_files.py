"""Large CSV files are read and saved in parts: the result must be the same as in one piece."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_helpers import run

from analyzer.importers import tabular
from analyzer.store import open_db

BODY = (
    "Date,Description,Amount\n"
    "01/10/2026,Plan,10.00\n"
    "02/10/2026,Extra,lots\n"
    "\n"
    "03/10/2026,Fee,1.00,surprise\n"
    "Date,Description,Amount\n"
    "04/10/2026,Call,0.50\n"
    "05/10/2026,Credit,(2.00)\n"
    "06/10/2026,Call,\n"
    ",Total,9.50\n"
)


def snapshot(db_file: Path) -> dict[str, list]:
    con = open_db(db_file, read_only=True)
    try:
        return {
            "events": con.sql(
                'SELECT "row", started_at, description, amount, statement_id IS NOT NULL '
                'FROM events ORDER BY "row"'
            ).fetchall(),
            "rejects": con.sql('SELECT "row", reason FROM rejects ORDER BY "row"').fetchall(),
            "sources": con.sql(
                "SELECT rows_read, events, rejects, skipped, status FROM sources"
            ).fetchall(),
            "statements": con.sql(
                "SELECT carrier, period_start, period_end, total_due FROM statements"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.mark.parametrize("rows_per_part", [1, 2, 3, 100])
def test_reading_in_parts_gives_the_same_database(
    tmp_path: Path, monkeypatch, rows_per_part: int
) -> None:
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    for folder in (whole, parts):
        folder.mkdir()
        (folder / "bill.csv").write_text(BODY)
    con = open_db(tmp_path / "whole.duckdb")
    run(con, whole)
    con.close()
    monkeypatch.setattr(tabular, "STREAM_ABOVE_BYTES", 0)
    monkeypatch.setattr(tabular, "ROWS_PER_PART", rows_per_part)
    con = open_db(tmp_path / "parts.duckdb")
    [result] = run(con, parts).values()
    con.close()
    assert (result.status, result.events, result.rejects) == ("partial", 4, 2)
    expected = snapshot(tmp_path / "whole.duckdb")
    assert expected["sources"] == [(9, 4, 2, 3, "partial")]
    assert snapshot(tmp_path / "parts.duckdb") == expected


def test_a_file_in_parts_that_fails_midway_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    from analyzer.importers import base

    monkeypatch.setattr(tabular, "STREAM_ABOVE_BYTES", 0)
    monkeypatch.setattr(tabular, "ROWS_PER_PART", 2)
    original = base.map_rows
    calls = []

    def fail_on_third_part(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("simulated")
        return original(*args, **kwargs)

    monkeypatch.setattr(tabular, "map_rows", fail_on_third_part)
    (tmp_path / "bill.csv").write_text(BODY)
    con = open_db(tmp_path / "a.duckdb")
    try:
        [result] = run(con, tmp_path).values()
        assert result.status == "failed"
        assert con.sql(
            "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM rejects) "
            "+ (SELECT count(*) FROM statements)"
        ).fetchall() == [(0,)]
    finally:
        con.close()
