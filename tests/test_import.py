"""Importing: all-or-nothing per file, idempotent, nothing lost, provenance on every row."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ICCID, session, wayfarer_csv

from analyzer.importers import source_text
from analyzer.importers.source_text import source_row
from analyzer.importing import import_paths
from analyzer.store import SCHEMA_VERSION, open_db


def counts(con) -> dict[str, int]:
    return {
        table: con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        for table in ("sources", "statements", "events", "rejects")
    }


def test_import_maps_rows_with_provenance(db, tmp_path: Path) -> None:
    path = wayfarer_csv(tmp_path, [session("2026-10-01", 5), session("2026-10-02", 7, "MX")])
    [result] = import_paths(db, [path])
    assert (result.status, result.events, result.rejects) == ("imported", 2, 0)
    rows = db.sql(
        'SELECT line, kind, quantity, unit, country, source_id, "row" FROM events ORDER BY "row"'
    ).fetchall()
    assert [(*row[:-2], row[-1]) for row in rows] == [
        (ICCID, "data", 5 * 1048576, "bytes", "US", 2),
        (ICCID, "data", 7 * 1048576, "bytes", "MX", 3),
    ]
    # The row is shown again from the file's text, kept once, not from a copy on each event.
    shown = [source_row(db, source_id, row) for *_, source_id, row in rows]
    assert [(r["Country"], r["Bytes"], r["ICCID"]) for r in shown] == [
        ("US", str(5 * 1048576), ICCID),
        ("MX", str(7 * 1048576), ICCID),
    ]
    assert db.sql("SELECT count(*) FROM events WHERE raw IS NOT NULL").fetchall() == [(0,)]


def test_counts_reconcile_and_rejects_name_the_row(db, tmp_path: Path) -> None:
    bad = f"2026-10-03 09:00:00,2026-10-03 09:30:00,lots,US,Net,{ICCID}"
    path = wayfarer_csv(tmp_path, [session("2026-10-01", 5), bad, "", session("2026-10-04", 1)])
    [result] = import_paths(db, [path])
    assert result.status == "partial"
    source = db.sql("SELECT rows_read, events, rejects, skipped, status FROM sources").fetchall()
    assert source == [(4, 2, 1, 1, "partial")]
    assert db.sql('SELECT "row", reason FROM rejects').fetchall() == [
        (3, 'Bytes: "lots" is not a data volume')
    ]
    # A rejected row keeps its cells, under the header's names, for the report.
    assert db.sql("SELECT json_extract_string(raw, '$.Bytes') FROM rejects").fetchall() == [
        ("lots",)
    ]


def test_rows_the_reader_cannot_split_are_rejects(db, tmp_path: Path) -> None:
    path = wayfarer_csv(
        tmp_path,
        [session("2026-10-01", 5), "2026-10-02 09:00:00,too,few", session("2026-10-03", 1)],
    )
    [result] = import_paths(db, [path])
    assert (result.events, result.rejects) == (2, 1)
    assert db.sql('SELECT "row", reason FROM rejects').fetchall() == [
        (3, "the row has fewer columns than the header")
    ]
    assert db.sql('SELECT "row" FROM events ORDER BY 1').fetchall() == [(2,), (4,)]


def test_importing_again_changes_nothing(db, tmp_path: Path) -> None:
    wayfarer_csv(tmp_path, [session("2026-10-01", 5)])
    import_paths(db, [tmp_path])
    before = counts(db)
    [again] = import_paths(db, [tmp_path])
    assert again.status == "skipped"
    assert counts(db) == before


def test_a_failed_file_leaves_no_rows_and_does_not_stop_others(db, tmp_path: Path) -> None:
    wayfarer_csv(tmp_path, [session("2026-10-01", 5)], name="a_good.csv")
    broken = tmp_path / "b_broken.csv"
    broken.write_bytes(
        b"Session Start,Session End,Bytes,Country,Network,ICCID\n" + b"\xff\xfe\x00" * 10
    )
    wayfarer_csv(tmp_path, [session("2026-10-02", 5)], name="c_good.csv")
    results = import_paths(db, [tmp_path])
    assert [r.status for r in results] == ["imported", "failed", "imported"]
    assert db.sql("SELECT count(*) FROM events").fetchall() == [(2,)]
    assert db.sql("SELECT status FROM sources WHERE path LIKE '%b_broken%'").fetchall() == [
        ("failed",)
    ]


def test_files_nobody_recognises_in_a_folder_are_listed_not_failed(db, tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    [result] = import_paths(db, [tmp_path])
    assert result.status == "unrecognised"
    assert "analyzer profile init" in (result.reason or "")


def test_usage_view_collapses_overlapping_exports_but_keeps_in_file_duplicates(
    db, tmp_path: Path
) -> None:
    first = wayfarer_csv(tmp_path, [session("2026-10-01", 5), session("2026-10-02", 6)], "e1.csv")
    second = wayfarer_csv(
        tmp_path,
        [session("2026-10-02", 6), session("2026-10-03", 7), session("2026-10-03", 7)],
        "e2.csv",
    )
    import_paths(db, [first, second])
    assert db.sql("SELECT count(*) FROM events").fetchall() == [(5,)]
    days = db.sql(
        "SELECT CAST(started_at AS DATE)::VARCHAR, count(*) FROM usage GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert days == [("2026-10-01", 1), ("2026-10-02", 1), ("2026-10-03", 2)]


def test_sigkill_mid_file_leaves_the_database_as_before(tmp_path: Path) -> None:
    db_file = tmp_path / "k.duckdb"
    bills = tmp_path / "bills"
    bills.mkdir()
    wayfarer_csv(bills, [session(f"2026-10-{d:02d}", d) for d in range(1, 29)])
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from analyzer import store
        from analyzer.importing import import_paths

        original = store._insert_statement
        def insert_then_die(*args, **kwargs):
            result = original(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)  # mid-file: the statement row is written
            return result
        store._insert_statement = insert_then_die
        con = store.open_db({str(db_file)!r})
        import_paths(con, [Path({str(bills)!r})])
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    con = open_db(db_file)
    try:
        assert counts(con) == {"sources": 0, "statements": 0, "events": 0, "rejects": 0}
        [result] = import_paths(con, [bills])
        assert (result.status, result.events) == ("imported", 28)
    finally:
        con.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_unreadable_file_is_a_clear_failure(db, tmp_path: Path) -> None:
    path = wayfarer_csv(tmp_path, [session("2026-10-01", 5)])
    path.chmod(0)
    [result] = import_paths(db, [tmp_path])
    assert result.status == "failed"
    assert "cannot read the file" in (result.reason or "")


def test_any_row_is_shown_again_from_the_text_kept_once(db, tmp_path: Path) -> None:
    # Blank lines and a legacy encoding: the row numbers are those a person sees in the file.
    path = wayfarer_csv(tmp_path, [])
    second = session("2026-10-02", 7, "MX").replace("Net 310", "Réseau 310")
    rows = [session("2026-10-01", 5), "", second]
    text = path.read_text(encoding="utf-8") + "\n".join(rows) + "\n"
    path.write_bytes(text.encode("cp1252"))
    [result] = import_paths(db, [path])
    assert (result.status, result.events) == ("imported", 2)
    [(source_id,)] = db.sql("SELECT source_id FROM sources").fetchall()
    assert db.sql('SELECT "row" FROM events ORDER BY "row"').fetchall() == [(2,), (4,)]
    assert source_row(db, source_id, 4)["Network"] == "Réseau 310-260"
    assert source_row(db, source_id, 3) == dict.fromkeys(
        ["Session Start", "Session End", "Bytes", "Country", "Network", "ICCID"]
    )
    assert source_row(db, source_id, 99) is None


def test_a_schema_3_database_gains_the_source_text_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = open_db(path)
    con.execute("DROP TABLE source_text; DROP TABLE source_files")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    con = open_db(path)
    try:
        version = con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        assert version == [(str(SCHEMA_VERSION),)]
        assert con.sql("SELECT count(*) FROM source_text").fetchall() == [(0,)]
    finally:
        con.close()


def test_the_utc_offset_printed_after_a_time_is_kept_beside_the_wall_time(db, tmp_path) -> None:
    rows = [
        f"2026-10-25T01:30:00+02:00,2026-10-25T01:40:00+02:00,100,FR,Net,{ICCID}",
        f"2026-10-26T01:00:00+0100,2026-10-26T01:10:00+0100,100,FR,Net,{ICCID}",
        f"2026-10-27T09:00:00-03:30,2026-10-27T09:10:00-03:30,100,CA,Net,{ICCID}",
        f"2026-10-28T09:00:00Z,2026-10-28T09:10:00Z,100,GB,Net,{ICCID}",
        f"2026-10-29 09:00:00,2026-10-29 09:10:00,100,US,Net,{ICCID}",
    ]
    [result] = import_paths(db, [wayfarer_csv(tmp_path, rows)])
    assert (result.status, result.events) == ("imported", 5)
    stored = db.sql(
        "SELECT strftime(started_at, '%Y-%m-%d %H:%M'), utc_offset_min, "
        "strftime(instant(started_at, utc_offset_min), '%Y-%m-%d %H:%M') "
        'FROM events ORDER BY "row"'
    ).fetchall()
    assert stored == [
        ("2026-10-25 01:30", 120, "2026-10-24 23:30"),
        ("2026-10-26 01:00", 60, "2026-10-26 00:00"),
        ("2026-10-27 09:00", -210, "2026-10-27 12:30"),
        ("2026-10-28 09:00", 0, "2026-10-28 09:00"),
        ("2026-10-29 09:00", None, "2026-10-29 09:00"),  # none printed: the wall time stands
    ]


def test_a_schema_4_database_gains_the_utc_offset_and_time_zone_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    wayfarer_csv(tmp_path, [session("2026-10-01", 5)])
    con = open_db(path)
    import_paths(con, [tmp_path / "wayfarer.csv"])
    con.execute("ALTER TABLE events DROP COLUMN utc_offset_min")
    con.execute("ALTER TABLE lines DROP COLUMN time_zone")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.close()
    con = open_db(path)
    try:
        version = con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        assert version == [(str(SCHEMA_VERSION),)]
        assert con.sql("SELECT count(*), count(utc_offset_min) FROM usage").fetchall() == [(1, 0)]
        assert con.sql("SELECT count(time_zone) FROM lines").fetchall() == [(0,)]
        later = wayfarer_csv(tmp_path, [session("2026-10-02", 5)], name="later.csv")
        [result] = import_paths(con, [later])
        assert (result.status, result.events) == ("imported", 1)
    finally:
        con.close()


def test_a_schema_5_database_keeps_its_events_and_text_in_the_new_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_text, "PIECE_BYTES", 5)  # a block in many pieces
    path = tmp_path / "old.duckdb"
    wayfarer_csv(tmp_path, [session("2026-10-01", 5), session("2026-10-02", 7)])
    con = open_db(path)
    import_paths(con, [tmp_path / "wayfarer.csv"])
    before = con.sql("SELECT * FROM events ORDER BY event_id").fetchall()
    columns = ", ".join(
        f'"{name}" {kind}'
        + (" PRIMARY KEY" if name == "event_id" else "")
        + (" REFERENCES sources (source_id)" if name == "source_id" else "")
        for name, kind in con.sql(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'events'"
        ).fetchall()
    )
    shown = [source_row(con, row[1], row[22]) for row in before]  # source_id, "row"
    con.execute("CREATE TABLE keyed AS SELECT * FROM events")
    con.execute("DROP TABLE events")
    con.execute(f"CREATE TABLE events ({columns})")  # as versions 3 to 5 made it
    con.execute("INSERT INTO events SELECT * FROM keyed; DROP TABLE keyed")
    blocks = con.sql(  # and each block in one row of source_text
        "SELECT source_id, first_line, size, list(data ORDER BY piece) FROM source_text_pieces "
        "GROUP BY ALL"
    ).fetchall()
    con.execute("DROP TABLE source_text_pieces")
    for source_id, first_line, size, parts in blocks:
        con.execute(
            "INSERT INTO source_text VALUES (?, ?, ?, ?)",
            [source_id, first_line, size, b"".join(parts)],
        )
    con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    con.close()
    con = open_db(path)
    try:
        version = con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        assert version == [(str(SCHEMA_VERSION),)]
        assert con.sql("SELECT * FROM events ORDER BY event_id").fetchall() == before
        assert [source_row(con, row[1], row[22]) for row in before] == shown
        assert shown[1]["Bytes"] == str(7 * 1048576)
        assert con.sql("SELECT count(*) FROM source_text_pieces").fetchall() == [(0,)]
        kinds = con.sql(
            "SELECT DISTINCT constraint_type FROM duckdb_constraints() WHERE table_name = 'events'"
        ).fetchall()
        assert kinds == [("NOT NULL",)]
        later = wayfarer_csv(tmp_path, [session("2026-10-03", 5)], name="later.csv")
        [result] = import_paths(con, [later])
        assert (result.status, result.events) == ("imported", 1)
    finally:
        con.close()


def test_a_workbooks_rows_are_shown_again_from_its_sheet_kept_once(db) -> None:
    """A workbook's events carry no copy of their row: the sheet is kept once as CSV lines,
    line N its row N, and each event's row shows the cells the sheet has there."""
    from analyzer.importers.workbooks import read_sheet

    path = Path(__file__).parent.parent / "sample_bills" / "cu_conecta_caribe.xlsx"
    [result] = import_paths(db, [path])
    assert result.status == "imported"
    assert db.sql("SELECT count(*) FROM events WHERE raw IS NOT NULL").fetchall() == [(0,)]
    rows = db.sql('SELECT source_id, "row", kind FROM events ORDER BY event_id').fetchall()
    sheet = read_sheet(path).rows()
    for source_id, row, _ in rows:
        shown = source_row(db, source_id, row)
        assert list(shown.values()) == [cell or "" for cell in sheet[row - 1]]
    assert {kind for *_, kind in rows} >= {"data", "voice", "sms"}


