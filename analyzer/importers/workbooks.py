"""Read a workbook's sheet (XLSX, XLSM, legacy XLS, ODS) into a staged text table.

The reader runs in a child process (``sheet_reader``, started by ``sheet_process``, which may
start it on a workbook about to be imported before the importers load) with memory and time
limits, while
:func:`check_workbook` scans the workbook for zip bombs, XML entity bombs, absurd declared sizes
and formulas without results: a workbook it refuses stops the reader and is refused, and
nothing the reader wrote is used. Every cell arrives as text in Arrow columns. Header rows
repeated further down are skipped and counted.
"""

from __future__ import annotations

import array
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from analyzer.errors import InputError
from analyzer.importers import sheet_reader
from analyzer.importers.base import Staged
from analyzer.importers.reading import (
    HEADER_SEARCH_ROWS,
    check_width,
    drop_repeated_headers,
    find_header,
    repeated_header_sql,
)
from analyzer.importers.sheet_process import SheetProcess, Version, take_early, version_of
from analyzer.importers.sheet_reader import cell_text as cell_text
from analyzer.importers.source_text import sheet_text
from analyzer.importers.workbook_checks import WorkbookScan, check_sheet, scan_workbook

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class SheetData:
    """One sheet read as text: ``table`` has a text column per sheet column (c0, c1, ...) and a
    row per sheet row from row 1, so the table's row i is the sheet's row i + 1."""

    name: str
    table: pa.Table
    merges: int = 0  # merged cell ranges in the sheet

    def rows(self) -> list[list[str | None]]:
        """The rows as lists (for the few head rows a layout identifies files by)."""
        names = self.table.column_names
        return [[row[n] for n in names] for row in self.table.to_pylist()]


def read_sheet(
    path: Path,
    sheet: str | None = None,
    *,
    sheet_pattern: str | None = None,
    limit: int | None = None,
    merged: bool = False,
) -> SheetData:
    """Read one sheet of an XLSX, XLSM, XLS or ODS workbook in a child process with memory and
    time limits, so a hostile workbook fails alone with a clear message.

    ``sheet`` is a sheet's exact name (a hidden sheet is read only when named so); else
    ``sheet_pattern`` is a regular expression searched in the visible sheets' names; else the
    first visible sheet is read. ``limit`` gives only the first rows; ``merged`` gives a merged
    cell's value to every cell it covers. Error values of formula cells stay as their text
    ('#DIV/0!'), so value specs reject them.

    The sheet is read whole once per file version: the first rows that identify a file and
    find its header are a slice of the same read, a sheet without merged cells is not read
    again to fill them, and the workbook's other small sheets (a facts sheet) come with the
    first read.
    """
    version = version_of(path)
    check = partial(_check_sheet_cached, *version, sheet)
    data = _sheet(version, check, sheet, sheet_pattern, merged=False)
    if merged and data.merges:
        data = _sheet(version, check, sheet, sheet_pattern, merged=True)
    if limit is not None and limit < data.table.num_rows:
        return replace(data, table=data.table.slice(0, limit))
    return data


# Sheets read, by (path, mtime, size, sheet, pattern, merged), of the last few file versions.
_SHEETS: dict[tuple[object, ...], SheetData] = {}
KEPT_VERSIONS = 2


def _sheet(
    version: Version,
    check: Callable[[], WorkbookScan],
    sheet: str | None,
    pattern: str | None,
    *,
    merged: bool,
) -> SheetData:
    """The sheet, read by the reader process unless it was read already; ``check`` runs the
    workbook's and the sheet's checks (once per file version: a refusal raises every time)."""
    key = (*version, sheet, pattern, merged)
    if key not in _SHEETS:
        _take_early(version, key)
    if key in _SHEETS:
        check()  # a sheet that came with another was read before its own checks ran
        return _SHEETS[key]
    with SheetProcess(version[0], sheet, pattern, merged) as process:
        _keep(version, key, _sheets(process, check))
    return _SHEETS[key]


def _take_early(version: Version, key: tuple[object, ...]) -> None:
    """Keep what the process started early on this file version read, if one was.

    Its failure is this read's only when it read what this read asks for (a workbook's
    first visible sheet): another sheet is then read on its own, which says what is wrong.
    """
    process = take_early(version)
    if process is None:
        return
    early = (*version, None, None, False)
    with process:
        try:
            sheets = _sheets(process, partial(_check_sheet_cached, *version, None))
        except InputError:
            if key == early:
                raise
            return
    _keep(version, early, sheets)


def _sheets(process: SheetProcess, check: Callable[[], WorkbookScan]) -> list[SheetData]:
    """The sheet a process read (first), then the small sheets it read with it."""
    first, *others = process.results(check)
    return [_load(process.output, first)] + [_load(Path(o["output"]), o) for o in others]


