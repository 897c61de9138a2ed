"""The engine that maps a staged table of text into events, rejects and skipped rows.

Each step is one SQL statement over temporary tables of a private DuckDB connection: the rows
numbered (``staged_rows``), their status (``row_status``), every mapping's fields
(``mapped_i``), each row's fate (``decided``), then the typed events in file order, which stay
in that connection (``event_rows.EventRows``) until they are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from analyzer.importers.base import (
    DERIVED_FIELDS,
    EVENT_FIELDS,
    ROW_FACTS,
    Staged,
    TableMapping,
    _column_lookup,
    column_ref,
)
from analyzer.importers.countries import ensure_country_names, needs_country_names
from analyzer.importers.event_rows import EventRows
from analyzer.importers.mapping_stage import combine_staged, own, stage_rows
from analyzer.importers.phones import number_maps
from analyzer.importers.source_text import unique_names
from analyzer.importers.specs import Const, Timestamp, blank, column_label, reject_reason, sql_str
from analyzer.importers.sql_text import SharingRef
from analyzer.model import KINDS, UNITS


def new_connection() -> duckdb.DuckDBPyConnection:
    """A private connection for one extraction (lookup tables are added as needed), its tables
    spilling to disk past a memory limit."""
    from analyzer.duck import spilling_connection

    return spilling_connection()


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Mapped:
    """The result of mapping one staged table."""

    events: EventRows  # in the extraction's connection: close it with the connection
    rejects: pa.Table
    skipped: int
    summary_amount: object = None  # the total printed on the total row
    # Each total row that prints a total: (page, row, the total, why it does not read or None).
    summary_totals: tuple[tuple[int | None, int, object, str | None], ...] = ()


def map_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged | Sequence[Staged],
    mapping: TableMapping | Sequence[TableMapping],
    *,
    statement_index: int | None = 0,
    unmatched: str | None = "no record type of this layout matches the row",
) -> Mapped:
    """Map staged text rows to events, rejects and skipped rows with vectorised queries.

    With several mappings, each maps the rows its ``where`` selects, so one row can yield
    several events (or each record type has its own columns); a mapping with ``also=False``
    keeps the rows it takes from the mappings after it. A row is all or nothing: if one
    mapping rejects it, none of its events are kept. Rows no mapping selects are rejects with
    the reason ``unmatched`` (or skipped when it is None).

    ``staged`` may instead be one table per mapping (a PDF's row patterns, each with its own
    columns): each mapping then reads only its own table's rows under its own names, and the
    result is the same as mapping each table alone and merging in file order, in one set of
    statements rather than one per table.
    """
    mappings = [mapping] if isinstance(mapping, TableMapping) else list(mapping)
    if any(needs_country_names(spec) for m in mappings for spec in m.fields.values()):
        ensure_country_names(con)
    parts = None if isinstance(staged, Staged) else list(staged)
    if parts is not None:
        if len(parts) != len(mappings):
            raise ValueError("one staged table per mapping")
        staged = combine_staged(parts)
        lookups = [_column_lookup(p.names) for p in parts]
        raws = [_raw_json(p.names) for p in parts]
        kept = [p.text is None for p in parts]
    else:
        lookups = [_column_lookup(staged.names)] * len(mappings)  # one, shared
        raws = [_raw_json(staged.names)] * len(mappings)
        kept = [staged.text is None] * len(mappings)
    refs = [column_ref(lookup) for lookup in lookups]
    split = parts is not None
    headings = stage_rows(con, staged, mappings, lookups, refs, split)
    _row_status(con, staged, mappings, refs, headings, split)
    _map_each(con, mappings, refs, split)
    _decide(con, mappings, unmatched, split)
    # A rejected row keeps its cells (the report shows them); an event's row is kept only where
    # the file's text is not (its source row number leads back to it otherwise).
    event_raws = [raw if keep else None for raw, keep in zip(raws, kept, strict=True)]
    events = _collect_events(con, mappings, statement_index, event_raws, mappings[0])
    rejects = con.sql(
        f"""
        SELECT CAST(d._page AS INTEGER) AS page, CAST(d._row AS BIGINT) AS "row",
               {_raw_of_part(raws, split)} AS raw, _why AS reason
        FROM decided d JOIN staged_rows s USING (_rid)
        WHERE _status = 'reject' ORDER BY d._page, d._row, _rid
        """
    ).to_arrow_table()
    skipped = con.sql("SELECT count(*) FROM decided WHERE _status = 'skipped'").fetchall()[0][0]
    summary_totals = _summary_totals(con, mappings, split)
    # Only the events stay: the rest would hold memory (or disk) while they are stored.
    for i in range(len(mappings)):
        con.execute(f"DROP TABLE IF EXISTS mapped_{i}")
    base = "VIEW" if isinstance(staged.table, str) else "TABLE"
    con.execute(
        "DROP TABLE decided; DROP TABLE row_status; DROP VIEW staged_rows; "
        f"DROP TABLE IF EXISTS staged_carried; DROP {base} staged_base"
    )
    for part in parts or [staged]:
        skipped += part.blank_rows
        if part.read_rejects is not None and part.read_rejects.num_rows:
            rejects = pa.concat_tables([rejects, part.read_rejects.cast(rejects.schema)])
    return Mapped(events, rejects, int(skipped), summary_totals=summary_totals)


def _raw_of_part(raws: Sequence[str], split: bool) -> str:
    """SQL: a staged row (``s``) as JSON under its own table's names."""
    if not split:
        return raws[0]
    cases = " ".join(f"WHEN {i} THEN {raw}" for i, raw in enumerate(raws))
    return f"CASE s._part {cases} END"


