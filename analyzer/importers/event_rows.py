"""The events an extraction read, kept in its DuckDB connection until they are stored.

A file of ten million rows gives ten million events: held as one Arrow table in Python they
would cost gigabytes. Kept as a table of the extraction's DuckDB (which spills to disk past its
memory limit), they are counted, summed and checked there, and stream into the user's database
in batches.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from analyzer.duck import spill_for_read_out

BATCH_ROWS = 100_000
NUMBERED = "_event_id"  # the id column of batches(first_id=...)


class EventRows:
    """A table of typed events (base.EVENT_FIELDS and the provenance columns) in ``con``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        self.con = con
        self.table = table
        self._rows: int | None = None
        self._names: list[str] | None = None

    @classmethod
    def of(cls, events: pa.Table) -> EventRows:
        """Events already in Arrow (a PDF's few thousand), in a connection of their own."""
        from analyzer.duck import private_connection

        con = private_connection()
        con.register("arrow_events", events)
        return cls(con, "arrow_events")

    @property
    def num_rows(self) -> int:
        if self._rows is None:
            self._rows = self.value(f"SELECT count(*) FROM {self.table}")
        return self._rows

    @property
    def column_names(self) -> list[str]:
        """The table's columns, asked once (a file's checks ask a dozen times)."""
        if self._names is None:
            query = f"SELECT * FROM {self.table} LIMIT 0"
            self._names = [c[0] for c in self.con.sql(query).description]
        return self._names

    def value(self, query: str) -> object:
        """The single value of a query over the events (named by ``self.table`` in it)."""
        return self.con.sql(query).fetchall()[0][0]

    def null_counts(self, names: list[str]) -> dict[str, int]:
        """How many events have no value in each of these columns, in one scan."""
        if not names:
            return {}
        counts = ", ".join(f'count(*) - count("{name}")' for name in names)
        row = self.con.sql(f"SELECT {counts} FROM {self.table}").fetchall()[0]
        return dict(zip(names, map(int, row), strict=True))

    def source_rows(self) -> int:
        """How many source rows the events came from (events without a row count one each)."""
        return int(
            self.value(
                f'SELECT (SELECT count(*) FROM (SELECT DISTINCT page, "row" FROM {self.table} '
                f'WHERE "row" IS NOT NULL)) + (SELECT count(*) FROM {self.table} '
                f'WHERE "row" IS NULL)'
            )
        )

    def to_arrow(self) -> pa.Table:
        return self.con.sql(f"SELECT * FROM {self.table}").to_arrow_table()

    def to_pylist(self) -> list[dict[str, object]]:
        return self.to_arrow().to_pylist()

    def column(self, name: str) -> pa.ChunkedArray:
        return self.con.sql(f'SELECT "{name}" FROM {self.table}').to_arrow_table().column(0)

    def slice(self, offset: int, length: int) -> pa.Table:
        """``length`` events from ``offset``, in file order."""
        return self.con.sql(
            f"SELECT * FROM {self.table} LIMIT {int(length)} OFFSET {int(offset)}"
        ).to_arrow_table()

    def id_span(self) -> int | None:
        """How many ids numbering the events by their place in the table takes (its largest
        row id and one: rows it dropped leave gaps); None when it has no row ids (a view, an
        Arrow table) or no rows."""
        try:
            span = self.value(f"SELECT max(rowid) + 1 FROM {self.table}")
        except duckdb.Error:
            return None
        return int(span) if span else None

    def batches(self, first_id: int | None = None) -> pa.RecordBatchReader:
        """The events as a stream of Arrow batches, in file order: never all in memory. The
        extraction's connection first moves what it holds beyond a little to its folder, so
        that the store's memory is not added to the extraction's. With ``first_id``, each
        event comes with its id (column ``NUMBERED``): ``first_id`` plus its row id."""
        spill_for_read_out(self.con)
        numbered = "" if first_id is None else f"{int(first_id)} + rowid AS {NUMBERED}, "
        return self.con.sql(f"SELECT {numbered}* FROM {self.table}").to_arrow_reader(BATCH_ROWS)

    def close(self) -> None:
        """Free the extraction's connection (and any rows it spilled to disk)."""
        self.con.close()
