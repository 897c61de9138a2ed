"""Column specs: each parses what real bills print, and refuses what it cannot read exactly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from analyzer.importers import specs as S
from analyzer.importers.sql_text import SharingRef


def evaluate(spec, values: list[str | None]) -> list[object]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    return [
        row[0] for row in con.sql(f"SELECT {spec.sql(lambda c: 'x')} FROM t ORDER BY i").fetchall()
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.56", Decimal("1234.56")),
        ("(12.50)", Decimal("-12.50")),
        ("12.50-", Decimal("-12.50")),
        ("USD 4.99", Decimal("4.99")),
        ("-3", Decimal("-3")),
        ("1,2,3", None),  # not a grouping: refuse rather than guess
        ("12.345,6", None),  # a decimal comma read with the US layout: refuse
        ("", None),
    ],
)
def test_money_us(text: str, expected: Decimal | None) -> None:
    assert evaluate(S.Money("x"), [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 250 XPF", Decimal("1250")),
        ("1\u202f250 XPF", Decimal("1250")),
        ("1\u00a0250", Decimal("1250")),
        ("12,5", Decimal("12.5")),
        ("1.250", None),  # ambiguous under French marks
    ],
)
def test_money_french(text: str, expected: Decimal | None) -> None:
    assert evaluate(S.Money("x", decimal=",", thousands=" "), [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "bytes_"),
    [
        ("1,25 Go", 1342177280),
        ("350 Mo", 367001600),
        ("1 Go 339", 1073741824 + 339 * 1048576),
        ("12,5", 13107200),
        ("1 024 Mo", 1073741824),
        ("nope", None),
    ],
)
def test_data_volume_french(text: str, bytes_: int | None) -> None:
    spec = S.DataVolume("x", unit="MB", decimal=",", thousands=" ")
    result = evaluate(spec, [text])[0]
    assert (None if result is None else int(result)) == bytes_


def test_data_volume_base_1000() -> None:
    assert evaluate(S.DataVolume("x", unit="MB", base=1000), ["1.5"]) == [Decimal("1500000")]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("02min15s", 135), ("1h02m", 3720), ("3:25", 205), ("1:02:03", 3723), ("45", 45), ("x", None)],
)
def test_duration(text: str, seconds: int | None) -> None:
    result = evaluate(S.Duration("x"), [text])[0]
    assert (None if result is None else int(result)) == seconds


def test_timestamp_declared_format_and_iso_cells() -> None:
    spec = S.Timestamp("x", formats=("%d/%m/%Y %H:%M",))
    assert evaluate(spec, ["31/12/2026 10:00", "2026-01-02 00:00:00", "13/13/2026 10:00"]) == [
        datetime(2026, 12, 31, 10, 0),
        datetime(2026, 1, 2, 0, 0),
        None,
    ]


def test_a_midnight_time_with_its_zone_after_a_space_reads() -> None:
    """'00:00:00 UTC' is midnight in UTC, not a date cell's midnight before a time cell."""
    spec = S.Timestamp("x", formats=("%Y-%m-%d %H:%M:%S",))
    assert evaluate(spec, ["2026-01-01 00:00:00 UTC", "2026-01-01 00:00:00 +10:00"]) == [
        datetime(2026, 1, 1, 0, 0),
        datetime(2026, 1, 1, 0, 0),
    ]


def test_choice_is_case_insensitive_and_strict() -> None:
    spec = S.Choice("x", {"Datos": "data", "SMS": "sms"})
    assert evaluate(spec, ["datos", " SMS ", "otro"]) == ["data", "sms", None]


# Options for notations a profile declares legitimate.
def test_money_exponent_option() -> None:
    assert evaluate(S.Money("x"), ["1E3"]) == [None]
    assert evaluate(S.Money("x", exponent=True), ["1E3", "1.5e-2", "1e308"]) == [
        Decimal("1000"),
        Decimal("0.015"),
        None,
    ]


def test_money_digits_option() -> None:
    assert evaluate(S.Money("x"), ["١٢٫٥", "1٢.50"]) == [None, None]
    assert evaluate(S.Money("x", digits="any"), ["1٢.50", "１２.５"]) == [
        Decimal("12.50"),
        Decimal("12.5"),
    ]
    with pytest.raises(ValueError, match="digits must be one of ascii, any, not 'arabic'"):
        S.Money("x", digits="arabic")


def test_money_stays_signed() -> None:
    assert evaluate(S.Money("x"), ["-3", "(3)", "3-"]) == [Decimal(-3)] * 3


def test_number_negative_option() -> None:
    assert evaluate(S.Number("x"), ["-3", "3"]) == [None, Decimal(3)]
    assert evaluate(S.Number("x", negative=True), ["-3"]) == [Decimal(-3)]


def test_data_volume_options() -> None:
    assert evaluate(S.DataVolume("x", "KB"), ["-2", "2e3"]) == [None, None]
    assert evaluate(S.DataVolume("x", "KB", negative=True, exponent=True), ["-2", "2e3"]) == [
        Decimal(-2048),
        Decimal(2048000),
    ]
    assert evaluate(S.DataVolume("x", digits="any"), ["٣ KB"]) == [Decimal(3072)]


