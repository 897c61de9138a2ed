"""Draft a profile for a CSV or spreadsheet: map columns by header and by values."""

from __future__ import annotations

import re
from pathlib import Path

from analyzer.errors import InputError
from analyzer.importers.draft import values as v
from analyzer.importers.draft.columns import Column, classify
from analyzer.importers.draft.specs import write_fields, write_statement
from analyzer.importers.draft.table import (
    HINT,
    NotUsageError,
    Table,
    position_pattern,
    raw_fields,
    read_table,
)
from analyzer.importers.draft.toml import Draft
from analyzer.importers.draft.words import (
    TOTAL_WORDS,
    UNANSWERED,
    has_cjk,
    words_in,
)

_USAGE = ("started_at", "amount", "quantity", "duration_s")


def draft_tabular(path: Path, file_format: str, date_format: str | None) -> Draft:
    """A profile for a table: every column mapped that its header or values explain."""
    table = read_table(path, file_format)
    keys: list[str | int] = (
        list(table.header) if table.header is not None else list(range(1, table.width + 1))
    )
    columns = [classify(key, table.column_values(i)) for i, key in enumerate(keys)]
    for index, token in enumerate(raw_fields(table.first_line, table.delimiter or ",")):
        if table.header is None and index < len(columns):
            columns[index].quoted = token.startswith('"')
    draft = Draft(path, file_format)
    fields = _assign(columns, draft)
    if not any(name in fields for name in _USAGE):
        raise NotUsageError(
            path,
            "no column of it holds dates, amounts, durations or data volumes, "
            "so it does not look like a usage export",
            hint=HINT,
        )
    _identify(table, columns, draft)
    _read(table, columns, fields, draft, date_format)
    write_fields(fields, draft)
    write_statement(table, draft)
    used = {id(c) for c in fields.values()}
    draft.unmapped = [
        str(c.key) if isinstance(c.key, str) else c.label
        for c in columns
        if id(c) not in used and c.filled
    ]
    return draft


class _Assignment:
    """Field -> column as it is being decided: one column per field, first claim wins."""

    def __init__(self) -> None:
        self.fields: dict[str, Column] = {}
        self.taken: set[int] = set()

    def take(self, name: str, column: Column) -> None:
        if name not in self.fields and id(column) not in self.taken:
            self.fields[name] = column
            self.taken.add(id(column))

    def release(self, name: str) -> None:
        self.taken.discard(id(self.fields.pop(name)))


def _assign(columns: list[Column], draft: Draft) -> dict[str, Column]:
    """Field -> column: exact header names first, values over words, one column per field."""
    chosen = _Assignment()
    _assign_by_values(columns, chosen)
    for exact in (True, False):
        for column in columns:
            if column.named not in (None, "_other") and column.exact == exact:
                _assign_by_header(column, exact, chosen, draft)
    _assign_by_shape(columns, chosen, draft)
    return chosen.fields


def _assign_by_values(columns: list[Column], chosen: _Assignment) -> None:
    """Values that speak for themselves: directions, kinds, dispositions."""
    for column in columns:
        both = set(column.directions.values()) == {"in", "out"}
        if column.directions and (both or column.named == "direction"):
            chosen.take("direction", column)
    for column in columns:
        if column.kinds and column.named in ("kind", None, "description") and not column.quoted:
            chosen.take("kind", column)
    for column in columns:
        if column.disposition:
            chosen.taken.add(id(column))
            chosen.fields.setdefault("_disposition", column)


def _assign_by_header(column: Column, exact: bool, chosen: _Assignment, draft: Draft) -> None:
    """A column whose header names a field, unless its values contradict the name."""
    name = column.named
    assert name is not None
    if not column.filled:
        if exact and name in ("country", "description", "network", "roaming"):
            chosen.take(name, column)
            draft.note(f"fields.{name}", f"{column.label} is empty in every row")
        return
    if name in ("started_at", "ended_at", "time") and not (column.stamps or column.clock):
        if name == "started_at":
            draft.note(
                "read.date_format",
                f"no date format reads every value of {column.label} "
                f"(such as {column.filled[0]!r}); set [read] date_format",
            )
            chosen.take(name, column)
        return
    name = _field_by_values(name, column)
    if name is None:
        return
    replaces = name == "amount" and "amount" in chosen.fields and _is_total(column.key)
    if replaces and not _is_total(chosen.fields["amount"].key):
        chosen.release("amount")
    chosen.take(name, column)


