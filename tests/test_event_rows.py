"""Large files in bounded memory: events stream from the extraction (which spills to disk) into
the database in batches, and the file's text waits on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from conftest import session, wayfarer_csv

from analyzer import duck, store
from analyzer.importers import event_rows, source_text
from analyzer.importers.event_rows import EventRows
from analyzer.importers.source_text import source_row
from analyzer.importing import import_paths

DAYS = [f"2026-10-{day:02d}" for day in range(1, 8)]


def test_events_stream_in_batches_in_file_order(db, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(event_rows, "BATCH_ROWS", 2)
    monkeypatch.setattr(source_text, "BLOCK_BYTES", 64)  # a block of a line or two
    monkeypatch.setattr(source_text, "PIECE_BYTES", 7)  # a block in several pieces
    path = wayfarer_csv(tmp_path, [session(day, i + 1) for i, day in enumerate(DAYS)])
    [result] = import_paths(db, [path])
    assert (result.status, result.events) == ("imported", 7)
    rows = db.sql('SELECT "row", quantity, source_id FROM events ORDER BY event_id').fetchall()
    assert [(row, quantity) for row, quantity, _ in rows] == [
        (i + 2, (i + 1) * 1048576) for i in range(7)
    ]
    blocks = db.sql(
        "SELECT count(DISTINCT first_line) > 3, max(piece) > 2, max(octet_length(data)) "
        "FROM source_text_pieces"
    ).fetchall()
    assert blocks == [(True, True, 7)]
    # Every row is shown again from the blocks that waited in a temporary file.
    shown = [source_row(db, source_id, row)["Session Start"] for row, _, source_id in rows]
    assert shown == [f"{day} 09:00:00" for day in DAYS]


def test_the_read_out_sends_the_extractions_tables_to_its_folder(monkeypatch) -> None:
    # An import's peak is then the store's alone, not the extraction's memory added to it.
    con = duck.spilling_connection()
    con.execute(
        "CREATE TEMP TABLE events AS SELECT i, repeat('x', 40) AS text FROM range(1000000) t(i)"
    )

    def held() -> tuple[int, int]:  # asked on a cursor: the read-out holds the connection
        return (
            con.cursor()
            .execute(
                "SELECT sum(memory_usage_bytes) >> 20, sum(temporary_storage_bytes) >> 20 "
                "FROM duckdb_memory()"
            )
            .fetchall()[0]
        )

    in_memory, on_disk = held()
    assert in_memory > 40 and on_disk == 0
    monkeypatch.setattr(duck, "memory_limit", lambda megabytes: "24MB")
    batches = EventRows(con, "events").batches()
    in_memory, on_disk = held()
    assert in_memory <= 24 and on_disk > 0  # (spilled blocks are compressed)
    rows = sum(batch.num_rows for batch in batches)
    assert rows == 1000000
    con.close()


def test_a_connection_without_a_folder_of_its_own_keeps_its_memory(
    tmp_path: Path, monkeypatch
) -> None:
    # Its default folder would be the working one: nothing may be written there.
    monkeypatch.chdir(tmp_path)
    events = EventRows.of(pa.table({"i": pa.array(range(1000), pa.int64())}))
    before = events.value("SELECT current_setting('memory_limit')")
    assert sum(batch.num_rows for batch in events.batches()) == 1000
    assert events.value("SELECT current_setting('memory_limit')") == before
    assert list(tmp_path.iterdir()) == []
    events.close()


def test_an_import_leaves_no_temporary_folder(tmp_path: Path) -> None:
    # The extractions of a process share its spill folder: the process removes it as it ends.
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    path = wayfarer_csv(tmp_path, [session(day, 1) for day in DAYS])
    done = subprocess.run(
        [sys.executable, "-m", "analyzer", "--db", str(tmp_path / "a.duckdb"), "import", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "7 events" in done.stdout
    assert list(temporary.iterdir()) == []


def test_a_closed_extraction_frees_what_it_spilled() -> None:
    def spilled() -> int:  # megabytes, asked of another connection to the same database
        probe = duck.spilling_connection()
        try:
            query = "SELECT sum(temporary_storage_bytes) >> 20 FROM duckdb_memory()"
            return probe.sql(query).fetchall()[0][0]
        finally:
            probe.close()

    con = duck.spilling_connection()
    con.execute("SET memory_limit = '24MB'")  # as a read-out does
    con.execute("CREATE TEMP TABLE big AS SELECT i, repeat('x', 40) AS t FROM range(1000000) r(i)")
    assert spilled() > 4
    con.close()
    assert spilled() == 0  # (what the extractions share, the country names, is under 1 MB)
    again = duck.spilling_connection()  # the next extraction has its own limit again
    shown = again.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]
    given = duck.memory_limit(duck.EXTRACTION_MEMORY_MB).removesuffix("MB")
    assert duck.size_bytes(shown) == pytest.approx(int(given) * 1000**2, rel=0.01)
    again.close()


def test_a_row_over_four_megabytes_is_rejected_with_its_reason(db, tmp_path: Path) -> None:
    # DuckDB's read buffers are sized by the longest row allowed: it is kept small.
    huge = session(DAYS[1], 1).replace("Net 310-260", "N" * 4_300_000)
    path = wayfarer_csv(tmp_path, [session(DAYS[0], 1), huge, session(DAYS[2], 1)])
    [result] = import_paths(db, [path])
    assert (result.status, result.events, result.rejects) == ("partial", 2, 1)
    assert db.sql('SELECT "row", reason FROM rejects').fetchall() == [
        (3, "the row is longer than 4 MB (no bill's row is)")
    ]


def test_rows_kept_by_an_older_codec_are_still_shown(db, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(source_text, "CODEC", "lz4")  # what databases before zstd hold
    import_paths(db, [wayfarer_csv(tmp_path, [session(DAYS[0], 1)], "older.csv")])
    monkeypatch.undo()
    newer = wayfarer_csv(tmp_path, [session(DAYS[1], 2)], "newer.csv")
    import_paths(db, [newer])
    kept = db.sql("SELECT source_id, codec FROM source_files ORDER BY source_id").fetchall()
    assert [codec for _, codec in kept] == ["lz4", "zstd"]
    shown = [source_row(db, source_id, 2)["Session Start"] for source_id, _ in kept]
    assert shown == [f"{DAYS[0]} 09:00:00", f"{DAYS[1]} 09:00:00"]


def test_events_take_consecutive_ids_in_file_order(db, tmp_path: Path) -> None:
    # Numbered by their place in the extraction's table, not by nextval() row by row.
    first = wayfarer_csv(tmp_path, [session(day, 1) for day in DAYS], "first.csv")
    second = wayfarer_csv(tmp_path, [session(day, 2) for day in DAYS[:3]], "second.csv")
    import_paths(db, [first])
    import_paths(db, [second])
    rows = db.sql('SELECT event_id, source_id, "row" FROM events ORDER BY event_id').fetchall()
    assert [event_id for event_id, _, _ in rows] == list(range(1, 11))
    assert [(source, row) for _, source, row in rows] == [
        *((rows[0][1], row) for row in range(2, 9)),
        *((rows[7][1], row) for row in range(2, 5)),
    ]
    assert db.sql("SELECT nextval('event_ids')").fetchall() == [(11,)]


def test_ids_follow_the_row_ids_of_a_table_that_dropped_rows() -> None:
    con = duck.spilling_connection()
    con.execute("CREATE TEMP TABLE events AS SELECT i FROM range(6) t(i)")
    con.execute("DELETE FROM events WHERE i IN (0, 3)")
    events = EventRows(con, "events")
    assert events.id_span() == 6
    [batch] = list(events.batches(first_id=100))
    assert batch.to_pydict() == {event_rows.NUMBERED: [101, 102, 104, 105], "i": [1, 2, 4, 5]}
    con.close()


def test_events_without_row_ids_take_theirs_from_the_sequence(db, tmp_path: Path) -> None:
    arrow = EventRows.of(pa.table({"i": pa.array(range(3), pa.int64())}))
    assert arrow.id_span() is None  # an Arrow table (a PDF's events): nextval() row by row
    arrow.close()
    db.execute("CREATE SEQUENCE by_two INCREMENT BY 2")
    assert store._reserve_ids(db, "by_two", 3) is None  # not consecutive: row by row too
    db.execute("CREATE SEQUENCE by_one")
    assert store._reserve_ids(db, "by_one", 3) == 1
    assert db.sql("SELECT nextval('by_one')").fetchall() == [(4,)]


def test_storing_events_lowers_the_memory_limit_for_a_while_and_never_raises_it(
    tmp_path: Path, monkeypatch
) -> None:
    def limit(con) -> float:
        return duck.size_bytes(con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0])

    con = store.open_db(tmp_path / "default.duckdb")
    before = limit(con)
    with duck.memory_at_most(con, 400):
        assert limit(con) <= 400 << 20
    assert limit(con) == before
    con.close()
    monkeypatch.setattr(duck, "_chosen_limit", "300MB")  # as --memory-limit 300MB chooses
    con = store.open_db(tmp_path / "chosen.duckdb")
    chosen = limit(con)
    assert chosen < 300 << 20
    with duck.memory_at_most(con, 400):
        assert limit(con) == chosen
    con.close()
    monkeypatch.setattr(duck, "_chosen_limit", "900MB")
    con = store.open_db(tmp_path / "chosen.duckdb")
    with duck.memory_at_most(con, 400):  # lowered, then the chosen limit again
        assert limit(con) <= 400 << 20
    assert abs(limit(con) - 900 * 1000**2) < 1 << 20
    con.close()


def test_a_limit_that_cannot_be_lowered_leaves_the_insert_within_the_one_it_has(
    tmp_path: Path,
) -> None:
    class Refusing:  # a connection holding more than it could move out
        def __init__(self, con) -> None:
            self.con = con

        def sql(self, query: str):
            return self.con.sql(query)

        def execute(self, query: str, *args):
            if query.startswith("SET memory_limit"):
                raise duckdb.OutOfMemoryException("could not free up enough memory")
            return self.con.execute(query, *args)

    con = store.open_db(tmp_path / "held.duckdb")
    before = con.sql("SELECT current_setting('memory_limit')").fetchall()
    with duck.memory_at_most(Refusing(con), 400):
        pass
    assert con.sql("SELECT current_setting('memory_limit')").fetchall() == before
    con.close()
