"""Usage Analyzer: mobile bills and usage exports into one DuckDB database, findings, a report.

The public API (imported lazily, so the command line starts fast)::

    import analyzer
    analyzer.import_paths("usage.duckdb", ["bills/"])
    analyzer.analyse("usage.duckdb", folder=Path("bills"), out=Path("report.html"))
    with analyzer.connection("usage.duckdb", read_only=True) as con:
        con.sql("SELECT * FROM daily_usage").df()
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "analyse",
    "build_report",
    "connection",
    "import_paths",
    "list_findings",
    "open_db",
    "run_query",
    "run_rules",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name == "open_db":
        from analyzer.store import open_db

        return open_db
    if name == "run_rules":
        from analyzer.rules import run_rules

        return run_rules
    if name in __all__:
        from analyzer import api

        return getattr(api, name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