def _field_by_values(name: str, column: Column) -> str | None:
    """The field a header names, corrected by what its values are (None: not that field)."""
    unit = column.unit[0] if column.unit else None
    if name == "started_at" and column.clock and not column.stamps:
        name = "time"
    elif name == "time" and column.stamps:
        name = "started_at"
    if name == "quantity" and unit == "duration":
        name = "duration_s"
    elif name == "duration_s" and unit == "data":
        name = "quantity"
    if name == "amount" and not column.numeric:
        return None
    # Values that only partly tell a kind are trusted under a header that says so exactly.
    if name == "kind" and not column.kinds and column.partial_kinds and column.exact:
        column.kinds = column.partial_kinds
    if name in ("kind", "direction") and not (column.kinds or column.directions):
        return None
    return name


def _assign_by_shape(columns: list[Column], chosen: _Assignment, draft: Draft) -> None:
    """Values alone, for columns no header explained (headerless files above all)."""
    fields, taken = chosen.fields, chosen.taken
    if "country" not in fields:
        _assign_country(columns, chosen)
    stamps = [c for c in columns if c.stamps and id(c) not in taken]
    if stamps and "started_at" not in fields:
        chosen.take("started_at", stamps[0])
        if len(stamps) > 1 and "ended_at" not in fields:
            chosen.take("ended_at", stamps[-1])
    phones = [c for c in columns if (c.phones or _extension(c)) and id(c) not in taken]
    for name in ("line", "counterparty"):
        if phones and name not in fields and (name == "counterparty" or len(phones) > 1):
            chosen.take(name, phones.pop(0))
    if "duration_s" not in fields and "started_at" in fields:
        spans = _span_columns(columns, fields, taken)
        if spans:
            chosen.take("duration_s", spans[0])
            if len(spans) > 1:
                chosen.take("billed", spans[-1])
            draft.note("fields.duration_s", "read as seconds from a column without a header")


def _assign_country(columns: list[Column], chosen: _Assignment) -> None:
    """The first unexplained column whose every value names a country."""
    for column in columns:
        codes = column.countries() if column.filled and not column.phones else {}
        if column.named in ("description", None) and codes and all(codes.values()):
            if chosen.fields.get("description") is column:
                chosen.release("description")
            chosen.take("country", column)
            return


def _extension(column: Column) -> bool:
    """A quoted, digits-only field of a headerless file: a number or an extension."""
    return (
        column.quoted
        and bool(column.filled)
        and all(re.fullmatch(r"\+?\d{1,15}", x) for x in column.filled)
    )


def _is_total(key: str | int) -> bool:
    if not isinstance(key, str):
        return False
    return words_in(key, TOTAL_WORDS) or any(w in key for w in TOTAL_WORDS if has_cjk(w))


def _span_columns(columns: list[Column], fields: dict[str, Column], taken: set[int]) -> list:
    """Whole-number columns no larger than the time between start and end: durations."""
    from datetime import datetime

    start, end = fields["started_at"], fields.get("ended_at")
    if end is None or not start.stamps or not end.stamps:
        return []
    spans = []
    for a, b in zip(start.values, end.values, strict=True):
        if a and b:
            spans.append(
                (
                    datetime.strptime(b, end.stamps[0]) - datetime.strptime(a, start.stamps[0])
                ).total_seconds()
            )
        else:
            spans.append(None)
    found = []
    for column in columns:
        if id(column) in taken or column.quoted or not column.filled:
            continue
        if not all(map(v.is_integer, column.filled)):
            continue
        pairs = [(int(x), s) for x, s in zip(column.values, spans, strict=True) if x and s]
        if pairs and all(0 <= x <= s for x, s in pairs) and any(x for x, _ in pairs):
            found.append(column)
    return found


