"""The child process that reads one sheet of a workbook (run as a script, alone).

The spreadsheet reader is native code: a crafted 3 KB workbook (a cell at XFD1048576, a
shared-string table declaring four billion entries) makes it allocate without bound and abort
the whole process. So the parent (``reading.read_sheet``) runs this file with
``python sheet_reader.py MEMORY_BYTES``: it caps its own address space, reads a JSON request on
stdin, writes the sheet as an Arrow IPC file of text columns (c0, c1, ...) to the path the
request names, and a JSON result on stdout. Every cell becomes the text a person sees
(:func:`cell_text`); error values cached on formula cells (``#DIV/0!``) stay as that text, so
that a value parser refuses them instead of reading a blank. It imports nothing from
``analyzer`` (no DuckDB), so it starts fast and small.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import zipfile
from datetime import date, datetime, time, timedelta
from typing import Any

# Error codes the parent turns into messages (see reading.py).
NO_SHEET = "no_sheet"
NO_VISIBLE_SHEET = "no_visible_sheet"
UNREADABLE = "unreadable"
OUT_OF_MEMORY = "out_of_memory"

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text a person sees (dates in ISO form, no float noise)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(int(value.total_seconds()))
    return str(value)


def choose_sheet(
    metadata: list[tuple[str, bool]], sheet: str | None, pattern: str | None
) -> tuple[str | None, str | None]:
    """(name, error): the sheet named exactly (hidden or not), else the first visible sheet
    whose name the pattern finds, else the first visible sheet."""
    names = [name for name, _ in metadata]
    visible = [name for name, shown in metadata if shown]
    if sheet is not None:
        return (sheet, None) if sheet in names else (None, NO_SHEET)
    if pattern is not None:
        import re2  # the profile's pattern is RE2, as every profile pattern

        compiled = re2.compile(pattern)
        found = next((name for name in visible if compiled.search(name)), None)
        return (found, None) if found is not None else (None, NO_SHEET)
    return (visible[0], None) if visible else (None, NO_VISIBLE_SHEET)


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    from defusedxml import ElementTree

    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    chosen = next((s for s in workbook.iter(f"{_MAIN_NS}sheet") if s.get("name") == sheet), None)
    if chosen is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == chosen.get(f"{_REL_NS}id"):
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def error_cells(path: str, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column) -> error text of the cells that hold an error value (an XLSX sheet)."""
    if not path.lower().endswith((".xlsx", ".xlsm")) or not zipfile.is_zipfile(path):
        return {}
    from defusedxml import ElementTree

    with zipfile.ZipFile(path) as archive:
        if "xl/workbook.xml" not in archive.namelist():
            return {}
        part = _sheet_part(archive, sheet)
        if part is None or part not in archive.namelist():
            return {}
        with archive.open(part) as stream:
            tail, found = b"", False
            for block in iter(lambda: stream.read(1 << 20), b""):
                if b't="e"' in tail + block:
                    found = True
                    break
                tail = block[-8:]
        if not found:
            return {}
        errors: dict[tuple[int, int], str] = {}
        with archive.open(part) as stream:
            for _, cell in ElementTree.iterparse(stream, forbid_dtd=True):
                if cell.tag != f"{_MAIN_NS}c":
                    continue
                value = cell.find(f"{_MAIN_NS}v")
                ref = _CELL_REF.match(cell.get("r", ""))
                if cell.get("t") == "e" and ref and value is not None and value.text:
                    errors[(int(ref.group(2)) - 1, _column_index(ref.group(1)))] = value.text
                cell.clear()
        return errors


def _fill_merged(rows: list[list[object]], ranges: list[Any]) -> None:
    """A merged cell's value belongs to every cell it covers (a date spanning several calls)."""
    for (top, left), (bottom, right) in ranges:
        if top < 0 or top >= len(rows) or left < 0 or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                if row[c] in (None, ""):
                    row[c] = value


def read(request: dict[str, Any]) -> dict[str, Any]:
    """Read the chosen sheet's rows as text and write them to the request's Arrow file."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(request["path"])
        metadata = [
            (m.name, m.visible == SheetVisibleEnum.Visible) for m in workbook.sheets_metadata
        ]
        name, error = choose_sheet(metadata, request.get("sheet"), request.get("pattern"))
        if error:
            return {"error": error, "sheets": [n for n, _ in metadata]}
        found = workbook.get_sheet_by_name(name)
        rows = found.to_python(skip_empty_area=False, nrows=request.get("limit"))
        merged = found.merged_cell_ranges if request.get("merged") else None
    except MemoryError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged files
        return {"error": UNREADABLE, "detail": str(exc).splitlines()[0] if str(exc) else ""}
    if merged:
        _fill_merged(rows, merged)
    text = [[cell_text(value) for value in row] for row in rows]
    if request.get("errors", True):
        for (r, c), value in error_cells(request["path"], name).items():
            if r < len(text) and c < len(text[r]):
                text[r][c] = value
    _write(text, request["output"])
    return {"sheet": name, "rows": len(text)}


def _write(rows: list[list[str | None]], output: str) -> None:
    import pyarrow as pa

    width = max((len(row) for row in rows), default=0)
    columns = {
        f"c{i}": pa.array([row[i] if i < len(row) else None for row in rows], pa.string())
        for i in range(width)
    }
    table = pa.table(columns) if columns else pa.table({"c0": pa.array([], pa.string())})
    with pa.OSFile(output, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def main() -> None:
    """Cap memory, read the request, write the result (errors are results, not tracebacks)."""
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    request = json.load(sys.stdin)
    try:
        result = read(request)
    except MemoryError:
        result = {"error": OUT_OF_MEMORY}
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
