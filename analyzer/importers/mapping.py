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
from analyzer.importers.phones import number_maps
from analyzer.importers.source_text import unique_names
from analyzer.importers.specs import Const, Timestamp, blank, sql_str
from analyzer.model import KINDS, UNITS
from analyzer.regex import compile_re2


def new_connection() -> duckdb.DuckDBPyConnection:
    """A private database for one extraction (lookup tables are added as needed), spilling to
    disk past a memory limit."""
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
    summary_amount: object = None  # the sum of the amounts on total rows, as printed


def map_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
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
    """
    mappings = [mapping] if isinstance(mapping, TableMapping) else list(mapping)
    if any(needs_country_names(spec) for m in mappings for spec in m.fields.values()):
        ensure_country_names(con)
    lookup = _column_lookup(staged.names)
    ref = column_ref(lookup)
    headings = _stage_rows(con, staged, mappings, lookup, ref)
    _row_status(con, staged, mappings, ref, headings)
    _map_each(con, mappings, ref)
    _decide(con, mappings, unmatched)
    # A rejected row keeps its cells (the report shows them); an event's row is kept only where
    # the file's text is not (its source row number leads back to it otherwise).
    raw = _raw_json(staged.names)
    events = _collect_events(
        con, mappings, statement_index, raw if staged.text is None else None, mappings[0]
    )
    rejects = con.sql(
        f"""
        SELECT CAST(d._page AS INTEGER) AS page, CAST(d._row AS BIGINT) AS "row", {raw} AS raw,
               _why AS reason
        FROM decided d JOIN staged_rows s USING (_rid)
        WHERE _status = 'reject' ORDER BY d._page, d._row, _rid
        """
    ).to_arrow_table()
    summary_index = next((i for i, m in enumerate(mappings) if m.summary), 0)
    skipped, summary_amount = con.sql(
        f"""
        SELECT count(*) FILTER (WHERE _status = 'skipped'),
               sum(m._total) FILTER (WHERE _summary AND NOT _blank)
        FROM decided JOIN mapped_{summary_index} m USING (_rid)
        """
    ).fetchall()[0]
    if not any(m.summary for m in mappings):
        summary_amount = None
    # Only the events stay: the rest would hold memory (or disk) while they are stored.
    for i in range(len(mappings)):
        con.execute(f"DROP TABLE IF EXISTS mapped_{i}")
    base = "VIEW" if isinstance(staged.table, str) else "TABLE"
    con.execute(
        "DROP TABLE decided; DROP TABLE row_status; DROP VIEW staged_rows; "
        f"DROP TABLE IF EXISTS staged_carried; DROP {base} staged_base"
    )
    skipped += staged.blank_rows
    if staged.read_rejects is not None and staged.read_rejects.num_rows:
        rejects = pa.concat_tables([rejects, staged.read_rejects.cast(rejects.schema)])
    return Mapped(events, rejects, int(skipped), summary_amount)


def _stage_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    mappings: Sequence[TableMapping],
    lookup: dict[str, str],
    ref: Callable[[str], str],
) -> list[str]:
    """``staged_rows``: the text rows numbered, with derived, carried and filled columns (a view
    over ``staged_base``, or over ``staged_carried`` when windows carry values down)."""
    derived: list[str] = []
    for m in mappings:
        for name, (column, pattern) in m.derived.items():
            alias = f"d{len(derived)}"
            derived.append(
                f"nullif(trim(regexp_extract({ref(column)}, {sql_str(pattern)}, 1)), '') AS {alias}"
            )
            lookup.setdefault(name.strip().lower(), alias)
    extra = "".join(f", {d}" for d in derived)
    if isinstance(staged.table, str):
        # Already numbered in the extraction's database: read in place, not copied.
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW staged_base AS SELECT *{extra} FROM {staged.table}"
        )
    else:
        con.register("staged_input", staged.table)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged_base AS "
            f"SELECT row_number() OVER () AS _rid, *{extra} FROM staged_input"
        )
        con.unregister("staged_input")
    return _carry_down(con, mappings, lookup, ref)


def _row_status(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    mappings: Sequence[TableMapping],
    ref: Callable[[str], str],
    headings: list[str],
) -> None:
    """``row_status``: each row's provenance and whether it is blank, a total or skipped."""
    data_columns = [f"c{i}" for i in range(len(staged.names))]
    all_blank = " AND ".join(blank(c) for c in data_columns) or "TRUE"
    summaries = [m.summary.sql(ref) for m in mappings if m.summary] or ["FALSE"]
    skips = [m.skip.sql(ref) for m in mappings if m.skip] + headings or ["FALSE"]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE row_status AS
        SELECT _rid, _page, _row, {all_blank} AS _blank,
               ({" OR ".join(summaries)}) AS _summary, ({" OR ".join(skips)}) AS _skip
        FROM staged_rows
        """
    )


def _map_each(
    con: duckdb.DuckDBPyConnection, mappings: Sequence[TableMapping], ref: Callable[[str], str]
) -> None:
    """``mapped_i``: every field of mapping i for the rows it selects, and its reject reason."""
    for index, m in enumerate(mappings):
        columns = {n: spec.sql(ref) for n, spec in m.fields.items()} | _derived_fields(m, ref)
        values = ",\n".join(f"{sql} AS {_quote_ident(name)}" for name, sql in columns.items())
        names = ", ".join(_quote_ident(name) for name in columns)
        where = m.where.sql(ref) if m.where else "TRUE"
        total = m.summary_total or m.fields.get("amount")
        total_sql = f"TRY_CAST({total.sql(ref)} AS DECIMAL(18,4))" if total else "NULL"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE mapped_{index} AS
            SELECT _rid, _selected, _total, {names}, {_reject_reasons(m, ref)} AS _reason
            FROM (SELECT *, {where} AS _selected, {total_sql} AS _total, {values}
                  FROM staged_rows)
            """
        )
    # A row goes to the first mapping that takes it, and on only past mappings with also=True.
    for i in range(1, len(mappings)):
        exclusive = [j for j in range(i) if not mappings[j].also]
        if exclusive:
            taken = " UNION ALL ".join(
                f"SELECT _rid FROM mapped_{j} WHERE _selected" for j in exclusive
            )
            con.execute(f"UPDATE mapped_{i} SET _selected = FALSE WHERE _rid IN ({taken})")


