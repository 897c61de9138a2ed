"""Record types that describe the bill rather than usage: header, trailer and summary records.

A record-type file (a header record, service summaries, itemised calls) prints the invoice's
facts on its own records. A ``statement`` record fills the statement's fields (invoice number,
account, issue date, period, printed totals) from its columns; a ``stated`` record keeps a
per-category total the bill states (count, quantity, amount) so that a rule can compare it with
the itemised rows. Both are read with the same column specs as events, in one query each, and
their rows are counted as skipped, never lost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from analyzer.importers.base import Staged, _column_lookup, column_ref, staged_view
from analyzer.importers.conditions import Condition
from analyzer.importers.statement_checks import check_period

# Statement fields a statement record may fill, by how they are stored on the Statement.
DATE_FIELDS = ("period_start", "period_end", "issued_on")
MONEY_FIELDS = ("subtotal", "taxes", "total_due", "balance_after", "allowance_bytes")


@dataclass(frozen=True)
class StatementRecord:
    """Rows matching ``where`` give statement fields (``stated=False``) or stated totals."""

    where: Condition
    fields: Mapping[str, Any]  # field name -> spec
    stated: bool = False
    name: str | None = None


@dataclass
class StatementFacts:
    """What the statement records of one file say."""

    values: dict[str, Any] = field(default_factory=dict)
    stated: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    found: dict[str, tuple[int | None, int]] = field(default_factory=dict)  # (page, row)


def read_statement_records(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    staged: Staged,
    records: Sequence[StatementRecord],
) -> StatementFacts:
    """Evaluate each statement record over the staged rows (first non-null value wins); a
    period that ends before it starts refuses the file, naming the row that prints it."""
    facts = StatementFacts()
    if not records:
        return facts
    ref = column_ref(_column_lookup(staged.names))

    with staged_view(con, staged, "statement_input"):
        for record in records:
            names = list(record.fields)
            select = ", ".join(
                f'{spec.sql(ref)} AS "{name}"' for name, spec in record.fields.items()
            )
            rows = con.sql(
                f"SELECT _page, _row, {select} FROM statement_input "
                f"WHERE {record.where.sql(ref)} ORDER BY _row NULLS LAST"
            ).fetchall()
            facts.rows += len(rows)
            for page, row_number, *row in rows:
                values = dict(zip(names, row, strict=True))
                if record.stated:
                    facts.stated.append({k: _plain(v) for k, v in values.items()})
                    continue
                for name, value in values.items():
                    if value is not None and name not in facts.values:
                        facts.values[name] = value
                        facts.found[name] = (page, row_number)
    start, end = facts.values.get("period_start"), facts.values.get("period_end")
    page, row = facts.found.get("period_end", (None, None))
    check_period(path, start, end, page=page, row=row)
    return facts


def _plain(value: Any) -> Any:
    """JSON-safe: Decimals as exact strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def with_profile_facts(statements: list[Any], facts: Sequence[tuple[str, str]]) -> list[Any]:
    """Statements with what the layout says of every bill it reads (kept in their extra facts):
    ``itemised`` (the categories a partly itemised bill itemises), ``copy_seconds``,
    ``copy_voice_seconds``, ``copy_data_bytes`` (how precisely it prints usage)."""
    if not facts:
        return statements
    return [replace(s, extra={**s.extra, **dict(facts)}) for s in statements]


def profile_facts(
    itemises: Sequence[str] | None, copies: Mapping[str, int] | None
) -> tuple[tuple[str, str], ...]:
    """The facts a profile states about its bills, as ``with_profile_facts`` keeps them."""
    facts = []
    if itemises:
        facts.append(("itemised", json.dumps(list(itemises), ensure_ascii=False)))
    for name, value in (copies or {}).items():
        if value:
            facts.append((f"copy_{name}", str(value)))
    return tuple(facts)


def stated_totals_json(stated: list[dict[str, Any]]) -> str:
    """The stated per-category totals as kept in a statement's extra facts."""
    return json.dumps(stated, ensure_ascii=False, sort_keys=True)
