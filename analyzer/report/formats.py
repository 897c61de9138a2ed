"""How the report writes sizes: data in GiB/MiB (money is written by ``analyzer.money``).

Data is counted in binary units (1 GiB = 1024³ bytes), as carriers count allowances and as the
finding sentences print them (DuckDB's ``format_bytes``), and labelled GiB/MiB, never GB.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def format_bytes(value: Any) -> str:
    """Bytes in binary units: '12.3 GiB', '850 MiB'."""
    if value is None or pd.isna(value):
        return "0 MiB"
    size = float(value)
    if size >= 1024**3:
        return f"{size / 1024**3:,.1f} GiB"
    return f"{size / 1024**2:,.0f} MiB"
