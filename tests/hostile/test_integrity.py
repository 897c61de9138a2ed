"""Outputs never overwrite inputs, foreign databases are left alone, `query` only reads, names
reach the terminal escaped, and only real bugs are called bugs."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import sample_profile, session, wayfarer_csv

import analyzer
from analyzer.cli import cli
from analyzer.errors import AnalyzerError, DatabaseError, ForeignDatabaseError
from analyzer.importers import BUILT_IN
from analyzer.importing import import_paths
from analyzer.store import SCHEMA_VERSION, open_db, orphan_counts

READ_ONLY = (
    "statements are refused: a query is read-only and reads this database only "
    "(use SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN)"
)
NO_FILES = "file system operations are disabled by configuration"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    folder = tmp_path / "bills"
    folder.mkdir()
    wayfarer_csv(folder, [session("2026-10-01", 5), session("2026-10-02", 7)])
    db_file = tmp_path / "a.duckdb"
    assert invoke(db_file, "import", str(folder)).exit_code == 0
    return db_file


# --- outputs never overwrite inputs -------------------------------------------------------


def clash(target: Path, what: str = "is the database") -> str:
    return f"Error: refusing to write to {target}: it {what}; choose another output path\n"


@pytest.mark.parametrize(
    "args",
    [
        ("query", "SELECT 1", "--format", "csv", "--out", "{db}"),
        ("query", "SELECT 1", "--format", "parquet", "--out", "{db}"),
        ("query", "SELECT 1", "--out", "{db}"),
        ("report", "--out", "{db}"),
        ("run", "{bills}", "--out", "{db}"),
    ],
)
def test_an_output_naming_the_database_is_refused(seeded: Path, args: tuple[str, ...]) -> None:
    before = digest(seeded)
    bills = seeded.parent / "bills"
    result = invoke(seeded, *(a.format(db=seeded, bills=bills) for a in args))
    assert (result.exit_code, result.output) == (2, clash(seeded))
    assert digest(seeded) == before


def test_an_output_naming_the_database_through_links_is_refused(seeded: Path) -> None:
    symlink = seeded.parent / "link.duckdb"
    symlink.symlink_to(seeded)
    hardlink = seeded.parent / "hard.duckdb"
    os.link(seeded, hardlink)
    before = digest(seeded)
    for target in (symlink, hardlink):
        result = invoke(seeded, "report", "--out", str(target))
        assert (result.exit_code, result.output) == (2, clash(target))
    # and the other way round: the database named through a link, the output by its name
    result = invoke(hardlink, "query", "SELECT 1", "--out", str(seeded))
    assert (result.exit_code, result.output) == (2, clash(seeded))
    assert digest(seeded) == before


def test_an_output_naming_the_write_ahead_log_is_refused(seeded: Path) -> None:
    wal = Path(f"{seeded}.wal")
    result = invoke(seeded, "report", "--out", str(wal))
    assert (result.exit_code, result.output) == (
        2,
        clash(wal, "is the database's write-ahead log"),
    )
    assert not wal.exists()


def test_an_output_naming_an_input_is_refused(seeded: Path) -> None:
    bills = seeded.parent / "bills"
    bill = bills / "wayfarer.csv"
    before = digest(bill)
    result = invoke(seeded, "run", str(bills), "--out", str(bill))
    assert (result.exit_code, result.output) == (2, clash(bill, f"is the input file {bill}"))
    config = bills / "analyzer.toml"
    config.write_text("", encoding="utf-8")
    result = invoke(seeded, "run", str(bills), "--out", str(config))
    assert (result.exit_code, result.output) == (2, clash(config, f"is the input file {config}"))
    result = invoke(seeded, "profile", "init", str(bill), "--out", str(bill))
    assert (result.exit_code, result.output) == (2, clash(bill, f"is the input file {bill}"))
    assert digest(bill) == before


def test_an_export_over_the_database_folder_is_refused(tmp_path: Path, seeded: Path) -> None:
    inside = tmp_path / "out" / "events"
    inside.mkdir(parents=True)
    db_file = inside / "kept.duckdb"
    db_file.write_bytes(seeded.read_bytes())
    before = digest(db_file)
    result = invoke(db_file, "export", "--parquet", str(tmp_path / "out"), "--overwrite")
    assert (result.exit_code, result.output) == (2, clash(inside, "holds the database"))
    assert digest(db_file) == before
    # beside the database is fine: nothing there is replaced
    beside = invoke(seeded, "export", "--parquet", str(seeded.parent))
    assert beside.exit_code == 0, beside.output
    assert digest(seeded) == digest(seeded)


def test_the_api_refuses_the_same_outputs(seeded: Path) -> None:
    with pytest.raises(AnalyzerError) as caught:
        analyzer.write_report(seeded, seeded)
    assert caught.value.exit_code == 2
    assert str(caught.value) == clash(seeded)[len("Error: ") : -1]


# --- foreign databases --------------------------------------------------------------------


def foreign(path: Path, sql: str) -> str:
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()
    return digest(path)


FOREIGN = (
    "Error: {path} is a database of another program (it has no usage-analyzer marker); it was "
    "left untouched: pass --db with a new file name\n"
)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE events (id INTEGER, what VARCHAR); INSERT INTO events VALUES (1, 'x')",
        "CREATE TABLE invoices (n INTEGER); INSERT INTO invoices VALUES (1)",
        "CREATE TABLE meta (key VARCHAR, value VARCHAR); INSERT INTO meta VALUES ('a', 'b')",
        "CREATE SEQUENCE only_a_sequence",
        "CREATE VIEW v AS SELECT 42 AS answer",
    ],
)
@pytest.mark.parametrize("command", [("import", "{bills}"), ("query", "SELECT 1"), ("findings",)])
def test_another_programs_database_is_refused_untouched(
    tmp_path: Path, sql: str, command: tuple[str, ...]
) -> None:
    bills = tmp_path / "bills"
    bills.mkdir()
    wayfarer_csv(bills, [session("2026-10-01", 5)])
    other = tmp_path / "other.duckdb"
    before = foreign(other, sql)
    result = invoke(other, *(a.format(bills=bills) for a in command))
    assert (result.exit_code, result.output) == (1, FOREIGN.format(path=other))
    assert digest(other) == before
    assert not Path(f"{other}.wal").exists()


def test_another_programs_database_with_a_pending_log_is_refused_untouched(
    tmp_path: Path,
) -> None:
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE invoices (n INTEGER)")
    con.execute("CHECKPOINT")
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("INSERT INTO invoices VALUES (1)")  # kept in the log only
    con.close()
    wal = Path(f"{other}.wal")
    before = (digest(other), digest(wal))
    result = invoke(other, "import", str(tmp_path))
    assert (result.exit_code, result.output) == (1, FOREIGN.format(path=other))
    assert (digest(other), digest(wal)) == before


def test_opening_a_current_database_writes_nothing(seeded: Path) -> None:
    before = digest(seeded)
    open_db(seeded).close()
    assert digest(seeded) == before
    assert not Path(f"{seeded}.wal").exists()


def test_a_rerun_on_an_unchanged_folder_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "bills"
    folder.mkdir()
    wayfarer_csv(folder, [session("2026-10-01", 5)])
    (folder / "README.txt").write_text("My bills, downloaded from the carrier's site.\n")
    db_file = tmp_path / "a.duckdb"
    args = ("run", str(folder), "--out", str(tmp_path / "report.html"))
    assert invoke(db_file, *args).exit_code == 0
    before = (digest(db_file), db_file.stat().st_mtime_ns)
    again = invoke(db_file, *args)
    assert again.exit_code == 0
    assert "Nothing changed since the last run" in again.output
    assert (digest(db_file), db_file.stat().st_mtime_ns) == before
    assert not Path(f"{db_file}.wal").exists()


def test_a_database_of_another_schema_text_gets_its_views_again(seeded: Path) -> None:
    con = duckdb.connect(str(seeded))
    con.execute("DROP VIEW daily_usage")
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'schema_digest'")
    con.close()
    con = open_db(seeded)
    try:
        assert con.sql("SELECT count(*) FROM daily_usage").fetchall() == [(2,)]
        digests = con.sql("SELECT value FROM meta WHERE key = 'schema_digest'").fetchall()
    finally:
        con.close()
    assert digests != [("older",)]


@pytest.mark.parametrize("content", [b"hello, not a database\n", bytes(range(256)) * 40])
def test_a_file_that_is_not_duckdb_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_bytes(content)
    result = invoke(path, "import", str(tmp_path))
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {path} is not a DuckDB database; it was left untouched: pass --db with a new "
        "file name or an analyzer database\n",
    )
    assert path.read_bytes() == content
    with pytest.raises(ForeignDatabaseError):
        analyzer.open_db(path)


@pytest.mark.parametrize("kind", ["empty database", "zero bytes"])
def test_an_empty_file_becomes_a_database(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "new.duckdb"
    if kind == "zero bytes":
        path.write_bytes(b"")
    else:
        duckdb.connect(str(path)).close()
    con = open_db(path)
    try:
        marker = con.sql("SELECT value FROM meta WHERE key = 'application'").fetchall()
    finally:
        con.close()
    assert marker == [("usage-analyzer",)]


def without_foreign_keys(db_file: Path, version: int, orphan: bool) -> None:
    """Rewrite a database as versions before 3 stored it: no foreign keys, no marker."""
    con = duckdb.connect(str(db_file))
    for table in ("statements", "events", "rejects"):
        con.execute(f"CREATE TABLE {table}_plain AS SELECT * FROM {table}")
        con.execute(f"DROP TABLE {table} CASCADE")
        con.execute(f"ALTER TABLE {table}_plain RENAME TO {table}")
    if orphan:  # what an interrupted import of version 2 could leave
        con.execute("INSERT INTO events (event_id, source_id, kind) VALUES (9001, 777, 'data')")
        con.execute("INSERT INTO rejects VALUES (777, NULL, 3, 'x', 'bad')")
    con.execute("DELETE FROM meta WHERE key = 'application'")
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
    con.close()


def test_an_older_database_is_upgraded_and_its_orphans_removed(seeded: Path) -> None:
    without_foreign_keys(seeded, 2, orphan=True)
    result = invoke(seeded, "query", "SELECT count(*) FROM events")
    assert (result.exit_code, result.output) == (
        1,
        "Error: this database was written by an older version of the analyzer (schema 2); run "
        "'analyzer import' or 'analyzer run' on it once to upgrade it\n",
    )
    con = open_db(seeded)
    try:
        assert orphan_counts(con) == {"statements": 0, "events": 0, "rejects": 0}
        assert con.sql("SELECT count(*) FROM events").fetchall() == [(2,)]
        meta = dict(con.sql("SELECT key, value FROM meta").fetchall())
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO rejects VALUES (778, NULL, 4, 'x', 'bad')")
    finally:
        con.close()
    assert (meta["schema_version"], meta["application"]) == (str(SCHEMA_VERSION), "usage-analyzer")


def test_a_current_database_with_orphans_is_refused(seeded: Path) -> None:
    without_foreign_keys(seeded, SCHEMA_VERSION, orphan=True)
    con = duckdb.connect(str(seeded))
    con.execute("INSERT INTO meta VALUES ('application', 'usage-analyzer')")
    con.close()
    with pytest.raises(DatabaseError) as caught:
        open_db(seeded)
    assert str(caught.value) == (
        "the database holds rows of no imported file (1 events, 1 rejects); it was changed by "
        "another program: import the bills again into a new --db"
    )


# --- query reads this database and nothing else -------------------------------------------


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("COPY (SELECT * FROM events) TO '{dir}/leak.csv'", "COPY"),
        ("COPY events TO '{dir}/leak.parquet' (FORMAT parquet)", "COPY"),
        ("EXPORT DATABASE '{dir}/dump'", "EXPORT"),
        ("ATTACH '{dir}/other.duckdb' AS o (READ_WRITE)", "ATTACH"),
        ("ATTACH '{dir}/hard.duckdb' AS o", "ATTACH"),
        ("INSTALL httpfs", "INSTALL or LOAD"),
        ("LOAD httpfs", "INSTALL or LOAD"),
        ("DELETE FROM events", "DELETE"),
        ("UPDATE events SET amount = 0", "UPDATE"),
        ("INSERT INTO meta VALUES ('x', 'y')", "INSERT"),
        ("DROP TABLE events", "DROP"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("PRAGMA enable_profiling", "PRAGMA"),
        ("SET enable_external_access = true", "SET"),
        ("CALL checkpoint()", "CALL"),
        ("DETACH a", "DETACH"),
    ],
)
def test_query_refuses_every_statement_that_is_not_a_read(
    seeded: Path, sql: str, kind: str
) -> None:
    folder = seeded.parent
    os.link(seeded, folder / "hard.duckdb")
    foreign(
        folder / "other.duckdb", "CREATE TABLE events (n INTEGER); INSERT INTO events VALUES (1)"
    )
    before = {p.name: digest(p) for p in folder.iterdir() if p.is_file()}
    result = invoke(seeded, "query", sql.format(dir=folder))
    assert (result.exit_code, result.output) == (1, f"Error: {kind} {READ_ONLY}\n")
    with pytest.raises(AnalyzerError) as caught:
        analyzer.open_db(seeded).sql(sql.format(dir=folder))
    assert str(caught.value) == f"{kind} {READ_ONLY}"
    assert {p.name: digest(p) for p in folder.iterdir() if p.is_file()} == before


def test_query_runs_one_statement_only(seeded: Path) -> None:
    result = invoke(seeded, "query", "SELECT 1; DELETE FROM events")
    assert (result.exit_code, result.output) == (
        1,
        "Error: the query holds 2 statements; run one at a time (a query is exactly one SELECT)\n",
    )
    assert invoke(seeded, "query", "SELECT count(*) FROM events").output.split() == [
        "count_star()",
        "2",
    ]
    empty = invoke(seeded, "query", " ; ")
    assert empty.output == "Error: the query is empty: give one SELECT statement\n"


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("SELECT * FROM read_csv('{path}')", "{path}"),
        ("SELECT * FROM '{path}'", "{path}"),
        ("SELECT * FROM read_text('{path}')", "{path}"),
    ],
)
def test_query_cannot_read_other_files(seeded: Path, sql: str, name: str) -> None:
    path = seeded.parent / "bills" / "wayfarer.csv"
    result = invoke(seeded, "query", sql.format(path=path))
    assert (result.exit_code, result.output) == (
        1,
        f'Error: the query failed: Permission Error: Cannot access file "{path}" - {NO_FILES}\n',
    )


def test_query_still_reads_and_describes(seeded: Path) -> None:
    for sql in ("DESCRIBE events", "SUMMARIZE SELECT 1 AS a", "EXPLAIN SELECT 1", "FROM usage"):
        assert invoke(seeded, "query", sql).exit_code == 0, sql
    with analyzer.open_db(seeded) as db:  # a held handle keeps the guards
        assert db.sql("SELECT count(*) FROM usage").fetchall() == [(2,)]
        with pytest.raises(AnalyzerError, match="SET statements are refused"):
            db.sql("SET enable_external_access = true")
    out = seeded.parent / "rows.parquet"
    result = invoke(
        seeded, "query", "SELECT * FROM usage", "--format", "parquet", "--out", str(out)
    )
    assert (result.exit_code, result.output) == (0, f"2 rows written to {out}\n")
    assert duckdb.sql(f"SELECT count(*) FROM '{out}'").fetchall() == [(2,)]


# --- names on the terminal ----------------------------------------------------------------

HOSTILE_NAMES = [
    ("x\nfailed       evil  forged.csv", r"x\nfailed       evil  forged.csv"),
    ("\x1b]0;pwned\x07title.csv", r"\x1b]0;pwned\x07title.csv"),
    ("\x1b[2J\x1b[31mred.csv", r"\x1b[2J\x1b[31mred.csv"),
    ("invoice\u202evsc.exe.csv", r"invoice\u202evsc.exe.csv"),
    ("tab\there\rcr\x7f\x85.csv", r"tab\there\rcr\x7f\x85.csv"),
    ("line\u2028sep.csv", r"line\u2028sep.csv"),
]


@pytest.mark.parametrize(("name", "printed"), HOSTILE_NAMES)
def test_file_names_are_printed_escaped(tmp_path: Path, name: str, printed: str) -> None:
    folder = tmp_path / "bills"
    folder.mkdir()
    wayfarer_csv(folder, [session("2026-10-01", 5)], name=name)
    (folder / name.replace(".csv", "-empty.csv")).write_bytes(b"")
    result = invoke(tmp_path / "a.duckdb", "import", str(folder))
    assert result.exit_code == 3, result.output
    empty = printed.replace(".csv", "-empty.csv")
    assert result.output.splitlines() == [
        f"failed       {folder}/{empty}  could not read {empty}: the file is empty (0 bytes); "
        "download or export it again",
        f"imported     {folder}/{printed}  wayfarer_csv: 1 events",
        "1 new file(s) imported, 1 failed",
    ]
    assert not any(ch in result.output for ch in "\x1b\x07\r\x7f\x85\u202e\u2028")


def test_values_in_query_tables_are_printed_escaped(seeded: Path) -> None:
    result = invoke(seeded, "query", "SELECT 'a' || chr(27) || '[31m' || chr(10) || 'b' AS v")
    assert result.output == "v\na\\x1b[31m\\nb\n"


def test_an_undecodable_file_name_is_printed_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "bills"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/bad\xff\x1bname.csv"
    with open(raw, "wb") as handle:
        handle.write(b"")
    result = invoke(tmp_path / "a.duckdb", "import", str(folder))
    assert result.output.splitlines()[0] == (
        f"failed       {folder}/bad\\xff\\x1bname.csv  could not read bad\\xff\\x1bname.csv: "
        "the file is empty (0 bytes); download or export it again"
    )


# --- only real bugs are called bugs -------------------------------------------------------


class Exploding:
    """An importer with a bug: it claims the file, then fails in an unexpected way."""

    name = "exploding"

    def identify(self, path: Path) -> bool:
        return path.name == "boom.csv"

    def extract(self, path: Path, options: object) -> object:
        return 1 / 0


def test_a_real_bug_is_reported_with_a_log_of_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = tmp_path / "bills"
    folder.mkdir()
    (folder / "boom.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    wayfarer_csv(folder, [session("2026-10-01", 5)], name="zz_good.csv")
    con = open_db(":memory:")
    try:
        results = import_paths(con, [folder], importers=(Exploding(), *BUILT_IN))
    finally:
        con.close()
    log = tmp_path / "state" / "usage-analyzer" / "errors.log"
    assert [(r.status, r.reason) for r in results] == [
        (
            "failed",
            "could not read boom.csv: unexpected error (ZeroDivisionError: division by zero); "
            f"this is a bug: please report it (the details are in {log})",
        ),
        ("imported", None),
    ]
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "return 1 / 0" in text
    assert f"while importing {str(folder / 'boom.csv')!r}" in text


def test_input_faults_are_never_called_bugs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = tmp_path / "bills"
    folder.mkdir()
    header = "Session Start,Session End,Bytes,Country,Network,ICCID\n"
    cases = {
        "a_nul.csv": header + "\x00\x00\x00\n",
        "b_half_quote.csv": header + '"2026-10-01 09:00:00,2026\n',
        "c_only_header.csv": header,
        "d_binary.csv": bytes(range(256)).decode("latin-1") * 4,
        "e_huge_cell.csv": header + "2026-10-01 09:00:00," + "9" * 200_000 + ",1,US,N,1\n",
    }
    for name, text in cases.items():
        (folder / name).write_text(text, encoding="latin-1")
    con = open_db(":memory:")
    try:
        results = import_paths(con, [folder], importers=(sample_profile("wayfarer_csv"),))
    finally:
        con.close()
    assert len(results) == len(cases)
    for result in results:
        assert "bug" not in (result.reason or ""), result
    assert not (tmp_path / "state").exists()
    # A 200 KB cell is read (the field-size limit does not apply) and rejected as a bad value.
    huge = results[-1]
    assert (huge.status, huge.events, huge.rejects) == ("partial", 0, 1)


# --- a report is current only if it is the one the last run wrote --------------------------

UNCHANGED = "Nothing changed since the last run: the findings and the report are current."


def test_run_writes_the_report_beside_the_database_and_skips_only_a_current_one(
    seeded: Path,
) -> None:
    bills = seeded.parent / "bills"
    first = invoke(seeded, "run", str(bills))
    report = seeded.with_suffix(".html")
    assert first.exit_code == 0, first.output
    assert f"\nReport: {report}\nNext:\n" in first.output
    assert UNCHANGED not in first.output
    assert UNCHANGED in invoke(seeded, "run", str(bills)).output
    report.write_text("<html>someone else's report</html>", encoding="utf-8")
    redone = invoke(seeded, "run", str(bills))
    assert UNCHANGED not in redone.output
    assert "someone else's" not in report.read_text(encoding="utf-8")


def test_a_report_written_from_another_database_is_not_current(seeded: Path) -> None:
    bills = seeded.parent / "bills"
    other = seeded.parent / "other.duckdb"
    out = seeded.parent / "shared.html"
    assert UNCHANGED not in invoke(seeded, "run", str(bills), "--out", str(out)).output
    assert UNCHANGED not in invoke(other, "run", str(bills), "--out", str(out)).output
    assert UNCHANGED not in invoke(seeded, "run", str(bills), "--out", str(out)).output
    assert UNCHANGED in invoke(seeded, "run", str(bills), "--out", str(out)).output


def test_report_defaults_to_beside_the_database(seeded: Path) -> None:
    result = invoke(seeded, "report")
    assert (result.exit_code, result.output) == (0, f"Report: {seeded.with_suffix('.html')}\n")
