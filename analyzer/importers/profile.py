"""TOML carrier profiles: the same attributes as a built-in layout, written by users, no code.

A profile is found in ``profiles/`` beside the bills, in the user's config folder
(``$XDG_CONFIG_HOME/usage-analyzer/profiles``) or in a folder given with ``--profiles``.
Every mistake is a ProfileError naming the file and the key; a profile is never skipped.

    name = "my_carrier"          carrier = "My Carrier"          format = "csv" | "xlsx" | "pdf"
    [identify]  header = [...]   keywords = [...]   filename = "regex"
                columns = 18 + signature = "regex"  (headerless files: columns by position)
    [read]      encoding, delimiter, sheet, facts_sheet, decimal, thousands, date_format(s),
                currency, region, unmatched
    [statement] as_of = "regex", plan_name = "regex", ... (first group, over the preamble)
    [derived]   Number = { column = "Detail", pattern = "to (\\d+)" }
    [fields]    line = "Line" | 2 | { column = ..., type = ..., ... } | { value = "voice" }
    [skip]      column, pattern, reason        [summary]  column, pattern, total
    [[records]] where = { column, pattern }, fields = {...}  (one table per record type)
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from analyzer.errors import ProfileError
from analyzer.importers.base import EVENT_FIELDS, ROW_FACTS, Importer, RowMatch, TableMapping
from analyzer.importers.specs import (
    Choice,
    Const,
    Country,
    DataVolume,
    Duration,
    Flag,
    Money,
    Number,
    Spec,
    Text,
    Timestamp,
)
from analyzer.importers.tabular import Fact, TabularLayout

# Tried in this order when a profile names no date format; one must read every date of a file,
# and a file whose dates fit two of them (all days <= 12) is refused as ambiguous.
COMMON_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)
TYPES = (
    "text",
    "money",
    "number",
    "data",
    "duration",
    "timestamp",
    "choice",
    "flag",
    "country",
    "fact",
)
_DEFAULT_TYPES = {
    "started_at": "timestamp",
    "ended_at": "timestamp",
    "period_start": "timestamp",
    "period_end": "timestamp",
    "amount": "money",
    "statement_total": "money",
    "quantity": "number",
    "duration_s": "duration",
    "roaming": "flag",
    "country": "country",
    "total_data_bytes": "data",
    "total_voice_seconds": "duration",
    "total_messages": "number",
}
_TOP_KEYS = {
    "name",
    "carrier",
    "format",
    "identify",
    "read",
    "statement",
    "derived",
    "fields",
    "skip",
    "summary",
    "records",
    "pdf",
}
_FORMATS = {"csv": (".csv", ".tsv", ".txt"), "xlsx": (".xlsx", ".xlsm"), "pdf": (".pdf",)}
USER_PROFILES = Path("usage-analyzer") / "profiles"


def user_profile_dir() -> Path:
    """The user's own profiles: $XDG_CONFIG_HOME/usage-analyzer/profiles (~/.config/...)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / USER_PROFILES


def profile_dirs(bill_paths: Iterable[Path], extra: Sequence[Path] = ()) -> list[Path]:
    """Where profiles are looked for: beside the bills, the user's folder, then ``extra``."""
    found: list[Path] = []
    for path in bill_paths:
        folder = path if path.is_dir() else path.parent
        found.append(folder / "profiles")
    found.append(user_profile_dir())
    found.extend(extra)
    unique: dict[Path, None] = {}
    for folder in found:
        if folder.is_dir():
            unique.setdefault(folder.resolve(), None)
    for folder in extra:
        if not folder.is_dir():
            raise ProfileError(f"--profiles {folder}: no such folder")
    return list(unique)


def load_profiles(folders: Iterable[Path], taken: Iterable[str] = ()) -> list[Importer]:
    """Every ``*.toml`` profile in ``folders``; names must be unique among them and built-ins."""
    names = {name: "a built-in layout" for name in taken}
    importers: list[Importer] = []
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            importer = load_profile(path)
            if importer.name in names:
                raise ProfileError(
                    f"{path}: name: {importer.name!r} is already used by {names[importer.name]}; "
                    "give this profile another name"
                )
            names[importer.name] = str(path)
            importers.append(importer)
    return importers