def test_scaled_options() -> None:
    spec = S.Scaled("x", "x", {"2": 60})
    assert evaluate(spec, ["2"]) == [Decimal(120)]
    assert evaluate(S.Scaled("x", "x", {"-2": 60}), ["-2"]) == [None]
    assert evaluate(S.Scaled("x", "x", {"-2": 60}, negative=True), ["-2"]) == [Decimal(-120)]


@pytest.mark.parametrize(
    ("text", "unit", "seconds"),
    [
        ("2分32秒", "seconds", 152),
        ("1小时2分", "seconds", 3720),
        ("00:27:00", "seconds", 1620),
        ("1h 2m 3s", "seconds", 3723),
        ("12 mins", "seconds", 720),
        ("1.5 min", "seconds", 90),
        ("1.5", "minutes", 90),
        ("2", "hours", 7200),
        ("1:60", "seconds", None),
    ],
)
def test_duration_notations_and_units(text: str, unit: str, seconds: int | None) -> None:
    result = evaluate(S.Duration("x", unit), [text])[0]
    assert (None if result is None else int(result)) == seconds


def test_duration_exponent_and_negative_options() -> None:
    assert evaluate(S.Duration("x", "minutes"), ["1e1", "-1"]) == [None, None]
    assert evaluate(S.Duration("x", "minutes", exponent=True, negative=True), ["1e1", "-1"]) == [
        Decimal(600),
        Decimal(-60),
    ]


def test_timestamp_twelve_hour_clock() -> None:
    spec = S.Timestamp("x", time_column="y", formats=("%Y-%m-%d %I:%M %p",))
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, x VARCHAR, y VARCHAR)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?)",
        [
            (0, "2026-10-28", "7:52 PM"),
            (1, "2026-10-28", "07:52 am"),
            (2, "2026-10-28", "12:05 AM"),
        ],
    )
    rows = con.sql(f"SELECT {spec.sql(lambda c: c)} FROM t ORDER BY i").fetchall()
    assert [r[0] for r in rows] == [
        datetime(2026, 10, 28, 19, 52),
        datetime(2026, 10, 28, 7, 52),
        datetime(2026, 10, 28, 0, 5),
    ]


@pytest.mark.parametrize(
    ("locales", "fmt", "text", "expected"),
    [
        (("de",), "%d. %b %Y", "28. Okt 2026", datetime(2026, 10, 28)),
        (("de",), "%d. %b %Y", "28. okt. 2026", datetime(2026, 10, 28)),
        (("de",), "%d. %B %Y", "3. März 2026", datetime(2026, 3, 3)),
        (("fr",), "%d %B %Y", "1 FÉVRIER 2026", datetime(2026, 2, 1)),
        (("fr",), "%d %b %Y", "1 févr. 2026", datetime(2026, 2, 1)),
        (("es",), "%d %b %Y", "5 dic 2026", datetime(2026, 12, 5)),
        (("pt",), "%d de %B de %Y", "5 de dezembro de 2026", datetime(2026, 12, 5)),
        (("en",), "%d %B %Y", "5 December 2026", datetime(2026, 12, 5)),
        (("en",), "%d %b %Y", "5 Okt 2026", None),
    ],
)
def test_timestamp_month_names_from_locale_data(locales, fmt, text, expected) -> None:
    spec = S.Timestamp("x", formats=(fmt,), locales=locales, iso_fallback=False)
    assert evaluate(spec, [text]) == [expected]


def test_timestamp_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown locale 'xx_YY'"):
        S.Timestamp("x", formats=("%d %b %Y",), locales=("xx_YY",))


def test_timestamp_year_option() -> None:
    spec = S.Timestamp("x", formats=("%d. %b",), locales=("de",), year=2026)
    assert evaluate(spec, ["28. Okt"]) == [datetime(2026, 10, 28)]


def test_timestamp_period_chooses_the_year_across_new_year() -> None:
    spec = S.Timestamp(
        "x", formats=("%m-%d %H:%M:%S",), period=(date(2025, 12, 15), date(2026, 1, 14))
    )
    assert evaluate(spec, ["12-20 10:00:00", "01-03 13:13:40", "06-01 00:00:00"]) == [
        datetime(2025, 12, 20, 10, 0),
        datetime(2026, 1, 3, 13, 13, 40),
        None,
    ]


def test_timestamp_period_reads_29_february_in_a_leap_year_only() -> None:
    leap = S.Timestamp("x", formats=("%d.%m",), period=(date(2024, 2, 1), date(2024, 2, 29)))
    plain = S.Timestamp("x", formats=("%d.%m",), period=(date(2025, 2, 1), date(2025, 2, 28)))
    assert evaluate(leap, ["29.02"]) == [datetime(2024, 2, 29)]
    assert evaluate(plain, ["29.02"]) == [None]


def test_timestamp_earliest_and_latest_options() -> None:
    spec = S.Timestamp(
        "x", formats=("%Y-%m-%d",), earliest=date(2020, 1, 1), latest=date(2026, 6, 30)
    )
    assert evaluate(spec, ["2019-12-31", "2020-01-01", "2026-06-30", "2026-07-01"]) == [
        None,
        datetime(2020, 1, 1),
        datetime(2026, 6, 30),
        None,
    ]