def _summary_totals(
    con: duckdb.DuckDBPyConnection, mappings: Sequence[TableMapping], split: bool
) -> tuple[tuple[int | None, int, object, str | None], ...]:
    """The total rows that print a total, in file order: each with its total, or with why the
    printed text is not one (never a doubtful total left out, nor two summed)."""
    if not any(m.summary for m in mappings):
        return ()
    rows = con.sql(
        f"""
        SELECT d._page, d._row, m._total, m._total_reason
        FROM decided d {"LEFT " if split else ""}JOIN mapped_{_summary_index(mappings)} m
             USING (_rid)
        WHERE _summary AND NOT _blank AND (m._total IS NOT NULL OR m._total_reason IS NOT NULL)
        ORDER BY d._page, d._row, _rid
        """
    ).fetchall()
    return tuple(rows)


def _summary_index(mappings: Sequence[TableMapping]) -> int:
    """The mapping whose amounts total the summary rows (the first with a summary)."""
    return next((i for i, m in enumerate(mappings) if m.summary), 0)


def _row_status(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    mappings: Sequence[TableMapping],
    refs: Sequence[Callable[[str], str]],
    headings: list[str],
    split: bool,
) -> None:
    """``row_status``: each row's provenance and whether it is blank, a total or skipped."""
    all_blank = _all_blank([f"c{i}" for i in range(len(staged.names))])
    summaries = [
        own(m.summary.sql(refs[i]), i, split) for i, m in enumerate(mappings) if m.summary
    ] or ["FALSE"]
    skips = [
        own(m.skip.sql(refs[i]), i, split) for i, m in enumerate(mappings) if m.skip
    ] + headings or ["FALSE"]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE row_status AS
        SELECT _rid, _page, _row, {all_blank} AS _blank,
               ({" OR ".join(summaries)}) AS _summary, ({" OR ".join(skips)}) AS _skip
        FROM staged_rows
        """
    )


# A row's first columns are each asked whether they are blank: most rows answer at the first.
# The columns past them (spreadsheets pad an export to a thousand) are asked together, as one
# text: its planning is one expression's, not a thousand's, and few rows get that far.
_BLANK_ONE_BY_ONE = 32


def _all_blank(columns: Sequence[str]) -> str:
    """SQL: every one of ``columns`` is blank (a text of blank cells joined is blank)."""
    terms = [blank(c) for c in columns[:_BLANK_ONE_BY_ONE]]
    if len(columns) > _BLANK_ONE_BY_ONE:
        terms.append(blank(f"concat({', '.join(columns[_BLANK_ONE_BY_ONE:])})"))
    return " AND ".join(terms) or "TRUE"


def _map_each(
    con: duckdb.DuckDBPyConnection,
    mappings: Sequence[TableMapping],
    refs: Sequence[Callable[[str], str]],
    split: bool,
) -> None:
    """``mapped_i``: every field of mapping i for the rows it selects, and its reject reason."""
    summary_index = _summary_index(mappings) if any(m.summary for m in mappings) else None
    for index, (m, ref) in enumerate(zip(mappings, refs, strict=True)):
        # The parts the fields repeat (a date's text and parse) are computed once, under them.
        sharing = SharingRef(ref)
        columns = {n: spec.sql(sharing) for n, spec in m.fields.items()}
        columns |= _derived_fields(m, sharing) | _end_in_start_zone(m, sharing, columns)
        reasons = _reject_reasons(m, sharing)
        values = ",\n".join(f"{sql} AS {_quote_ident(name)}" for name, sql in columns.items())
        names = ", ".join(_quote_ident(name) for name in columns)
        where = m.where.sql(ref) if m.where else "TRUE"
        # With a table per mapping, each mapping reads (and computes its fields for) its own.
        own = f" WHERE _part = {index}" if split else ""
        # Only the summary rows' mapping totals them: the others' totals are never read.
        total = (m.summary_total or m.fields.get("amount")) if index == summary_index else None
        total_sql = f"TRY_CAST({total.sql(ref)} AS DECIMAL(18,4))" if total else "NULL"
        total_reason = reject_reason(total, "_total", sharing) if total else "NULL"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE mapped_{index} AS
            SELECT _rid, _selected, _total, {total_reason} AS _total_reason, {names},
                   {reasons} AS _reason
            FROM (SELECT *, {where} AS _selected, {total_sql} AS _total, {values}
                  FROM {sharing.under(f"(SELECT * FROM staged_rows{own})")})
            """
        )
    # A row goes to the first mapping that takes it, and on only past mappings with also=True
    # (mappings of tables of their own never share a row).
    for i in range(1, 1 if split else len(mappings)):
        exclusive = [j for j in range(i) if not mappings[j].also]
        if exclusive:
            taken = " UNION ALL ".join(
                f"SELECT _rid FROM mapped_{j} WHERE _selected" for j in exclusive
            )
            con.execute(f"UPDATE mapped_{i} SET _selected = FALSE WHERE _rid IN ({taken})")


