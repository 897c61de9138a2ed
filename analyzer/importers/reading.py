"""Turn CSV files (and, through ``workbooks``, spreadsheets) into staged text tables (see
base.Staged) without losing a row.

CSV is decoded in Python first (BOM, declared encoding, then detection), because DuckDB reads
only UTF-8; DuckDB then splits the rows, and the rows it cannot split come back as rejects with
their line numbers. XLSX is read with python-calamine (fast) and every cell becomes text, after
:func:`check_workbook` has refused zip bombs, XML entity bombs and formulas without results.
Header rows repeated further down (page breaks in an export) are skipped and counted.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.errors import InputError
from analyzer.importers.base import Staged
from analyzer.importers.sheet_reader import cell_text as cell_text

HEAD_BYTES = 256 * 1024
# A cell may be far longer than Python's default csv field limit (128 KB): a note pasted into
# a spreadsheet, an export's free-text column. The head is split with this limit instead.
csv.field_size_limit(max(csv.field_size_limit(), 64 << 20))
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
    if b"\x00" in head:
        raise InputError(
            path,
            "this is not a text file (it holds binary data)",
            hint="export it again as CSV, or check it is the file you meant",
        )
    if _is_utf8(path) or _mostly_utf8(head):
        return "utf-8"
    legacy = _legacy_encoding(head)
    if legacy:
        return legacy
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


def _mostly_utf8(head: bytes) -> bool:
    """UTF-8 with a few foreign rows (a mixed file): its bad rows become rejects, not mojibake.

    A head that is plain ASCII counts too: the foreign bytes further down are rejected rows.
    """
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head)
    invalid = text.count("\ufffd")
    valid = len(re.findall("[^\x00-\x7f\ufffd]", text))
    return invalid == 0 or valid > invalid


# Bills come from Chinese sellers (GB18030) and from Spanish, French and English carriers
# (Windows-1252); detection libraries confuse both with other code pages on short files.
_CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_CJK_RUN = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]{2,}")


def _legacy_encoding(head: bytes) -> str | None:
    """GB18030 when the text decodes to Chinese words, else Windows-1252 when it decodes.

    Accented Latin text read as GB18030 also gives CJK characters, but lone ones between
    Latin letters; Chinese comes in runs, so most wide characters must be CJK and at least half
    of those in runs (a Spanish header beside Chinese text still reads as GB18030).
    """
    for encoding in ("gb18030", "cp1252"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head)
        except UnicodeDecodeError:
            continue
        if encoding == "cp1252":
            return encoding
        wide = sum(1 for ch in text if ord(ch) > 127)
        cjk = sum(1 for ch in text if _CJK.match(ch))
        in_runs = sum(len(run) for run in _CJK_RUN.findall(text))
        if cjk and cjk * 2 >= wide and in_runs * 2 >= cjk:
            return encoding
    return None


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
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE csv_rows AS
            SELECT row_number() OVER () AS _ordinal, *
            FROM read_csv($source, header = false, all_varchar = true,
                          auto_detect = false, delim = $delimiter, quote = '"',
                          escape = '"', columns = {columns}, skip = {int(skip)},
                          null_padding = false, ignore_errors = true, store_rejects = true,
                          rejects_table = 'csv_rejects', rejects_scan = 'csv_scans',
                          max_line_size = 10000000)
            """,
            {"source": str(source), "delimiter": delimiter},
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
    data = con.sql(
        f"SELECT CAST(NULL AS INTEGER) AS _page, {row_expr} AS _row, "
        f"{', '.join(f'c{i}' for i in range(len(names)))} FROM csv_rows ORDER BY _ordinal"
    ).to_arrow_table()
    data, repeated = drop_repeated_headers(data, names)
    return Staged(
        table=data,
        names=names,
        preamble=preamble,
        rows_read=data.num_rows + read_rejects.num_rows + len(blank_lines) + repeated,
        read_rejects=read_rejects,
        blank_rows=len(blank_lines) + repeated,
    )


