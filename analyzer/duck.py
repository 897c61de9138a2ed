"""The DuckDB settings every connection of the analyzer uses, in one place.

Nothing the analyzer does needs an extension, so DuckDB may never fetch one from the network;
its progress bar writes to stdout, where it would corrupt --json and --csv output.
"""

from __future__ import annotations

from contextlib import suppress

import duckdb

CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """Turn DuckDB's progress bar off (in a notebook without ipywidgets it cannot be set)."""
    with suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")


def private_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory database for work that must not touch the user's (extraction, checks)."""
    con = duckdb.connect(":memory:", config=CONFIG)
    quiet(con)
    return con
