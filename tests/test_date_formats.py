"""One date format per file, chosen on a sample and checked on every row: the choice must be
the one counting every format over the whole file would make."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from analyzer.errors import InputError
from analyzer.importers import date_formats
from analyzer.importers.base import Staged, TableMapping
from analyzer.importers.mapping import new_connection
from analyzer.importers.specs import Const, Timestamp

DAY_FIRST = "%d/%m/%Y"
MONTH_FIRST = "%m/%d/%Y"
ISO = "%Y-%m-%d"
SAMPLE_ROWS = 500
ROWS = 4 * SAMPLE_ROWS  # the sample is then every fourth row


@pytest.fixture(autouse=True)
def small_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(date_formats, "SAMPLE_ROWS", SAMPLE_ROWS)


def mapping(*formats: str) -> TableMapping:
    return TableMapping(
        fields={"started_at": Timestamp("Date", formats=formats), "kind": Const("data")}
    )


def staged(dates: list[str], *, in_duckdb: bool, con) -> Staged:
    table = pa.table(
        {"_page": pa.nulls(len(dates), pa.int32()), "_row": range(len(dates)), "c0": dates}
    )
    if in_duckdb:
        con.register("arrow_dates", table)
        con.execute("CREATE TEMP TABLE dates AS SELECT * FROM arrow_dates")
        con.unregister("arrow_dates")
        return Staged(table="dates", names=("Date",))
    return Staged(table=table, names=("Date",))


def chosen(dates: list[str], *formats: str, in_duckdb: bool = False) -> str:
    con = new_connection()
    try:
        resolved = date_formats.resolve_date_formats(
            con, staged(dates, in_duckdb=in_duckdb, con=con), mapping(*formats), Path("x.csv")
        )
    finally:
        con.close()
    return resolved.fields["started_at"].formats[0]


@pytest.mark.parametrize("in_duckdb", [False, True])
def test_a_date_outside_the_sample_still_settles_day_and_month(in_duckdb: bool) -> None:
    dates = [f"{1 + i % 12:02d}/{1 + i % 12:02d}/2026" for i in range(ROWS)]
    dates[ROWS - 3] = "25/10/2026"  # not a multiple of four: outside the sample
    assert chosen(dates, MONTH_FIRST, DAY_FIRST, in_duckdb=in_duckdb) == DAY_FIRST


@pytest.mark.parametrize("in_duckdb", [False, True])
def test_a_pattern_in_the_rows_does_not_fool_the_sample(in_duckdb: bool) -> None:
    # Every fourth row is ISO: a sample of every fourth row would see only those.
    dates = ["2026-10-25" if i % 4 == 0 else "25/10/2026" for i in range(ROWS)]
    assert chosen(dates, ISO, DAY_FIRST, in_duckdb=in_duckdb) == DAY_FIRST


def test_a_close_race_is_counted_over_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[str] = []
    count = date_formats._format_counts

    def counting(con, source: str, parsed: list[str], texts: list[str]):
        counted.append(source)
        return count(con, source, parsed, texts)

    monkeypatch.setattr(date_formats, "_format_counts", counting)
    dates = ["2026-10-25" if i % 2 else "25/10/2026" for i in range(ROWS - 1)] + ["26/10/2026"]
    assert chosen(dates, ISO, DAY_FIRST) == DAY_FIRST
    assert counted == ["staged_sample", "staged_dates"]
    counted.clear()
    assert chosen(["25/10/2026"] * ROWS, ISO, DAY_FIRST) == DAY_FIRST
    assert counted == ["staged_sample"]


@pytest.mark.parametrize("in_duckdb", [False, True])
def test_a_sample_winner_that_reads_every_date_is_kept(in_duckdb: bool) -> None:
    dates = [f"{1 + i % 28:02d}/10/2026" for i in range(ROWS)]
    assert chosen(dates, MONTH_FIRST, DAY_FIRST, in_duckdb=in_duckdb) == DAY_FIRST


def test_a_whole_file_of_ambiguous_dates_is_refused() -> None:
    dates = [f"{1 + i % 12:02d}/{1 + (i // 12) % 12:02d}/2026" for i in range(ROWS)]
    with pytest.raises(InputError, match="ambiguous"):
        chosen(dates, DAY_FIRST, MONTH_FIRST)


def test_formats_that_read_different_texts_are_counted_each_on_its_own() -> None:
    # '%b' reads the text with its month names in English; '%d/%m/%Y' reads it as printed.
    spelled = ["25 Oct 2026", "3 Nov 2026", "30/10/2026"] * (ROWS // 3)
    assert chosen(spelled, DAY_FIRST, "%d %b %Y") == "%d %b %Y"
    numbered = ["25/10/2026", "03/11/2026", "30 Oct 2026"] * (ROWS // 3)
    assert chosen(numbered, "%d %b %Y", DAY_FIRST) == DAY_FIRST
