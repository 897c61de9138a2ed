"""Draft a profile for a CSV or spreadsheet: map columns by header and by values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.importers.draft import values as v
from analyzer.importers.draft.columns import Column, classify
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
    COUNTERPARTS,
    TOTAL_WORDS,
    UNANSWERED,
    fold,
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
    _fields(columns, fields, draft)
    _statement(table, draft)
    used = {id(c) for c in fields.values()}
    draft.unmapped = [
        str(c.key) if isinstance(c.key, str) else c.label
        for c in columns
        if id(c) not in used and c.filled
    ]
    return draft


def _assign(columns: list[Column], draft: Draft) -> dict[str, Column]:
    """Field -> column: exact header names first, values over words, one column per field."""
    fields: dict[str, Column] = {}
    taken: set[int] = set()

    def take(name: str, column: Column) -> None:
        if name not in fields and id(column) not in taken:
            fields[name] = column
            taken.add(id(column))

    # Values that speak for themselves: directions, kinds, dispositions.
    for column in columns:
        both = set(column.directions.values()) == {"in", "out"}
        if column.directions and (both or column.named == "direction"):
            take("direction", column)
    for column in columns:
        if column.kinds and column.named in ("kind", None, "description") and not column.quoted:
            take("kind", column)
    for column in columns:
        if column.disposition:
            taken.add(id(column))
            fields.setdefault("_disposition", column)
    # Headers, exact names before words inside names.
    for exact in (True, False):
        for column in columns:
            name = column.named
            if name in (None, "_other") or column.exact != exact:
                continue
            if not column.filled:
                if exact and name in ("country", "description", "network", "roaming"):
                    take(name, column)
                    draft.note(f"fields.{name}", f"{column.label} is empty in every row")
                continue
            if name in ("started_at", "ended_at", "time") and not (column.stamps or column.clock):
                if name == "started_at":
                    draft.note(
                        "read.date_format",
                        f"no date format reads every value of {column.label} "
                        f"(such as {column.filled[0]!r}); set [read] date_format",
                    )
                    take(name, column)
                continue
            if name == "started_at" and column.clock and not column.stamps:
                name = "time"
            if name == "time" and column.stamps:
                name = "started_at"
            if name == "quantity" and column.unit and column.unit[0] == "duration":
                name = "duration_s"
            if name == "duration_s" and column.unit and column.unit[0] == "data":
                name = "quantity"
            if name == "amount" and not column.numeric:
                continue
            if name == "kind" and not column.kinds and column.partial_kinds:
                column.kinds = column.partial_kinds
            if name in ("kind", "direction") and not (column.kinds or column.directions):
                continue
            replaces = name == "amount" and "amount" in fields and _is_total(column.key)
            if replaces and not _is_total(fields["amount"].key):
                taken.discard(id(fields.pop("amount")))
            take(name, column)
    # Values alone, for columns no header explained (headerless files above all).
    if "country" not in fields:
        for column in columns:
            codes = column.countries() if column.filled and not column.phones else {}
            if column.named in ("description", None) and codes and all(codes.values()):
                if fields.get("description") is column:
                    del fields["description"]
                    taken.discard(id(column))
                take("country", column)
                break
    stamps = [c for c in columns if c.stamps and id(c) not in taken]
    if stamps and "started_at" not in fields:
        take("started_at", stamps[0])
        if len(stamps) > 1 and "ended_at" not in fields:
            take("ended_at", stamps[-1])
    phones = [c for c in columns if (c.phones or _extension(c)) and id(c) not in taken]
    for name in ("line", "counterparty"):
        if phones and name not in fields and (name == "counterparty" or len(phones) > 1):
            take(name, phones.pop(0))
    if "duration_s" not in fields and "started_at" in fields:
        spans = _span_columns(columns, fields, taken)
        if spans:
            take("duration_s", spans[0])
            if len(spans) > 1:
                take("billed", spans[-1])
            draft.note("fields.duration_s", "read as seconds from a column without a header")
    return fields


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
    read = draft.read
    if table.encoding:
        read["encoding"] = table.encoding
    if table.delimiter:
        read["delimiter"] = "tab" if table.delimiter == "\t" else table.delimiter
    if table.sheet:
        read["sheet"] = table.sheet
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
    start = fields.get("started_at")
    if date_format:
        read["date_format"] = date_format
    elif start is not None and start.stamps:
        found = _date_format(draft.path, start, fields.get("time"))
        if found:
            read["date_format"] = found
        else:
            draft.note("read.date_format", f"no one format reads every date of {start.label}")
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
    phones = [fields[n] for n in ("line", "counterparty") if n in fields]
    national = [x for c in phones if c.phones for x in c.filled if not x.startswith(("+", "00"))]
    if "region" not in read and national:
        draft.note("read.region", "set [read] region: the country of numbers printed without +")


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


def _fields(columns: list[Column], fields: dict[str, Column], draft: Draft) -> None:
    out = draft.fields
    kind_column = fields.get("kind")
    kinds = set(kind_column.kinds.values()) if kind_column else set()
    for name in ("line", "started_at", "ended_at"):
        if name in fields:
            out[name] = fields[name].key
    if "time" in fields and "started_at" in fields:
        out["started_at"] = {"column": fields["started_at"].key, "time_column": fields["time"].key}
    if kind_column is not None:
        out["kind"] = {"column": kind_column.key, "values": dict(kind_column.kinds)}
        unknown = [x for x in kind_column.distinct if x not in kind_column.kinds]
        if unknown:
            draft.note(
                "fields.kind",
                f"no kind is known for {', '.join(map(repr, unknown[:3]))}: "
                "add them to the values (their rows are rejected until then)",
            )
    else:
        kind, why = _constant_kind(fields)
        out["kind"] = {"value": kind}
        kinds = {kind}
        draft.note("fields.kind", f"every row is taken as {kind}: {why}")
    if "direction" in fields:
        column = fields["direction"]
        values = dict(column.directions)
        if len(set(values.values())) == 1:
            for seen, meaning in list(values.items()):
                other = COUNTERPARTS.get(seen.lower())
                if other:
                    values[other] = "in" if meaning == "out" else "out"
        out["direction"] = {"column": column.key, "values": values}
    counted = fields.get("quantity")
    plain = (
        counted is not None
        and "data" not in kinds
        and not counted.unit
        and not counted.volumes
        and counted.numeric
    )
    if plain:
        assert counted is not None
        out["quantity"] = {"column": counted.key, "type": "number"}
        draft.note(
            "fields.quantity.unit",
            f"{counted.label} names no unit; read as a number in each kind's unit "
            "(seconds for calls, messages for texts)",
        )
    volume = None if plain else _volume_spec(counted, draft)
    duration = _duration_spec(fields.get("duration_s"), draft, "duration_s")
    billed = _duration_spec(fields.get("billed"), draft, "quantity")
    if kinds <= {"voice"} and (billed or duration):
        out["quantity"] = billed or duration
        if billed and duration:
            out["duration_s"] = duration
    elif kinds <= {"data"} and volume:
        out["quantity"] = volume
    elif kinds <= {"sms", "mms"}:
        out["quantity"] = {"value": 1}
    elif kind_column is not None and (volume or duration):
        out["quantity"] = _quantity_by_kind(kind_column, volume, duration)
        if duration:
            out["duration_s"] = duration
    elif volume or duration:
        out["quantity"] = volume or duration
        draft.note("fields.quantity", "the rows' kinds differ; check the quantity's unit")
    for name in ("counterparty", "network", "description"):
        if name in fields:
            out[name] = fields[name].key
    if "counterparty" in fields and not fields["counterparty"].phones:
        draft.note(
            "fields.counterparty",
            f"the values of {fields['counterparty'].label} do not look like phone numbers",
        )
    if "country" in fields:
        out["country"] = _country_spec(fields["country"], draft)
    if "roaming" in fields and fields["roaming"].roaming_flags:
        yes, no = fields["roaming"].roaming_flags
        yes = yes or [COUNTERPARTS[x.lower()] for x in no if x.lower() in COUNTERPARTS]
        no = no or [COUNTERPARTS[x.lower()] for x in yes if x.lower() in COUNTERPARTS]
        out["roaming"] = {"column": fields["roaming"].key, "true": yes, "false": no}
    if "amount" in fields:
        out["amount"] = fields["amount"].key
        if "currency" in fields:
            out["currency"] = fields["currency"].key
        elif draft.read.get("currency"):
            out["currency"] = {"value": draft.read["currency"]}
    if "_disposition" in fields:
        column = fields["_disposition"]
        unanswered = [x for x in column.distinct if fold(x) in {fold(w) for w in UNANSWERED}]
        words = sorted({*unanswered, *(w.upper() for w in UNANSWERED)})
        draft.skip.append(
            {
                "column": column.key,
                "pattern": "^(?:" + "|".join(v.escape(w) for w in words) + ")$",
                "reason": "not billed usage (the call was not answered)",
            }
        )


def _quantity_by_kind(
    kind_column: Column, volume: dict[str, Any] | None, duration: dict[str, Any] | None
) -> dict[str, Any]:
    """Each kind's quantity from its own column: calls' durations, data volumes, one message."""
    by_kind = {
        "voice": duration,
        "data": volume,
        "sms": {"value": 1},
        "mms": {"value": 1},
    }
    branches = []
    for kind, spec in by_kind.items():
        printed = [k for k, meaning in kind_column.kinds.items() if meaning == kind]
        if printed and spec is not None:
            pattern = "^(?:" + "|".join(v.escape(x) for x in printed) + ")$"
            branches.append((pattern, spec))
    result: dict[str, Any] = duration or volume or {"value": 1}
    for pattern, spec in reversed(branches):
        result = {
            "type": "when",
            "column": kind_column.key,
            "pattern": pattern,
            "then": spec,
            "else": result,
        }
    return result


def _constant_kind(fields: dict[str, Column]) -> tuple[str, str]:
    quantity, duration = fields.get("quantity"), fields.get("duration_s")
    if quantity and (quantity.unit or ("data", ""))[0] == "data" and not duration:
        return "data", "the file has a data volume and no durations"
    if duration or fields.get("_disposition"):
        return "voice", "the file has call durations and no data volumes"
    direction = fields.get("direction")
    if direction and any(
        words_in(k, ("sent", "received", "发送", "接收")) for k in direction.distinct
    ):
        return "sms", "the rows are sent or received, with no duration or volume"
    return "fee", "no column says what the rows are"


def _volume_spec(column: Column | None, draft: Draft) -> dict[str, Any] | None:
    if column is None:
        return None
    spec: dict[str, Any] = {"column": column.key, "type": "data"}
    if column.unit and column.unit[0] == "data":
        spec["unit"] = column.unit[1]
    elif not column.volumes:
        spec["unit"] = "B"
        draft.note(
            "fields.quantity.unit",
            f"{column.label} names no unit and its values print none; read as bytes",
        )
    return spec


def _duration_spec(column: Column | None, draft: Draft, name: str) -> dict[str, Any] | None:
    if column is None:
        return None
    spec: dict[str, Any] = {"column": column.key, "type": "duration"}
    if column.unit and column.unit[0] == "duration":
        if column.unit[1] == "minutes":
            spec["unit"] = "minutes"
    elif not column.durations:
        draft.note(
            f"fields.{name}.unit",
            f"{column.label} names no unit and its values are bare numbers; read as seconds",
        )
    return spec


def _country_spec(column: Column, draft: Draft) -> Any:
    codes = column.countries()
    aliases = {name: code for name, code in codes.items() if code and fold(name) != code.lower()}
    unknown = [name for name, code in codes.items() if code is None]
    if unknown:
        draft.note("fields.country", f"no country is known by {unknown[0]!r}; add an alias")
    known = {k: c for k, c in aliases.items() if not _plain_name(k)}
    return {"column": column.key, "aliases": known} if known else column.key


def _plain_name(name: str) -> bool:
    from analyzer.importers.draft.columns import _country_names

    return fold(name) in _country_names()


def _statement(table: Table, draft: Draft) -> None:
    """Preamble lines such as `总条数：23` or `Account: 123` become statement patterns."""
    account_words = ("account", "账号", "账户", "cuenta", "compte", "konto", "conta", "客户")
    number_words = ("number", "号码", "numero", "nummer", "手机")
    for line in table.preamble:
        match = re.match(r"^\s*([^:：]{1,30}?)\s*[:：]\s*(\S.*?)\s*$", line)
        if not match:
            continue
        label = match.group(1)
        pattern = v.escape(label) + r"\s*[:：]\s*(.+?)\s*$"
        if words_in(label, account_words) or any(w in label for w in account_words[1:3]):
            draft.statement.setdefault("account", pattern)
        elif words_in(label, number_words) and v.is_phone(match.group(2)):
            draft.statement.setdefault("line", pattern)
        else:
            name = fold(label).replace(" ", "_") or f"fact{len(draft.statement) + 1}"
            draft.statement.setdefault("extra", {})[name] = pattern
