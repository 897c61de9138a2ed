"""Turn CSV and XLSX files into staged text tables (see base.Staged) without losing a row.

CSV is decoded in Python first (BOM, declared encoding, then detection), because DuckDB reads
only UTF-8; DuckDB then splits the rows, and the rows it cannot split come back as rejects with
their line numbers. XLSX is read with python-calamine (fast) and every cell becomes text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from analyzer.errors import InputError
from analyzer.importers.base import Staged
from analyzer.importers.specs import sql_str

HEAD_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 60
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_READER_REASONS = {
    "MISSING COLUMNS": "the row has fewer columns than the header",
    "TOO MANY COLUMNS": "the row has more columns than the header",
    "UNQUOTED VALUE": "a quote is never closed (the rest of the row cannot be split)",
    "INVALID ENCODING": "the row is not valid text in the file's encoding",
    "LINE SIZE OVER MAXIMUM": "the row is longer than the reader's limit",
}


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """The file's text encoding: its BOM, else what the layout declares, else detection."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if declared:
        return declared
    if _is_utf8(path):
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None:
        raise InputError(
            path,
            "this is not a text file (no text encoding fits)",
            hint="export it again as CSV, or check it is the file you meant",
        )
    # GB2312 and GBK are subsets of GB18030: decode with the superset.
    if best.encoding in ("gb2312", "gbk"):
        return "gb18030"
    return _prefer_windows_1252(head, best.encoding)


# Single-byte code pages that detection confuses with Windows-1252 on short files.
_LATIN_LOOKALIKES = re.compile(r"^(cp125\d|mac_.*|iso8859_\d+|latin_1|cp8\d\d|kz1048|ptcp154)$")


def _prefer_windows_1252(head: bytes, detected: str) -> str:
    """Windows-1252 when detection picks a lookalike code page and 1252 reads every byte.

    Short Western exports (a few accented words and a euro sign) fit many code pages equally;
    Windows-1252 is what spreadsheet programs write. Other code pages can be declared.
    """
    if not _LATIN_LOOKALIKES.match(detected):
        return detected
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return detected
    return "cp1252"


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@lru_cache(maxsize=64)
def _head_text(path: Path, mtime: float, size: int, encoding: str | None) -> str:
    del mtime, size  # part of the cache key only
    found = detect_encoding(path, encoding)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return head.decode(found, errors="replace").lstrip("\ufeff")


def head_text(path: Path, encoding: str | None = None) -> str:
    """The decoded start of a text file, cached: every importer's identify reads it."""
    stat = path.stat()
    return _head_text(path, stat.st_mtime, stat.st_size, encoding)


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV head: the candidate that splits the first lines most evenly."""
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    best, best_score = ",", -1.0
    for candidate in (",", ";", "\t", "|"):
        counts = [len(next(csv.reader([line], delimiter=candidate))) for line in lines]
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) * common
        if score > best_score:
            best, best_score = candidate, score
    return best


def find_header(rows: list[list[str]], wanted: tuple[str, ...]) -> int | None:
    """Index of the first row holding every wanted column name (case and spaces ignored)."""
    keys = {w.strip().lower() for w in wanted}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = {str(c).strip().lower() for c in row if c is not None}
        if keys <= cells:
            return index
    return None


def csv_head_rows(path: Path, encoding: str | None, delimiter: str | None) -> list[list[str]]:
    """The first rows of a CSV file, split (for identify and header search)."""
    text = head_text(path, encoding)
    delim = delimiter or sniff_delimiter(text)
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    return [row for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)]


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    header: tuple[str, ...] | None,
    encoding: str | None = None,
    delimiter: str | None = None,
    columns: int | None = None,
) -> Staged:
    """Split a CSV file into text columns; ``header=None`` means a headerless file."""
    found = detect_encoding(path, encoding)
    text = head_text(path, encoding)
    delim = delimiter or sniff_delimiter(text)
    head_rows = csv_head_rows(path, encoding, delim)
    if header is None:
        start = 0
        width = columns or max((len(r) for r in head_rows), default=1)
        names = tuple(f"#{i + 1}" for i in range(width))
        preamble = ""
    else:
        start_index = find_header(head_rows, header)
        if start_index is None:
            raise InputError(path, f"no header row with the columns {', '.join(header)}")
        names = tuple(cell.strip() for cell in head_rows[start_index])
        preamble = "\n".join(text.splitlines()[:start_index])
        start = start_index + 1
    with tempfile.TemporaryDirectory(prefix="analyzer-") as workdir:
        source = path
        if found not in ("utf-8", "utf-8-sig", "ascii"):
            source = Path(workdir) / "decoded.csv"
            _transcode(path, found, source)
        return _read_csv(con, path, source, names, delim, start, preamble)


def _transcode(path: Path, encoding: str, target: Path) -> None:
    try:
        with (
            path.open("r", encoding=encoding, newline="") as src,
            target.open("w", encoding="utf-8", newline="") as dst,
        ):
            for block in iter(lambda: src.read(1 << 20), ""):
                dst.write(block.lstrip("\ufeff") if dst.tell() == 0 else block)
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"the file mixes text encodings (byte {exc.start} is not {encoding})",
            hint="export it again as UTF-8, or set encoding in the profile",
        ) from exc


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: Path,
    names: tuple[str, ...],
    delimiter: str,
    skip: int,
    preamble: str,
) -> Staged:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
    con.execute("DROP TABLE IF EXISTS csv_rejects; DROP TABLE IF EXISTS csv_scans")
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE csv_rows AS
            SELECT row_number() OVER () AS _ordinal, *
            FROM read_csv({sql_str(str(source))}, header = false, all_varchar = true,
                          auto_detect = false, delim = {sql_str(delimiter)}, quote = '"',
                          escape = '"', columns = {columns}, skip = {skip},
                          null_padding = false, ignore_errors = true, store_rejects = true,
                          rejects_table = 'csv_rejects', rejects_scan = 'csv_scans',
                          max_line_size = 10000000)
            """
        )
    except duckdb.Error as exc:
        raise InputError(
            path,
            f"the CSV cannot be split into rows ({str(exc).splitlines()[0]})",
            hint="check it is a CSV export, or write a profile with its delimiter",
        ) from exc
    bad = con.sql("SELECT line, error_type, csv_line FROM csv_rejects ORDER BY line").fetchall()
    blank_lines = _blank_lines(source, skip)
    bad_lines = sorted({line for line, _, _ in bad} | set(blank_lines))
    # A surviving row's line number: its ordinal after the header, pushed past rejected lines.
    thresholds = [line - i for i, line in enumerate(bad_lines)]
    first = skip + 1
    row_expr = f"({first} - 1 + _ordinal)"
    if thresholds:
        row_expr = (
            f"({row_expr} + len(list_filter({thresholds}, lambda t: t <= {first} - 1 + _ordinal)))"
        )
    data = con.sql(
        f"SELECT CAST(NULL AS INTEGER) AS _page, {row_expr} AS _row, "
        f"{', '.join(f'c{i}' for i in range(len(names)))} FROM csv_rows ORDER BY _ordinal"
    ).to_arrow_table()
    reasons: dict[int, tuple[str, str]] = {}
    for line, error_type, csv_line in bad:
        reasons.setdefault(line, (_READER_REASONS.get(error_type, error_type.lower()), csv_line))
    read_rejects = pa.table(
        {
            "page": pa.array([None] * len(reasons), pa.int32()),
            "row": pa.array(list(reasons), pa.int64()),
            "raw": pa.array([raw for _, raw in reasons.values()], pa.string()),
            "reason": pa.array([reason for reason, _ in reasons.values()], pa.string()),
        }
    )
    return Staged(
        table=data,
        names=names,
        preamble=preamble,
        rows_read=data.num_rows + read_rejects.num_rows + len(blank_lines),
        read_rejects=read_rejects,
        blank_rows=len(blank_lines),
    )


