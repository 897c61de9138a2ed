"""The importer contract: what an importer is given, what it returns, and how a table is mapped.

An importer answers two questions: "is this file mine?" (``identify``) and "what does it say?"
(``extract``). Tabular layouts (CSV, XLSX, and PDF rows cut by regexes) only declare their
columns (a :class:`TableMapping`); ``mapping.map_rows`` turns the staged text table into typed
events and rejects with SQL on a private DuckDB, so extraction never touches the user's
database; the events stay there (``EventRows``) until the store copies them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa

from analyzer.errors import InputError
from analyzer.importers.conditions import Condition
from analyzer.importers.conditions import RowMatch as RowMatch  # layouts import it from here
from analyzer.importers.event_rows import EventRows
from analyzer.importers.options import ImportOptions as ImportOptions  # importers take it from here
from analyzer.importers.source_text import SourceText
from analyzer.importers.specs import Spec
from analyzer.model import Statement

# The most columns a bill's table may have (and a profile may name by position): a CSV some
# thousands of columns wide needs more memory to split than an extraction may take (5,000 did
# not fit in 512 MB), and no bill prints more than a few dozen; spreadsheets pad theirs to 1,000.
MAX_COLUMNS = 4096

# The typed columns of an event as importers hand them over (see schema.sql for meanings).
EVENT_FIELDS: dict[str, str] = {
    "line": "VARCHAR",
    "started_at": "TIMESTAMP",
    "ended_at": "TIMESTAMP",
    "kind": "VARCHAR",
    "direction": "VARCHAR",
    "quantity": "DECIMAL(18,3)",
    "unit": "VARCHAR",
    "duration_s": "DECIMAL(12,3)",
    "counterparty": "VARCHAR",
    "country": "VARCHAR",
    "network": "VARCHAR",
    "roaming": "BOOLEAN",
    "amount": "DECIMAL(18,4)",
    "currency": "VARCHAR",
    "description": "VARCHAR",
}
# Event columns read from a mapped field rather than mapped themselves: the UTC offset printed
# after the start time, in minutes (NULL when the file prints none).
DERIVED_FIELDS: dict[str, str] = {"utc_offset_min": "SMALLINT"}
PROVENANCE_FIELDS: dict[str, str] = {
    "counterparty_e164": "VARCHAR",
    "counterparty_country": "VARCHAR",
    "counterparty_type": "VARCHAR",
    "page": "INTEGER",
    "row": "BIGINT",
    "raw": "VARCHAR",  # the row as JSON, where the file's text is not kept (Extracted.text)
    "statement_index": "INTEGER",
}
# Statement facts a row may carry besides its events (a fleet bill's period, printed total and
# monthly usage totals); they ride along as extra columns and the layout turns them into
# statements.
ROW_FACTS: dict[str, str] = {
    "period_start": "DATE",
    "period_end": "DATE",
    "statement_total": "DECIMAL(18,4)",
    "total_data_bytes": "DECIMAL(20,0)",
    "total_voice_seconds": "DECIMAL(18,3)",
    "total_messages": "DECIMAL(18,3)",
}
REJECT_FIELDS: dict[str, str] = {
    "page": "INTEGER",
    "row": "BIGINT",
    "raw": "VARCHAR",
    "reason": "VARCHAR",
}


@dataclass
class Extracted:
    """Everything read from one file: the only thing an importer returns."""

    statements: list[Statement]
    events: EventRows  # kept in the extraction's DuckDB until stored (see ``close``)
    rejects: pa.Table
    rows_read: int
    skipped: int
    as_of: datetime | None = None
    detail: dict[str, object] = field(default_factory=dict)
    text: SourceText | None = None  # the file's text, kept once, where events carry no raw

    def counts(self) -> dict[str, int]:
        """Counts that must reconcile: rows read = rows that became events + rejects + skipped.

        One row may yield several events (a fleet bill's plan, feature and tax cells), so
        ``event_rows`` counts the rows and ``events`` the events.
        """
        counts = {
            "rows_read": self.rows_read,
            "events": self.events.num_rows,
            "event_rows": self.events.source_rows(),
            "rejects": self.rejects.num_rows,
            "skipped": self.skipped,
        }
        if counts["rows_read"] != counts["event_rows"] + counts["rejects"] + counts["skipped"]:
            raise AssertionError(f"row counts do not reconcile: {counts}")
        return counts

    def close(self) -> None:
        """Free the events' connection once they are stored (or no longer wanted)."""
        self.events.close()


class Importer(Protocol):
    """A built-in layout or a user profile."""

    name: str

    def identify(self, path: Path) -> bool:
        """True when this importer recognises the file (cheap: reads only its head)."""
        ...

    def extract(self, path: Path, options: ImportOptions) -> Extracted:
        """Read the whole file; raise InputError for a file that cannot be read at all."""
        ...


@dataclass(frozen=True)
class Staged:
    """A file's rows as text: columns ``c0..cN`` plus ``_page`` and ``_row`` for provenance.

    ``table`` is an Arrow table, or the name of a table in the extraction's connection (a CSV
    split by DuckDB stays there: copying millions of rows out and back costs time and memory).
    """

    table: pa.Table | str
    names: tuple[str, ...]  # the header names of c0..cN, as printed (or "#1".."#N")
    preamble: str = ""  # text above the header (statement facts, export time)
    rows_read: int = 0  # data rows below the header, including those DuckDB could not split
    read_rejects: pa.Table | None = None  # rows the reader itself could not split
    blank_rows: int = 0  # blank lines the reader passed over: counted as skipped
    # The rows kept once as text (a CSV's own, a sheet's as CSV lines): rows are shown again
    # from it, not copied into ``raw``.
    text: SourceText | None = None


@contextmanager
def staged_view(con: duckdb.DuckDBPyConnection, staged: Staged, name: str) -> Iterator[str]:
    """The staged rows under ``name`` in ``con`` for the length of the block."""
    if isinstance(staged.table, str):
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {staged.table}")
        try:
            yield name
        finally:
            con.execute(f"DROP VIEW IF EXISTS {name}")
        return
    con.register(name, staged.table)
    try:
        yield name
    finally:
        con.unregister(name)


@dataclass(frozen=True)
class TableMapping:
    """How a staged table becomes events: the declarative heart of every tabular layout."""

    fields: Mapping[str, Spec]
    region: str | None = None  # default country for phone numbers without +CC
    summary: Condition | None = None  # total/subtotal rows: statement facts, not events
    skip: Condition | None = None  # rows that are not usage (unanswered calls, headers again)
    skip_reason: str = "not usage"
    where: Condition | None = None  # only these rows (a record type); others are not this mapping's
    # Columns cut out of another column by a regex's first group: {"Number": ("Detail", "...")}.
    derived: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    summary_total: Spec | None = None  # the total printed on summary rows (default: amount)
    # False: a row this mapping takes is not offered to the mappings after it (first match wins).
    also: bool = True
    name: str | None = None  # a record type's name, for explain
    # Values carried down from heading rows: (name, column, pattern); the heading rows are
    # skipped and the rows below them read ``name`` as a column (a fleet bill's line blocks).
    carry: tuple[tuple[str, str, str], ...] = ()
    fill_down: tuple[str, ...] = ()  # blank cells of these columns take the value above
    international: bool = False  # numbers without + or 00 are international, not national

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(EVENT_FIELDS) - set(ROW_FACTS)
        if unknown:
            raise ValueError(f"unknown event fields: {sorted(unknown)}")
        if "kind" not in self.fields:
            raise ValueError("a mapping must say how to find each row's kind")


class AmbiguousColumn(KeyError):
    """A column a layout reads by a name the header gives to several columns."""

    def __init__(self, column: str, positions: list[int]) -> None:
        super().__init__(column)
        self.column = column
        self.positions = positions

    def input_error(self, path: Path) -> InputError:
        """What to tell the user: which columns share the name, and how to choose one."""
        places = ", ".join(str(p) for p in self.positions)
        return InputError(
            path,
            f"its header names {len(self.positions)} columns {self.column!r} (columns {places}); "
            "the layout cannot tell which one to read",
            hint="rename one of them in the export, or read it by position in a profile "
            f"('#{self.positions[-1]}')",
        )


class ColumnLookup(dict[str, str]):
    """Header names (any case) and positions (``#3``) to SQL column references; ``repeated``:
    the names the header gives to several columns, with their positions."""

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__()
        places: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            key = name.strip().lower()
            places.setdefault(key, []).append(i + 1)
            self.setdefault(key, f"c{i}")
            self.setdefault(f"#{i + 1}", f"c{i}")
        self.repeated = {k: v for k, v in places.items() if k and len(v) > 1}


def column_ref(lookup: dict[str, str]) -> Callable[[str], str]:
    """A column's name (any case) or position (``#3``) to its SQL reference; KeyError if none,
    AmbiguousColumn if the header gives that name to several columns (reading the first would
    silently ignore the others)."""
    repeated = getattr(lookup, "repeated", {})

    def ref(column: str) -> str:
        key = column.strip().lower()
        if key in repeated:
            raise AmbiguousColumn(column, repeated[key])
        if key not in lookup:
            raise KeyError(column)
        return lookup[key]

    return ref


def _column_lookup(names: tuple[str, ...]) -> dict[str, str]:
    return ColumnLookup(names)


def empty_rejects() -> pa.Table:
    """A rejects table with no rows (for importers that reject nothing)."""
    return pa.schema(
        [("page", pa.int32()), ("row", pa.int64()), ("raw", pa.string()), ("reason", pa.string())]
    ).empty_table()


# The mapping engine and phone-number normalising live in their own modules; their names stay
# importable from here (layouts import them with the contract), loaded on first use.
_MOVED = {
    "Mapped": "mapping",
    "map_rows": "mapping",
    "new_connection": "mapping",
    "ensure_country_names": "countries",
    "_country_names": "countries",
    "international": "phones",
    "normalise_line": "phones",
    "number_maps": "phones",
    "to_e164": "phones",
    "classify_number": "phones",
}


def __getattr__(name: str) -> object:
    if name in _MOVED:
        from importlib import import_module

        return getattr(import_module(f"analyzer.importers.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
