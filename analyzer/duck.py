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


def memory_limit(megabytes: int) -> str:
    """A DuckDB memory limit of about ``megabytes``, never below what its threads need to work
    (128 MB each)."""
    import os

    return f"{max(megabytes, 128 * (os.cpu_count() or 1))}MB"


# What one extraction's tables may hold in memory before DuckDB writes them to its own folder
# of temporary files: a file of ten million rows then needs disk, not ten gigabytes of memory.
EXTRACTION_MEMORY_MB = 512


def spilling_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory database whose tables spill to a folder of its own past
    ``EXTRACTION_MEMORY_MB`` (the folder goes with the connection)."""
    import shutil
    import tempfile
    import weakref

    folder = tempfile.mkdtemp(prefix="analyzer-spill-")
    config = {
        **CONFIG,
        "temp_directory": folder,
        "memory_limit": memory_limit(EXTRACTION_MEMORY_MB),
    }
    con = duckdb.connect(":memory:", config=config)
    weakref.finalize(con, shutil.rmtree, folder, True)
    quiet(con)
    return con
