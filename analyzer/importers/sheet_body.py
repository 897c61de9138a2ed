"""A large XLSX sheet read in two parts: its head (title, header, the first rows) cell by cell,
and the rows below it as typed Arrow columns turned into text without a Python object per cell.

The head's cells mix kinds in one column (a header's text above numbers), so they are read as
before: python-calamine parses a copy of the workbook holding only the head rows. The body is
read by fastexcel (the same calamine parser, straight into Arrow) with every column required to
hold one kind of value; its numbers, dates, times and durations become exactly the text that
``sheet_reader.cell_text`` gives. Where that cannot be done exactly (a column of mixed kinds, a
value that could be a date or a time of day, the 1904 date system, a merged range or an error
value below the head), :func:`read_body` says so and the sheet is read cell by cell.

Both parsers hold a whole sheet in memory, several times its text (a million rows took 940 MB),
so the body is parsed in slices of about ``SLICE_BYTES`` of XML, each as a workbook of its own
(:func:`body_slices`), two at a time: the reader's memory is then a few slices', whatever the
sheet's size. A column need only hold one kind of value within a slice.

Imported by the reader process only (run as a script: it imports nothing from ``analyzer``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
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


class NotExact(Exception):
    """The body cannot be read as typed columns exactly: read the sheet cell by cell."""


@dataclass(frozen=True)
class BodySlice:
    """A copy of the workbook whose sheet holds only some of the body's rows: its first row
    element is the sheet's row ``first_row`` (from 0), its last the row before ``next_row``."""

    workbook: bytes
    first_row: int
    next_row: int


# About this much of the sheet's XML per slice: the reader holds three slices at a time (two
# parsed, one cut), each taking some ten times this while it is parsed.
SLICE_BYTES = 8 << 20
_SHEET_DATA_START = re.compile(rb"<sheetData(?:\s[^>]*)?>")


def body_slices(path: str, part: str, head_rows: int) -> Iterator[BodySlice]:
    """The rows after the first ``head_rows`` row elements of sheet ``part``, in slices of
    about ``SLICE_BYTES`` of XML, each as a workbook of its own (the other parts kept, the
    sheet's text streamed once). Raises NotExact where the rows cannot be cut so (a row
    element without its number, numbers that go back, the 1904 date system)."""
    with zipfile.ZipFile(path) as archive:
        if part not in archive.NameToInfo or _DATE_1904.search(archive.read("xl/workbook.xml")):
            raise NotExact
        others = [
            (info.filename, archive.read(info))
            for info in archive.infolist()
            if not info.filename.startswith("xl/worksheets/")
        ]
        # Every slice parses the shared strings again: slices at least twice their size keep
        # that under half of the sheet's own parsing.
        strings = sum(
            len(data) for name, data in others if name.lower().endswith("sharedstrings.xml")
        )
        size = max(SLICE_BYTES, 2 * strings)
        with archive.open(part) as stream:
            found = _head_of(stream, head_rows)
            opening = _SHEET_DATA_START.search(found[0]) if found else None
            root = _ROOT.search(found[0]) if found else None
            if found is None or opening is None or root is None:
                raise NotExact
            prefix = found[0][: opening.end()]
            closing = _SHEET_DATA_END + b"</" + root.group(1) + b">"
            last_row = -1
            for rows in _row_runs(stream, bytearray(found[1]), size):
                first, last = _row_number(rows, 0), _row_number(rows, _last_row_start(rows))
                if first is None or last is None or not max(last_row, 0) < first <= last:
                    raise NotExact
                last_row = last
                # A row above the slice's first one: the slice's header row, so that its rows
                # are counted from there (from row 1, the parser spends memory on every row).
                above = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>-</t></is></c></row>' % (
                    (first,) * 2
                )
                sheet = prefix + above + rows + closing
                yield BodySlice(_workbook(others, part, sheet), first, last + 1)