def _blank_lines(source: Path, skip: int) -> list[int]:
    """Line numbers (1-based) of blank lines below the header, which DuckDB passes over.

    Needed so that row numbers stay those a spreadsheet shows. Blocks without a blank line
    (nearly all) are only counted, at C speed.
    """
    blanks: list[int] = []
    line_number = 0
    tail = b""
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            block = tail + block
            cut = block.rfind(b"\n") + 1
            block, tail = block[:cut], block[cut:]
            if not re.search(rb"(^|\n)[ \t\r]*\n", block):
                line_number += block.count(b"\n")
                continue
            for line in block.split(b"\n")[:-1]:
                line_number += 1
                if line_number > skip and not line.strip():
                    blanks.append(line_number)
    return blanks


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


@lru_cache(maxsize=16)
def _xlsx_rows(
    path: Path, mtime: float, sheet: str | None, limit: int | None
) -> list[list[object]]:
    del mtime
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        name = sheet if sheet in workbook.sheet_names else workbook.sheet_names[0]
        data = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=limit)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise InputError(
            path,
            f"the spreadsheet cannot be read ({exc})",
            hint="open it in a spreadsheet program and save it again as .xlsx",
        ) from exc
    return data


def xlsx_head_rows(path: Path, sheet: str | None = None) -> list[list[object]]:
    """The first rows of a workbook's sheet, for identify and header search."""
    return _xlsx_rows(path, path.stat().st_mtime, sheet, HEADER_SEARCH_ROWS)


def xlsx_rows(path: Path, sheet: str | None = None) -> list[list[object]]:
    """Every row of a workbook's sheet (the facts sheet beside the usage table)."""
    return _xlsx_rows(path, path.stat().st_mtime, sheet, None)


def stage_xlsx(path: Path, *, header: tuple[str, ...], sheet: str | None = None) -> Staged:
    """Read one sheet below its header row; every cell becomes text."""
    rows = _xlsx_rows(path, path.stat().st_mtime, sheet, None)
    start = find_header(rows, header)
    if start is None:
        raise InputError(path, f"no header row with the columns {', '.join(header)}")
    names = tuple(cell_text(c) or "" for c in rows[start])
    width = len(names)
    body = rows[start + 1 :]
    columns: dict[str, list[str | None]] = {f"c{i}": [] for i in range(width)}
    for row in body:
        cells = (list(row) + [None] * width)[:width]
        for i, value in enumerate(cells):
            columns[f"c{i}"].append(cell_text(value))
    table = pa.table(
        {
            "_page": pa.array([None] * len(body), pa.int32()),
            "_row": pa.array(range(start + 2, start + 2 + len(body)), pa.int64()),
            **{name: pa.array(values, pa.string()) for name, values in columns.items()},
        }
    )
    preamble = "\n".join(" ".join(cell_text(c) or "" for c in row).strip() for row in rows[:start])
    return Staged(table=table, names=names, preamble=preamble, rows_read=len(body))