def _decide(
    con: duckdb.DuckDBPyConnection,
    mappings: Sequence[TableMapping],
    unmatched: str | None,
    split: bool,
) -> None:
    """``decided``: each row is an event, a reject (with its reason) or skipped."""
    # With a table per mapping, mapping i holds only its own table's rows.
    join, taken = (
        ("LEFT JOIN", "coalesce(m{}._selected, FALSE)") if split else ("JOIN", "m{}._selected")
    )
    selected = " OR ".join(taken.format(i) for i in range(len(mappings)))
    reason = ", ".join(
        f"CASE WHEN {taken.format(i)} THEN m{i}._reason END" for i in range(len(mappings))
    )
    joins = " ".join(f"{join} mapped_{i} m{i} USING (_rid)" for i in range(len(mappings)))
    unmatched_sql = "NULL" if unmatched is None else sql_str(unmatched)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE decided AS
        SELECT r.*, CASE
                   WHEN _blank OR _summary OR _skip THEN 'skipped'
                   WHEN coalesce({reason}) IS NOT NULL THEN 'reject'
                   WHEN {selected} THEN 'event'
                   WHEN {unmatched_sql} IS NULL THEN 'skipped'
                   ELSE 'reject' END AS _status,
               coalesce({reason}, {unmatched_sql}) AS _why
        FROM row_status r {joins}
        """
    )


def _derived_fields(mapping: TableMapping, ref: Callable[[str], str]) -> dict[str, str]:
    """SQL of the event columns read from other fields: the UTC offset printed with the start."""
    start = mapping.fields.get("started_at")
    return {"utc_offset_min": start.offset_sql(ref)} if isinstance(start, Timestamp) else {}


def _end_in_start_zone(
    mapping: TableMapping, ref: Callable[[str], str], columns: dict[str, str]
) -> dict[str, str]:
    """SQL of the end time moved to the start's UTC offset, where both print theirs and they
    differ ('10:00+02:00' to '09:30+01:00' is half an hour): an event keeps one offset."""
    start, end = mapping.fields.get("started_at"), mapping.fields.get("ended_at")
    if not (isinstance(start, Timestamp) and isinstance(end, Timestamp)):
        return {}
    shift = f"coalesce({start.offset_sql(ref)} - {end.offset_sql(ref)}, 0)"
    return {"ended_at": f"({columns['ended_at']} + to_minutes(CAST({shift} AS BIGINT)))"}


def _raw_json(names: tuple[str, ...]) -> str:
    """SQL: a staged row (``s``) as JSON under its header's names, as it was printed (the
    text of ``to_json(struct_pack(...))``, built a few times faster, and names that differ
    only in case stay apart)."""
    cells = ", ".join(f"{sql_str(name)}, s.c{i}" for i, name in enumerate(unique_names(names)))
    return f"CAST(json_object({cells}) AS VARCHAR)" if names else "'{}'"


def _collect_events(
    con: duckdb.DuckDBPyConnection,
    mappings: Sequence[TableMapping],
    statement_index: int | None,
    raws: Sequence[str | None],
    numbers: TableMapping,
) -> EventRows:
    """The events of every mapping, typed, in file order, with mapping i's ``raws[i]`` (if any)
    as their row; lines and dialled numbers read as ``numbers`` says (E.164, their country and
    type)."""
    facts = [f for f in ROW_FACTS if any(f in m.fields for m in mappings)]
    index = "NULL" if statement_index is None else str(statement_index)
    units = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in UNITS.items())
    parts = []
    for i, (m, raw) in enumerate(zip(mappings, raws, strict=True)):
        staged_join = "" if raw is None else "JOIN staged_rows s USING (_rid)"
        raw = raw or "CAST(NULL AS VARCHAR)"
        select = []
        typed = {**EVENT_FIELDS, **DERIVED_FIELDS, **{f: ROW_FACTS[f] for f in facts}}
        for name, sql_type in typed.items():
            if name == "unit" and name not in m.fields:
                select.append(f"CASE m.kind {units} ELSE 'items' END AS unit")
            elif name in m.fields or name in _derived_fields(m, str):
                select.append(f"CAST(m.{_quote_ident(name)} AS {sql_type}) AS {_quote_ident(name)}")
            else:
                select.append(f"CAST(NULL AS {sql_type}) AS {_quote_ident(name)}")
        parts.append(
            f"""
            SELECT {", ".join(select)}, CAST(d._page AS INTEGER) AS page,
                   CAST(d._row AS BIGINT) AS "row", {raw} AS raw,
                   CAST({index} AS INTEGER) AS statement_index, d._rid AS _rid, {i} AS _mapping
            FROM decided d JOIN mapped_{i} m USING (_rid) {staged_join}
            WHERE d._status = 'event' AND m._selected
            """
        )
    collected = " UNION ALL ".join(parts)
    name = _unique("events")
    con.execute(f"CREATE TEMP VIEW {name}_collected AS {collected}")
    lines, parties = number_maps(con, f"{name}_collected", numbers.region, numbers.international)
    con.register(f"{name}_lines", lines)
    con.register(f"{name}_parties", parties)
    con.execute(
        f"""
        CREATE TEMP TABLE {name} AS
        SELECT c.* EXCLUDE (_rid, _mapping, page, "row", raw, statement_index)
                   REPLACE (l.normalised AS line),
               p.e164 AS counterparty_e164, p.country AS counterparty_country,
               p.type AS counterparty_type, page, "row", raw, statement_index
        FROM {name}_collected c
        LEFT JOIN {name}_lines l ON c.line = l.printed
        LEFT JOIN {name}_parties p ON c.counterparty = p.printed
        ORDER BY page, "row", _rid, _mapping
        """
    )
    con.unregister(f"{name}_lines")
    con.unregister(f"{name}_parties")
    con.execute(f"DROP VIEW {name}_collected")
    return EventRows(con, name)


_names: dict[str, int] = {}


def _unique(prefix: str) -> str:
    """A table name no earlier mapping in this process used (several map into one connection)."""
    _names[prefix] = _names.get(prefix, 0) + 1
    return f"{prefix}_{_names[prefix]}"


def _reject_reasons(mapping: TableMapping, ref: Callable[[str], str]) -> str:
    """One CASE that names the first column whose text did not parse, quoting the text."""
    reasons = [
        reject_reason(spec, _quote_ident(name), ref) for name, spec in mapping.fields.items()
    ]
    kinds = ", ".join(sql_str(k) for k in KINDS)
    checks = [
        "WHEN kind IS NULL THEN 'no kind: the row does not say what it is'",
        f"WHEN kind NOT IN ({kinds}) THEN 'unknown kind ' || kind",
    ]
    if "started_at" in mapping.fields and not isinstance(mapping.fields["started_at"], Const):
        checks.append("WHEN started_at IS NULL THEN 'no date'")
    start, end = mapping.fields.get("started_at"), mapping.fields.get("ended_at")
    if isinstance(start, Timestamp) and isinstance(end, Timestamp):
        checks.append(
            "WHEN ended_at < started_at THEN "
            f"{sql_str(column_label(end.column) + ' is before ' + column_label(start.column))}"
        )
    for name in ("line", "counterparty"):
        columns = mapping.fields[name].columns() if name in mapping.fields else ()
        if columns:
            # '8.93315E+19': an ICCID or number a spreadsheet shortened, its digits lost
            checks.append(
                f"WHEN regexp_full_match({name}, '[0-9](?:[.,][0-9]+)?[eE]\\+[0-9]+') THEN "
                f"{sql_str(column_label(columns[0]) + ': ' + chr(34))} || {name} || "
                f"{sql_str(chr(34) + ' is a number a spreadsheet shortened (its digits are lost)')}"
            )
    return f"coalesce({', '.join(reasons)}, CASE {' '.join(checks)} END)"
