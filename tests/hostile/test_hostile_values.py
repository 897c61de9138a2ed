"""Values that are not what they look like: every one is a reject naming the cell and text, or
the correct value where the profile says the notation is legitimate."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hostile_helpers import run, with_good_neighbour

from analyzer.importers import specs as S
from analyzer.values import parse_amount, parse_duration, parse_volume


def evaluate(spec, *columns: list[str | None]) -> list[tuple[object, str | None]]:
    """(value, reject reason) for each row; columns are x, y, ... in the spec's order."""
    con = duckdb.connect()
    names = [f"c{i}" for i in range(len(columns))]
    con.execute(f"CREATE TABLE t (i INTEGER, {', '.join(n + ' VARCHAR' for n in names)})")
    rows = [(i, *values) for i, values in enumerate(zip(*columns, strict=True))]
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * (len(names) + 1))})", rows)
    lookup = dict(zip(spec.columns(), names, strict=False))

    def ref(column: str) -> str:
        return lookup[column]

    value = spec.sql(ref)
    query = f"SELECT v, {S.reject_reason(spec, 'v', ref)} FROM (SELECT i, {value} AS v, * FROM t) ORDER BY i"
    return con.sql(query).fetchall()


def one(spec, text: str | None, *more: str | None) -> tuple[object, str | None]:
    return evaluate(spec, [text], *[[m] for m in more])[0]


# Amounts: characters that are not part of the notation refuse the text.
@pytest.mark.parametrize(
    "text",
    [
        "12abc34",
        "0x10",
        "1e308",
        "1E3",
        "1٢.50",
        "1０.00",
        "12.5.0",
        "1,5",
        "12 34 56 zz",
        "--12",
        "(12.00",
        "12.00)",
        "-(12.00)",
        "+12-",
        "1,2345.00",
        "$",
        "USD",
        "12€34",
        "½",
    ],
)
def test_amounts_that_are_not_numbers_are_rejects(text: str) -> None:
    assert one(S.Money("Amount"), text) == (None, f'Amount: "{text}" is not an amount')
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1E3", Decimal("1000")),
        ("1.5e-2", Decimal("0.015")),
        ("-2.5E+2", Decimal("-250")),
        ("USD 1e2", Decimal("100")),
    ],
)
def test_scientific_notation_only_where_allowed(text: str, expected: Decimal) -> None:
    assert one(S.Money("Amount", exponent=True), text) == (expected, None)
    assert parse_amount(text, exponent=True) == expected


def test_an_exponent_too_large_for_the_column_is_still_a_reject() -> None:
    assert one(S.Money("Amount", exponent=True), "1e308") == (
        None,
        'Amount: "1e308" is not an amount',
    )
    with pytest.raises(ValueError, match=r"'1e308' is not an amount \(it is too large\)"):
        parse_amount("1e308", exponent=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1٢.50", Decimal("12.50")),
        ("١٢٣٫٥", None),
        ("1０.00", Decimal("10.00")),
        ("४२", Decimal("42")),
    ],
)
def test_other_digit_systems_only_where_allowed(text: str, expected: Decimal | None) -> None:
    value, _ = one(S.Money("Amount", digits="any"), text)
    assert value == expected


@pytest.mark.parametrize(
    ("spec", "text", "reason"),
    [
        (S.Number("Units"), "-3", 'Units: "-3" is not a number'),
        (S.DataVolume("Data"), "-2048 KB", 'Data: "-2048 KB" is not a data volume'),
        (S.Duration("Time"), "-16", 'Time: "-16" is not a duration'),
        (S.Duration("Time"), "-0:16", 'Time: "-0:16" is not a duration'),
    ],
)
def test_negative_quantities_are_rejects_unless_allowed(spec, text: str, reason: str) -> None:
    assert one(spec, text) == (None, reason)


def test_negative_quantities_where_the_profile_allows_credits() -> None:
    assert one(S.Number("Units", negative=True), "-3") == (Decimal("-3"), None)
    assert one(S.DataVolume("Data", negative=True), "-2048 KB") == (Decimal(-2097152), None)
    assert one(S.Duration("Time", negative=True), "-1:30") == (Decimal(-90), None)


def test_scaled_quantities_are_strict_too() -> None:
    spec = S.Scaled("Units", "Unit", {"MIN": 60, "KB": 1024})
    rows = evaluate(spec, ["1e3", "-16", "12abc", "3"], ["MIN", "MIN", "KB", "MIN"])
    assert rows == [
        (None, 'Units: "1e3" is not a quantity in a known unit'),
        (None, 'Units: "-16" is not a quantity in a known unit'),
        (None, 'Units: "12abc" is not a quantity in a known unit'),
        (Decimal(180), None),
    ]
    assert one(S.Scaled("Units", "Unit", {"MIN": 60}, exponent=True), "1e3", "MIN")[0] == 60000


