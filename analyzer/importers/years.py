"""Dates printed without a year ('28. Okt', '03-02 13:13:40') take it from somewhere certain.

A profile whose date formats have no year is compiled with ``YEAR_UNKNOWN``; each file then
resolves it, in this order: the statement period the file prints (the year that puts each date
in that period), the year the user names (``--year``), the profile's ``[read] year``, and a
year in the file's name (``bill_2024-10.csv``). With none of them the file is refused, never
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
    match = _YEAR_IN_NAME.search(path.name)
    if match:
        return int(match.group(1)), None
    raise InputError(
        path,
        "its dates print no year, and neither the file nor its name says which",
        hint="pass --year YYYY (the year of the bill)",
    )


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
