"""Draft a profile from a file: header names in several languages, formats from the values.

A draft is a starting point a person checks: it says what it could not map.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from analyzer.importers.profile import COMMON_DATE_FORMATS, FORMATS

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

    if path.suffix.lower() not in FORMATS["csv"]:
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
