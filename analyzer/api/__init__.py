"""The Python API: what the CLI does, callable from a notebook or a script.

DuckDB lets one process write a database file while no other process has it open, so a notebook
that keeps a connection would lock the CLI out. Everything here therefore opens a short-lived
connection and closes it before returning; ``with open_db(path) as db:`` keeps one connection for
a block when that is wanted (lazy relations, large results).

    db = analyzer.open_db("usage.duckdb")
    db.daily(line="+12015550123", period="2026-10").df()
    db.sql("SELECT kind, sum(amount) FROM usage WHERE currency = ? GROUP BY kind", ["USD"]).pl()
    analyzer.build_report(db, period="2026-10")   # every function takes the handle or a path

Every method returns a DuckDB relation: ``.df()`` (pandas), ``.pl()`` (polars),
``.to_arrow_table()`` (pyarrow), ``.fetchall()`` (tuples). In DuckDB 2.0 ``.arrow()`` returns a
streaming ``RecordBatchReader``, not a table (and keeps the connection busy until drained): use
``.to_arrow_table()``. Money stays exact in ``.pl()``, Arrow and ``.fetchall()``; ``.df()`` turns
DECIMAL into pandas floats, fine for charts, not for totals. Filters are always bound
as parameters, never formatted into the SQL.

The modules: ``database`` (the handle and its queries), ``filters`` (filters as bound SQL),
``running`` (import, analyse, report), ``reading`` (one bill, nothing saved) and ``outputs`` (findings, query rows, Parquet, and the
guard that keeps outputs off the database and the inputs).
"""

from __future__ import annotations

from analyzer.api.database import (
    Database,
    check_reading_statement,
    connection,
    open_db,
    path_of,
    reading_only,
)
from analyzer.api.outputs import (
    EXPORT_TABLES,
    check_output,
    export_parquet,
    list_findings,
    run_query,
    write_query_parquet,
)
from analyzer.api.reading import ReadBill, read_bill
from analyzer.api.running import (
    _inputs,
    analyse,
    build_report,
    import_paths,
    save_report,
    write_report,
)

__all__ = [
    "EXPORT_TABLES",
    "Database",
    "ReadBill",
    "_inputs",
    "analyse",
    "build_report",
    "check_output",
    "check_reading_statement",
    "connection",
    "export_parquet",
    "import_paths",
    "list_findings",
    "open_db",
    "path_of",
    "read_bill",
    "reading_only",
    "run_query",
    "save_report",
    "write_query_parquet",
    "write_report",
]
