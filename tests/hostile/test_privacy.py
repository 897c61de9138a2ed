"""Injection and privacy: exports a spreadsheet cannot run, SQL built with parameters only,
no network at all, and the dependency pins that keep known holes shut."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

from click.testing import CliRunner
from conftest import ROOT, SAMPLES, session, wayfarer_csv

from analyzer import api
from analyzer.cli import cli
from analyzer.importers.base import new_connection
from analyzer.store import open_db

PAYLOADS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "plain"]


def test_findings_csv_neutralises_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    db_file = tmp_path / "a.duckdb"
    con = open_db(db_file)
    try:
        for i, payload in enumerate(PAYLOADS):
            con.execute(
                "INSERT INTO findings VALUES (?, 'r', 'info', 't', ?, NULL, NULL, ?, NULL, "
                "-12.5, 'USD', ?, [])",
                [i, payload, payload, payload],
            )
    finally:
        con.close()
    result = CliRunner().invoke(cli, ["--db", str(db_file), "findings", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == len(PAYLOADS)
    for row in rows:
        for column in ("line", "observed", "detail"):
            assert row[column][0] not in "=+-@\t\r", row[column]
        assert row["amount_at_stake"] == "-12.50"  # a number stays a number, in USD's decimals
    assert {r["detail"] for r in rows} == {"'" + p if p[0] in "=+-@\t\r" else p for p in PAYLOADS}


def test_hostile_file_names_reach_sql_only_as_parameters(db, tmp_path: Path) -> None:
    folder = tmp_path / "o'brien\"); DROP TABLE events; --"
    folder.mkdir()
    wayfarer_csv(folder, [session("2026-10-01", 5)], name="it's'); DELETE FROM sources; --.csv")
    from analyzer.importing import import_paths

    [result] = import_paths(db, [folder])
    assert (result.status, result.events) == ("imported", 1)
    assert db.sql("SELECT count(*) FROM events").fetchall() == [(1,)]


def test_no_sql_is_formatted_from_file_paths() -> None:
    """Values from the user (paths, delimiters, settings) go in as parameters: grep for the
    patterns that once put them in the SQL text."""
    offenders = []
    for source in (ROOT / "analyzer").rglob("*.py"):
        text = source.read_text("utf-8")
        for pattern in (r"read_csv\(\{", r"read_json\(\{", r"sql_str\(str\((?:path|source)"):
            offenders += [f"{source.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []


def test_duckdb_never_installs_or_loads_extensions(tmp_path: Path) -> None:
    for con in (open_db(tmp_path / "a.duckdb"), new_connection()):
        try:
            settings = con.sql(
                "SELECT current_setting('autoinstall_known_extensions'), "
                "current_setting('autoload_known_extensions'), "
                "current_setting('enable_progress_bar')"
            ).fetchall()
        finally:
            con.close()
        assert settings == [(False, False, False)]


NO_NETWORK = textwrap.dedent(
    """
    import socket, sys
    attempts = []
    def refuse(*args, **kwargs):
        attempts.append(repr(args)[:200])
        with open(sys.argv[1], "a") as log:
            log.write(repr(args)[:200] + "\\n")
        raise OSError("network access is blocked in this test")
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.getaddrinfo = refuse
    socket.create_connection = refuse
    from analyzer.cli import cli
    sys.argv = ["analyzer", *sys.argv[2:]]
    cli(prog_name="analyzer")
    """
)


def test_a_full_run_makes_no_network_connection(tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    log.write_text("")
    out = tmp_path / "report.html"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_NETWORK,
            str(log),
            "--db",
            str(tmp_path / "a.duckdb"),
            "run",
            str(SAMPLES),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode in (0, 3), proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.exists()
    assert log.read_text() == ""


def test_pdfminer_is_at_or_above_the_fix_for_cve_2025_64512() -> None:
    installed = metadata.version("pdfminer.six")
    assert int(re.match(r"\d+", installed).group(0)) >= 20251230, installed
    pinned = [r for r in metadata.requires("usage-analyzer") or [] if r.startswith("pdfminer")]
    assert pinned and ">=20251230" in pinned[0]


def test_api_write_report_refuses_an_unwritable_place(tmp_path: Path) -> None:
    import pytest

    from analyzer.errors import AnalyzerError

    db_file = tmp_path / "a.duckdb"
    api.import_paths(db_file, [wayfarer_csv(tmp_path, [session("2026-10-01", 5)])])
    with pytest.raises(AnalyzerError, match=r"^cannot write the report to /dev/full: No space"):
        api.write_report(db_file, Path("/dev/full"))
