"""Faults and concurrency: killed imports, held databases, full disks, newer databases."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import held_database, session, wayfarer_csv

from analyzer import api
from analyzer.cli import cli
from analyzer.errors import EXIT_LOCKED, DatabaseLockedError, SchemaVersionError
from analyzer.store import SCHEMA_VERSION, connect, open_db, orphan_counts


def bills(folder: Path, files: int = 6, rows: int = 400) -> Path:
    folder.mkdir(exist_ok=True)
    for f in range(files):
        wayfarer_csv(
            folder,
            [
                session(f"2026-{f + 1:02d}-{1 + r % 28:02d}", r + 1, hour=f"{r % 24:02d}")
                for r in range(rows)
            ],
            name=f"export{f}.csv",
        )
    return folder


def table_counts(db_file: Path) -> tuple[int, int]:
    con = open_db(db_file)
    try:
        return con.sql(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sources)"
        ).fetchall()[0]
    finally:
        con.close()


def assert_all_or_nothing(db_file: Path) -> None:
    """Every file in the database is complete: its events are exactly those it counted, and no
    event, reject or statement exists without its source (looked for from the events side)."""
    con = connect(db_file, read_only=True)
    try:
        tables = con.sql("SELECT table_name FROM information_schema.tables").fetchall()
        if ("sources",) not in tables:
            return  # killed before the schema's first commit: nothing was written
        assert orphan_counts(con) == {"statements": 0, "events": 0, "rejects": 0}
        broken = con.sql(
            """
            SELECT s.path FROM sources s
            LEFT JOIN (SELECT source_id, count(*) AS n FROM events GROUP BY ALL) e USING (source_id)
            WHERE coalesce(e.n, 0) <> s.events
            """
        ).fetchall()
    finally:
        con.close()
    assert broken == []


@pytest.mark.parametrize("delay", [0.3, 1.5, 3.0])
def test_sigkill_at_any_moment_then_the_next_run_imports_cleanly(tmp_path: Path, delay) -> None:
    folder = bills(tmp_path / "bills")
    db_file = tmp_path / "k.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "--db", str(db_file), "import", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.kill()
    proc.wait()
    if db_file.exists():
        assert_all_or_nothing(db_file)
    result = CliRunner().invoke(cli, ["--db", str(db_file), "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert_all_or_nothing(db_file)
    assert table_counts(db_file) == (6 * 400, 6)


@pytest.mark.parametrize("read_only", [True, False])
def test_a_held_database_is_a_clear_error_in_the_api_and_the_cli(tmp_path: Path, read_only) -> None:
    db_file = tmp_path / "a.duckdb"
    folder = bills(tmp_path / "bills", files=1, rows=3)
    api.import_paths(db_file, [folder])
    with held_database(db_file, read_only=read_only) as holder:
        with pytest.raises(DatabaseLockedError) as caught:
            api.import_paths(db_file, [folder])
        assert str(caught.value) == (
            f"the database {db_file} is in use by process {holder.pid}; close it (a notebook?) "
            "or use --db another.duckdb"
        )
        assert caught.value.exit_code == EXIT_LOCKED == 4
        result = CliRunner().invoke(cli, ["--db", str(db_file), "import", str(folder)])
        assert result.exit_code == 4
        assert f"in use by process {holder.pid}" in result.output
        # Readers share: a notebook reading does not stop 'findings' from reading too.
        reading = CliRunner().invoke(cli, ["--db", str(db_file), "findings"])
        assert reading.exit_code == (0 if read_only else 4)
    assert table_counts(db_file) == (3, 1)


FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails like a full disk
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from analyzer.cli import cli
    cli(["--db", sys.argv[1], "import", sys.argv[2]], prog_name="analyzer")
    """
)


def test_disk_full_during_an_import_is_a_clear_error_and_the_database_survives(
    tmp_path: Path,
) -> None:
    db_file = tmp_path / "full.duckdb"
    small = bills(tmp_path / "small", files=1, rows=3)
    api.import_paths(db_file, [small])
    size = db_file.stat().st_size
    big = tmp_path / "big"
    big.mkdir()
    wayfarer_csv(
        big, [session(f"2026-03-{1 + r % 28:02d}", r + 1) for r in range(30_000)], "huge.csv"
    )
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(db_file), str(big), str(size + 64 * 1024)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error: could not write huge.csv to the database (")
    assert proc.stderr.rstrip().endswith(
        "nothing of this file was saved: free some disk space and run the import again"
    )
    assert table_counts(db_file)[0] == 3  # the earlier import is intact, nothing of huge.csv
    [result] = api.import_paths(db_file, [big])
    assert (result.status, result.events) == ("imported", 30_000)


def test_report_on_a_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    db_file = tmp_path / "a.duckdb"
    api.import_paths(db_file, [bills(tmp_path / "bills", files=1, rows=3)])
    result = CliRunner().invoke(cli, ["--db", str(db_file), "report", "--out", "/dev/full"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: cannot write the report to /dev/full: No space left on device; "
        "pass --out with a folder you can write to (and free some disk space)\n"
    )
    assert table_counts(db_file) == (3, 1)


def test_report_into_a_path_that_is_not_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    db_file = tmp_path / "a.duckdb"
    folder = bills(tmp_path / "bills", files=1, rows=3)
    (tmp_path / "not_a_folder").write_text("")
    out = tmp_path / "not_a_folder" / "report.html"
    result = CliRunner().invoke(cli, ["--db", str(db_file), "run", str(folder), "--out", str(out)])
    assert result.exit_code == 1
    assert f"Error: cannot write the report to {out}: " in result.output
    assert "Traceback" not in result.output
    assert table_counts(db_file) == (3, 1)


def test_schema_version_is_recorded(tmp_path: Path) -> None:
    con = open_db(tmp_path / "a.duckdb")
    try:
        assert con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (str(SCHEMA_VERSION),)
        ]
    finally:
        con.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_newer_database_is_refused_and_left_untouched(tmp_path: Path, read_only) -> None:
    db_file = tmp_path / "a.duckdb"
    api.import_paths(db_file, [bills(tmp_path / "bills", files=1, rows=3)])
    con = duckdb.connect(str(db_file))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.execute("CHECKPOINT")
    con.close()
    before = db_file.read_bytes()
    with pytest.raises(SchemaVersionError) as caught:
        open_db(db_file, read_only=read_only)
    assert str(caught.value) == (
        f"this database was written by a newer version of the analyzer (schema "
        f"{SCHEMA_VERSION + 1}, this version reads {SCHEMA_VERSION}); upgrade the analyzer or "
        "use another --db"
    )
    result = CliRunner().invoke(cli, ["--db", str(db_file), "import", str(tmp_path / "bills")])
    assert result.exit_code == 1
    assert db_file.read_bytes() == before