def _decide(
    con: duckdb.DuckDBPyConnection, mappings: Sequence[TableMapping], unmatched: str | None
) -> None:
    """``decided``: each row is an event, a reject (with its reason) or skipped."""
    selected = " OR ".join(f"m{i}._selected" for i in range(len(mappings)))
    reason = ", ".join(
        f"CASE WHEN m{i}._selected THEN m{i}._reason END" for i in range(len(mappings))
    )
    joins = " ".join(f"JOIN mapped_{i} m{i} USING (_rid)" for i in range(len(mappings)))
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


def _raw_json(names: tuple[str, ...]) -> str:
    """SQL: a staged row (``s``) as JSON under its header's names, as it was printed."""
    cells = ", ".join(
        f"{_quote_ident(name)} := s.c{i}" for i, name in enumerate(unique_names(names))
    )
    return f"CAST(to_json(struct_pack({cells})) AS VARCHAR)" if names else "'{}'"


def _collect_events(
    con: duckdb.DuckDBPyConnection,
    mappings: Sequence[TableMapping],
    statement_index: int | None,
    raw: str | None,
    numbers: TableMapping,
) -> EventRows:
    """The events of every mapping, typed, in file order, with ``raw`` (if any) as their row;
    lines and dialled numbers read as ``numbers`` says (E.164, their country and type)."""
    facts = [f for f in ROW_FACTS if any(f in m.fields for m in mappings)]
    index = "NULL" if statement_index is None else str(statement_index)
    units = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in UNITS.items())
    staged_join = "" if raw is None else "JOIN staged_rows s USING (_rid)"
    raw = raw or "CAST(NULL AS VARCHAR)"
    parts = []
    for i, m in enumerate(mappings):
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


def _carry_down(
    con: duckdb.DuckDBPyConnection,
    mappings: Sequence[TableMapping],
    lookup: dict[str, str],
    ref: Callable[[str], str],
) -> list[str]:
    """Add carried and filled-down columns to ``staged_rows``; the heading rows' conditions.

    One window function each, in file order, so a heading's value reaches every row below it
    until the next heading, and a date printed once per day reaches that day's other rows.
    """
    window = "OVER (ORDER BY _rid ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    columns: list[str] = []
    headings: list[str] = []
    names: dict[str, str] = {}
    for m in mappings:
        for name, column, pattern in m.carry:
            if name.strip().lower() in names:
                continue
            source = f"trim({ref(column)})"
            heading = f"coalesce(regexp_matches({source}, {sql_str(pattern)}, 'i'), FALSE)"
            groups = compile_re2(pattern).groups or 0
            parts = [
                f"nullif(regexp_extract({source}, {sql_str('(?i)' + pattern)}, {g}), '')"
                for g in (range(1, groups + 1) if groups else (0,))
            ]
            value = f"nullif(trim(concat_ws(' ', {', '.join(parts)})), '')"
            alias = f"k{len(columns)}"
            columns.append(
                f"last_value(CASE WHEN {heading} THEN {value} END IGNORE NULLS) {window} AS {alias}"
            )
            headings.append(heading)
            names[name.strip().lower()] = alias
        for column in m.fill_down:
            key = column.strip().lower()
            if key in names:
                continue
            cell = f"nullif(trim({ref(column)}), '')"
            alias = f"k{len(columns)}"
            columns.append(f"coalesce({cell}, last_value({cell} IGNORE NULLS) {window}) AS {alias}")
            names[key] = alias
    carried = "".join(f", {c}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW staged_rows AS SELECT *{carried} FROM staged_base")
    if columns:
        # The windows run once, not in every query that reads the rows.
        con.execute("CREATE OR REPLACE TEMP TABLE staged_carried AS SELECT * FROM staged_rows")
        con.execute("CREATE OR REPLACE TEMP VIEW staged_rows AS SELECT * FROM staged_carried")
        lookup.update(names)
    return headings


def _reject_reasons(mapping: TableMapping, ref: Callable[[str], str]) -> str:
    """One CASE that names the first column whose text did not parse, quoting the text."""
    from analyzer.importers.specs import reject_reason

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
    return f"coalesce({', '.join(reasons)}, CASE {' '.join(checks)} END)"
