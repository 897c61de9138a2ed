"""CSV files that strain the reader's limits: a cell far longer than Python's csv field limit,
line ends mixed between systems. They import, or only the offending row is a reject."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hostile_helpers import run, with_good_neighbour

HEADER = b"Date,Description,Amount"


def bill(folder: Path, lines: list[bytes], ends: list[bytes]) -> Path:
    path = folder / "bill.csv"
    path.write_bytes(b"".join(line + end for line, end in zip(lines, ends, strict=True)))
    return path


def rows_of(db) -> list[tuple]:
    return db.sql(
        'SELECT "row", length(description), amount FROM events JOIN sources USING (source_id) '
        "WHERE path LIKE '%bill%' ORDER BY \"row\""
    ).fetchall()


def counts(db) -> tuple:
    [row] = db.sql(
        "SELECT rows_read, events, rejects, skipped FROM sources WHERE path LIKE '%bill%'"
    ).fetchall()
    assert row[0] == row[1] + row[2] + row[3]
    return row


@pytest.mark.parametrize("size", [140_000, 300_000, 2_000_000])
def test_a_huge_cell_near_the_top_imports(db, tmp_path: Path, size: int) -> None:
    note = b"x" * size
    lines = [HEADER, b"01/10/2026," + note + b",1.00", b"02/10/2026,Plan,2.00"]
    bill(tmp_path, lines, [b"\n"] * 3)
    with_good_neighbour(tmp_path)
    results = run(db, tmp_path)
    assert results["bill.csv"].status == "imported"
    assert rows_of(db) == [(2, size, Decimal("1.00")), (3, 4, Decimal("2.00"))]


def test_a_huge_quoted_cell_with_delimiters_inside_imports(db, tmp_path: Path) -> None:
    note = b'"' + b"a,b;c|" * 30_000 + b'"'
    bill(tmp_path, [HEADER, b"01/10/2026," + note + b",1.00"], [b"\n", b"\n"])
    run(db, tmp_path)
    assert rows_of(db) == [(2, 180_000, Decimal("1.00"))]


@pytest.mark.parametrize(
    "ends",
    [
        [b"\r\n", b"\n", b"\r\n", b"\n"],
        [b"\n", b"\r\n", b"\r\n", b"\r\n"],
        [b"\r\n", b"\r\n", b"\r\n", b"\n"],
        [b"\r", b"\r", b"\r", b"\r"],
        [b"\r\n", b"\r", b"\n", b""],
    ],
)
def test_mixed_line_ends_import_every_row(db, tmp_path: Path, ends: list[bytes]) -> None:
    lines = [HEADER, b"01/10/2026,Plan,1.00", b"02/10/2026,Extra,2.00", b"03/10/2026,Roam,3.00"]
    bill(tmp_path, lines, ends)
    with_good_neighbour(tmp_path)
    results = run(db, tmp_path)
    assert results["bill.csv"].status == "imported", results["bill.csv"].reason
    assert [(r[0], r[2]) for r in rows_of(db)] == [
        (2, Decimal("1.00")),
        (3, Decimal("2.00")),
        (4, Decimal("3.00")),
    ]
    assert counts(db) == (3, 3, 0, 0)


def test_mixed_line_ends_with_a_broken_row_reject_only_that_row(db, tmp_path: Path) -> None:
    lines = [
        HEADER,
        b"01/10/2026,Plan,1.00",
        b"02/10/2026,Extra,2.00,surplus",
        b"03/10/2026,Roam,3.00",
    ]
    bill(tmp_path, lines, [b"\r\n", b"\n", b"\r\n", b"\n"])
    run(db, tmp_path)
    assert [(r[0], r[2]) for r in rows_of(db)] == [(2, Decimal("1.00")), (4, Decimal("3.00"))]
    assert db.sql('SELECT "row", reason FROM rejects').fetchall() == [
        (3, "the row has more columns than the header")
    ]
    assert counts(db) == (3, 2, 1, 0)
