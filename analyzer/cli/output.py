"""Rows on the terminal or in a file: aligned tables that fit the terminal, CSV, JSON, NDJSON."""

from __future__ import annotations

import csv
import io
import json
import shutil
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import click

from analyzer.errors import shown

FORMATS = ("table", "json", "csv", "nl")
GAP = "  "
MIN_WIDTH = 8
WRAP_WIDTH = 30  # narrower than this, a wrapped column moves under its row
ELLIPSIS = "…"


def _jsonable(value: Any) -> Any:
    """A value JSON can carry exactly: decimals and dates as text, nested values recursed."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return _jsonable(value)
    text = str(_jsonable(value))
    if text and text[0] in "=+-@\t\r＝＋－＠":
        return "'" + text
    return text


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def number_text(value: int | float | Decimal) -> str:
    """A number as a reader writes it: 425648456, 1.5, 0.25 (no padding zeros, no exponent)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def cell_text(value: Any) -> str:
    """What a table cell shows: numbers as numbers, dates as ISO, control characters escaped."""
    if value is None:
        return ""
    if is_number(value):
        return number_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return shown(str(_jsonable(value)))


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: wide (CJK) characters take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, with an ellipsis when something was cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        size = display_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + ELLIPSIS


def _break_word(word: str, width: int) -> list[str]:
    pieces, current, used = [], "", 0
    for char in word:
        size = display_width(char)
        if used + size > width and current:
            pieces.append(current)
            current, used = "", 0
        current += char
        used += size
    return [*pieces, current] if current else pieces


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces where possible."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if display_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _break_word(word, width) or [""]
        lines.extend(pieces[:-1])
        current = pieces[-1]
    lines.append(current)
    return lines


def terminal_width() -> int:
    """The terminal's width ($COLUMNS wins; 100 when stdout is not a terminal)."""
    return shutil.get_terminal_size((100, 24)).columns


def fit_widths(natural: list[int], flexible: Sequence[int], width: int) -> list[int]:
    """Column widths that fit ``width``, shrinking the widest flexible column first."""
    widths = list(natural)
    excess = sum(widths) + len(GAP) * (len(widths) - 1) - width
    candidates = list(flexible) or list(range(len(widths)))
    while excess > 0:
        widest = max(candidates, key=lambda i: widths[i])
        if widths[widest] <= MIN_WIDTH:
            break
        widths[widest] -= 1
        excess -= 1
    return widths


def render_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    wide: bool = False,
    wrapped: Sequence[str] = (),
    below: Sequence[str] = (),
    spill: Sequence[str] = (),
    width: int | None = None,
) -> list[str]:
    """An aligned table; numbers are right-aligned, wide (CJK) characters count twice.

    Unless ``wide``, it fits the terminal: ``wrapped`` columns wrap and the others are cut with
    an ellipsis; when even that would not fit, the ``below`` columns leave the table and are
    printed under their row, indented and wrapped to the terminal's width, followed by the
    ``spill`` columns, one by one, while the row's remaining columns would still not fit.
    """
    width = width or terminal_width()
    texts = [[cell_text(v) for v in row] for row in rows]
    natural = [
        max([display_width(c)] + [display_width(r[i]) for r in texts])
        for i, c in enumerate(columns)
    ]
    if wide or not below or _room_to_wrap(columns, natural, wrapped, width):
        header, blocks = _grid(columns, rows, texts, natural, wrapped, None if wide else width)
        return [header] + [line for block in blocks for line in block]
    moving = _moving(columns, natural, [*below], spill, width)
    kept = [i for i, c in enumerate(columns) if c not in moving]
    moved = [columns.index(c) for c in moving if c in columns]
    header, blocks = _grid(
        [columns[i] for i in kept],
        [[row[i] for i in kept] for row in rows],
        [[row[i] for i in kept] for row in texts],
        [natural[i] for i in kept],
        wrapped,
        width,
    )
    lines = [header]
    for block, text in zip(blocks, texts, strict=True):
        lines += block
        for order, i in enumerate(moved):
            if text[i]:
                label = "" if order == 0 else f"{columns[i]}: "
                lines += ["    " + part for part in wrap(label + text[i], max(width - 4, 20))]
    return lines


def _moving(
    columns: Sequence[str],
    natural: Sequence[int],
    moving: list[str],
    spill: Sequence[str],
    width: int,
) -> list[str]:
    """The columns that go under their row: ``moving``, then ``spill`` while the rest is too wide."""
    for name in spill:
        kept = [w for c, w in zip(columns, natural, strict=True) if c not in moving]
        if sum(kept) + len(GAP) * (len(kept) - 1) <= width:
            break
        moving.append(name)
    return moving


def _room_to_wrap(
    columns: Sequence[str], natural: Sequence[int], wrapped: Sequence[str], width: int
) -> bool:
    """Whether the table fits with each wrapped column at least WRAP_WIDTH wide (or whole)."""
    fixed = sum(w for c, w in zip(columns, natural, strict=True) if c not in wrapped)
    room = width - fixed - len(GAP) * (len(columns) - 1)
    needed = sum(min(w, WRAP_WIDTH) for c, w in zip(columns, natural, strict=True) if c in wrapped)
    return room >= needed


def _grid(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    texts: Sequence[Sequence[str]],
    natural: list[int],
    wrapped: Sequence[str],
    width: int | None,
) -> tuple[str, list[list[str]]]:
    """The header line, and the lines of each row (more than one where a cell wraps)."""
    count = range(len(columns))
    right = [bool(rows) and all(is_number(r[i]) or r[i] is None for r in rows) for i in count]
    flexible = [i for i, c in enumerate(columns) if c in wrapped]
    widths = natural if width is None else fit_widths(natural, flexible, width)
    header = _join([clip(c, w) for c, w in zip(columns, widths, strict=True)], widths, right)
    blocks = []
    for row in texts:
        cells = [
            wrap(text, w) if i in flexible else [clip(text, w)]
            for i, (text, w) in enumerate(zip(row, widths, strict=True))
        ]
        depth = max(len(c) for c in cells)
        blocks.append(
            [
                _join([c[d] if d < len(c) else "" for c in cells], widths, right)
                for d in range(depth)
            ]
        )
    return header, blocks


def _join(parts: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    return GAP.join(
        pad(p, w, right=r) for p, w, r in zip(parts, widths, right, strict=True)
    ).rstrip()


def exact_json(records: Any, **options: Any) -> str:
    """JSON with every value :func:`_jsonable` (decimals as exact text)."""
    return json.dumps(_jsonable(records), ensure_ascii=False, **options)


def print_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    file: IO[str] | None = None,
    *,
    wide: bool = False,
    wrapped: Sequence[str] = (),
    below: Sequence[str] = (),
    spill: Sequence[str] = (),
) -> None:
    """Rows as a table, CSV (formula-safe), a JSON array or JSON lines, to stdout or ``file``."""
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    if fmt == "json":
        click.echo(exact_json(records, indent=2), file=file)
    elif fmt == "nl":
        for record in records:
            click.echo(exact_json(record), file=file)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
        click.echo(buffer.getvalue(), nl=False, file=file)
    else:
        wide = wide or file is not None
        table = render_table(columns, rows, wide=wide, wrapped=wrapped, below=below, spill=spill)
        for line in table:
            click.echo(line, file=file)
