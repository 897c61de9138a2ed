"""Record types that describe the bill rather than usage: header, trailer and summary records.

A record-type file (a header record, service summaries, itemised calls) prints the invoice's
facts on its own records. A ``statement`` record fills the statement's fields (invoice number,
account, issue date, period, printed totals) from its columns; a ``stated`` record keeps a
per-category total the bill states (count, quantity, amount) so that a rule can compare it with
the itemised rows. Both are read with the same column specs as events, in one query each, and
their rows are counted as skipped, never lost; a stated row with a printed cell that does not
read is a reject, as an event's row would be, and a statement fact that does not read (or that
a second row gives again) refuses the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analyzer.errors import InputError
from analyzer.importers.base import Staged, _column_lookup, column_ref, staged_view
from analyzer.importers.conditions import Condition
from analyzer.importers.mapping import _raw_json
from analyzer.importers.specs import reject_reason
from analyzer.importers.sql_text import SharingRef
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
    rejects: list[dict[str, Any]] = field(default_factory=list)  # stated rows that do not read


def read_statement_records(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    staged: Staged,
    records: Sequence[StatementRecord],
) -> StatementFacts:
    """Evaluate each statement record over the staged rows, its cells read as record fields
    are: a stated row whose printed cell does not read is a reject; a statement fact that does
    not read, that two rows give, or a period that ends before it starts refuses the file
    (naming the row), as the statement is what the rules check the bill against."""
    facts = StatementFacts()
    if not records:
        return facts
    ref = column_ref(_column_lookup(staged.names))
    with staged_view(con, staged, "statement_input"):
        for record in records:
            for page, row_number, raw, reason, *row in _record_rows(con, staged, record, ref):
                facts.rows += 1
                values = dict(zip(record.fields, row, strict=True))
                if not record.stated:
                    _add_facts(path, facts, record, values, (page, row_number), reason)
                elif reason is not None:
                    facts.rejects.append(
                        {"page": page, "row": row_number, "raw": raw, "reason": reason}
                    )
                else:
                    facts.stated.append({k: _plain(v) for k, v in values.items()})
    start, end = facts.values.get("period_start"), facts.values.get("period_end")
    page, row = facts.found.get("period_end", (None, None))
    check_period(path, start, end, page=page, row=row)
    return facts


def _record_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    record: StatementRecord,
    ref: Callable[[str], str],
) -> list[tuple[Any, ...]]:
    """The rows of one record: page, row, the row as printed (JSON), why a printed cell does
    not read (or None), then the record's fields, in file order."""
    names = [f'"{name}"' for name in record.fields]
    sharing = SharingRef(ref)  # a date's text and parse computed once, as in the mapping
    select = ", ".join(
        f"{spec.sql(sharing)} AS {name}"
        for name, spec in zip(names, record.fields.values(), strict=True)
    )
    reasons = ", ".join(
        reject_reason(spec, name, sharing)
        for name, spec in zip(names, record.fields.values(), strict=True)
    )
    rows = sharing.under(f"(SELECT * FROM statement_input WHERE {record.where.sql(ref)})")
    return con.sql(
        f"""
        SELECT _page, _row, {_raw_json(staged.names)} AS _raw, coalesce({reasons}) AS _reason,
               {", ".join(names)}
        FROM (SELECT *, {select} FROM {rows}) s
        ORDER BY _row NULLS LAST
        """
    ).fetchall()


def _add_facts(
    path: Path,
    facts: StatementFacts,
    record: StatementRecord,
    values: Mapping[str, Any],
    where: tuple[int | None, int],
    reason: str | None,
) -> None:
    """One statement row's facts added to the file's, or the file refused: a fact printed
    that does not read, or one an earlier row gave (a second statement in one file)."""
    label = f"{record.name} record" if record.name else "statement record"
    page, row = where
    if reason is not None:
        raise InputError(
            path,
            f"in its {label}, {reason}",
            page=page,
            row=row,
            hint="a statement is not imported with a fact it prints left out; check the file",
        )
    for name, value in values.items():
        if value is None:
            continue
        if name in facts.values:
            raise InputError(
                path,
                f"its {label} gives the {name.replace('_', ' ')} again (row "
                f"{facts.found[name][1]} gave it first): one file holds one statement",
                page=page,
                row=row,
                hint="split it into one file per statement",
            )
        facts.values[name] = value
        facts.found[name] = where


def with_record_rejects(
    rejects: pa.Table, skipped: int, facts: StatementFacts
) -> tuple[pa.Table, int]:
    """The file's rejects and skipped count with the stated rows that did not read moved from
    skipped (as every statement record's rows are counted) to the rejects, in file order."""
    if not facts.rejects:
        return rejects, skipped
    more = pa.Table.from_pylist(facts.rejects, schema=rejects.schema)
    merged = pa.concat_tables([rejects, more]).sort_by(
        [("page", "ascending"), ("row", "ascending")]
    )
    return merged, skipped - len(facts.rejects)


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
