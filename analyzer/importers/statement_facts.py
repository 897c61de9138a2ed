"""Statement facts of a tabular export: printed money, volumes and times, and row totals."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from analyzer.importers.event_rows import EventRows
from analyzer.importers.records import StatementFacts, stated_totals_json
from analyzer.model import Statement


def with_records(statement: Statement, records: StatementFacts) -> Statement:
    """The statement with what its header, trailer and summary records print."""
    values: dict[str, Any] = {}
    for name, value in records.values.items():
        if name in ("period_start", "period_end", "issued_on"):
            values[name] = value.date() if isinstance(value, datetime) else value
        elif name == "line":
            values["lines"] = tuple(sorted({*statement.lines, str(value)}))
        elif name in ("subtotal", "taxes", "total_due", "balance_after", "allowance_bytes"):
            values[name] = Decimal(value)
        else:
            values[name] = value
    extra = dict(statement.extra)
    if records.stated:
        extra["stated_totals"] = stated_totals_json(records.stated)
    return replace(statement, **values, extra=extra)


def parse_decimal(text: str | None, decimal: str = ".") -> Decimal | None:
    if not text:
        return None
    cleaned = re.sub(r"[^\d,.\-]", "", text)
    cleaned = cleaned.replace("," if decimal == "." else ".", "").replace(decimal, ".")
    try:
        return Decimal(cleaned)
    except ArithmeticError:
        return None


_VOLUME = re.compile(r"([\d.,]+)\s*(k|m|g|t)?i?[bo]", re.IGNORECASE)


def parse_volume(text: str | None) -> Decimal | None:
    """'8 GB (8192 MB)' -> bytes (base 1024, as carriers count allowances)."""
    if not text:
        return None
    match = _VOLUME.search(text)
    if not match:
        return None
    power = " kmgt".index((match.group(2) or " ").lower())
    return Decimal(match.group(1).replace(",", ".")) * 1024**power


def parse_as_of(text: str | None, formats: tuple[str, ...]) -> datetime | None:
    if not text:
        return None
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def row_totals(events: EventRows, where: str) -> dict[str, Any]:
    """Printed totals and monthly usage totals of the rows behind the events ``where`` selects
    (once a row: a row's first event carries them)."""
    names = events.column_names
    figures = [
        n for n in ("total_data_bytes", "total_voice_seconds", "total_messages") if n in names
    ]
    columns = ["line", "statement_total", *figures]
    selected = ", ".join(f'"{c}"' if c in names else f'NULL AS "{c}"' for c in columns)
    rows = events.con.sql(
        f"""
        SELECT {selected} FROM {events.table}
        WHERE rowid IN (SELECT min(rowid) FROM {events.table} WHERE {where} GROUP BY page, "row")
        ORDER BY rowid
        """
    ).fetchall()
    total: Decimal | None = None
    usage: dict[str, dict[str, str]] = {}
    for line, statement_total, *values in rows:
        if statement_total is not None:
            total = (total or Decimal(0)) + statement_total
        printed = {
            name.removeprefix("total_"): str(value)
            for name, value in zip(figures, values, strict=True)
            if value is not None
        }
        if printed and line:
            usage[line] = printed
    return {"total": total, "usage": usage}
