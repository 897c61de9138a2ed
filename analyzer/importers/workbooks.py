"""Read a workbook's sheet (XLSX, XLSM, legacy XLS, ODS) into a staged text table.

The reader runs in a child process (``sheet_reader``) with memory and time limits, while
:func:`check_workbook` scans the workbook for zip bombs, XML entity bombs, absurd declared sizes
and formulas without results: a workbook it refuses stops the reader and is refused, and
nothing the reader wrote is used. Every cell arrives as text in Arrow columns. Header rows
repeated further down are skipped and counted.
"""

from __future__ import annotations

import array
import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pyarrow as pa

from analyzer.duck import temp_prefix
from analyzer.errors import InputError
from analyzer.importers import sheet_reader
from analyzer.importers.base import Staged
from analyzer.importers.reading import (
    _RESAVE,
    HEADER_SEARCH_ROWS,
    drop_repeated_headers,
    find_header,
    repeated_header_sql,
)
from analyzer.importers.sheet_reader import cell_text as cell_text
from analyzer.importers.source_text import sheet_text
from analyzer.importers.workbook_checks import WorkbookScan, check_sheet, scan_workbook

if TYPE_CHECKING:
    import duckdb

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
    find its header are a slice of the same read, a sheet without merged cells is not read
    again to fill them, and the workbook's other small sheets (a facts sheet) come with the
    first read.
    """
    stat = path.stat()
    version = (path, stat.st_mtime, stat.st_size)
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
SMALL_SHEET_BYTES = 1 << 20  # other sheets up to this much XML come with the first read


def _sheet(
    version: tuple[Path, float, int],
    check: Callable[[], WorkbookScan],
    sheet: str | None,
    pattern: str | None,
    *,
    merged: bool,
) -> SheetData:
    """The sheet, read by the reader process unless it was read already; ``check`` runs the
    workbook's and the sheet's checks (once per file version: a refusal raises every time)."""
    key = (*version, sheet, pattern, merged)
    if key in _SHEETS:
        check()  # a sheet that came with another was read before its own checks ran
        return _SHEETS[key]
    versions = list(dict.fromkeys(k[:3] for k in _SHEETS))
    if version not in versions and len(versions) >= KEPT_VERSIONS:
        for old in [k for k in _SHEETS if k[:3] == versions[0]]:
            del _SHEETS[old]
    for name, data in _read(version[0], check, sheet, pattern, merged):
        _SHEETS.setdefault((*version, name, None, merged), data)
        _SHEETS.setdefault(key, data)
    return _SHEETS[key]


def _read(
    path: Path,
    check: Callable[[], WorkbookScan],
    sheet: str | None,
    pattern: str | None,
    merged: bool,
) -> list[tuple[str, SheetData]]:
    """The chosen sheet (first), then the small sheets read with it, each by its name."""
    with tempfile.TemporaryDirectory(prefix=temp_prefix("sheet")) as workdir:
        output = Path(workdir) / "sheet.arrow"
        request = {
            "path": str(path),
            "sheet": sheet,
            "pattern": pattern,
            "merged": merged,
            "small_sheets": 0 if merged else SMALL_SHEET_BYTES,
            "output": str(output),
            "scan_follows": True,
        }
        first, *others = _run_reader(path, request, check)
        sheets = [(first["sheet"], _load(output, first))]
        sheets += [(o["sheet"], _load(Path(o["output"]), o)) for o in others]
    return sheets


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


def _run_reader(
    path: Path, request: dict[str, object], check: Callable[[], WorkbookScan]
) -> list[dict[str, Any]]:
    """The reader's results: the chosen sheet's, then those of the small sheets read after it
    (the reader may have failed after the chosen sheet: that sheet is read all the same).

    The reader starts before ``check`` scans the workbook and reads a large sheet's body while
    it does (the scan of a million-row sheet takes seconds); what the scan saw follows the
    request, and a workbook the scan refuses stops the reader.
    """
    deadline = time.monotonic() + SHEET_SECONDS
    command = [sys.executable, sheet_reader.__file__, str(SHEET_MEMORY_BYTES)]
    reader = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout = stderr = None
    try:
        with contextlib.suppress(BrokenPipeError):  # a reader that died is reported below
            assert reader.stdin is not None
            reader.stdin.write(json.dumps(request).encode() + b"\n")
            reader.stdin.flush()
        scan = check()
        facts = {"errors": bool(scan.errors), "merge_parts": sorted(scan.merges)}
        left = max(deadline - time.monotonic(), 0.001)
        stdout, stderr = reader.communicate(json.dumps(facts).encode() + b"\n", timeout=left)
    except subprocess.TimeoutExpired as exc:
        raise InputError(
            path,
            f"reading the workbook took longer than the {SHEET_SECONDS:g} s time limit",
            hint="the workbook may be malformed or far too large; " + _RESAVE,
        ) from exc
    finally:
        if stdout is None:  # refused by the checks, too slow or interrupted: stop it
            reader.kill()
            reader.communicate()
    done = subprocess.CompletedProcess(command, reader.returncode, stdout, stderr)
    lines = done.stdout.split(b"\n")
    results = [json.loads(line) for line in lines[:-1]]  # each complete line, said when done
    if not results or "error" in results[0]:
        _refuse(path, request, done, results[0] if results else {})
    return results


def _refuse(
    path: Path,
    request: dict[str, object],
    done: subprocess.CompletedProcess[bytes],
    result: dict[str, Any],
) -> NoReturn:
    """The reader's failure as the message that says what to do."""
    out_of_memory = InputError(
        path,
        f"reading the workbook needed more than the {SHEET_MEMORY_BYTES >> 30} GiB memory limit",
        hint="it may be crafted to exhaust memory (a cell far outside the data, or a huge "
        "declared table); " + _RESAVE,
    )
    error = result.get("error")
    if error is None:
        if done.returncode in (-signal.SIGABRT, -signal.SIGKILL) or b"MemoryError" in done.stderr:
            raise out_of_memory
        raise InputError(
            path, f"the spreadsheet reader failed (exit {done.returncode})", hint=_RESAVE
        )
    if error == sheet_reader.OUT_OF_MEMORY:
        raise out_of_memory
    if error in (sheet_reader.NO_SHEET, sheet_reader.NO_VISIBLE_SHEET):
        wanted = request["sheet"] or request["pattern"]
        listed = ", ".join(result.get("sheets", [])) or "none"
        what = f"no sheet matches {wanted!r}" if wanted else "it has no visible sheet"
        raise InputError(path, f"{what} (its sheets: {listed})", hint="check the sheet name")
    raise InputError(
        path, f"the spreadsheet cannot be read ({result.get('detail', '')})", hint=_RESAVE
    )


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
