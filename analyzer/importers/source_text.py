"""A file's rows kept once as text, compressed in blocks of whole lines: cut, stored and read
back. For a CSV it is the file's own text; for a workbook, its sheet written as CSV lines, line
N being the sheet's row N (:func:`sheet_text`).

Provenance needs every event to lead back to the row it came from. Keeping the rows once (the
database stores the blocks, see ``source_text_pieces`` in schema.sql) costs a fraction of a
JSON copy of every row, and any row can still be shown again from its line number.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from analyzer.arrays import integers

# zstd keeps 16% of a usage export (lz4: 26%), in the database and in the temporary file.
CODEC = "zstd"
BLOCK_BYTES = 4 << 20
PIECE_BYTES = 512  # a block is stored in pieces of this size (source_text_pieces in schema.sql)
_BLANK_INSIDE = re.compile(rb"\n[ \t\r]*\n")
_BLANK_FIRST = re.compile(rb"[ \t\r]*\n")


class Blocks:
    """Compressed blocks of whole lines, waiting in an unnamed temporary file until they are
    stored: a 1 GB export gives about 270 MB of them, too much to hold in memory."""

    def __init__(self) -> None:
        # Open as long as the blocks are wanted; the system deletes it when it is closed.
        self._file = tempfile.TemporaryFile(prefix="analyzer-text-")  # noqa: SIM115
        self._index: list[tuple[int, int, int, int]] = []  # first line, size, offset, length

    def append(self, first_line: int, size: int, compressed: bytes) -> None:
        self._index.append((first_line, size, self._file.seek(0, 2), len(compressed)))
        self._file.write(compressed)

    def __iter__(self) -> Iterator[tuple[int, int, bytes]]:
        """(first line, size, compressed bytes) of each block, in file order."""
        for first_line, size, offset, length in self._index:
            self._file.seek(offset)
            yield first_line, size, self._file.read(length)


@dataclass(frozen=True)
class SourceText:
    """The text a CSV was split from (UTF-8), as blocks of whole lines, and how to split it."""

    delimiter: str
    columns: tuple[str, ...]  # the header's names (or "#1".."#N") the cells go under
    blocks: Blocks = field(default_factory=Blocks)
    codec: str = CODEC


@dataclass(frozen=True)
class Scanned:
    """One pass over a CSV: its blank lines below the header and its compressed blocks."""

    blank_lines: list[int]
    blocks: Blocks
    codec: str


def scan_text(source: Path, skip: int) -> Scanned:
    """Find the blank lines below line ``skip`` (DuckDB passes over them, so row numbers need
    them) and compress the text in blocks, in one read of the file.

    Blocks without a blank line (nearly all) are only counted, at C speed.
    """
    codec = pa.Codec(CODEC)
    blanks: list[int] = []
    blocks = Blocks()
    line_number = 0
    tail = b""
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(BLOCK_BYTES), b""):
            block = tail + chunk
            cut = block.rfind(b"\n") + 1
            block, tail = block[:cut], block[cut:]
            if not block:
                continue
            blocks.append(line_number + 1, len(block), codec.compress(block, asbytes=True))
            line_number = _count_lines(block, line_number, skip, blanks)
    if tail:
        blocks.append(line_number + 1, len(tail), codec.compress(tail, asbytes=True))
        if line_number + 1 > skip and not tail.strip():
            blanks.append(line_number + 1)
    return Scanned(blanks, blocks, codec.name)


def _count_lines(block: bytes, line_number: int, skip: int, blanks: list[int]) -> int:
    """The line number after ``block``; the blank lines in it below ``skip`` join ``blanks``."""
    if not _BLANK_FIRST.match(block) and not _BLANK_INSIDE.search(block):
        return line_number + block.count(b"\n")
    for line in block.split(b"\n")[:-1]:
        line_number += 1
        if line_number > skip and not line.strip():
            blanks.append(line_number)
    return line_number


SHEET_BLOCK_ROWS = 50_000


def sheet_text(table: pa.Table, columns: tuple[str, ...]) -> SourceText | None:
    """A sheet's rows (text columns; the table's row i is the sheet's row i + 1) as CSV lines
    in compressed blocks, line N being row N; None when a cell holds a line break (a row would
    then take several lines: its events keep their cells instead)."""
    import pyarrow.csv as pa_csv

    codec = pa.Codec(CODEC)
    blocks = Blocks()
    options = pa_csv.WriteOptions(include_header=False, delimiter=",", quoting_style="needed")
    for first in range(0, table.num_rows, SHEET_BLOCK_ROWS):
        rows = table.slice(first, SHEET_BLOCK_ROWS)
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(rows, sink, options)
        block = sink.getvalue().to_pybytes()
        if block.count(b"\n") != rows.num_rows or b"\r" in block:
            return None
        blocks.append(first + 1, len(block), codec.compress(block, asbytes=True))
    return SourceText(",", columns, blocks, codec.name)


def pieces(data: bytes) -> pa.Table:
    """A block's compressed bytes as rows (piece, data) of ``PIECE_BYTES`` each, in order."""
    ends = integers([*range(0, len(data), PIECE_BYTES), len(data)], pa.int32())
    count = len(ends) - 1
    cut = pa.Array.from_buffers(
        pa.binary(), count, [None, ends.buffers()[1], pa.py_buffer(data)]
    )  # shares the block's buffer: no copy
    return pa.table({"piece": integers(range(count), pa.int32()), "data": cut})