@pytest.mark.parametrize(
    "error", ["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
)
def test_spreadsheet_errors_are_named_as_such(error: str) -> None:
    assert one(S.Money("Amount"), error) == (
        None,
        f'Amount: "{error}" is a spreadsheet error, not an amount',
    )
    assert (
        one(S.Duration("Time"), error)[1]
        == f'Time: "{error}" is a spreadsheet error, not a duration'
    )


@pytest.mark.parametrize(
    ("decimal", "thousands"), [(".", "."), (",", ","), ("", ","), ("5", ","), (".", "12")]
)
def test_ambiguous_marks_are_refused_when_the_spec_is_made(decimal: str, thousands: str) -> None:
    with pytest.raises(ValueError, match=r"decimal|thousands"):
        S.Money("Amount", decimal=decimal, thousands=thousands)
    with pytest.raises(ValueError, match=r"decimal|thousands"):
        parse_amount("1", decimal=decimal, thousands=thousands)


def test_decimal_equal_to_thousands_message() -> None:
    with pytest.raises(ValueError) as caught:
        S.DataVolume("Data", decimal=",", thousands=",")
    assert str(caught.value) == "decimal and thousands are both ',': numbers would be ambiguous"


# Dates.
def stamp(**options) -> S.Timestamp:
    return S.Timestamp("Date", formats=("%Y-%m-%d",), latest=date(2027, 12, 31), **options)


@pytest.mark.parametrize("text", ["1899-12-30", "1989-12-31", "2028-01-01", "9999-12-31"])
def test_implausible_dates_are_rejects(text: str) -> None:
    assert one(stamp(), text) == (
        None,
        f'Date: "{text}" is outside the plausible dates 1990-01-01 to 2027-12-31',
    )


def test_the_plausible_range_is_a_setting() -> None:
    assert one(stamp(earliest=date(1980, 1, 1)), "1985-06-01")[0] == datetime(1985, 6, 1)


def test_default_latest_is_the_end_of_next_year() -> None:
    assert S.Timestamp("Date").latest == date(date.today().year + 1, 12, 31)


@pytest.mark.parametrize("time", ["25:61", "7h", "noon", "07:52 XM", "10:75", "24:00"])
def test_a_bad_time_cell_is_named_as_the_time_cell(time: str) -> None:
    spec = S.Timestamp("Date", time_column="Time", formats=("%Y-%m-%d %H:%M",))
    assert one(spec, "2026-10-01", time) == (None, f'Time: "{time}" is not a time')


def test_a_bad_date_beside_a_good_time_names_the_date() -> None:
    spec = S.Timestamp("Date", time_column="Time", formats=("%Y-%m-%d %H:%M",))
    assert one(spec, "2026-13-01", "10:00") == (None, 'Date: "2026-13-01" is not a date/time')


def test_a_format_without_a_year_needs_one() -> None:
    with pytest.raises(ValueError) as caught:
        S.Timestamp("Date", formats=("%d.%m",))
    assert str(caught.value) == (
        "the date format '%d.%m' has no year: set the year or the statement period it falls in"
    )


def test_a_yearless_date_outside_the_period_is_named() -> None:
    spec = S.Timestamp("Date", formats=("%d.%m",), period=(date(2026, 3, 1), date(2026, 3, 31)))
    assert one(spec, "15.07") == (
        None,
        'Date: "15.07" is not within a month of the period 2026-03-01 to 2026-03-31',
    )


@pytest.mark.parametrize("text", ["29.02", "31.04", "00.01"])
def test_impossible_yearless_dates_are_rejects(text: str) -> None:
    spec = S.Timestamp("Date", formats=("%d.%m",), year=2026)
    assert one(spec, text) == (None, f'Date: "{text}" is not a date/time')


# Durations and volumes.
@pytest.mark.parametrize(
    "text", ["1e3", "1:60", "1:60:00", "12abc", "2分xx秒", "h", "1h2", "1.2.3 min", "0x10", "--5"]
)
def test_durations_that_are_not_durations(text: str) -> None:
    assert one(S.Duration("Time"), text) == (None, f'Time: "{text}" is not a duration')
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text", ["1e3 KB", "12abc MB", "0x10", "1,5 MB", "3 parsecs", "1 GB 2 GB 3"]
)
def test_volumes_that_are_not_volumes(text: str) -> None:
    assert one(S.DataVolume("Data"), text) == (None, f'Data: "{text}" is not a data volume')
    with pytest.raises(ValueError, match="is not a data volume"):
        parse_volume(text)


# Through a whole import: the reject names file row and cell; the neighbour still imports.
def test_hostile_amounts_in_a_csv_are_rejects_naming_row_and_cell(db, tmp_path: Path) -> None:
    (tmp_path / "bill.csv").write_text(
        "Date,Description,Amount\n"
        "01/10/2026,Plan,12abc34\n"
        "02/10/2026,Plan,0x10\n"
        "03/10/2026,Plan,1٢.50\n"
        "04/10/2026,Plan,12.50\n"
        "05/10/1899,Plan,1.00\n",
        encoding="utf-8",
    )
    with_good_neighbour(tmp_path)
    results = run(db, tmp_path)
    assert results["zz_good.csv"].status == "imported"
    rejects = db.sql('SELECT "row", reason FROM rejects ORDER BY "row"').fetchall()
    assert rejects[:3] == [
        (2, 'Amount: "12abc34" is not an amount'),
        (3, 'Amount: "0x10" is not an amount'),
        (4, 'Amount: "1٢.50" is not an amount'),
    ]
    assert rejects[3][0] == 6
    amounts = db.sql(
        "SELECT amount FROM events JOIN sources USING (source_id) WHERE path LIKE '%bill%'"
    ).fetchall()
    assert amounts == [(Decimal("12.50"),)]
