"""Tables several rules read, computed once per run: a line's days, its stretches in a country.

Each is one SELECT in ``analyzer/rules/tables/<name>.sql`` over the views rules read. A rule
that names one (``FROM line_days``) gets it as a temporary table built by the first rule of the
run that needs it, so a fleet's ten million events are grouped once, not once per rule.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import duckdb

from analyzer.errors import is_interrupt


@cache
def shared_tables() -> dict[str, str]:
    """Every shared table's SQL by name, in name order."""
    folder = resources.files("analyzer.rules").joinpath("tables")
    return {
        entry.name.removesuffix(".sql"): entry.read_text("utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".sql")
    }


def tables_read(sql: str) -> tuple[str, ...]:
    """The shared tables a rule's SQL reads."""
    return tuple(name for name in shared_tables() if re.search(rf"\b{name}\b", sql))


class SharedTables:
    """The shared tables of one run: each built once, on first need, and dropped at the end."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.built: set[str] = set()
        self.errors: dict[str, str] = {}

    def ensure(self, names: tuple[str, ...]) -> str | None:
        """Build the tables not built yet; the error of one that could not be, else None."""
        for name in names:
            if name not in self.built and name not in self.errors:
                self._build(name)
            if name in self.errors:
                return f"{name}: {self.errors[name]}"
        return None

    def _build(self, name: str) -> None:
        body = shared_tables()[name].strip().rstrip(";")
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {body}")
        except duckdb.Error as exc:
            if is_interrupt(exc):
                raise
            text = str(exc).strip()
            self.errors[name] = text.splitlines()[0] if text else type(exc).__name__
            return
        self.built.add(name)

    def drop(self) -> None:
        """Free what the run built (a fleet's tables hold a row per line and day)."""
        for name in sorted(self.built):
            self.con.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self.built.clear()
