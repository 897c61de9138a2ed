"""Dates printed without a year ('28. Okt', '03-02 13:13:40') take it from somewhere certain.

A profile whose date formats have no year is compiled with ``YEAR_UNKNOWN``; each file then
resolves it, in this order: the statement period the file prints (the year that puts each date
in that period), the year the user names (``--year``), the profile's ``[read] year``, a period
the file's name spells with two dates (``bill_2011-12-15_2012-01-14.csv``), and a year in the
file's name (``bill_2024-10.csv``; a name with several years and no period is refused). With none of them the file is refused, never
read as 1900.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from analyzer.errors import InputError
from analyzer.importers.base import TableMapping
from analyzer.importers.specs import Spec, Timestamp, When

YEAR_UNKNOWN = 1  # a placeholder no real date has: rows left with it are out-of-range rejects
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])(?:[-_.]?([0-3]\d))?(?!\d)")


def needs_year(mappings: tuple[TableMapping, ...] | list[TableMapping]) -> bool:
    """Whether any field of these mappings reads a date printed without a year."""
    return any(_yearless(spec) for m in mappings for spec in m.fields.values())


def _yearless(spec: object) -> bool:
    if isinstance(spec, When):
        return _yearless(spec.then) or _yearless(spec.otherwise)
    return isinstance(spec, Timestamp) and spec.year == YEAR_UNKNOWN


def year_source(
    path: Path,
    period: tuple[date | None, date | None] | None,
    *,
    given: int | None,
    profile_year: int | None,
) -> tuple[int | None, tuple[date, date] | None]:
    """The year (or the period) that dates without a year of this file belong to."""
    if period and period[0] and period[1]:
        return None, (period[0], period[1])
    for year in (given, profile_year):
        if year is not None:
            return year, None
    named = _period_in_name(path.name)
    if named is not None:
        return None, named
    years = sorted(set(_YEAR_IN_NAME.findall(path.name)))
    if len(years) == 1:
        return int(years[0]), None
    if years:  # 'dec2011_jan2012': which dates fall in which year, the name does not say
        raise InputError(
            path,
            f"its dates print no year, and its name names several ({', '.join(years)})",
            hint="name the file by its period (bill_2011-12-15_2012-01-14.csv), or pass "
            "--year YYYY when all its dates fall in one year",
        )
    raise InputError(
        path,
        "its dates print no year, and neither the file nor its name says which",
        hint="pass --year YYYY (the year of the bill)",
    )


def _period_in_name(name: str) -> tuple[date, date] | None:
    """The period a name spells with two dates ('2011-12-15_2012-01-14', '2011-12_2012-01':
    from the first day of the first month to the last of the second), or None."""
    found = [m.groups() for m in _DATE_IN_NAME.finditer(name)]
    if len(found) < 2:
        return None
    try:
        (y1, m1, d1), (y2, m2, d2) = found[0], found[-1]
        start = date(int(y1), int(m1), int(d1 or 1))
        end = date(int(y2), int(m2), int(d2)) if d2 else _month_end(int(y2), int(m2))
    except ValueError:  # 2026-02-31: not a date, so not a period
        return None
    return (start, end) if start <= end else None


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def with_year(
    mapping: TableMapping, year: int | None, period: tuple[date, date] | None
) -> TableMapping:
    """The mapping with its yearless dates placed in ``year`` or ``period``."""

    def place(spec: Spec) -> Spec:
        if isinstance(spec, When):
            return replace(spec, then=place(spec.then), otherwise=place(spec.otherwise))
        if isinstance(spec, Timestamp) and spec.year == YEAR_UNKNOWN:
            return replace(spec, year=year, period=period)
        return spec

    return replace(mapping, fields={name: place(spec) for name, spec in mapping.fields.items()})