@pytest.mark.parametrize(
    ("cells", "kept"),
    [([["a, b", 'say "hi"', None], ["x", "", "ü"]], True), ([["one\ntwo", "x", None]], False)],
)
def test_a_sheet_is_kept_as_lines_unless_a_cell_breaks_its_line(cells, kept) -> None:
    import pyarrow as pa

    table = pa.table(
        {
            f"c{i}": pa.array(column, pa.string())
            for i, column in enumerate(zip(*cells, strict=True))
        }
    )
    text = source_text.sheet_text(table, ("A", "B", "C"))
    assert (text is not None) == kept
    if text is not None:
        blocks = list(text.blocks)
        for number, row in enumerate(cells, start=1):
            line = source_text.line_of(blocks, text.codec, number)
            shown = source_text.split_row(line, text.delimiter, text.columns)
            assert list(shown.values()) == [c or "" for c in row]


def test_every_row_of_a_large_csv_keeps_its_own_line_number(tmp_path: Path) -> None:
    """Numbered by their place in the table the read fills, a large file's rows keep their
    own line numbers, past a reject and a blank line above them (read with four threads)."""
    import duckdb

    from analyzer.importers.reading import stage_csv

    lines = ["line,text"] + [f"{n},{'x' * 100}" for n in range(2, 150_001)]
    lines[10] = "11"  # too few columns: a reject
    lines[20] = ""  # blank: skipped
    path = tmp_path / "large.csv"
    path.write_text("\n".join(lines) + "\n")
    con = duckdb.connect()
    con.execute("SET threads = 4")
    staged = stage_csv(con, path, header=("line", "text"))
    wrong, count = con.sql(
        f"SELECT count(*) FILTER (WHERE _row <> CAST(c0 AS BIGINT)), count(*) FROM {staged.table}"
    ).fetchall()[0]
    assert (wrong, count) == (0, 150_000 - 3)
    assert staged.read_rejects.column("row").to_pylist() == [11]
