"""Is a report current? Decided from what it records (its database and its inputs), not from
the file's existence or its age."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import duckdb

_META = re.compile(r'<meta name="usage-analyzer-source" content="([^"]*)">')


def read_provenance(report: str | Path) -> dict[str, Any] | None:
    """The database path and input sha256s a report records, or None for a report without."""
    path = Path(report)
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", errors="replace") as handle:
        head = handle.read(200_000)  # the <meta> sits in <head>, before the inlined bundle
    found = _META.search(head)
    if not found:
        return None
    try:
        return json.loads(unescape(found.group(1)))
    except json.JSONDecodeError:
        return None


def is_current(report: str | Path, con: duckdb.DuckDBPyConnection) -> bool:
    """True when the report was built from this database and from exactly its input files."""
    recorded = read_provenance(report)
    if recorded is None:
        return False
    database = con.execute(
        "SELECT file FROM pragma_database_list WHERE name = current_database()"
    ).fetchall()
    here = str(Path(database[0][0]).resolve()) if database and database[0][0] else None
    inputs = {
        (sha, status) for sha, status in con.sql("SELECT sha256, status FROM sources").fetchall()
    }
    return recorded.get("database") == here and inputs == {
        (s.get("sha256"), s.get("status")) for s in recorded.get("sources", [])
    }
