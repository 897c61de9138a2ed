"""The auditor's workbook: findings, their evidence and the statements, in one XLSX file.

Written with openpyxl. Text that a spreadsheet would run as a formula (= + - @) is stored as
text, never as a formula; money is stored as exact numbers in its currency's decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from analyzer.errors import AnalyzerError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
FINDING_COLUMNS = (
    "finding", "severity", "rule", "title", "line", "period_start", "period_end",
    "amount_at_stake", "currency", "observed", "expected", "detail", "evidence_places",
)  # fmt: skip
EVIDENCE_COLUMNS = ("finding", "rule", "line", "file", "page", "row")
STATEMENT_COLUMNS = (
    "carrier", "account", "invoice_number", "lines", "period_start", "period_end", "issued_on",
    "currency", "subtotal", "taxes", "total_due", "plan_name", "file", "page",
)  # fmt: skip
MONEY_COLUMNS = {"amount_at_stake", "subtotal", "taxes", "total_due"}


def money_format(currency: str | None) -> str:
    """The number format of an amount: as many decimals as the currency's own."""
    from analyzer.money import minor_digits

    decimals = minor_digits(currency)
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _put(sheet: Any, row: int, column: int, value: Any, currency: str | None = None) -> None:
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # text, not a formula
            cell.quotePrefix = True
        return
    cell.value = value
    if isinstance(value, Decimal) and currency is not None:
        cell.number_format = money_format(currency)


def _sheet(book: Any, title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    for index, name in enumerate(columns, start=1):
        sheet.cell(row=1, column=index, value=name).font = Font(bold=True)
    for number, record in enumerate(rows, start=2):
        for index, name in enumerate(columns, start=1):
            currency = record.get("currency") if name in MONEY_COLUMNS else None
            _put(sheet, number, index, record.get(name), currency)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _statements(db: Path) -> list[dict[str, Any]]:
    from analyzer.api import connection

    with connection(db, read_only=True) as con:
        relation = con.sql(
            """
            SELECT s.* EXCLUDE (extra, source_id, statement_id), src.path AS file
            FROM statements s JOIN sources src USING (source_id)
            ORDER BY s.period_start, s.carrier, s.statement_id
            """
        )
        columns = relation.columns
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def write_workbook(out: Path, records: Sequence[dict[str, Any]], db: Path) -> Path:
    """Write the findings (numbered), one evidence row per place, and every statement."""
    from openpyxl import Workbook

    findings, evidence = [], []
    for number, record in enumerate(records, start=1):
        places = list(record["evidence"] or [])
        findings.append({**record, "finding": number, "evidence_places": len(places)})
        for place in places:
            evidence.append({"finding": number, "rule": record["rule"], "line": record["line"]})
            evidence[-1].update(place)
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "Findings", FINDING_COLUMNS, findings)
    _sheet(book, "Evidence", EVIDENCE_COLUMNS, evidence)
    _sheet(book, "Statements", STATEMENT_COLUMNS, _statements(db))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        book.save(out)
    except OSError as exc:
        raise AnalyzerError(
            f"cannot write the workbook to {out}: {exc.strerror or exc}; "
            "choose a folder you can write to"
        ) from exc
    return out