def load_profile(path: Path) -> Importer:
    """One profile file to an importer; any problem is a ProfileError naming file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the profile ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from exc
    return layout_from_profile(data, path)


def layout_from_profile(data: Mapping[str, Any], source: Path) -> Importer:
    """A parsed profile to an importer (CSV/XLSX here; PDF profiles go to the PDF importer)."""
    check = _Checker(source)
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        check.fail(unknown[0], f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    name = check.string(data, "name", required=True)
    if not re.fullmatch(r"[\w.-]+", name):
        check.fail("name", "use letters, digits, '_', '-' or '.' only")
    file_format = check.string(data, "format", required=True)
    if file_format not in _FORMATS:
        check.fail("format", f"{file_format!r} is not one of csv, xlsx, pdf")
    if file_format == "pdf":
        try:
            from analyzer.importers.pdf import layout_from_profile as pdf_layout
        except ImportError as exc:
            raise ProfileError(f"{source}: format: PDF profiles are not supported here") from exc
        return pdf_layout(dict(data), source)
    identify = check.table(data, "identify")
    read = check.table(data, "read")
    context = _ReadContext(
        decimal=check.string(read, "decimal", "read") or ".",
        thousands=read.get("thousands", "," if (read.get("decimal") or ".") == "." else " "),
        date_formats=_date_formats(check, read),
        headerless=identify.get("columns") is not None,
    )
    derived = {
        key: (
            context.column(check, value, f"derived.{key}", "column"),
            check.regex(value, "pattern", f"derived.{key}", required=True),
        )
        for key, value in check.table(data, "derived").items()
        if check.is_table(value, f"derived.{key}")
    }
    region = check.string(read, "region", "read")
    skip = check.table(data, "skip")
    summary = check.table(data, "summary")
    common = {
        "region": region,
        "skip": _row_match(check, context, skip, "skip") if skip else None,
        "skip_reason": check.string(skip, "reason", "skip") or "not usage",
        "summary": _row_match(check, context, summary, "summary") if summary else None,
        "summary_total": (
            Money(
                context.column(check, summary, "summary", "total"),
                context.decimal,
                context.thousands,
            )
            if summary.get("total") is not None
            else None
        ),
        "derived": derived,
    }
    mappings: list[TableMapping] = []
    if "fields" in data:
        fields = _fields(check, context, check.table(data, "fields"), "fields")
        mappings.append(_mapping(check, "fields", fields, common))
    for index, record in enumerate(data.get("records", [])):
        where_key = f"records[{index}]"
        if not check.is_table(record, where_key):
            continue
        where = check.table(record, "where", where_key)
        fields = _fields(
            check, context, check.table(record, "fields", where_key), f"{where_key}.fields"
        )
        mappings.append(
            _mapping(
                check,
                where_key,
                fields,
                {**common, "where": _row_match(check, context, where, f"{where_key}.where")},
            )
        )
    if not mappings:
        check.fail("fields", "say how columns become events ([fields] or [[records]])")
    columns = identify.get("columns")
    header = tuple(check.strings(identify, "header", "identify"))
    if columns is None and not header:
        check.fail("identify.header", "list the column names that identify the file")
    if columns is not None and (not isinstance(columns, int) or columns < 1):
        check.fail("identify.columns", "must be the number of columns (a positive integer)")
    if columns is not None and not identify.get("signature"):
        check.fail("identify.signature", "a headerless file needs a regex its first rows match")
    return TabularLayout(
        name=name,
        carrier=check.string(data, "carrier") or name,
        header=header,
        mapping=tuple(mappings),
        suffixes=_FORMATS[file_format],
        filename=check.regex(identify, "filename", "identify"),
        keywords=tuple(check.strings(identify, "keywords", "identify")),
        encoding=_encoding(check, read),
        delimiter=_delimiter(check, read),
        sheet=check.string(read, "sheet", "read"),
        facts_sheet=check.string(read, "facts_sheet", "read"),
        headerless_columns=columns,
        signature=check.regex(identify, "signature", "identify"),
        currency=check.string(read, "currency", "read"),
        preamble_fields={
            key: check.regex(check.table(data, "statement"), key, "statement", required=True)
            for key in check.table(data, "statement")
        },
        unmatched=read.get("unmatched", "no record type of this layout matches the row"),
        decimal=context.decimal,
        source=source,
    )


class _Checker:
    """Reads values out of the TOML with messages that name the file and the key."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> None:
        raise ProfileError(f"{self.source}: {key}: {problem}")

    @staticmethod
    def _key(where: str | None, key: str) -> str:
        return f"{where}.{key}" if where else key

    def is_table(self, value: Any, key: str) -> bool:
        if not isinstance(value, dict):
            self.fail(key, "must be a table ({ ... })")
        return True

    def table(self, data: Mapping[str, Any], key: str, where: str | None = None) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail(self._key(where, key), "must be a table")
        return value

    def string(
        self, data: Mapping[str, Any], key: str, where: str | None = None, *, required: bool = False
    ) -> Any:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(self._key(where, key), "is required")
            return None
        if not isinstance(value, str):
            self.fail(self._key(where, key), f"must be text, not {value!r}")
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> list[str]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(self._key(where, key), "must be a list of text")
        return value

    def regex(
        self, data: Mapping[str, Any], key: str, where: str, *, required: bool = False
    ) -> Any:
        value = self.string(data, key, where, required=required)
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                self.fail(self._key(where, key), f"not a valid regular expression ({exc})")
        return value


