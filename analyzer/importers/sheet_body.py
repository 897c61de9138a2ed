"""A large XLSX sheet read in two parts: its head (title, header, the first rows) cell by cell,
and the rows below it as typed Arrow columns turned into text without a Python object per cell.

The head's cells mix kinds in one column (a header's text above numbers), so they are read as
before: python-calamine parses a copy of the workbook holding only the head rows. The body is
read by fastexcel (the same calamine parser, straight into Arrow) with every column required to
hold one kind of value; its numbers, dates, times and durations become exactly the text that
``sheet_reader.cell_text`` gives. Where that cannot be done exactly (a column of mixed kinds, a
value that could be a date or a time of day, the 1904 date system, a merged range or an error
value below the head), :func:`read_body` says so and the sheet is read cell by cell.

Imported by the reader process only (run as a script: it imports nothing from ``analyzer``).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

BLOCK_BYTES = 1 << 20
_ROW_START = re.compile(rb"<row[\s>/]")
_ROW_NUMBER = re.compile(rb'\sr="([0-9]{1,7})"')
_SHEET_DATA_END = b"</sheetData>"
_ROOT = re.compile(rb"<(worksheet)[\s>]")
_DATE_1904 = re.compile(rb'date1904="(?:1|true)"')
# Timestamps from a serial below 1 are times of day (1899-12-31 in the 1900 date system); one
# at 1900-01-01 00:00 may be a serial of 1 (a date) or one just below 1 rounded up (a time).
_TIME_OF_DAY_BEFORE_MS = -2208988800000  # 1900-01-01 00:00 since 1970, in milliseconds
_FIRST_DAY_MS = _TIME_OF_DAY_BEFORE_MS - 86_400_000
_MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class HeadCopy:
    """The workbook with only the sheet's head rows (as zip bytes) and the sheet row, from 0,
    where the body begins."""

    workbook: bytes
    body_start: int


def head_copy(path: str, part: str, head_rows: int, *, merges: bool = True) -> HeadCopy | None:
    """A copy of the workbook whose sheet ``part`` keeps its rows before the ``head_rows``-th
    row element and, when it may have ``merges``, all that follows its data (the merged
    ranges: the part is then read to its end); None when the sheet has no more rows than that,
    or its rows cannot be cut there (no row number, prefixed element names)."""
    with zipfile.ZipFile(path) as archive:
        if part not in archive.NameToInfo:
            return None
        cut = _cut_sheet(archive, part, head_rows, merges)
        if cut is None or _DATE_1904.search(archive.read("xl/workbook.xml")):
            return None
        sheet, body_start = cut
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
            for info in archive.infolist():
                if info.filename == part:
                    copy.writestr(info.filename, sheet)
                elif not info.filename.startswith("xl/worksheets/"):
                    copy.writestr(info.filename, archive.read(info))
    return HeadCopy(buffer.getvalue(), body_start)


def _cut_sheet(
    archive: zipfile.ZipFile, part: str, head_rows: int, merges: bool
) -> tuple[bytes, int] | None:
    """(the sheet's XML without its body rows, the body's first row from 0), streamed."""
    with archive.open(part) as stream:
        found = _head_of(stream, head_rows)
        if found is None:
            return None
        head, window = found
        while b">" not in window[:4096]:
            more = stream.read(BLOCK_BYTES)
            if not more:
                return None
            window += more
        number = _ROW_NUMBER.search(window, 0, window.find(b">") + 1)
        root = _ROOT.search(head)
        if number is None or root is None:
            return None
        if not merges:  # nothing after the rows is needed: close the elements still open
            return head + _SHEET_DATA_END + b"</" + root.group(1) + b">", int(number.group(1)) - 1
        while (tail_at := window.find(_SHEET_DATA_END)) < 0:
            more = stream.read(BLOCK_BYTES)
            if not more:
                return None
            window = window[-len(_SHEET_DATA_END) :] + more
        return head + window[tail_at:] + stream.read(), int(number.group(1)) - 1


def _head_of(stream: Any, head_rows: int) -> tuple[bytes, bytes] | None:
    """(the XML before the row element that follows the first ``head_rows``, what was read
    after it), or None when the part ends first."""
    head, seen = b"", 0
    for block in iter(lambda: stream.read(BLOCK_BYTES), b""):
        start = max(len(head) - 8, 0)
        head += block
        for match in _ROW_START.finditer(head, start):
            seen += 1
            if seen > head_rows:
                return head[: match.start()], head[match.start() :]
    return None


def read_body(path: str, sheet: str, part: str, body_start: int) -> dict[int, Any] | None:
    """The sheet's rows from ``body_start`` (from 0) as text columns by column number (A is
    0); None when a column holds several kinds of value or one that has no exact text here."""
    import fastexcel
    import pyarrow as pa

    try:
        found = fastexcel.read_excel(path).load_sheet(
            sheet,
            header_row=None,
            skip_rows=body_start,
            schema_sample_rows=None,
            dtype_coercion="strict",
        )
        table = found.to_arrow()
    except Exception:  # fastexcel's refusal of a column holding several kinds of value
        return None
    if table.num_rows == 0:
        return None
    columns, blanks = {}, False
    for info, values in zip(found.selected_columns, table.columns, strict=True):
        text = column_text(values)
        if text is None:
            return None
        columns[info.absolute_index] = text
        blanks = blanks or (values.null_count > 0 and not pa.types.is_string(values.type))
    if blanks and _may_hold_null_words(path, part):
        return None
    return columns or None


# Text that fastexcel reads as a blank in a column of numbers or dates (pandas' words for a
# missing value, and blank text), where the sheet shows the text itself.
_NULL_WORDS = re.compile(
    rb"<(?:\w+:)?(?:t|v)(?:\s[^>]*)?>(?:\s+|NA|N/A|n/a|#N/A|#N/A N/A|#NA|-1\.#IND|-1\.#QNAN|1\.#IND|"
    rb"1\.#QNAN|-NaN|-nan|NaN|nan|NULL|null|None|&lt;NA&gt;)</"
)
_RICH_TEXT = re.compile(rb"<(?:\w+:)?r>")


def _may_hold_null_words(path: str, part: str) -> bool:
    """Whether the sheet or its shared strings may hold such text (a shared string written in
    runs of rich text is not looked into: it may)."""
    with zipfile.ZipFile(path) as archive:
        strings = [n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")]
        for name in [part, *strings]:
            with archive.open(name) as stream:
                tail = b""
                for block in iter(lambda: stream.read(BLOCK_BYTES), b""):
                    window = tail + block
                    if _NULL_WORDS.search(window) or (name != part and _RICH_TEXT.search(window)):
                        return True
                    tail = window[-64:]
    return False


def column_text(values: Any) -> Any:
    """A typed column as the text each cell shows (None when that text is not certain)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    if pa.types.is_null(kind):
        return pa.nulls(len(values), pa.string())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = values.cast(pa.string())
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    if pa.types.is_floating(kind):
        return float_text(values.cast(pa.float64()))
    if pa.types.is_integer(kind):
        return values.cast(pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(values, "TRUE", "FALSE")
    if pa.types.is_timestamp(kind):
        return _timestamp_text(values)
    if pa.types.is_duration(kind):  # whole seconds, cut toward zero as int() does
        return pc.divide(values.cast(pa.duration("ms")).cast(pa.int64()), 1000).cast(pa.string())
    if pa.types.is_date(kind):
        return values.cast(pa.date32()).cast(pa.string())
    return None


def _timestamp_text(values: Any) -> Any:
    """Date and time cells as python-calamine gives them: a date at midnight as a date, a
    serial below 1 as a time of day, else a date and time (fractions of a second as
    microseconds); None for a value at 1900-01-01 00:00, which could be either."""
    import pyarrow as pa
    import pyarrow.compute as pc

    stamps = values.cast(pa.timestamp("ms"))
    ms = stamps.cast(pa.int64())
    low = pc.min(ms).as_py()
    if low is None:
        return pa.nulls(len(values), pa.string())
    if low < _FIRST_DAY_MS or pc.any(pc.equal(ms, _TIME_OF_DAY_BEFORE_MS)).as_py():
        return None
    whole = pc.equal(pc.subtract(ms, pc.multiply(pc.divide(ms, 1000), 1000)), 0)
    seconds = stamps.cast(pa.timestamp("s"), safe=False).cast(pa.string())
    text = pc.if_else(whole, seconds, stamps.cast(pa.timestamp("us")).cast(pa.string()))
    midnight = pc.ends_with(text, " 00:00:00")
    day_or_moment = pc.if_else(midnight, pc.utf8_slice_codeunits(text, 0, 10), text)
    time_of_day = pc.less(ms, _TIME_OF_DAY_BEFORE_MS)
    return pc.if_else(time_of_day, pc.utf8_slice_codeunits(text, 11), day_or_moment)


def float_text(numbers: Any) -> Any:
    """Floats as Python prints them: whole numbers without '.0', others as repr() does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    whole = pc.and_(pc.equal(pc.floor(numbers), numbers), pc.less(pc.abs(numbers), 2.0**53))
    as_int = pc.cast(pc.if_else(whole, numbers, 0.0), pa.int64()).cast(pa.string())
    plain = pc.cast(numbers, pa.string())
    size = pc.abs(numbers)
    arrow_ok = pc.and_(
        pc.and_(pc.greater_equal(size, 1e-4), pc.less(size, 1e16)),
        pc.invert(pc.match_substring(plain, "e")),
    )
    text = pc.if_else(whole, as_int, pc.if_else(arrow_ok, plain, pa.scalar(None, pa.string())))
    odd = pc.and_(pc.is_valid(numbers), pc.is_null(text))
    if not pc.any(odd).as_py():
        return text
    values = text.to_pylist()
    for index in pc.indices_nonzero(odd).to_pylist():
        number = numbers[index].as_py()
        values[index] = str(int(number)) if number.is_integer() else repr(number)
    return pa.array(values, pa.string())