def _keep(version: Version, key: tuple[object, ...], sheets: list[SheetData]) -> None:
    """Keep the sheets a read gave, each by its name, the first (the one asked for) by ``key``
    too; the sheets of older file versions than the last few go."""
    versions = list(dict.fromkeys(k[:3] for k in _SHEETS))
    if version not in versions and len(versions) >= KEPT_VERSIONS:
        for old in [k for k in _SHEETS if k[:3] == versions[0]]:
            del _SHEETS[old]
    for data in sheets:
        _SHEETS.setdefault((*version, data.name, None, key[-1]), data)
        _SHEETS.setdefault(key, data)


def _load(output: Path, result: dict[str, Any]) -> SheetData:
    table = sheet_reader.load_table(str(output), result)
    return SheetData(name=result["sheet"], table=table, merges=result.get("merges", 0))


@lru_cache(maxsize=16)
def _scan_cached(path: Path, mtime: float, size: int) -> WorkbookScan:
    """The workbook-wide checks, once per file version (a refusal raises every time)."""
    del mtime, size  # part of the cache key only
    return scan_workbook(path)


@lru_cache(maxsize=16)
def _check_sheet_cached(path: Path, mtime: float, size: int, sheet: str | None) -> WorkbookScan:
    """The workbook's checks, and the sheet's own, once per file version and sheet."""
    scan = _scan_cached(path, mtime, size)
    check_sheet(path, scan, sheet)
    return scan


def xlsx_head_rows(
    path: Path, sheet: str | None = None, *, sheet_pattern: str | None = None
) -> list[list[str | None]]:
    """The first rows of a workbook's sheet, for identify and header search; a workbook
    without that sheet has no rows (it is not this layout's file)."""
    try:
        return read_sheet(path, sheet, sheet_pattern=sheet_pattern, limit=HEADER_SEARCH_ROWS).rows()
    except InputError as exc:
        if "no sheet matches" in exc.problem:
            return []
        raise


def xlsx_rows(
    path: Path, sheet: str | None = None, *, sheet_pattern: str | None = None
) -> list[list[str | None]]:
    """Every row of a workbook's sheet (the facts sheet beside the usage table)."""
    return read_sheet(path, sheet, sheet_pattern=sheet_pattern).rows()


def stage_xlsx(
    path: Path,
    *,
    header: tuple[str, ...],
    sheet: str | None = None,
    sheet_pattern: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Staged:
    """Read one sheet below its header row; every cell becomes text (XLSX, XLSM, XLS, ODS).

    With ``con`` (the extraction's connection), the rows are copied into a table of it,
    numbered in order, and this process forgets the sheet: a large sheet's text is then held
    once, by DuckDB (which spills past its memory limit), not also as Arrow.
    """
    head = read_sheet(path, sheet, sheet_pattern=sheet_pattern, limit=HEADER_SEARCH_ROWS)
    head_rows = head.rows()
    start = find_header(head_rows, header)
    if start is None:
        raise InputError(path, f"no header row with the columns {', '.join(header)}")
    data = read_sheet(path, head.name, merged=True).table
    names = tuple(c or "" for c in data.slice(start, 1).to_pylist()[0].values())
    check_width(path, names)
    body = data.slice(start + 1)
    table = pa.table(
        {
            "_page": pa.nulls(body.num_rows, pa.int32()),
            "_row": _numbers(start + 2, start + 2 + body.num_rows),
            **{f"c{i}": body.column(i) for i in range(len(names))},
        }
    )
    above = SheetData(head.name, data.slice(0, start)).rows()
    preamble = "\n".join(" ".join(c or "" for c in row).strip() for row in above)
    staged = Staged(
        table=table,
        names=names,
        preamble=preamble,
        rows_read=body.num_rows,
        text=sheet_text(data, names),
    )
    if con is None:
        table, repeated = drop_repeated_headers(table, names)
        return replace(staged, table=table, blank_rows=repeated)
    # Numbered here, not by row_number() in SQL: a window over every row holds them all. The
    # header rows repeated below are left out on the way in (a number then has no row).
    con.register("sheet_rows", table.add_column(0, "_rid", _numbers(1, table.num_rows + 1)))
    con.execute(
        "CREATE TEMP TABLE staged_sheet AS "
        f"SELECT * FROM sheet_rows WHERE NOT {repeated_header_sql(names)}"
    )
    con.unregister("sheet_rows")
    kept = con.sql("SELECT count(*) FROM staged_sheet").fetchall()[0][0]
    _forget(path, head.name)
    return replace(staged, table="staged_sheet", blank_rows=table.num_rows - kept)


def _forget(path: Path, name: str) -> None:
    """Drop the sheets of that name that were read from ``path`` (any version) from the cache."""
    for key in [k for k, data in _SHEETS.items() if k[0] == path and data.name == name]:
        del _SHEETS[key]


def _numbers(first: int, end: int) -> pa.Array:
    """first, first + 1, ... end - 1 as int64, built from a buffer: pa.array() of a Python
    sequence would import pandas (half a second) to ask whether it is a pandas object."""
    values = array.array("q", range(first, end))
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])