class _ReadContext:
    def __init__(
        self, decimal: str, thousands: Any, date_formats: tuple[str, ...], headerless: bool
    ) -> None:
        self.decimal = decimal
        self.thousands = thousands or None
        self.date_formats = date_formats
        self.headerless = headerless

    def column(
        self, check: _Checker, spec: Mapping[str, Any], where: str, key: str = "column"
    ) -> str:
        value = spec.get(key)
        if isinstance(value, bool) or value is None:
            check.fail(
                f"{where}.{key}", "name the column (its header) or give its position (1, 2, ...)"
            )
        if isinstance(value, int):
            if value < 1:
                check.fail(f"{where}.{key}", "positions start at 1")
            return f"#{value}"
        if not isinstance(value, str):
            check.fail(f"{where}.{key}", f"must be a column name or position, not {value!r}")
        return value


def _date_formats(check: _Checker, read: Mapping[str, Any]) -> tuple[str, ...]:
    if "date_format" in read:
        formats = [check.string(read, "date_format", "read")]
    else:
        formats = check.strings(read, "date_formats", "read")
    for fmt in formats:
        if "%" not in fmt:
            check.fail("read.date_format", f"{fmt!r} is not a strftime format (like %d/%m/%Y)")
    return tuple(formats) or COMMON_DATE_FORMATS


def _encoding(check: _Checker, read: Mapping[str, Any]) -> str | None:
    import codecs

    value = check.string(read, "encoding", "read")
    if value:
        try:
            codecs.lookup(value)
        except LookupError:
            check.fail("read.encoding", f"unknown encoding {value!r} (try utf-8, gb18030, cp1252)")
    return value


def _delimiter(check: _Checker, read: Mapping[str, Any]) -> str | None:
    value = check.string(read, "delimiter", "read")
    if value in ("tab", "\\t"):
        return "\t"
    if value is not None and len(value) != 1:
        check.fail("read.delimiter", f"must be one character (or 'tab'), not {value!r}")
    return value


def _row_match(
    check: _Checker, context: _ReadContext, data: Mapping[str, Any], where: str
) -> RowMatch:
    return RowMatch(
        context.column(check, data, where), check.regex(data, "pattern", where, required=True)
    )


def _mapping(
    check: _Checker, where: str, fields: dict[str, Spec], common: Mapping[str, Any]
) -> TableMapping:
    if "kind" not in fields:
        check.fail(f"{where}.kind", "say what each row is (a constant or a column's values)")
    return TableMapping(fields=fields, **common)


def _fields(
    check: _Checker, context: _ReadContext, table: Mapping[str, Any], where: str
) -> dict[str, Spec]:
    fields: dict[str, Spec] = {}
    allowed = set(EVENT_FIELDS) | set(ROW_FACTS)
    for name, value in table.items():
        key = f"{where}.{name}"
        if name not in allowed:
            check.fail(key, f"unknown field (known: {', '.join(sorted(allowed))})")
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = {"column": value}
        if not isinstance(value, dict):
            check.fail(key, "must be a column, a position, or a table { column = ..., type = ... }")
        fields[name] = _spec(check, context, name, value, key)
    return fields