def reason(spec, texts: list[str | None]) -> list[object]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    value = spec.sql(lambda c: "x")
    query = f"SELECT {S.reject_reason(spec, 'v', lambda c: 'x')} FROM (SELECT i, x, {value} AS v FROM t) ORDER BY i"
    return [row[0] for row in con.sql(query).fetchall()]


def test_reject_reason_quotes_the_column_and_text() -> None:
    assert reason(S.Money("x"), ["12", "12abc", "", None, "#N/A"]) == [
        None,
        'x: "12abc" is not an amount',
        None,
        None,
        'x: "#N/A" is a spreadsheet error, not an amount',
    ]


def test_reject_reason_of_constants_and_choices() -> None:
    assert reason(S.Const("fee"), ["anything"]) == [None]
    spec = S.When("x", "^[0-9]+$", S.Number("x"), S.Duration("x"))
    assert reason(spec, ["12", "1:00", "zz"]) == [None, None, 'x: "zz" is not a value']


@pytest.mark.parametrize("unit", ["B", "KB", "MB", "GB", "TB"])
@pytest.mark.parametrize("base", [1000, 1024])
def test_plain_digits_read_as_the_parsed_volume(unit: str, base: int) -> None:
    # Cells of only digits skip the volume parser; " 123" takes it: both read the same.
    digits = ["0", "7", "007", "1234", "20661285", "999999999999", "123456789012345"]
    for negative in (False, True):
        spec = S.DataVolume("c", unit=unit, base=base, negative=negative)
        assert evaluate(spec, digits) == evaluate(spec, [f" {d}" for d in digits])


def _values_and_reasons(spec, texts: list[str | None], ref) -> list[tuple[object, object]]:
    """Each text's value and reject reason, the query's columns read through ``ref``."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    value, why = spec.sql(ref), S.reject_reason(spec, "v", ref)
    rows = ref.under("t") if isinstance(ref, SharingRef) else "t"
    query = f"SELECT v, {why} FROM (SELECT *, {value} AS v FROM {rows}) ORDER BY i"
    return con.sql(query).fetchall()


@pytest.mark.parametrize(
    "spec",
    [
        S.Timestamp("x", formats=("%d/%m/%Y %H:%M",)),
        S.Timestamp("x", formats=("%d %b %H:%M",), locales=("fr",), year=2026),
        S.Timestamp("x", formats=("%d/%m",), period=(date(2026, 12, 15), date(2027, 1, 14))),
    ],
)
def test_a_shared_date_reads_and_refuses_as_one_written_out(spec) -> None:
    """A date's text and parse computed once, under the fields, read what the expression
    written out reads; its parse is written once in the query."""
    texts = [
        "31/12/2026 10:00 +01:00", "2026-01-02T08:00:00Z", "13/13/2026 10:00", "03 janv. 10:00",
        "28/12", "02/01", "15/06", "#N/A", "", None, "1985-01-01",
    ]  # fmt: skip
    sharing = SharingRef(lambda c: "x")
    shared = _values_and_reasons(spec, texts, sharing)
    assert shared == _values_and_reasons(spec, texts, lambda c: "x")
    assert any(value is not None for value, _ in shared)
    assert spec.sql(sharing).count("strptime") == 0
    parse = spec.unbounded_sql(lambda c: "x")
    assert sharing.under("t").count("try_strptime(") == parse.count("try_strptime(")


def test_offsets_from_minus_12_to_plus_14_read_and_others_are_refused() -> None:
    spec = S.Timestamp("x", formats=("%Y-%m-%dT%H:%M:%S",))
    texts = [f"2026-01-01T10:00:00{z}" for z in ("+14:00", "-12:00", "+05:45", "Z", "+1400")]
    assert evaluate(spec, texts) == [datetime(2026, 1, 1, 10, 0)] * 5
    assert evaluate(spec, ["2026-01-01T10:00:00+14:30", "2026-01-01T10:00:00+10:60"]) == [
        None,
        None,
    ]


def test_a_time_cell_the_layout_cannot_read_is_the_one_a_reject_names() -> None:
    spec = S.Timestamp("Date", time_column="Time", formats=("%m/%d/%Y %H:%M",))
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, d VARCHAR, t VARCHAR)")
    rows = [("10/10/2026", "7.30 PM"), ("10/10/2026", " "), ("13/45/2026", "07:30")]
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, *r) for i, r in enumerate(rows)])

    def ref(column: str) -> str:
        return {"Date": "d", "Time": "t"}[column]

    why = S.reject_reason(spec, "v", ref)
    query = f"SELECT {why} FROM (SELECT *, {spec.sql(ref)} AS v FROM t) ORDER BY i"
    assert [r[0] for r in con.sql(query).fetchall()] == [
        'Time: "7.30 PM" is not a time the layout reads (%H:%M)',
        "Time: blank, where the layout reads a time",
        'Date: "13/45/2026" is not a date/time',
    ]
