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
from analyzer.regex import loosened
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


# The name suffix of a field's loosened pattern in a read request (see field_patterns).
NEAR = "~"


def field_patterns(fields: Mapping[str, str]) -> dict[str, str]:
    """The field regexes to search, each date and amount field with its loosened twin (its value
    any text): a fact printed where its field looks, but not in the field's shape, is then
    refused naming its place instead of taken as a fact the bill does not print."""
    patterns = dict(fields)
    for name, pattern in fields.items():
        loose = loosened(pattern) if name in DATE_FIELDS + AMOUNT_FIELDS else None
        if loose is not None and loose != pattern:
            patterns[name + NEAR] = loose
    return patterns


def read_statement(
    layout: PdfLayout,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    texts: Mapping[str, str],
    found: Mapping[str, list],
) -> Statement:
    """Bill-level facts from the field regexes, read with the same column specs as rows."""
    # A loosened match counts only where its field found nothing; its text must then read.
    near = {
        name.removesuffix(NEAR): where
        for name, where in found.items()
        if name.endswith(NEAR) and name.removesuffix(NEAR) not in found
    }
    _read_values(layout, con, path, field_texts(near), near)
    values = _read_values(layout, con, path, texts, found)
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
    for name, (text, *_where) in found.items():
        if not name.endswith(NEAR):
            texts[name] = _english_months(text) if name in DATE_FIELDS else text
    return texts


def _read_values(
    layout: PdfLayout,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    texts: Mapping[str, str],
    found: Mapping[str, list],
) -> dict[str, Any]:
    """The date and amount fields' values; one that does not read refuses the bill, naming the
    page and line that print it."""
    specs: dict[str, Spec] = {}
    for name in texts:
        if name in DATE_FIELDS:
            specs[name] = Timestamp(name, formats=layout.date_formats)
        elif name in AMOUNT_FIELDS:
            specs[name] = Money(name, decimal=layout.decimal, thousands=layout.thousands)
    if not specs:
        return {}
    # The texts as a one-row query of parameters (no Arrow table: its first list imports
    # pandas, which nothing here needs).
    given = ", ".join(f'CAST(? AS VARCHAR) AS "{name}"' for name in texts)
    select = ", ".join(
        f"{spec.sql(lambda c: chr(34) + c + chr(34))} AS {name}" for name, spec in specs.items()
    )
    row = con.execute(f"SELECT {select} FROM (SELECT {given})", list(texts.values()))
    values = dict(zip(specs, row.fetchall()[0], strict=True))
    for name, value in values.items():
        if value is None:
            text, page, line = found[name]
            raise InputError(
                path,
                f"the {name.replace('_', ' ')} {text!r} is not "
                + ("a date" if name in DATE_FIELDS else "an amount"),
                page=page,
                row=line,
                hint=f"check the {layout.name} layout's formats",
            )
    return values


def _english_months(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if re.fullmatch(r"\d+(?:er|st|nd|rd|th)", word):
            return re.sub(r"\D", "", word)
        return _MONTHS.get(fold(word).rstrip("."), word)

    return re.sub(r"\w+\.?", swap, text)
