"""The child process that reads one sheet of a workbook (run as a script, alone).

The spreadsheet reader is native code: a crafted 3 KB workbook (a cell at XFD1048576, a
shared-string table declaring four billion entries) makes it allocate without bound and abort
the whole process. So the parent (``reading.read_sheet``) runs this file with
``python sheet_reader.py MEMORY_BYTES``: it caps its own address space, reads a line of JSON
request on stdin (and, when the request says so, what the parent's scan of the workbook saw on
the next: :func:`scan_facts`), writes the sheet as Arrow IPC files of text columns (c0, c1,
...): the path the request names and, for a large sheet's body, the ``parts`` its result
lists (:func:`load_table` joins them), and a line of JSON on stdout. When the request asks, the
workbook's other small sheets follow, each to its own file and line (a facts sheet then costs
no second process). Every cell becomes the text a person sees
(:func:`cell_text`); error values cached on formula cells (``#DIV/0!``) stay as that text, so
that a value parser refuses them instead of reading a blank. It imports nothing from
``analyzer`` (no DuckDB), so it starts fast and small.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import re
import resource
import sys
import zipfile
from collections.abc import Iterator
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


def _fill_merged(rows: list[list[object]], offset: int, ranges: list[Any], tops: dict) -> None:
    """A merged cell's value belongs to every cell it covers (a date spanning several calls).

    ``rows`` are the sheet's rows from row ``offset``; ``tops`` keeps each range's value once
    its top row has been seen, for the parts of the range in later rows.
    """
    end = offset + len(rows)
    for index, ((top, left), (bottom, right)) in enumerate(ranges):
        if top < 0 or left < 0 or bottom < offset or top >= end:
            continue
        if offset <= top and left < len(rows[top - offset]):
            tops.setdefault(index, rows[top - offset][left])
        if index not in tops:
            continue
        value = tops[index]
        for r in range(max(top, offset), min(bottom, end - 1) + 1):
            row = rows[r - offset]
            for c in range(left, min(right, len(row) - 1) + 1):
                if row[c] in (None, ""):
                    row[c] = value


def read(request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Read the chosen sheet's rows as text and write them to the request's Arrow file; then,
    when the request asks, the other small sheets (see :func:`read_small_sheets`)."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(request["path"])
        metadata = [
            (m.name, m.visible == SheetVisibleEnum.Visible) for m in workbook.sheets_metadata
        ]
        name, error = choose_sheet(metadata, request.get("sheet"), request.get("pattern"))
        if error:
            yield {"error": error, "sheets": [n for n, _ in metadata]}
            return
        done = _read_one(workbook, name, request, request["output"])
    except MemoryError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged files
        yield {"error": UNREADABLE, "detail": str(exc).splitlines()[0] if str(exc) else ""}
        return
    yield {"sheet": name, **done}
    yield from read_small_sheets(workbook, name, request)


def _read_one(workbook: Any, name: str, request: dict[str, Any], output: str) -> dict[str, Any]:
    try:
        fast = _read_in_two_parts(name, request, output)
    except MemoryError:
        raise
    except Exception:  # read cell by cell instead: its refusals are the ones to report
        fast = None
    if fast is not None:
        return fast
    found = workbook.get_sheet_by_name(name)
    ranges = found.merged_cell_ranges or []
    merged = ranges if request.get("merged") else []
    scan = scan_facts(request)
    errors = error_cells(request["path"], name) if scan.get("errors", True) else {}
    rows = _write(_batches(found, request.get("limit"), merged, errors), output)
    return {"rows": rows, "merges": len(ranges)}


def scan_facts(request: dict[str, Any]) -> dict[str, Any]:
    """What the parent's scan of the workbook saw (``errors``: whether it holds error values;
    ``merge_parts``: the sheets that declare merged ranges), absent ones unknown.

    They come in the request, or, when the parent started this reader before its scan was
    done (``scan_follows``), as the next line on stdin, read once, when first needed: a large
    sheet's body is read before, while the parent scans.
    """
    if request.pop("scan_follows", False):
        line = sys.stdin.readline()
        if line.strip():
            request.update(json.loads(line))
    return request


def _read_in_two_parts(name: str, request: dict[str, Any], output: str) -> dict[str, Any] | None:
    """A large XLSX sheet's head read cell by cell into ``output`` and its body as typed
    columns, a slice at a time, into files of its own (``parts``: see :func:`load_table`);
    None when the sheet is small, or its body cannot be read so exactly (see ``sheet_body``).

    The body is read first: where it starts and what it holds do not depend on the parent's
    scan (:func:`scan_facts`), which may still be running.
    """
    path = request["path"]
    if request.get("limit") is not None or not path.lower().endswith((".xlsx", ".xlsm")):
        return None
    if not zipfile.is_zipfile(path):
        return None
    from python_calamine import CalamineWorkbook

    body = _sheet_body()
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, name) if "xl/workbook.xml" in archive.namelist() else None
    cut = body.head_copy(path, part, FIRST_BATCH_ROWS, merges=False) if part else None
    if cut is None:
        return None
    parts: list[str] = []
    try:
        rows = _write_body(body.read_body(path, name, part, FIRST_BATCH_ROWS), cut, output, parts)
    except body.NotExact:
        rows = 0
    scan = scan_facts(request) if rows else {}
    copy = cut
    if rows and part in scan.get("merge_parts", [part]):  # unknown: look for them
        copy = body.head_copy(path, part, FIRST_BATCH_ROWS, merges=True)
    if not rows or copy is None:
        _remove(parts)
        return None
    head = CalamineWorkbook.from_filelike(io.BytesIO(copy.workbook)).get_sheet_by_name(name)
    ranges = head.merged_cell_ranges or []
    merged = ranges if request.get("merged") else []
    errors = error_cells(path, name) if scan.get("errors", True) else {}
    start = copy.body_start
    below = [r for (_, (r, _)) in merged] + [r for r, _ in errors]
    if any(r >= start for r in below):
        _remove(parts)
        return None  # a merged range or an error value in the body: read cell by cell
    rows += _write(_lengthened(_batches(head, start, merged, errors), start), output)
    return {"rows": rows, "merges": len(ranges), "parts": parts}


def _write_body(slices: Iterator[Any], cut: Any, output: str, parts: list[str]) -> int:
    """Write each slice of the body's rows (``sheet_body.BodyRows``) to a file of its own,
    named in ``parts``; the rows written."""
    import pyarrow as pa

    expected = cut.body_start
    for found in slices:
        if found.first_row != expected:  # the slices must join up row for row
            raise _sheet_body().NotExact
        width = max(found.columns) + 1
        blank = pa.nulls(found.rows, pa.string())
        columns = [found.columns.get(i, blank) for i in range(width)]
        batches = [[pa.nulls(found.blank, pa.string())] * width] if found.blank else []
        batches += [
            [c.slice(at, BATCH_ROWS) for c in columns] for at in range(0, found.rows, BATCH_ROWS)
        ]
        parts.append(f"{output}.body{len(parts)}")
        _write(iter(batches), parts[-1])
        expected += found.blank + found.rows
    return expected - cut.body_start


def _lengthened(head: Iterator[list[Any]], start: int) -> Iterator[list[Any]]:
    """The head's batches, then blank rows up to the body's first row ``start``."""
    import pyarrow as pa

    rows = width = 0
    for batch in head:
        rows, width = rows + len(batch[0]), len(batch)
        yield batch
    if rows < start:
        yield [pa.nulls(start - rows, pa.string())] * max(width, 1)


def _remove(files: list[str]) -> None:
    for file in files:
        with contextlib.suppress(OSError):
            os.remove(file)


def load_table(output: str, result: dict[str, Any]) -> Any:
    """The table a result's files hold (a ``pyarrow.Table`` of text columns c0, c1, ...): the
    file ``output`` and then the result's ``parts`` in order, the narrower ones widened with
    blank columns. Memory-mapped: the rows are read from the files when used."""
    import pyarrow as pa

    tables = []
    for file in [output, *result.get("parts", [])]:
        with pa.memory_map(file) as source:
            tables.append(pa.ipc.open_file(source).read_all())
    width = max(table.num_columns for table in tables)
    for index, table in enumerate(tables):
        for column in range(table.num_columns, width):
            table = table.append_column(f"c{column}", pa.nulls(table.num_rows, pa.string()))
        tables[index] = table
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


def _sheet_body() -> Any:
    """The sibling module that reads a sheet's body (this file also runs as a script)."""
    if __package__:
        from analyzer.importers import sheet_body
    else:
        import sheet_body  # type: ignore[no-redef]
    return sheet_body