def _row_runs(stream: Any, window: bytearray, size: int) -> Iterator[bytes]:
    """The sheet's row elements from the start of ``window`` on, in runs of at most about
    ``size`` bytes, each cut before a row element; the last ends at the sheet's data's end."""
    ended = False
    while True:
        while len(window) < size and not ended:
            block = stream.read(BLOCK_BYTES)
            window += block
            ended = not block
        end = window.find(_SHEET_DATA_END)
        if 0 <= end <= size:
            if end:
                yield bytes(window[:end])
            return
        cut = _last_row_start(window, size if end < 0 else min(size, end))
        if cut > 0:
            yield bytes(window[:cut])
            window = window[cut:]  # a new buffer: deleting from the front keeps the old one
        elif ended and end < 0:
            raise NotExact  # the sheet's data never ends
        else:
            size *= 2  # one row longer than a slice: take more


def _last_row_start(rows: bytes | bytearray, before: int | None = None) -> int:
    """Where the last row element that starts before ``before`` in ``rows`` starts (-1: none)."""
    at = len(rows) if before is None else before
    while (at := rows.rfind(b"<row", 0, at)) >= 0:
        if rows[at + 4 : at + 5] in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            return at
    return -1


def _row_number(rows: bytes, at: int) -> int | None:
    """The sheet row (from 0) of the row element starting at ``at``."""
    if at < 0:
        return None
    number = _ROW_NUMBER.search(rows, at, rows.find(b">", at) + 1)
    return int(number.group(1)) - 1 if number else None


def _workbook(others: list[tuple[str, bytes]], part: str, sheet: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
        for name, data in others:
            copy.writestr(name, data)
        copy.writestr(part, sheet)
    return buffer.getvalue()


def read_body(path: str, sheet: str, part: str, head_rows: int) -> Iterator[BodyRows]:
    """The sheet's rows after its first ``head_rows`` row elements as text columns by column
    number (A is 0), a slice at a time (:func:`body_slices`), each lengthened with the blank
    rows up to the next. Raises NotExact when a column holds several kinds of value or one
    that has no exact text here."""
    import pyarrow as pa

    blanks, at = False, None  # at: the row after those given so far
    for part_slice, found, table in _parsed(body_slices(path, part, head_rows), sheet):
        at = part_slice.first_row if at is None else at
        if table.num_rows > part_slice.next_row - part_slice.first_row:
            raise NotExact  # a row element out of order within the slice
        if table.num_rows == 0:
            continue
        columns = {}
        for info, values in zip(found.selected_columns, table.columns, strict=True):
            text = column_text(values)
            if text is None:
                raise NotExact
            columns[info.absolute_index] = text
            blanks = blanks or (values.null_count > 0 and not pa.types.is_string(values.type))
        yield BodyRows(at, part_slice.first_row - at, columns, table.num_rows)
        at = part_slice.first_row + table.num_rows
    if blanks and _may_hold_null_words(path, part):
        raise NotExact


# Slices parsed at once: the parser lets go of Python's lock, so each takes a core.
PARSERS = 2


def _parsed(slices: Iterator[BodySlice], sheet: str) -> Iterator[tuple[BodySlice, Any, Any]]:
    """Each slice with its parsed sheet and Arrow table, in order, ``PARSERS`` at a time
    while the next is cut."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(PARSERS) as pool:
        waiting: deque = deque()
        for part_slice in slices:
            waiting.append((part_slice, pool.submit(_parse, part_slice, sheet)))
            if len(waiting) > PARSERS:  # one more is cut while these are parsed
                done, parsing = waiting.popleft()
                yield done, *parsing.result()
        while waiting:
            done, parsing = waiting.popleft()
            yield done, *parsing.result()


def _parse(part_slice: BodySlice, sheet: str) -> tuple[Any, Any]:
    import fastexcel

    try:
        found = fastexcel.read_excel(part_slice.workbook).load_sheet(
            sheet,
            header_row=0,  # the row above the slice (see body_slices), counted from itself
            schema_sample_rows=None,
            dtype_coercion="strict",
        )
        return found, found.to_arrow()
    except Exception as exc:  # fastexcel's refusal of a column of several kinds of value
        raise NotExact from exc


@dataclass(frozen=True)
class BodyRows:
    """Rows of the body from sheet row ``first_row`` (from 0): ``blank`` blank rows (rows
    without cells between two slices), then ``rows`` rows whose text columns are ``columns``
    by column number (absent ones blank)."""

    first_row: int
    blank: int
    columns: dict[int, Any]
    rows: int


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
