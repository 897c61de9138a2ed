"""The staged rows ``map_rows`` reads: one table, or one per mapping combined into one.

``staged_rows`` is a view of the rows numbered (``_rid``), with the columns some mappings cut
out of others (derived), carry down from heading rows or fill down into blank cells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pyarrow as pa

from analyzer.arrays import integers
from analyzer.importers.base import Staged, TableMapping
from analyzer.importers.specs import sql_str
from analyzer.regex import compile_re2


def combine_staged(parts: Sequence[Staged]) -> Staged:
    """Tables of different columns as one: ``_part`` says whose row it is, ``_rid`` numbers
    the rows in the parts' order, and narrower tables' missing columns are null."""
    width = max(len(p.names) for p in parts)
    tables = []
    start = 1
    for index, part in enumerate(parts):
        table = part.table
        if not isinstance(table, pa.Table):
            raise ValueError("staged tables mapped together must be Arrow tables")
        count = table.num_rows
        columns = {
            "_rid": integers(range(start, start + count), pa.int64()),
            "_part": integers([index] * count, pa.int32()),
            "_page": table.column("_page").cast(pa.int32()),
            "_row": table.column("_row").cast(pa.int64()),
        }
        for i in range(width):
            name = f"c{i}"
            columns[name] = (
                table.column(name).cast(pa.string())
                if name in table.column_names
                else pa.nulls(count, pa.string())
            )
        tables.append(pa.table(columns))
        start += count
    return Staged(
        table=pa.concat_tables(tables),
        names=tuple(f"#{i + 1}" for i in range(width)),
        rows_read=sum(p.rows_read for p in parts),
    )


def own(condition: str, index: int, split: bool) -> str:
    """``condition``, for mapping ``index``'s own rows only when each has its own table."""
    return f"(_part = {index} AND ({condition}))" if split else condition


def stage_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    mappings: Sequence[TableMapping],
    lookups: Sequence[dict[str, str]],
    refs: Sequence[Callable[[str], str]],
    split: bool,
) -> list[str]:
    """``staged_rows``: the text rows numbered, with derived, carried and filled columns (a view
    over ``staged_base``, or over ``staged_carried`` when windows carry values down)."""
    derived: list[str] = []
    for m, lookup, ref in zip(mappings, lookups, refs, strict=True):
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
        numbered = "" if split else "row_number() OVER () AS _rid, "
        con.register("staged_input", staged.table)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged_base AS "
            f"SELECT {numbered}*{extra} FROM staged_input"
        )
        con.unregister("staged_input")
    return _carry_down(con, mappings, lookups, refs, split)


def _carry_down(
    con: duckdb.DuckDBPyConnection,
    mappings: Sequence[TableMapping],
    lookups: Sequence[dict[str, str]],
    refs: Sequence[Callable[[str], str]],
    split: bool,
) -> list[str]:
    """Add carried and filled-down columns to ``staged_rows``; the heading rows' conditions.

    One window function each, in file order, so a heading's value reaches every row below it
    until the next heading, and a date printed once per day reaches that day's other rows
    (within each mapping's own table, when each has one).
    """
    within = "PARTITION BY _part " if split else ""
    window = f"OVER ({within}ORDER BY _rid ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    columns: list[str] = []
    headings: list[str] = []
    every: list[dict[str, str]] = []
    names: dict[str, str] = {}
    for index, (m, ref) in enumerate(zip(mappings, refs, strict=True)):
        if split:
            names = {}  # each table's names are its own
        every.append(names)
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
            headings.append(own(heading, index, split))
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
        for lookup, found in zip(lookups, every, strict=True):
            lookup.update(found if split else names)
    return headings
