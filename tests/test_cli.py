"""The command line: exact messages and exit codes a script can rely on."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner
from conftest import ICCID, held_database, session, wayfarer_csv

from analyzer.cli import COMMANDS, cli


def invoke(db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


def bills(tmp_path: Path) -> Path:
    folder = tmp_path / "bills"
    folder.mkdir()
    wayfarer_csv(
        folder,
        [
            session("2026-10-01", 5, "US"),
            session("2026-10-02", 6, "MX"),
            session("2026-10-03", 4, "US"),
        ],
    )
    (folder / "analyzer.toml").write_text('home_country = "US"\n')
    return folder


def test_run_imports_finds_and_reports_then_imports_nothing_again(tmp_path: Path) -> None:
    folder = bills(tmp_path)
    out = tmp_path / "report.html"
    first = invoke(tmp_path / "a.duckdb", "run", str(folder), "--out", str(out))
    assert first.exit_code == 0, first.output
    assert "1 new file(s) imported" in first.output
    assert "3 events; findings: 0 error, 0 warning, 1 info" in first.output
    assert f"Report: {out}" in first.output
    assert out.exists()
    second = invoke(tmp_path / "a.duckdb", "run", str(folder), "--out", str(out))
    assert second.exit_code == 0
    assert "0 new file(s) imported, 1 already imported" in second.output
    assert "Nothing changed since the last run" in second.output
    assert "3 events; findings: 0 error, 0 warning, 1 info" in second.output


def test_files_nothing_recognised_are_in_the_reports_data_quality_with_advice(
    tmp_path: Path,
) -> None:
    folder = bills(tmp_path)
    (folder / "notes.csv").write_text("what,when\nsomething,today\n", encoding="utf-8")
    out = tmp_path / "report.html"
    db = tmp_path / "a.duckdb"
    first = invoke(db, "run", str(folder), "--out", str(out))
    assert "1 new file(s) imported, 1 unrecognised" in first.output
    page = out.read_text(encoding="utf-8")
    data_quality = page[page.index("Data quality") :]
    assert "notes.csv" in data_quality
    assert "not recognised" in data_quality
    assert "draft a profile for it with &#39;analyzer profile init" in data_quality
    # A file that is gone is no longer listed.
    (folder / "notes.csv").unlink()
    invoke(db, "import", str(folder))
    report = tmp_path / "again.html"
    invoke(db, "report", "--out", str(report))
    assert "notes.csv" not in report.read_text(encoding="utf-8")


def test_run_redoes_the_analysis_when_a_setting_changes(tmp_path: Path) -> None:
    folder = bills(tmp_path)
    out = tmp_path / "report.html"
    db = tmp_path / "a.duckdb"
    invoke(db, "run", str(folder), "--out", str(out))
    (folder / "analyzer.toml").write_text('home_country = "MX"\n')
    changed = invoke(db, "run", str(folder), "--out", str(out))
    assert "Nothing changed" not in changed.output
    # Two visits to the US now (each visit holds its trip's summary).
    assert "findings: 0 error, 0 warning, 2 info" in changed.output
    param = invoke(
        db, "run", str(folder), "--out", str(out), "--param", "roaming_started.min_events=2"
    )
    assert "Nothing changed" not in param.output
    out.unlink()
    again = invoke(
        db, "run", str(folder), "--out", str(out), "--param", "roaming_started.min_events=2"
    )
    assert "Nothing changed" not in again.output and out.exists()


def test_findings_as_json_with_evidence(tmp_path: Path) -> None:
    folder = bills(tmp_path)
    invoke(tmp_path / "a.duckdb", "run", str(folder), "--out", str(tmp_path / "r.html"))
    result = invoke(tmp_path / "a.duckdb", "findings", "--json")
    assert result.exit_code == 0
    [finding] = json.loads(result.output)  # the visit; its trip's summary is folded into it
    assert finding["line"] == ICCID
    assert finding["period_start"] == "2026-10-02"
    assert finding["evidence"] == [{"file": str(folder / "wayfarer.csv"), "page": None, "row": 3}]


def test_fail_on_sets_exit_code_5(tmp_path: Path) -> None:
    folder = bills(tmp_path)
    invoke(tmp_path / "a.duckdb", "run", str(folder), "--out", str(tmp_path / "r.html"))
    assert invoke(tmp_path / "a.duckdb", "findings", "--fail-on", "info").exit_code == 5
    assert invoke(tmp_path / "a.duckdb", "findings", "--fail-on", "warning").exit_code == 0


def test_unknown_file_named_explicitly_fails_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "mystery.csv"
    path.write_text("a,b\n1,2\n")
    result = invoke(tmp_path / "a.duckdb", "import", str(path))
    assert result.exit_code == 3
    assert (
        "could not read mystery.csv: no importer or profile recognises this file; "
        f"draft a profile for it with 'analyzer profile init \"{path}\"'"
    ) in result.output


def test_query_errors_are_one_line(tmp_path: Path) -> None:
    invoke(tmp_path / "a.duckdb", "import", str(bills(tmp_path)))
    result = invoke(tmp_path / "a.duckdb", "query", "SELECT nope FROM events")
    assert result.exit_code == 1
    assert result.output.startswith("Error: the query failed: Binder Error")
    assert "Traceback" not in result.output


def test_query_is_read_only(tmp_path: Path) -> None:
    invoke(tmp_path / "a.duckdb", "import", str(bills(tmp_path)))
    result = invoke(tmp_path / "a.duckdb", "query", "DELETE FROM events")
    assert result.exit_code == 1
    assert result.output == (
        "Error: DELETE statements are refused: a query is read-only and reads this database "
        "only (use SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN)\n"
    )


def test_query_without_a_database_says_what_to_do(tmp_path: Path) -> None:
    result = invoke(tmp_path / "none.duckdb", "query", "SELECT 1")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no database at {tmp_path / 'none.duckdb'}; "
        "import some bills first with 'analyzer run FOLDER'\n"
    )


def test_bad_param_is_a_usage_message(tmp_path: Path) -> None:
    folder = bills(tmp_path)
    result = invoke(tmp_path / "a.duckdb", "run", str(folder), "--param", "nonsense")
    assert result.exit_code == 1
    assert (
        "Error: --param 'nonsense': write it as RULE.NAME=VALUE, e.g. data_burn.factor=4"
        in result.output
    )


def test_newer_database_is_refused(tmp_path: Path) -> None:
    db_file = tmp_path / "a.duckdb"
    invoke(db_file, "import", str(bills(tmp_path)))
    import duckdb

    con = duckdb.connect(str(db_file))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    result = invoke(db_file, "query", "SELECT 1")
    assert result.exit_code == 1
    assert "written by a newer version of the analyzer (schema 999" in result.output


def test_locked_database_has_its_own_exit_code(tmp_path: Path) -> None:
    db_file = tmp_path / "a.duckdb"
    invoke(db_file, "import", str(bills(tmp_path)))
    with held_database(db_file) as holder:
        result = invoke(db_file, "import", str(tmp_path / "bills"))
        assert result.exit_code == 4, result.output
        assert f"is in use by process {holder.pid}; close it" in result.output
        assert "or use --db another.duckdb" in result.output


def test_rules_lists_every_rule(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["rules", "--json"])
    assert result.exit_code == 0
    rules = {r["rule"]: r for r in json.loads(result.output)}
    assert rules["roaming_started"]["severity"] == "info"


def test_every_command_has_help_and_its_summary_is_the_one_listed() -> None:
    assert set(COMMANDS) == set(cli.list_commands(click.Context(cli)))
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.help, f"{name} has no help text"
        assert command.help.split("\n\n")[0] == COMMANDS[name][2]
        assert CliRunner().invoke(cli, [name, "--help"]).exit_code == 0


def test_a_rule_that_fails_is_reported_and_the_rest_still_runs(tmp_path: Path) -> None:
    folder = bills(tmp_path)
    out = tmp_path / "report.html"
    result = invoke(
        tmp_path / "a.duckdb", "run", str(folder), "--out", str(out),
        "--param", "roaming_started.min_events=many",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Warning: rule roaming_started failed" in result.stderr
    assert "findings: 0 error, 0 warning, 1 info" in result.stdout  # the trip summary stands
    page = out.read_text(encoding="utf-8")
    assert "Rules that could not run" in page and "<code>roaming_started</code>" in page