def line_of(blocks: list[tuple[int, int, bytes]], codec: str, line: int) -> str | None:
    """Line ``line`` (1-based) of the text, from blocks of (first line, size, compressed)."""
    found = [block for block in blocks if block[0] <= line]
    if not found:
        return None
    first, size, data = max(found)
    decompressed = pa.Codec(codec).decompress(data, decompressed_size=size, asbytes=True)
    lines = decompressed.split(b"\n")
    index = line - first
    if index >= len(lines) - (1 if decompressed.endswith(b"\n") else 0):
        return None
    return lines[index].rstrip(b"\r").decode("utf-8", errors="replace")


def split_row(text: str, delimiter: str, columns: tuple[str, ...]) -> dict[str, str | None]:
    """A line of the CSV as its cells under the header's names (duplicates numbered)."""
    cells = next(csv.reader([text], delimiter=delimiter), [])
    names = unique_names(columns)
    values: list[str | None] = [*cells, *[None] * (len(names) - len(cells))]
    return dict(zip(names, values[: len(names)], strict=True))


def unique_names(names: tuple[str, ...]) -> list[str]:
    """Header names made unique ('Amount', 'Amount (2)'), blank ones called 'column'."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        label = name or "column"
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def save_text(con: duckdb.DuckDBPyConnection, source_id: int, text: SourceText) -> None:
    """Store a file's text with its layout, inside the transaction that saves the file."""
    con.execute(
        "INSERT INTO source_files VALUES (?, ?, ?, ?)",
        [source_id, text.delimiter, list(text.columns), text.codec],
    )
    for first, size, data in text.blocks:  # one at a time: together they can be large
        _save_block(con, source_id, first, size, data)


def _save_block(
    con: duckdb.DuckDBPyConnection, source_id: int, first_line: int, size: int, data: bytes
) -> None:
    con.register("incoming_pieces", pieces(data))
    con.execute(
        "INSERT INTO source_text_pieces SELECT ?, ?, ?, piece, data FROM incoming_pieces",
        [source_id, first_line, size],
    )
    con.unregister("incoming_pieces")


def source_row(
    con: duckdb.DuckDBPyConnection, source_id: int, row: int
) -> dict[str, str | None] | None:
    """Row ``row`` of a source as its cells under the header's names, from the text kept once;
    None when its rows are not kept so (a PDF, a sheet with line breaks in its cells: their
    events carry ``raw``)."""
    layout = con.execute(
        "SELECT delimiter, columns, codec FROM source_files WHERE source_id = ?", [source_id]
    ).fetchall()
    if not layout:
        return None
    delimiter, columns, codec = layout[0]
    blocks = con.execute(
        """
        WITH blocks AS (
            SELECT first_line, size, piece, data FROM source_text_pieces
            WHERE source_id = $source
            UNION ALL
            SELECT first_line, size, 0, data FROM source_text WHERE source_id = $source
        )
        SELECT first_line, size, list(data ORDER BY piece) FROM blocks
        WHERE first_line = (SELECT max(first_line) FROM blocks WHERE first_line <= $row)
        GROUP BY first_line, size
        """,
        {"source": source_id, "row": row},
    ).fetchall()
    text = line_of([(first, size, b"".join(data)) for first, size, data in blocks], codec, row)
    return None if text is None else split_row(text, delimiter, tuple(columns))