def _identify(table: Table, columns: list[Column], draft: Draft) -> None:
    if table.header is not None:
        draft.identify["header"] = [c.key for c in columns][:12]
        return
    draft.identify["columns"] = table.width
    keep = {}
    for index, column in enumerate(columns, start=1):
        if column.disposition:
            words = sorted({*column.distinct, *(w.upper() for w in UNANSWERED)})
            keep[index] = '"?(?:' + "|".join(v.escape(w) for w in words) + ')"?'
    assert table.delimiter is not None
    draft.identify["signature"] = position_pattern(table.first_line, table.delimiter, keep)
    draft.note(
        "identify.signature", "a headerless file is recognised by the shape of its first line"
    )


def _read(
    table: Table,
    columns: list[Column],
    fields: dict[str, Column],
    draft: Draft,
    date_format: str | None,
) -> None:
    """The [read] table: encoding, delimiter, sheet, number marks, date format, currency."""
    read = draft.read
    if table.encoding:
        read["encoding"] = table.encoding
    if table.delimiter:
        read["delimiter"] = "tab" if table.delimiter == "\t" else table.delimiter
    if table.sheet:
        read["sheet"] = table.sheet
    _read_number_marks(fields, draft)
    start = fields.get("started_at")
    if date_format:
        read["date_format"] = date_format
    elif start is not None and start.stamps:
        found = _date_format(draft.path, start, fields.get("time"))
        if found:
            read["date_format"] = found
        else:
            draft.note("read.date_format", f"no one format reads every date of {start.label}")
    _read_currency(columns, fields, draft)
    phones = [fields[n] for n in ("line", "counterparty") if n in fields]
    national = [x for c in phones if c.phones for x in c.filled if not x.startswith(("+", "00"))]
    if "region" not in read and national:
        draft.note("read.region", "set [read] region: the country of numbers printed without +")


def _read_number_marks(fields: dict[str, Column], draft: Draft) -> None:
    """The decimal and thousands marks the amounts and quantities print."""
    read = draft.read
    numbers = [fields[n].filled for n in ("amount", "quantity") if n in fields]
    decimal, thousands, undecided = v.number_marks([x for values in numbers for x in values])
    if undecided:
        draft.note(
            "read.decimal",
            f"{undecided!r} reads as a decimal or a thousands mark; it is read as thousands",
        )
    if decimal == ",":
        read["decimal"] = ","
    if thousands and thousands != read.get("decimal", "."):
        read["thousands"] = thousands


def _read_currency(columns: list[Column], fields: dict[str, Column], draft: Draft) -> None:
    """The currency a header names, or a guess that says it is one; its region follows."""
    read = draft.read
    currency = next(
        (v.header_currency(str(c.key)) for c in columns if v.header_currency(str(c.key))), None
    )
    guessed = None
    if currency is None and any(has_cjk(str(c.key)) for c in columns):
        currency, guessed = "CNY", "the headers are Chinese"
    elif currency is None and any("$" in str(c.key) for c in columns):
        currency, guessed = "USD", "a header prints '$', which several currencies use"
    if currency:
        read["currency"] = currency
        if guessed:
            draft.note("read.currency", f"{currency} is a guess: {guessed}")
        region = v.REGION_OF_CURRENCY.get(currency)
        if region:
            read["region"] = region
            draft.note("read.region", f"{region} (home of numbers without +) follows the currency")
    elif "amount" in fields:
        draft.note("read.currency", "no header names the currency; set [read] currency")


def _date_format(path: Path, start: Column | None, clock: Column | None) -> str | None:
    """The one format that reads every date (with its time column); refuse day/month guesses."""
    assert start is not None
    texts = start.values
    if clock is not None:
        texts = [f"{d} {t}".strip() for d, t in zip(start.values, clock.values, strict=True)]
    filled = [t for t in texts if t]
    fitting = v.fitting_formats(
        filled, [f for f in v.timestamp_formats() if v.parses(filled[0], f)]
    )
    if not fitting:
        return None
    for other in fitting[1:]:
        if v.differ(filled, fitting[0], other):
            raise InputError(
                path,
                f"the dates in {start.label} fit both {fitting[0]} and {other}",
                hint="say which with --date-format",
            )
    return fitting[0]
