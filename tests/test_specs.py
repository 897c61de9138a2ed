"""Column specs: each parses what real bills print, and refuses what it cannot read exactly."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from analyzer.importers import specs as S


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


def test_choice_is_case_insensitive_and_strict() -> None:
    spec = S.Choice("x", {"Datos": "data", "SMS": "sms"})
    assert evaluate(spec, ["datos", " SMS ", "otro"]) == ["data", "sms", None]
