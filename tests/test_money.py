"""Currency decimals and money formatting have one home (analyzer.money); the database's
minor_unit and money_text macros agree with it."""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import resources

import duckdb
import pytest

from analyzer.money import format_money, minor_digits, minor_digits_table
from analyzer.store import open_db


def test_format_money_groups_and_uses_the_currency_decimals() -> None:
    assert format_money(Decimal("12566"), "XPF") == "12,566 XPF"
    assert format_money(Decimal("12.5"), "USD") == "12.50 USD"
    assert format_money(Decimal("1.25"), "KWD") == "1.250 KWD"
    assert format_money(Decimal("1500"), "VUV") == "1,500 VUV"
    assert format_money(Decimal("-20"), "USD") == "-20.00 USD"
    assert format_money(Decimal("0.125"), "USD") == "0.13 USD"  # half away from zero
    assert format_money(Decimal("-2.5"), "JPY") == "-3 JPY"
    assert format_money(None, "USD") == ""
    assert format_money(Decimal("3"), None) == "3.00"


def test_minor_digits_come_from_the_currency_data() -> None:
    assert [minor_digits(c) for c in ("XPF", "JPY", "VUV", "RWF", "BIF")] == [0] * 5
    assert [minor_digits(c) for c in ("KWD", "BHD", "usd", "EUR", None)] == [3, 3, 2, 2, 2]
    assert all(
        re.fullmatch(r"[A-Z]{3}", c) and 0 <= d <= 4 for c, d in minor_digits_table().items()
    )


def _macro_lists() -> dict[int, set[str]]:
    schema = resources.files("analyzer").joinpath("schema.sql").read_text("utf-8")
    macro = re.search(r"MACRO minor_unit\(currency\) AS(.*?)END;", schema, re.S).group(1)
    unit_digits = {"1.0": 0, "0.001": 3, "0.0001": 4}
    lists: dict[int, set[str]] = {}
    for codes, unit in re.findall(r"IN \(([^)]*)\)\s*THEN ([0-9.]+)", macro):
        lists[unit_digits[unit]] = set(re.findall(r"'([A-Z]{3})'", codes))
    return lists


def test_the_database_macro_holds_the_same_table() -> None:
    table = minor_digits_table()
    expected: dict[int, set[str]] = {}
    for code, digits in table.items():
        expected.setdefault(digits, set()).add(code)
    assert _macro_lists() == expected


@pytest.mark.parametrize("currency", ["XPF", "USD", "KWD", "CLF", "JPY", "EUR"])
@pytest.mark.parametrize("amount", [Decimal("1234.5678"), Decimal("-2.5"), Decimal("0.125")])
def test_money_text_in_sentences_matches_the_report(currency: str, amount: Decimal) -> None:
    con: duckdb.DuckDBPyConnection = open_db()
    try:
        text = con.execute("SELECT money_text(?, ?)", [amount, currency]).fetchall()[0][0]
        unit = con.execute("SELECT minor_unit(?)", [currency]).fetchall()[0][0]
    finally:
        con.close()
    # Sentences print the amount ungrouped; the figures are the same.
    assert text == format_money(amount, currency).replace(",", "")
    assert Decimal(str(unit)) == Decimal(1).scaleb(-minor_digits(currency))