def _spec(
    check: _Checker, context: _ReadContext, name: str, value: Mapping[str, Any], key: str
) -> Spec:
    if "value" in value:
        constant = value["value"]
        if not isinstance(constant, str | int | bool):
            check.fail(f"{key}.value", "must be text, a number or true/false")
        return Const(constant)
    kind = value.get("type") or (
        "choice" if "values" in value else _DEFAULT_TYPES.get(name, "text")
    )
    if kind not in TYPES:
        check.fail(f"{key}.type", f"unknown type {kind!r} (use one of {', '.join(TYPES)})")
    if kind == "fact":
        return Fact(check.string(value, "fact", key, required=True))
    column = context.column(check, value, key)
    decimal = value.get("decimal", context.decimal)
    thousands = value.get("thousands", context.thousands)
    if kind == "text":
        return Text(column)
    if kind == "money":
        return Money(column, decimal, thousands, negate=bool(value.get("negate", False)))
    if kind == "number":
        return Number(column, decimal, thousands)
    if kind == "data":
        unit = value.get("unit", "B")
        base = value.get("base", 1024)
        if base not in (1000, 1024):
            check.fail(f"{key}.base", "must be 1000 or 1024")
        if str(unit).lower() not in ("b", "kb", "mb", "gb", "tb", "ko", "mo", "go", "to", "bytes"):
            check.fail(f"{key}.unit", f"unknown unit {unit!r} (use B, KB, MB, GB)")
        return DataVolume(column, unit=unit, base=base, decimal=decimal, thousands=thousands)
    if kind == "duration":
        unit = value.get("unit", "seconds")
        if unit not in ("seconds", "minutes"):
            check.fail(f"{key}.unit", "must be seconds or minutes (for bare numbers)")
        return Duration(column, unit=unit)
    if kind == "timestamp":
        formats = value.get("formats") or ([value["format"]] if "format" in value else None)
        time_column = value.get("time_column")
        return Timestamp(
            column,
            context.column(check, value, key, "time_column") if time_column is not None else None,
            formats=tuple(formats) if formats else context.date_formats,
        )
    if kind == "choice":
        values = value.get("values")
        if not isinstance(values, dict) or not values:
            check.fail(f"{key}.values", 'map each printed value to a meaning: { Data = "data" }')
        return Choice(column, values, default=value.get("default"))
    if kind == "flag":
        return Flag(
            column,
            true=tuple(value.get("true", Flag.__dataclass_fields__["true"].default)),
            false=tuple(value.get("false", Flag.__dataclass_fields__["false"].default)),
        )
    return Country(column, aliases=value.get("aliases", {}), trailing=bool(value.get("trailing")))


