"""Checks on a statement's facts as printed: a bill whose own facts contradict themselves is
refused with the place that prints them, never stored to mislead the rules."""

from __future__ import annotations

from collections.abc import Sequence
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


def file_total(path: Path, totals: Sequence[tuple[int | None, int, object, str | None]]) -> object:
    """The total a file's total row prints, or None without one; a total that does not read,
    or a second total row, refuses the file (the bills are checked against it: it is never
    left out, nor two added up)."""
    for page, row, _total, reason in totals:
        if reason is not None:
            raise InputError(
                path,
                f"in its total row, {reason}",
                page=page,
                row=row,
                hint="the bill is checked against its printed total; check the file",
            )
    if len(totals) > 1:
        first, second = totals[0], totals[1]
        raise InputError(
            path,
            f"it prints a second total row (row {first[1]} is the first)",
            page=second[0],
            row=second[1],
            hint="a file prints its total once; check the file (two exports joined?)",
        )
    return totals[0][2] if totals else None
