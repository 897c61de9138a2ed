"""A PDF bill's statement facts: the field regexes' texts read with the same column specs as
rows (dates with month names in English, French or Spanish; amounts with the layout's
separators)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from analyzer.errors import InputError
from analyzer.importers.base import normalise_line
from analyzer.importers.specs import Money, Spec, Timestamp
from analyzer.importers.statement_checks import check_period
from analyzer.model import Statement
from analyzer.text import fold

if TYPE_CHECKING:
    from analyzer.importers.pdf import PdfLayout

# Statement fields a layout may find with a regex, and how each is read.
DATE_FIELDS = ("period_start", "period_end", "issued_on")
AMOUNT_FIELDS = ("subtotal", "taxes", "total_due", "balance_after")
TEXT_FIELDS = ("invoice_number", "account", "line", "currency", "plan_name")
STATEMENT_FIELDS = (*TEXT_FIELDS, *DATE_FIELDS, *AMOUNT_FIELDS)

# Month names bills print, folded (lower case, no accents), to the English names strptime reads.
_ENGLISH_MONTHS = (
    "January February March April May June July August September October November December"
)
_MONTHS = {
    name: english
    for names in (
        _ENGLISH_MONTHS.lower(),
        "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    )
    for name, english in zip(names.split(), _ENGLISH_MONTHS.split(), strict=True)
}


def read_statement(
    layout: PdfLayout,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    texts: Mapping[str, str],
    found: Mapping[str, list],
) -> Statement:
    """Bill-level facts from the field regexes, read with the same column specs as rows."""
    specs: dict[str, Spec] = {}
    for name in texts:
        if name in DATE_FIELDS:
            specs[name] = Timestamp(name, formats=layout.date_formats)
        elif name in AMOUNT_FIELDS:
            specs[name] = Money(name, decimal=layout.decimal, thousands=layout.thousands)
    values: dict[str, Any] = {}
    if specs:
        # The texts as a one-row query of parameters (no Arrow table: its first list imports
        # pandas, which nothing here needs).
        given = ", ".join(f'CAST(? AS VARCHAR) AS "{name}"' for name in texts)
        select = ", ".join(
            f"{spec.sql(lambda c: chr(34) + c + chr(34))} AS {name}" for name, spec in specs.items()
        )
        row = con.execute(f"SELECT {select} FROM (SELECT {given})", list(texts.values()))
        row = row.fetchall()[0]
        values = dict(zip(specs, row, strict=True))
        for name, value in values.items():
            if value is None:
                page = found[name][1]
                raise InputError(
                    path,
                    f"the {name.replace('_', ' ')} {texts[name]!r} is not "
                    + ("a date" if name in DATE_FIELDS else "an amount"),
                    page=page,
                    hint=f"check the {layout.name} layout's formats",
                )
    line = texts.get("line")
    if "period_end" in found:
        start, end = values.get("period_start"), values.get("period_end")
        check_period(path, start, end, page=found["period_end"][1])

    def day(name: str) -> date | None:
        return values[name].date() if values.get(name) else None

    def money(name: str) -> Decimal | None:
        return Decimal(values[name]) if values.get(name) is not None else None

    return Statement(
        carrier=layout.carrier,
        account=texts.get("account"),
        invoice_number=texts.get("invoice_number"),
        lines=(normalise_line(line, layout.region),) if line else (),
        period_start=day("period_start"),
        period_end=day("period_end"),
        issued_on=day("issued_on"),
        currency=(texts.get("currency") or layout.currency or "").upper() or None,
        subtotal=money("subtotal"),
        taxes=money("taxes"),
        total_due=money("total_due"),
        plan_name=texts.get("plan_name"),
        page=found["total_due"][1] if "total_due" in found else None,
    )


def field_texts(found: Mapping[str, list]) -> dict[str, str]:
    """Field texts as printed; dates with their month names put in English for strptime."""
    texts = {}
    for name, (text, _page) in found.items():
        texts[name] = _english_months(text) if name in DATE_FIELDS else text
    return texts


def _english_months(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if re.fullmatch(r"\d+(?:er|st|nd|rd|th)", word):
            return re.sub(r"\D", "", word)
        return _MONTHS.get(fold(word).rstrip("."), word)

    return re.sub(r"\w+\.?", swap, text)