def drop_repeated_headers(table: pa.Table, names: tuple[str, ...]) -> tuple[pa.Table, int]:
    """Remove rows that repeat the header (exports that print it on every page); count them.

    A row repeats the header when each of its cells is blank or that column's own name, and
    at least half the named columns are present.
    """
    named = [(f"c{i}", name.strip().lower()) for i, name in enumerate(names) if name.strip()]
    if not named or table.num_rows == 0:
        return table, 0
    matches = None
    hits = None
    for column, name in named:
        cell = pc.utf8_lower(pc.utf8_trim_whitespace(table.column(column)))
        same = pc.fill_null(pc.equal(cell, name), False)
        empty = pc.fill_null(pc.equal(cell, ""), True)
        ok = pc.or_(same, empty)
        matches = ok if matches is None else pc.and_(matches, ok)
        count = pc.cast(same, pa.int32())
        hits = count if hits is None else pc.add(hits, count)
    repeated = pc.and_(matches, pc.greater_equal(hits, (len(named) + 1) // 2))
    count = pc.sum(pc.cast(repeated, pa.int64())).as_py() or 0
    if not count:
        return table, 0
    return table.filter(pc.invert(repeated)), count


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


# Limits on what a workbook may expand to before anything parses it (zip bombs).
MAX_WORKBOOK_BYTES = 1 << 30
MAX_PART_BYTES = 512 << 20
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_ABOVE = 8 << 20
_XML_BOMB = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_FORMULA = re.compile(rb"<f[ />]")
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RESAVE = "open it in a spreadsheet program and save it again as .xlsx"


# What a sheet may declare before it is read, and the signature of a legacy .xls file.
MAX_SHEET_CELLS = 50_000_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"')
_STRING_COUNT = re.compile(rb'<sst[^>]*?\buniqueCount="([0-9]+)"')


def check_workbook(path: Path, sheet: str | None = None) -> None:
    """Refuse a workbook before parsing it: not a workbook, a zip bomb, an XML entity bomb, a
    sheet or string table declaring an absurd size, or formulas whose results were never saved
    (they would read as blanks, not as numbers).

    Every XML part is streamed once with its expanded size counted, so nothing larger than the
    limits ever reaches the reader. A legacy .xls is only checked to be one: its reader runs
    under the same memory and time limits as the others.
    """
    suffix = path.suffix.lower()
    if suffix == ".xls":
        with path.open("rb") as handle:
            if handle.read(8) != _OLE_MAGIC:
                raise InputError(
                    path,
                    "this is not an XLS workbook (it lacks the signature of one)",
                    hint="export it again as .xls or .xlsx, or check it is the file you meant",
                )
        return
    if not zipfile.is_zipfile(path):
        raise InputError(
            path,
            "this is not an XLSX workbook (it is not a zip archive)",
            hint="export it again as .xlsx, or check it is the file you meant",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            names = {info.filename for info in parts}
            if suffix != ".ods" and "xl/workbook.xml" not in names:
                raise InputError(
                    path,
                    "this is not an XLSX workbook (it has no xl/workbook.xml)",
                    hint="export it again as .xlsx, or check it is the file you meant",
                )
            _check_sizes(path, parts)
            for info in parts:
                if info.filename.endswith((".xml", ".rels")):
                    _scan_part(path, archive, info)
            if suffix == ".ods":
                return
            _check_declared_sizes(path, archive)
            target = _sheet_part(archive, sheet)
            if target in names:
                _check_dimension(path, archive, target)
                _check_formulas(path, archive, target)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,  # defusedxml's refusals and damaged XML (ParseError) among them
        SyntaxError,
    ) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(path, f"the workbook is damaged ({detail})", hint=_RESAVE) from exc


def _check_sizes(path: Path, parts: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in parts:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        too_big = info.file_size > MAX_PART_BYTES or total > MAX_WORKBOOK_BYTES
        if too_big or (info.file_size > RATIO_CHECK_ABOVE and ratio > MAX_COMPRESSION_RATIO):
            raise InputError(
                path,
                f"the workbook would expand to {max(total, info.file_size) >> 20} MB "
                f"({info.filename} is compressed {ratio:.0f} to 1), over the limits of "
                f"{MAX_WORKBOOK_BYTES >> 20} MB and {MAX_COMPRESSION_RATIO} to 1",
                hint="this looks like a zip bomb; do not open it",
            )


def _check_declared_sizes(path: Path, archive: zipfile.ZipFile) -> None:
    """A shared-string table cannot hold more strings than it has bytes for (each takes at
    least '<si/>'): a larger count is a trap for readers that reserve room for it."""
    for info in archive.infolist():
        if not info.filename.lower().endswith("sharedstrings.xml"):
            continue
        with archive.open(info) as stream:
            head = stream.read(4096)
        found = _STRING_COUNT.search(head)
        if found and int(found.group(1)) > info.file_size // 5 + 1:
            raise InputError(
                path,
                f"{info.filename} declares {int(found.group(1)):,} strings but holds "
                f"{info.file_size:,} bytes (a workbook crafted to exhaust memory)",
                hint=_RESAVE,
            )


def _check_dimension(path: Path, archive: zipfile.ZipFile, part: str) -> None:
    """Refuse a sheet whose declared range is beyond any bill (readers allocate all of it)."""
    with archive.open(part) as stream:
        head = stream.read(8192)
    found = _DIMENSION.search(head)
    if not found:
        return
    first_col, first_row, last_col, last_row = found.groups()
    if last_col is None:
        return
    rows = int(last_row) - int(first_row) + 1
    columns = _column_number(last_col.decode()) - _column_number(first_col.decode()) + 1
    if rows * columns > MAX_SHEET_CELLS:
        raise InputError(
            path,
            f"the sheet declares {rows:,} rows by {columns:,} columns, more than the limit of "
            f"{MAX_SHEET_CELLS:,} cells",
            hint="delete the empty rows and columns past the data and save it again",
        )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _scan_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    tail = b""
    with archive.open(info) as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            window = tail + block
            if _XML_BOMB.search(window):
                raise InputError(
                    path,
                    f"{info.filename} declares XML entities (a possible XML bomb; "
                    "spreadsheets never need them)",
                    hint=_RESAVE,
                )
            tail = window[-16:]


def _sheet_part(archive: zipfile.ZipFile, sheet: str | None) -> str:
    """The zip path of the named sheet (or the first), from the workbook and its relations."""
    from defusedxml import ElementTree

    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    sheets = workbook.findall(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")
    chosen = next((s for s in sheets if s.get("name") == sheet), sheets[0] if sheets else None)
    if chosen is None:
        return ""
    rel_id = chosen.get(f"{_REL_NS}id")
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    except KeyError:
        return ""
    for rel in rels.findall(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return ""


def _check_formulas(path: Path, archive: zipfile.ZipFile, part: str) -> None:
    """A formula cell without a cached value reads as blank: refuse instead of guessing."""
    with archive.open(part) as stream:
        if not any(_FORMULA.search(block) for block in _overlapping_blocks(stream)):
            return
    from defusedxml import ElementTree

    with archive.open(part) as stream:
        for _, cell in ElementTree.iterparse(stream, forbid_dtd=True):
            if cell.tag != f"{_MAIN_NS}c":
                continue
            value = cell.find(f"{_MAIN_NS}v")
            inline = cell.find(f"{_MAIN_NS}is")
            cached_text = cell.get("t") == "str" and value is not None
            if (
                cell.find(f"{_MAIN_NS}f") is not None
                and inline is None
                and not cached_text
                and (value is None or not (value.text or "").strip())
            ):
                ref = cell.get("r", "?")
                digits = re.sub(r"\D", "", ref)
                raise InputError(
                    path,
                    f"cell {ref} holds a formula whose result was never saved",
                    row=int(digits) if digits else None,
                    hint="open it in a spreadsheet program and save it again, so the results "
                    "are stored with the formulas",
                )
            cell.clear()


def _overlapping_blocks(stream: io.BufferedIOBase) -> Iterator[bytes]:
    tail = b""
    for block in iter(lambda: stream.read(1 << 20), b""):
        yield tail + block
        tail = block[-8:]


# Limits on one workbook's reader process, and on what a sheet may declare before it is read.


_WORKBOOK_NAMES = ("SheetData", "read_sheet", "stage_xlsx", "xlsx_head_rows", "xlsx_rows")


def __getattr__(name: str) -> object:
    """Sheet reading lives in ``workbooks`` (which needs this module); its names stay
    importable from here, loaded on first use."""
    if name in _WORKBOOK_NAMES:
        from analyzer.importers import workbooks

        return getattr(workbooks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
