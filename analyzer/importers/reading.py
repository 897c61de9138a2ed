"""Turn CSV files (and, through ``workbooks``, spreadsheets) into staged text tables (see
base.Staged) without losing a row.

CSV is decoded in Python first (``encodings``), because DuckDB reads only UTF-8; DuckDB then
splits the rows, and the rows it cannot split come back as rejects with their line numbers.
The file's text is kept once, compressed (``source_text``), so any row can be shown again.
XLSX is read in ``workbooks``; what its reader process reads is used only once
``workbook_checks`` has let the workbook pass.
Header rows repeated further down (page breaks in an export) are skipped and counted.
"""

from __future__ import annotations

import csv
import io
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

from analyzer.arrays import integers, strings
from analyzer.duck import temp_prefix
from analyzer.errors import InputError
from analyzer.importers.base import MAX_COLUMNS, Staged
from analyzer.importers.encodings import HEAD_BYTES as HEAD_BYTES
from analyzer.importers.encodings import detect_encoding as detect_encoding
from analyzer.importers.encodings import head_text as head_text
from analyzer.importers.sheet_reader import cell_text as cell_text
from analyzer.importers.source_text import SourceText, scan_text
from analyzer.importers.sql_text import balanced, sql_str
from analyzer.importers.workbook_checks import _RESAVE as _RESAVE
from analyzer.importers.workbook_checks import MAX_COMPRESSION_RATIO as MAX_COMPRESSION_RATIO
from analyzer.importers.workbook_checks import check_workbook as check_workbook
from analyzer.paths import native_path

# A cell may be far longer than Python's default csv field limit (128 KB): a note pasted into
# a spreadsheet, an export's free-text column. The head is split with this limit instead.
csv.field_size_limit(max(csv.field_size_limit(), 64 << 20))
HEADER_SEARCH_ROWS = 60
_READER_REASONS = {
    "MISSING COLUMNS": "the row has fewer columns than the header",
    "TOO MANY COLUMNS": "the row has more columns than the header",
    "UNQUOTED VALUE": "a quote is never closed (the rest of the row cannot be split)",
    "INVALID ENCODING": "the row is not valid text in the file's encoding",
    "LINE SIZE OVER MAXIMUM": "the row is longer than 4 MB (no bill's row is)",
}
# DuckDB reads a CSV in buffers of 16 rows of this size: a larger limit would cost the
# extraction's bounded memory hundreds of MB per thread for nothing.
MAX_LINE_BYTES = 4 << 20


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
    check_width(path, names)
    with tempfile.TemporaryDirectory(prefix=temp_prefix("csv")) as workdir:
        source = Path(native_path(path, workdir))
        if found not in ("utf-8", "utf-8-sig", "ascii"):
            source = Path(workdir) / "decoded.csv"
            _transcode(path, found, source)
        try:
            return _read_csv(con, path, source, names, delim, start, preamble)
        except InputError:
            # Files edited on two systems mix CRLF and LF line ends, which the splitter
            # refuses; the same rows with one kind of line end split cleanly.
            if not _has_carriage_return(source):
                raise
            unified = Path(workdir) / "unified.csv"
            _unify_line_ends(source, unified)
            return _read_csv(con, path, unified, names, delim, start, preamble)


def check_width(path: Path, names: tuple[str, ...]) -> None:
    """Refuse a table wider than ``MAX_COLUMNS`` before it is split: DuckDB would run out of
    the extraction's memory, and say nothing of why."""
    if len(names) > MAX_COLUMNS:
        raise InputError(
            path,
            f"it has {len(names):,} columns, more than the {MAX_COLUMNS:,} a bill may have",
            hint="delete the empty columns past the data and save it again",
        )


def _has_carriage_return(path: Path) -> bool:
    with path.open("rb") as handle:
        return any(b"\r" in block for block in iter(lambda: handle.read(1 << 20), b""))


def _unify_line_ends(source: Path, target: Path) -> None:
    """Copy with every CRLF (and lone CR) as LF: line numbers stay those a person sees."""
    with source.open("rb") as src, target.open("wb") as dst:
        carry = b""
        for block in iter(lambda: src.read(1 << 20), b""):
            block = carry + block
            carry = b"\r" if block.endswith(b"\r") else b""
            if carry:
                block = block[:-1]
            dst.write(block.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
        dst.write(carry.replace(b"\r", b"\n"))


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
    # The file's text is scanned (blank lines) and compressed while DuckDB splits it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(scan_text, source, skip)
        _split_csv(con, path, source, columns, delimiter, skip)
        scanned = scanning.result()
    bad = con.sql("SELECT line, error_type, csv_line FROM csv_rejects ORDER BY line").fetchall()
    blank_lines = scanned.blank_lines
    bad_lines = sorted({line for line, _, _ in bad} | set(blank_lines))
    # A surviving row's line number: its ordinal after the header, pushed past rejected lines.
    thresholds = [line - i for i, line in enumerate(bad_lines)]
    first = skip + 1
    row_expr = f"({first} - 1 + {_ORDINAL})"
    if thresholds:
        row_expr = (
            f"({row_expr} + len(list_filter({thresholds}, "
            f"lambda t: t <= {first} - 1 + {_ORDINAL})))"
        )
    reasons: dict[int, tuple[str, str]] = {}
    blank = set(blank_lines)
    for line, error_type, csv_line in bad:
        if line not in blank:  # white space only: DuckDB splits it, but it is a blank line
            reasons.setdefault(
                line, (_READER_REASONS.get(error_type, error_type.lower()), csv_line)
            )
    read_rejects = pa.table(
        {
            "page": pa.nulls(len(reasons), pa.int32()),
            "row": integers(list(reasons), pa.int64()),
            "raw": strings([raw for _, raw in reasons.values()]),
            "reason": strings([reason for reason, _ in reasons.values()]),
        }
    )
    # The rows stay in the extraction's database (see base.Staged), numbered in file order
    # (and kept in it: a scan keeps a table's order, so no sort is needed).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE staged_text AS "
        f"SELECT {_ORDINAL} AS _rid, CAST(NULL AS INTEGER) AS _page, {row_expr} AS _row, "
        f"{', '.join(f'c{i}' for i in range(len(names)))} FROM csv_rows "
        f"WHERE NOT {repeated_header_sql(names)}"
    )
    split = con.sql("SELECT count(*) FROM csv_rows").fetchall()[0][0]
    kept = con.sql("SELECT count(*) FROM staged_text").fetchall()[0][0]
    con.execute("DROP TABLE csv_rows")
    repeated = split - kept
    return Staged(
        table="staged_text",
        names=names,
        preamble=preamble,
        rows_read=kept + read_rejects.num_rows + len(blank_lines) + repeated,
        read_rejects=read_rejects,
        blank_rows=len(blank_lines) + repeated,
        text=SourceText(delimiter, names, scanned.blocks, scanned.codec),
    )


