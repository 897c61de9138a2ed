"""Currencies in one place: how many decimals each has and how an amount is written.

The decimals come from babel's copy of the Unicode CLDR currency data (what a bill in that
currency prints: 0 for XPF, JPY and VUV, 3 for KWD and BHD, 2 for most). The database's
``minor_unit`` macro (schema.sql) holds the same table, and a test keeps the two equal.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from babel.numbers import get_currency_precision, list_currencies

DEFAULT_DIGITS = 2  # a currency CLDR does not know is written with cents
_CODE = re.compile(r"^[A-Z]{3}$")


@cache
def minor_digits_table() -> dict[str, int]:
    """{ISO 4217 code: decimals} for every currency whose decimals are not the default two.

    Validated on the way in: a code is three capital letters and has 0 to 4 decimals."""
    table: dict[str, int] = {}
    for code in sorted(list_currencies()):
        digits = get_currency_precision(code)
        if not _CODE.match(code) or not 0 <= digits <= 4:
            raise ValueError(f"babel's currency data has {code!r} with {digits} decimals")
        if digits != DEFAULT_DIGITS:
            table[code] = digits
    return table


def minor_digits(currency: str | None) -> int:
    """Decimals of the currency's minor unit: 'XPF' -> 0, 'USD' -> 2, 'KWD' -> 3."""
    code = (currency or "").strip().upper()
    return minor_digits_table().get(code, DEFAULT_DIGITS)


def format_money(amount: Any, currency: str | None) -> str:
    """'12,566 XPF', '12.50 USD', '1.250 KWD': exact, grouped, the currency's own decimals.

    The amount is rounded half away from zero to the minor unit as Decimal (never through
    float), as DuckDB's DECIMAL cast rounds it in finding sentences; '' for a missing amount."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return ""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    digits = minor_digits(currency)
    text = f"{value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):,.{digits}f}"
    return f"{text} {currency or ''}".strip()
