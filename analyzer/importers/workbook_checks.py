"""Refuse a workbook before anything parses it: zip bombs, XML entity bombs, absurd declared
sizes, and formulas whose results were never saved."""

from __future__ import annotations

import contextlib
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import InputError

# Limits on what a workbook may expand to before anything parses it (zip bombs).
MAX_WORKBOOK_BYTES = 1 << 30
MAX_PART_BYTES = 512 << 20
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_ABOVE = 8 << 20
_XML_BOMB = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_FORMULA = re.compile(rb"<f[ />]")
_ERROR_VALUE = b't="e"'  # a cell holding an error value (#DIV/0!, #N/A)
_MERGED = b"mergeCell"  # a sheet's merged ranges (<mergeCells>, after its rows)
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


@dataclass(frozen=True)
class WorkbookScan:
    """What the one pass over a workbook's XML parts saw: the parts that hold a formula and
    the parts that hold an error value, so that later steps look only where there are some."""

    formulas: frozenset[str] = frozenset()
    errors: frozenset[str] = frozenset()
    merges: frozenset[str] = frozenset()  # the parts that declare merged cells


def check_workbook(path: Path, sheet: str | None = None) -> WorkbookScan:
    """Refuse a workbook before parsing it: not a workbook, a zip bomb, an XML entity bomb, a
    sheet or string table declaring an absurd size, or formulas whose results were never saved
    (they would read as blanks, not as numbers).

    Every XML part is streamed once with its expanded size counted. The reader process starts
    beside this scan (it runs under memory and time limits, so a bomb costs it no more than
    its limits) and is stopped when the scan refuses the file. A legacy .xls is only checked
    to be one: its reader runs under the same limits as the others.
    """
    scan = scan_workbook(path)
    check_sheet(path, scan, sheet)
    return scan


def scan_workbook(path: Path) -> WorkbookScan:
    """The workbook-wide checks (all but the sheet's own): once per file, whichever sheet."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        with path.open("rb") as handle:
            if handle.read(8) != _OLE_MAGIC:
                raise InputError(
                    path,
                    "this is not an XLS workbook (it lacks the signature of one)",
                    hint="export it again as .xls or .xlsx, or check it is the file you meant",
                )
        return WorkbookScan()
    if not zipfile.is_zipfile(path):
        raise InputError(
            path,
            "this is not an XLSX workbook (it is not a zip archive)",
            hint="export it again as .xlsx, or check it is the file you meant",
        )
    with _damage_as_input_error(path), zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        names = {info.filename for info in parts}
        if suffix != ".ods" and "xl/workbook.xml" not in names:
            raise InputError(
                path,
                "this is not an XLSX workbook (it has no xl/workbook.xml)",
                hint="export it again as .xlsx, or check it is the file you meant",
            )
        _check_sizes(path, parts)
        seen = {_FORMULA: set(), _ERROR_VALUE: set(), _MERGED: set()}
        for info in parts:
            if info.filename.endswith((".xml", ".rels")):
                for marker in _scan_part(path, archive, info):
                    seen[marker].add(info.filename)
        if suffix != ".ods":
            _check_declared_sizes(path, archive)
    return WorkbookScan(*(frozenset(seen[m]) for m in (_FORMULA, _ERROR_VALUE, _MERGED)))


def check_sheet(path: Path, scan: WorkbookScan, sheet: str | None = None) -> None:
    """The checks of one sheet (the named one, else the first): its declared size, and
    formulas without results (read only where the scan saw a formula)."""
    if path.suffix.lower() in (".xls", ".ods"):
        return
    with _damage_as_input_error(path), zipfile.ZipFile(path) as archive:
        target = _sheet_part(archive, sheet)
        if target in archive.NameToInfo:
            _check_dimension(path, archive, target)
            if target in scan.formulas:
                _check_formulas(path, archive, target)


@contextlib.contextmanager
def _damage_as_input_error(path: Path) -> Iterator[None]:
    """A damaged archive or XML part as the one-line message that says what to do."""
    try:
        yield
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


def _scan_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> set[Any]:
    """Refuse an XML bomb; the part's formula, error-value and merged-cell markers seen."""
    tail = b""
    seen: set[Any] = set()
    with archive.open(info) as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            window = tail + block
            if b"<!" in window and _XML_BOMB.search(window):
                raise InputError(
                    path,
                    f"{info.filename} declares XML entities (a possible XML bomb; "
                    "spreadsheets never need them)",
                    hint=_RESAVE,
                )
            if _FORMULA not in seen and b"<f" in window and _FORMULA.search(window):
                seen.add(_FORMULA)
            if _ERROR_VALUE not in seen and _ERROR_VALUE in window:
                seen.add(_ERROR_VALUE)
            if _MERGED not in seen and _MERGED in window:
                seen.add(_MERGED)
            tail = window[-16:]
    return seen


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