# A split row's place among the rows split (1, 2, ...): its row id in ``csv_rows``, which holds
# them in the order they were read. A window numbering them instead held every row in memory
# and took twice the time of the read.
_ORDINAL = "(rowid + 1)"


def _split_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: Path,
    columns: str,
    delimiter: str,
    skip: int,
) -> None:
    """``csv_rows``: the rows DuckDB splits, in file order (DuckDB keeps the order rows are
    read in); ``csv_rejects``: those it cannot split."""
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE csv_rows AS
            SELECT *
            FROM read_csv($source, header = false, all_varchar = true,
                          auto_detect = false, delim = $delimiter, quote = '"',
                          escape = '"', columns = {columns}, skip = {int(skip)},
                          null_padding = false, ignore_errors = true, store_rejects = true,
                          rejects_table = 'csv_rejects', rejects_scan = 'csv_scans',
                          max_line_size = {MAX_LINE_BYTES})
            """,
            {"source": str(source), "delimiter": delimiter},
        )
    except duckdb.OutOfMemoryException as exc:  # not the file's form: no hint of a delimiter
        raise InputError(
            path,
            f"splitting it into rows needs more memory than an import may take "
            f"({str(exc).splitlines()[0]})",
        ) from exc
    except duckdb.Error as exc:
        raise InputError(
            path,
            f"the CSV cannot be split into rows ({str(exc).splitlines()[0]})",
            hint="check it is a CSV export, or write a profile with its delimiter",
        ) from exc


def drop_repeated_headers(table: pa.Table, names: tuple[str, ...]) -> tuple[pa.Table, int]:
    """Remove rows that repeat the header (exports that print it on every page); count them.

    A row repeats the header when each of its cells is blank or that column's own name, and
    at least half the named columns are present.
    """
    named = [(f"c{i}", name.strip().lower()) for i, name in enumerate(names) if name.strip()]
    if not named or table.num_rows == 0:
        return table, 0
    import pyarrow.compute as pc

    # Typed scalars, taken from arrays: pyarrow converts a bare Python value by first asking
    # whether it is a pandas object, and that imports pandas.
    texts = strings(["", *(name for _, name in named)])
    true, false = pa.Array.from_buffers(pa.bool_(), 2, [None, pa.py_buffer(b"\x01")])
    half = integers([(len(named) + 1) // 2], pa.int32())[0]
    matches = None
    hits = None
    for index, (column, _) in enumerate(named, start=1):
        cell = pc.utf8_lower(pc.utf8_trim_whitespace(table.column(column)))
        same = pc.fill_null(pc.equal(cell, texts[index]), false)
        empty = pc.fill_null(pc.equal(cell, texts[0]), true)
        ok = pc.or_(same, empty)
        matches = ok if matches is None else pc.and_(matches, ok)
        count = pc.cast(same, pa.int32())
        hits = count if hits is None else pc.add(hits, count)
    repeated = pc.and_(matches, pc.greater_equal(hits, half))
    count = pc.sum(pc.cast(repeated, pa.int64())).as_py() or 0
    if not count:
        return table, 0
    return table.filter(pc.invert(repeated)), count


def repeated_header_sql(names: tuple[str, ...]) -> str:
    """SQL: the row repeats the header, by the rule of ``drop_repeated_headers``."""
    named = [(f"c{i}", name.strip().lower()) for i, name in enumerate(names) if name.strip()]
    if not named:
        return "FALSE"
    cells = [(f"lower(trim({column}))", name) for column, name in named]
    every = " AND ".join(f"coalesce({c} = {sql_str(n)} OR {c} = '', TRUE)" for c, n in cells)
    hits = balanced("+", [f"coalesce({c} = {sql_str(n)}, FALSE)::INTEGER" for c, n in cells])
    # Only rows holding a column's name somewhere are looked at closely.
    near = " OR ".join(f"contains(lower({column}), {sql_str(n)})" for column, n in named)
    return f"(CASE WHEN {near} THEN {every} AND {hits} >= {(len(named) + 1) // 2} ELSE FALSE END)"


_WORKBOOK_NAMES = ("SheetData", "read_sheet", "stage_xlsx", "xlsx_head_rows", "xlsx_rows")


def __getattr__(name: str) -> object:
    """Sheet reading lives in ``workbooks`` (which needs this module); its names stay
    importable from here, loaded on first use."""
    if name in _WORKBOOK_NAMES:
        from analyzer.importers import workbooks

        return getattr(workbooks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
