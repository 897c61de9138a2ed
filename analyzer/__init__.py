"""Usage Analyzer: mobile bills and usage exports into one DuckDB database, findings, a report.

The public API (imported lazily, so ``import analyzer`` and the command line start fast)::

    import analyzer
    analyzer.import_paths("usage.duckdb", ["bills/"])
    analyzer.analyse("usage.duckdb", folder=Path("bills"), out=Path("report.html"))
    db = analyzer.open_db("usage.duckdb")          # read-only; no connection is kept open
    db.daily(period="2026-10").df()                # also .pl(), .to_arrow_table(), .fetchall()
    db.sql("SELECT * FROM usage WHERE line = ?", ["+12015550123"]).df()

See :mod:`analyzer.api` for every function.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Database",
    "analyse",
    "build_report",
    "connection",
    "export_parquet",
    "import_paths",
    "list_findings",
    "open_db",
    "read_bill",
    "run_query",
    "run_rules",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name == "run_rules":
        from analyzer.rules import run_rules

        return run_rules
    if name in __all__:
        from analyzer import api

        return getattr(api, name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
