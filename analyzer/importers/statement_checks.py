"""Checks on a statement's facts as printed: a bill whose own facts contradict themselves is
refused with the place that prints them, never stored to mislead the rules."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from analyzer.errors import InputError


def check_period(
    path: Path,
    start: date | None,
    end: date | None,
    *,
    page: int | None = None,
    row: int | None = None,
) -> None:
    """Refuse a period that ends before it starts (a rule would read it as a billed period
    with no usage in it)."""
    if start is None or end is None:
        return
    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    if last < first:
        raise InputError(
            path,
            f"its statement period ends on {last.isoformat()}, before it starts on "
            f"{first.isoformat()}",
            page=page,
            row=row,
            hint="the bill prints its period reversed; check the file",
        )