# Header names in English, Chinese, Spanish and French, for drafting a profile.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "started_at": (
        "date",
        "fecha",
        "日期",
        "datum",
        "start",
        "session start",
        "start time",
        "date et heure",
        "fecha y hora",
        "开始时间",
        "时间日期",
    ),
    "time": ("time", "hora", "heure", "时间"),
    "ended_at": ("end", "end time", "session end", "fin", "结束时间"),
    "line": (
        "line",
        "number",
        "phone number",
        "msisdn",
        "iccid",
        "línea",
        "linea",
        "ligne",
        "numéro de ligne",
        "号码",
        "本机号码",
    ),
    "kind": ("type", "usage type", "service", "tipo", "servicio", "类型", "业务类型"),
    "direction": ("direction", "in/out", "sentido", "sens", "方向"),
    "counterparty": (
        "destination",
        "number/destination",
        "called number",
        "número",
        "numero",
        "destino",
        "correspondant",
        "numéro appelé",
        "对方号码",
    ),
    "quantity": (
        "volume",
        "usage",
        "units",
        "quantity",
        "data",
        "bytes",
        "datos",
        "volumen",
        "cantidad",
        "consommation",
        "volume (mo)",
        "流量",
        "流量(mb)",
    ),
    "duration_s": ("duration", "duración", "duracion", "durée", "时长", "通话时长"),
    "country": ("country", "país", "pais", "pays", "国家", "国家/地区"),
    "network": (
        "network",
        "operator",
        "carrier",
        "red",
        "operador",
        "réseau",
        "opérateur",
        "运营商",
    ),
    "roaming": ("roaming", "itinerancia", "itinérance", "漫游"),
    "amount": (
        "amount",
        "charge",
        "cost",
        "price",
        "importe",
        "coste",
        "monto",
        "montant",
        "prix",
        "coût",
        "费用",
        "金额",
        "费用(元)",
    ),
    "currency": ("currency", "moneda", "devise", "币种"),
    "description": (
        "description",
        "detail",
        "details",
        "detalle",
        "descripción",
        "libellé",
        "détail",
        "备注",
        "说明",
    ),
}
_DATE_CANDIDATES = tuple(f for f in COMMON_DATE_FORMATS)


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def draft_profile(path: Path, date_format: str | None = None) -> tuple[str, list[str]]:
    """A TOML profile drafted from a CSV's header, and the columns it could not map.

    Refuses to guess between day-first and month-first when every date fits both; pass
    ``date_format`` then.
    """
    import csv
    import io
    from datetime import datetime

    from analyzer.errors import InputError
    from analyzer.importers.reading import detect_encoding, head_text, sniff_delimiter

    if path.suffix.lower() not in _FORMATS["csv"]:
        raise InputError(path, "profile init drafts CSV profiles", hint="write XLSX/PDF by hand")
    encoding = detect_encoding(path)
    text = head_text(path)
    delimiter = sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO("\n".join(text.splitlines()[:60])), delimiter=delimiter))
    widths = [len(r) for r in rows if any(c.strip() for c in r)]
    width = max(set(widths), key=widths.count) if widths else 0
    header_index = next(
        (i for i, r in enumerate(rows) if len(r) == width and all(c.strip() for c in r)), None
    )
    if header_index is None:
        raise InputError(path, "no header row found", hint="write the profile by hand")
    header = [c.strip() for c in rows[header_index]]
    body = [r for r in rows[header_index + 1 :] if len(r) == width]
    synonyms = {_fold(s): field for field, names in SYNONYMS.items() for s in names}
    mapped: dict[str, str] = {}
    unmapped: list[str] = []
    for name in header:
        field = synonyms.get(_fold(name))
        if field is None:
            field = next(
                (f for key, f in synonyms.items() if len(key) > 3 and key in _fold(name)), None
            )
        if field and field not in mapped:
            mapped[field] = name
        else:
            unmapped.append(name)
    slug = re.sub(r"[^\w.-]+", "_", path.stem).strip("_") or "my_carrier"
    lines = [
        f"name = {_toml_str(slug)}",
        f"carrier = {_toml_str(path.stem)}",
        'format = "csv"',
        "",
        "[identify]",
        "header = [" + ", ".join(_toml_str(h) for h in header) + "]",
        "",
        "[read]",
        f'encoding = "{encoding}"',
        f"delimiter = {_toml_str(delimiter)}",
    ]
    date_column = mapped.get("started_at")
    if date_column is not None:
        values = [r[header.index(date_column)].strip() for r in body]
        if "time" in mapped:
            time_values = [r[header.index(mapped["time"])].strip() for r in body]
            values = [f"{d} {t}".strip() for d, t in zip(values, time_values, strict=True)]
        values = [v for v in values if v]
        fitting = [
            fmt
            for fmt in _DATE_CANDIDATES
            if values and all(_parses(v, fmt, datetime) for v in values)
        ]
        if date_format:
            lines.append(f"date_format = {_toml_str(date_format)}")
        elif len(fitting) > 1 and any(
            datetime.strptime(v, fitting[0]) != datetime.strptime(v, fitting[1]) for v in values
        ):
            raise InputError(
                path,
                f"the dates in {date_column!r} fit both {fitting[0]} and {fitting[1]}",
                hint="say which with --date-format",
            )
        elif fitting:
            lines.append(f"date_format = {_toml_str(fitting[0])}")
    lines += ["", "[fields]"]
    for field, column in mapped.items():
        if field == "time":
            continue
        if field == "started_at" and "time" in mapped:
            lines.append(
                f"started_at = {{ column = {_toml_str(column)}, time_column = "
                f"{_toml_str(mapped['time'])} }}"
            )
        elif field == "kind":
            kinds = sorted(
                {r[header.index(column)].strip() for r in body if r[header.index(column)].strip()}
            )
            values = ", ".join(f'{_toml_str(k)} = "data"' for k in kinds[:12])
            lines.append(
                f"kind = {{ column = {_toml_str(column)}, values = {{ {values} }} }}"
                "  # TODO: data, voice, sms, mms, fee, plan, topup, tax, ..."
            )
        else:
            lines.append(f"{field} = {_toml_str(column)}")
    if "kind" not in mapped:
        lines.append('kind = { value = "data" }  # TODO: what each row is')
    return "\n".join(lines) + "\n", unmapped


def _parses(value: str, fmt: str, datetime: Any) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'
