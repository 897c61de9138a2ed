"""Read a workbook's sheet (XLSX, XLSM, legacy XLS, ODS) into a staged text table.

The reader runs in a child process (``sheet_reader``) with memory and time limits, after
:func:`check_workbook` has refused zip bombs, XML entity bombs, absurd declared sizes and
formulas without results; every cell arrives as text in Arrow columns. Header rows repeated
further down are skipped and counted.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from analyzer.errors import InputError
from analyzer.importers import sheet_reader
from analyzer.importers.base import Staged
from analyzer.importers.reading import (
    _RESAVE,
    HEADER_SEARCH_ROWS,
    check_workbook,
    drop_repeated_headers,
    find_header,
)
from analyzer.importers.sheet_reader import cell_text as cell_text

SHEET_SECONDS = 60.0
SHEET_MEMORY_BYTES = 2 << 30


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
    find its header are a slice of the same read, and a sheet without merged cells is not read
    again to fill them.
    """
    stat = path.stat()
    version = (path, stat.st_mtime, stat.st_size)
    data = _read_sheet_cached(*version, sheet, sheet_pattern, False)
    if merged and data.merges:
        data = _read_sheet_cached(*version, sheet, sheet_pattern, True)
    if limit is not None and limit < data.table.num_rows:
        return replace(data, table=data.table.slice(0, limit))
    return data


@lru_cache(maxsize=4)
def _read_sheet_cached(
    path: Path,
    mtime: float,
    size: int,
    sheet: str | None,
    pattern: str | None,
    merged: bool,
) -> SheetData:
    _check_workbook_cached(path, mtime, size, sheet)
    with tempfile.TemporaryDirectory(prefix="analyzer-sheet-") as workdir:
        output = Path(workdir) / "sheet.arrow"
        request = {
            "path": str(path),
            "sheet": sheet,
            "pattern": pattern,
            "merged": merged,
            "output": str(output),
        }
        result = _run_reader(path, request)
        with pa.memory_map(str(output)) as source:
            table = pa.ipc.open_file(source).read_all()
    return SheetData(name=result["sheet"], table=table, merges=result.get("merges", 0))


@lru_cache(maxsize=16)
def _check_workbook_cached(path: Path, mtime: float, size: int, sheet: str | None) -> None:
    """The workbook's checks, once per file version and sheet (a refusal raises every time)."""
    del mtime, size  # part of the cache key only
    check_workbook(path, sheet)


def _run_reader(path: Path, request: dict[str, object]) -> dict[str, object]:
    try:
        done = subprocess.run(
            [sys.executable, sheet_reader.__file__, str(SHEET_MEMORY_BYTES)],
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=SHEET_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InputError(
            path,
            f"reading the workbook took longer than the {SHEET_SECONDS:g} s time limit",
            hint="the workbook may be malformed or far too large; " + _RESAVE,
        ) from exc
    out_of_memory = InputError(
        path,
        f"reading the workbook needed more than the {SHEET_MEMORY_BYTES >> 30} GiB memory limit",
        hint="it may be crafted to exhaust memory (a cell far outside the data, or a huge "
        "declared table); " + _RESAVE,
    )
    if done.returncode != 0:
        if done.returncode in (-signal.SIGABRT, -signal.SIGKILL) or b"MemoryError" in done.stderr:
            raise out_of_memory
        raise InputError(
            path, f"the spreadsheet reader failed (exit {done.returncode})", hint=_RESAVE
        )
    result = json.loads(done.stdout)
    error = result.get("error")
    if error == sheet_reader.OUT_OF_MEMORY:
        raise out_of_memory
    if error in (sheet_reader.NO_SHEET, sheet_reader.NO_VISIBLE_SHEET):
        wanted = request["sheet"] or request["pattern"]
        listed = ", ".join(result.get("sheets", [])) or "none"
        what = f"no sheet matches {wanted!r}" if wanted else "it has no visible sheet"
        raise InputError(path, f"{what} (its sheets: {listed})", hint="check the sheet name")
    if error == sheet_reader.UNREADABLE:
        raise InputError(
            path, f"the spreadsheet cannot be read ({result.get('detail', '')})", hint=_RESAVE
        )
    return result


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
) -> Staged:
    """Read one sheet below its header row; every cell becomes text (XLSX, XLSM, XLS, ODS)."""
    head = read_sheet(path, sheet, sheet_pattern=sheet_pattern, limit=HEADER_SEARCH_ROWS)
    head_rows = head.rows()
    start = find_header(head_rows, header)
    if start is None:
        raise InputError(path, f"no header row with the columns {', '.join(header)}")
    data = read_sheet(path, head.name, merged=True).table
    names = tuple(c or "" for c in data.slice(start, 1).to_pylist()[0].values())
    body = data.slice(start + 1)
    table = pa.table(
        {
            "_page": pa.nulls(body.num_rows, pa.int32()),
            "_row": pa.array(range(start + 2, start + 2 + body.num_rows), pa.int64()),
            **{f"c{i}": body.column(i) for i in range(len(names))},
        }
    )
    table, repeated = drop_repeated_headers(table, names)
    above = SheetData(head.name, data.slice(0, start)).rows()
    preamble = "\n".join(" ".join(c or "" for c in row).strip() for row in above)
    return Staged(
        table=table, names=names, preamble=preamble, rows_read=body.num_rows, blank_rows=repeated
    )