def small_sheets(path: str, taken: str, most_bytes: int) -> list[str]:
    """The other sheets of an XLSX workbook small enough to read at once (a facts sheet beside
    the table), whose cells all lie within a modest range (so none can exhaust memory)."""
    if not path.lower().endswith((".xlsx", ".xlsm")) or not zipfile.is_zipfile(path):
        return []
    from defusedxml import ElementTree

    chosen = []
    with zipfile.ZipFile(path) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
        for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
            name = sheet.get("name")
            part = _sheet_part(archive, name) if name and name != taken else None
            info = archive.NameToInfo.get(part or "")
            if info is None or info.file_size > most_bytes:
                continue
            refs = _CELL_REFS.findall(archive.read(info))
            rows = max((int(row) for _, row in refs), default=0)
            columns = max((_column_index(c.decode()) + 1 for c, _ in refs), default=0)
            if rows * columns <= SMALL_SHEET_CELLS:
                chosen.append(name)
    return chosen


SMALL_SHEET_CELLS = 100_000
_CELL_REFS = re.compile(rb'<c[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def read_small_sheets(
    workbook: Any, name: str, request: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """After the chosen sheet, the other small sheets, each to its own Arrow file (a sheet
    that cannot be read is left out: it is read on its own if it is ever asked for)."""
    most = request.get("small_sheets")
    try:
        others = small_sheets(request["path"], name, most) if most else []
    except Exception:  # a damaged part: the chosen sheet was read, the rest can wait
        others = []
    for index, other in enumerate(others):
        output = f"{request['output']}.{index}"
        try:
            done = _read_one(workbook, other, {**request, "merged": False}, output)
        except MemoryError:
            raise
        except Exception:  # read again on its own when asked, and refused with its message
            continue
        yield {"sheet": other, "output": output, **done}


def _say(result: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


FIRST_BATCH_ROWS = 256
BATCH_ROWS = 65536


def _batches(
    sheet: Any, limit: int | None, merged: list[Any], errors: dict[tuple[int, int], str]
) -> Iterator[list[Any]]:
    """The sheet's rows from row 1 and column A, a batch of text columns at a time, so memory
    holds one batch of Python values, not the sheet."""
    if sheet.height == 0 or sheet.width == 0:
        return
    # iter_rows starts at row 1 but at the first used column: pad to column A.
    (first_row, first_column), (_, last_column) = sheet.start, sheet.end
    width = last_column + 1
    total = first_row + sheet.height if limit is None else min(limit, first_row + sheet.height)
    pad = [None] * first_column
    tops: dict[int, object] = {}
    rows = iter(sheet.iter_rows())
    offset = 0
    while offset < total:
        # A short first batch: the title and header rows, whose text sits in columns of numbers.
        count = min(FIRST_BATCH_ROWS if offset == 0 else BATCH_ROWS, total - offset)
        part = itertools.islice(rows, count)
        chunk = [pad + row for row in part] if pad else list(part)
        if merged:
            _fill_merged(chunk, offset, merged, tops)
        for (r, c), value in errors.items():
            if offset <= r < offset + count and c < width:
                chunk[r - offset][c] = value
        yield [text_column(list(values)) for values in zip(*chunk, strict=True)]
        offset += count


def text_column(values: list[object]) -> list[str | None] | Any:
    """One column's cells as text (:func:`cell_text`), vectorised for columns of one type."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kinds = set(map(type, values)) - {type(None)}
    if kinds <= {str}:
        column = pa.array(values, pa.string())
        return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    if kinds <= {float, str} and all(v == "" for v in values if type(v) is str):
        numbers = values if str not in kinds else [None if v == "" else v for v in values]
        return _sheet_body().float_text(pa.array(numbers, pa.float64()))
    if kinds == {date}:  # ISO dates, as date.isoformat() writes them
        return pa.array(values, pa.date32()).cast(pa.string())
    if kinds == {datetime}:  # as isoformat(sep=" ") writes those without fractions of a second
        with contextlib.suppress(pa.ArrowInvalid):
            stamps = pa.array(values, pa.timestamp("us"))
            return stamps.cast(pa.timestamp("s")).cast(pa.string())
    return [cell_text(value) for value in values]


def _write(batches: Iterator[list[Any]], output: str) -> int:
    """Write the batches as an Arrow IPC file of text columns c0, c1, ...; the row count."""
    import pyarrow as pa

    rows = 0
    writer = None
    with pa.OSFile(output, "wb") as sink:
        for columns in batches:
            batch = pa.record_batch(
                [pa.array(c, pa.string()) if isinstance(c, list) else c for c in columns],
                names=[f"c{i}" for i in range(len(columns))],
            )
            if writer is None:
                writer = pa.ipc.new_file(sink, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
        if writer is None:
            writer = pa.ipc.new_file(sink, pa.schema([("c0", pa.string())]))
        writer.close()
    return rows


class _WithoutPandas:
    """pyarrow imports pandas (half a second) on its first conversion of a list, to learn
    whether the list is a pandas object, and NumPy (a third of a second) when it is imported;
    this reader has neither kind of object, so neither is found."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] in ("pandas", "numpy"):
            raise ModuleNotFoundError(f"{name} is not used by the sheet reader", name=name)


def main() -> None:
    """Cap memory, read the request, write the results (errors are results, not tracebacks).

    The chosen sheet's result is the first line on stdout; the small sheets read after it
    follow, a line each.
    """
    sys.meta_path.insert(0, _WithoutPandas())
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    request = json.loads(sys.stdin.readline())
    said = False
    try:
        for result in read(request):
            _say(result)
            said = True
    except MemoryError:
        if not said:
            _say({"error": OUT_OF_MEMORY})


if __name__ == "__main__":
    main()
