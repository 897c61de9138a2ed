"""Read a tabular file for drafting: every row as text, the header row, the preamble above it.

CSV is decoded and split whole (a date format is chosen from all rows, not a sample);
spreadsheets (xlsx, xls) are read with python-calamine, hidden sheets passed over.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.errors import InputError
from analyzer.importers.draft.values import fitting_formats, is_number, timestamp_formats
from analyzer.importers.draft.words import HEADERS, fold, has_cjk
from analyzer.paths import native_name

MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 60
NOT_A_TABLE = "it is not a table of usage: no delimiter splits its lines into columns"
HINT = "profile init drafts profiles for usage exports (CSV, XLSX, XLS) and PDF bills"


class NotUsageError(InputError):
    """The file is not something a profile can be drafted for: a usage error (exit 2)."""

    exit_code = 2


@dataclass
class Table:
    """The rows of a file as text, split into preamble, header and body."""

    format: str  # csv | xlsx | xls
    header: list[str] | None  # None: a headerless file, columns by position
    rows: list[list[str]]
    preamble: list[str] = field(default_factory=list)
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    first_line: str = ""  # the raw first line of a headerless CSV (for its signature)

    @property
    def width(self) -> int:
        return len(self.header) if self.header is not None else max(map(len, self.rows))

    def column_values(self, index: int) -> list[str]:
        return [row[index].strip() if index < len(row) else "" for row in self.rows]


def read_table(path: Path, file_format: str) -> Table:
    """The file's rows, its header row (or none) and the lines above it."""
    if file_format == "csv":
        rows, delimiter, encoding, first_line = _csv_rows(path)
        table = _split(path, rows, file_format)
        table.delimiter, table.encoding = delimiter, encoding
        table.first_line = first_line if table.header is None else ""
        return table
    rows, sheet = _sheet_rows(path, file_format)
    table = _split(path, rows, file_format)
    table.sheet = sheet
    return table


def _csv_rows(path: Path) -> tuple[list[list[str]], str, str, str]:
    from analyzer.importers.reading import detect_encoding, sniff_delimiter

    encoding = detect_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        text = handle.read(64 << 20).lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise NotUsageError(path, "it holds no text, only blank lines", hint=HINT)
    delimiter = sniff_delimiter("\n".join(lines[:HEADER_SEARCH_ROWS]))
    rows = [
        [cell.strip() for cell in row]
        for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        if any(cell.strip() for cell in row)
    ][:MAX_ROWS]
    widths = [len(r) for r in rows]
    if max(widths) < 2 or sorted(widths)[len(widths) // 2] < 2:
        raise NotUsageError(path, NOT_A_TABLE, hint=HINT)
    return rows, delimiter, encoding, lines[0]


def _sheet_rows(path: Path, file_format: str) -> tuple[list[list[str]], str]:
    from python_calamine import CalamineWorkbook

    from analyzer.importers.reading import cell_text, check_workbook

    if file_format == "xlsx":
        check_workbook(path)
    try:
        with native_name(path) as name:
            workbook = CalamineWorkbook.from_path(name)
        visible = [s.name for s in workbook.sheets_metadata if str(s.visible).endswith("Visible")]
        best: tuple[int, str, list[list[str]]] | None = None
        for name in visible:
            data = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            rows = [[cell_text(c) or "" for c in row] for row in data[:MAX_ROWS]]
            rows = [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]
            score = sum(1 for r in rows if sum(1 for c in r if c) >= 3)
            if best is None or score > best[0]:
                best = (score, name, rows)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise InputError(
            path, f"the spreadsheet cannot be read ({exc})", hint="save it again and retry"
        ) from exc
    if best is None or not best[2]:
        raise NotUsageError(path, "no visible sheet of it holds any rows", hint=HINT)
    return best[2], best[1]


def _is_header(row: list[str]) -> bool:
    """Names, not data: no dates or numbers, and most cells filled."""
    cells = [c for c in row if c]
    if len(cells) < 2 or len(cells) < 0.6 * len(row):
        return False
    data_like = [c for c in cells if is_number(c) or fitting_formats([c], _STAMPS)]
    return not data_like


def _known_names(row: list[str]) -> int:
    names = {fold(n) for names in HEADERS.values() for n in names}
    count = 0
    for cell in row:
        key = fold(cell)
        if key in names or (has_cjk(key) and any(n in key for n in names if has_cjk(n))):
            count += 1
    return count


_STAMPS = timestamp_formats()


def _split(path: Path, rows: list[list[str]], file_format: str) -> Table:
    """Find the header row: the first row of names that the rows below match in width."""
    widths = [sum(1 for c in r if c) for r in rows[:HEADER_SEARCH_ROWS]]
    modal = max(set(widths), key=widths.count)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if not _is_header(row) or (widths[index] < 0.8 * modal and _known_names(row) < 2):
            continue
        below = widths[index + 1 : index + 6]
        filled = sum(1 for c in row if c)
        if not below and index + 1 < len(rows):
            continue
        if below and max(below) < 0.5 * filled and not _known_names(row):
            continue
        header = list(row)
        while header and not header[-1]:
            header.pop()
        body = [r for r in rows[index + 1 :] if [c for c in r[: len(header)]] != header]
        if not body:
            raise NotUsageError(
                path,
                "it has a header row but no data rows to learn from",
                hint="export a period with some usage and try again",
            )
        preamble = [" ".join(c for c in r if c) for r in rows[:index]]
        return Table(file_format, _unique(header), [_pad(r, len(header)) for r in body], preamble)
    first = rows[0]
    if _known_names(first) >= 2 and len(rows) == 1:
        raise NotUsageError(
            path,
            "it has a header row but no data rows to learn from",
            hint="export a period with some usage and try again",
        )
    width = max(len(r) for r in rows)
    return Table(file_format, None, [_pad(r, width) for r in rows])


def _pad(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width]


def _unique(header: list[str]) -> list[str]:
    """Blank header cells become 'column N' so every column has a name."""
    return [name or f"column {index + 1}" for index, name in enumerate(header)]


def position_pattern(first_line: str, delimiter: str, keep: dict[int, str]) -> str:
    """An RE2 pattern the first line of a headerless file matches: each field's shape.

    ``keep`` gives a pattern for some positions (a disposition's words); other quoted fields
    are any quoted text, bare digits are digits, anything else is any unquoted text.
    """
    d = re.escape(delimiter)
    parts = []
    for position, token in enumerate(raw_fields(first_line, delimiter), start=1):
        if position in keep:
            parts.append(keep[position])
        elif token.startswith('"'):
            parts.append('"(?:[^"]|"")*"')
        elif re.fullmatch(r"\d+", token):
            parts.append(r"\d+")
        else:
            parts.append(rf"[^{d}\r\n]*")
    return "^" + d.join(parts)


def raw_fields(line: str, delimiter: str) -> list[str]:
    """The fields of a CSV line as written, quotes kept."""
    fields, current, quoted = [], [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted  # a doubled quote inside quotes flips twice
        if ch == delimiter and not quoted:
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return fields
