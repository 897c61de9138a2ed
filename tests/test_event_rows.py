"""Large files in bounded memory: events stream from the extraction into the database in
batches, the file's text waits on disk, and both databases keep to a memory limit."""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import pytest
from conftest import session, wayfarer_csv

from analyzer.importers import event_rows, source_text
from analyzer.importing import import_paths
from analyzer.store import open_db, source_row

DAYS = [f"2026-10-{day:02d}" for day in range(1, 8)]


def test_events_stream_in_batches_in_file_order(db, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(event_rows, "BATCH_ROWS", 2)
    monkeypatch.setattr(source_text, "BLOCK_BYTES", 64)  # a block of a line or two
    path = wayfarer_csv(tmp_path, [session(day, i + 1) for i, day in enumerate(DAYS)])
    [result] = import_paths(db, [path])
    assert (result.status, result.events) == ("imported", 7)
    rows = db.sql('SELECT "row", quantity, source_id FROM events ORDER BY event_id').fetchall()
    assert [(row, quantity) for row, quantity, _ in rows] == [
        (i + 2, (i + 1) * 1048576) for i in range(7)
    ]
    assert db.sql("SELECT count(*) > 3 FROM source_text").fetchall() == [(True,)]
    # Every row is shown again from the blocks that waited in a temporary file.
    shown = [source_row(db, source_id, row)["Session Start"] for row, _, source_id in rows]
    assert shown == [f"{day} 09:00:00" for day in DAYS]


def test_an_import_leaves_no_spill_folder(db, tmp_path: Path, monkeypatch) -> None:
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    path = wayfarer_csv(tmp_path, [session(day, 1) for day in DAYS])
    [result] = import_paths(db, [path])
    assert result.status == "imported"
    gc.collect()
    assert list(temporary.iterdir()) == []


def test_the_database_memory_is_bounded_only_while_a_file_is_saved(
    tmp_path: Path, monkeypatch
) -> None:
    import analyzer.store as store

    con = open_db(tmp_path / "bounded.duckdb")
    setting = "SELECT current_setting('memory_limit')"
    before = con.sql(setting).fetchall()[0][0]
    during = []
    insert_rows = store._insert_rows

    def watched(*args: object) -> None:
        during.append(con.sql(setting).fetchall()[0][0])
        insert_rows(*args)

    monkeypatch.setattr(store, "_insert_rows", watched)
    [result] = import_paths(con, [wayfarer_csv(tmp_path, [session(DAYS[0], 1)])])
    assert result.status == "imported"
    assert during and during[0] != before
    assert con.sql(setting).fetchall()[0][0] == before
    # A limit the user set is theirs: the import leaves it alone.
    con.execute("SET memory_limit = '3GB'")
    mine = con.sql(setting).fetchall()[0][0]
    [result] = import_paths(con, [wayfarer_csv(tmp_path, [session(DAYS[1], 1)], "b.csv")])
    assert result.status == "imported"
    assert during[-1] == mine == con.sql(setting).fetchall()[0][0]
    con.close()


@pytest.mark.parametrize("broken", [True, False])
def test_a_failed_save_restores_the_memory_limit(tmp_path: Path, monkeypatch, broken) -> None:
    import analyzer.store as store

    con = open_db(tmp_path / "bounded.duckdb")
    before = con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]

    def failing(*args: object) -> None:
        raise OSError(28, "No space left on device")

    if broken:
        monkeypatch.setattr(store, "_insert_rows", failing)
    path = wayfarer_csv(tmp_path, [session(DAYS[0], 1)])
    if broken:
        with pytest.raises(Exception, match="space"):
            import_paths(con, [path])
        assert con.sql("SELECT count(*) FROM events").fetchall() == [(0,)]
    else:
        import_paths(con, [path])
    assert con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0] == before
    con.close()
