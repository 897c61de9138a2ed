"""How the report writes amounts and sizes: exact money with its currency, data in GiB/MiB.

Data is counted in binary units (1 GiB = 1024³ bytes), as carriers count allowances and as the
finding sentences print them (DuckDB's ``format_bytes``), and labelled GiB/MiB, never GB.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pandas as pd

NO_MINOR_UNIT = {"XPF", "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "KMF"}


def format_money(amount: Any, currency: str | None) -> str:
    """'1,250 XPF', '12.50 USD': exact decimals, no minor unit where the currency has none."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return ""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    text = f"{value:,.0f}" if currency in NO_MINOR_UNIT else f"{value:,.2f}"
    return f"{text} {currency or ''}".strip()


def format_bytes(value: Any) -> str:
    """Bytes in binary units: '12.3 GiB', '850 MiB'."""
    if value is None or pd.isna(value):
        return "0 MiB"
    size = float(value)
    if size >= 1024**3:
        return f"{size / 1024**3:,.1f} GiB"
    return f"{size / 1024**2:,.0f} MiB"
