"""How the command line takes what it is given: --db anywhere, usage errors (exit 2) with the
valid values, nothing to work on (exit 6), one period syntax, progress and the PDF password."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_seed import seed_findings
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.cli import imports as cli_imports

RULES = (
    "allowance_exhaustion, balance_continuity, bill_partly_itemised, bill_total_mismatch, "
    "billed_longer_than_call, charge_increase, data_burn, duplicate_charge, night_burn, "
    "premium_or_international, rate_mismatch, record_gap, roaming_charges, roaming_started, "
    "stated_vs_itemised, topup_reversed, trip_summary, unmatched_overlap, zero_usage_line"
)
USAGE = "Usage: analyzer findings [OPTIONS]\nTry 'analyzer findings --help' for help.\n\n"


@pytest.fixture
def seeded(db_path: Path) -> Path:
    return seed_findings(db_path)


def run_cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, prog_name="analyzer")


def count_findings(result) -> int:
    return result.stdout.count("\n    evidence: ")


def test_db_goes_before_or_after_the_command_or_in_the_environment(seeded: Path) -> None:
    before = run_cli("--db", str(seeded), "findings", "--json")
    after = run_cli("findings", "--json", "--db", str(seeded))
    from_env = run_cli("findings", "--json", env={"USAGE_ANALYZER_DB": str(seeded)})
    assert before.exit_code == after.exit_code == from_env.exit_code == 0, after.output
    assert before.stdout == after.stdout == from_env.stdout
    assert before.stdout.count('"rule"') == 4


def test_db_after_the_command_wins_over_the_environment(seeded: Path, tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    result = run_cli(
        "query", "SELECT 1", "--db", str(missing), env={"USAGE_ANALYZER_DB": str(seeded)}
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no database at {missing}; import some bills first with 'analyzer run FOLDER'\n"
    )


def test_an_unknown_rule_is_a_usage_error_listing_the_rules(seeded: Path) -> None:
    result = run_cli("--db", str(seeded), "findings", "--rule", "duplicat_charge")
    assert result.exit_code == 2
    assert result.stderr == USAGE + (
        "Error: Invalid value for '--rule': no rule is called 'duplicat_charge'; did you mean "
        f"'duplicate_charge'? The rules: {RULES}.\n"
    )


def test_an_unknown_line_is_a_usage_error_listing_the_lines(seeded: Path) -> None:
    result = run_cli("--db", str(seeded), "findings", "--line", "+12015550124")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Invalid value for '--line': no line '+12015550124' in {seeded}; did you mean "
        "'+12015550148'? The lines: +12015550123, +12015550148.\n"
    )
    far = run_cli("--db", str(seeded), "findings", "--line", "+10000000000")
    assert far.exit_code == 2
    assert "no line '+10000000000' in" in far.stderr and "did you mean" not in far.stderr


def test_a_malformed_period_is_a_usage_error(seeded: Path) -> None:
    result = run_cli("--db", str(seeded), "findings", "--period", "2026-13")
    assert result.exit_code == 2
    assert result.stderr == USAGE + (
        "Error: Invalid value for '--period': '2026-13' is not a period; write a month as "
        "2026-10 or a billing cycle as 2026-09-19..2026-10-18\n"
    )


@pytest.mark.parametrize("command", [["findings"], ["report"]])
def test_a_period_without_data_says_so_and_exits_6(
    seeded: Path, tmp_path: Path, command: list[str]
) -> None:
    out = ["--out", str(tmp_path / "r.html")] if command == ["report"] else []
    result = run_cli("--db", str(seeded), *command, "--period", "2027-01", *out)
    assert result.exit_code == 6
    assert (
        result.stderr
        == "No data in 2027-01 (months with data: 2026-09, 2026-10): nothing to show\n"
    )
    assert result.stdout == ""
    assert not (tmp_path / "r.html").exists()


def test_findings_take_a_billing_cycle_as_report_does(seeded: Path) -> None:
    result = run_cli("--db", str(seeded), "findings", "--period", "2026-10-01..2026-10-06")
    assert result.exit_code == 0, result.output
    assert count_findings(result) == 3  # the 10 October charge lies outside


def test_a_filter_that_matches_nothing_says_so_and_exits_6(seeded: Path) -> None:
    result = run_cli("--db", str(seeded), "findings", "--rule", "data_burn", "--severity", "error")
    assert result.exit_code == 6
    assert result.stderr == "No findings match --rule data_burn --severity error\n"
    assert result.stdout == ""


def test_no_findings_and_no_filter_is_good_news(db_path: Path) -> None:
    from test_api import seed

    from analyzer.store import open_db

    seed(db_path)
    con = open_db(db_path)
    con.execute("DELETE FROM findings")
    con.close()
    result = run_cli("--db", str(db_path), "findings")
    assert result.exit_code == 0
    assert result.stderr == "No findings: the rules found nothing to report.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["findings", "--json", "--csv"], "--json and --csv ask for two formats; give one of them"),
        (["findings", "--format", "csv", "--nl"], "--format csv and --nl ask for two formats; give one of them"),
        (["query", "SELECT 1", "--csv", "--json"], "--json and --csv ask for two formats; give one of them"),
    ],
)  # fmt: skip
def test_two_output_formats_are_a_usage_error(seeded: Path, args: list[str], message: str) -> None:
    result = run_cli("--db", str(seeded), *args)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"\n\nError: {message}\n")


def test_run_on_an_empty_folder_says_so_and_exits_6(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli("--db", str(tmp_path / "a.duckdb"), "run", str(tmp_path / "empty"))
    assert result.exit_code == 6
    assert result.stderr == (
        f"No bill files in {tmp_path / 'empty'}: nothing was imported (hidden files are passed over)\n"
    )


def test_run_names_its_database_report_and_next_commands(tmp_path: Path) -> None:
    from test_cli import bills

    folder = bills(tmp_path)
    db = tmp_path / "my db.duckdb"
    result = run_cli("run", str(folder), "--db", str(db))
    assert result.exit_code == 0, result.output
    quoted = f"'{db}'"
    assert result.stdout.endswith(
        f"Database: {db}\n"
        f"Report: {tmp_path / 'my db.html'}\n"
        "Next:\n"
        f"  analyzer findings --db {quoted} --severity warning\n"
        f'  analyzer query --db {quoted} "SELECT * FROM monthly_charges ORDER BY month DESC '
        'LIMIT 10"\n'
        f"  analyzer report --db {quoted} --period 2026-10 --out month.html\n"
    )


def test_progress_shows_on_a_terminal_once_an_import_takes_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_cli import bills

    folder = bills(tmp_path)
    (folder / "second.csv").write_bytes((folder / "wayfarer.csv").read_bytes() + b"\n")
    monkeypatch.setattr(cli_imports, "on_terminal", lambda stream: True)
    monkeypatch.setattr(cli_imports, "PROGRESS_AFTER_S", -1.0)
    result = run_cli("--db", str(tmp_path / "a.duckdb"), "import", str(folder))
    assert "Importing" in result.stderr
    monkeypatch.undo()
    quiet = run_cli("--db", str(tmp_path / "b.duckdb"), "import", str(folder))
    assert quiet.stderr == ""  # not a terminal (or quick): no progress


def test_an_encrypted_pdf_asks_for_its_password_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer.importing import FileResult

    calls: list[str | None] = []

    def fake_import(con, paths, *, options, **kwargs):
        calls.append(options.password)
        if options.password == "s3cret":
            return [FileResult(paths[0], "imported", "bill_pdf", events=3)]
        reason = "could not read bill.pdf: it is encrypted; pass --password or export it again"
        return [FileResult(paths[0], "failed", reason=reason)]

    monkeypatch.setattr("analyzer.importing.import_paths", fake_import)
    monkeypatch.setattr(cli_imports, "on_terminal", lambda stream: True)
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(b"%PDF-1.7")
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "a.duckdb"), "import", str(bill)], input="s3cret\n"
    )
    assert calls == [None, "s3cret"]
    assert "1 PDF bill(s) are encrypted; password: " in result.stderr
    assert result.stdout == f"imported     {bill}  bill_pdf: 3 events\n1 new file(s) imported\n"
    assert result.exit_code == 0
    from_env = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "a.duckdb"), "import", str(bill)],
        env={"USAGE_ANALYZER_PASSWORD": "s3cret"},
    )  # fmt: skip
    assert calls[-1] == "s3cret" and from_env.exit_code == 0


def test_the_readme_exit_code_table_is_the_one_the_cli_uses() -> None:
    import re

    from analyzer.cli import base
    from analyzer.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_PARTIAL

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"(?m)^\| (\d+) \|", table)}
    used = {0, 1, 2, EXIT_PARTIAL, EXIT_LOCKED, EXIT_FINDINGS, base.EXIT_NOTHING, EXIT_INTERRUPTED}
    assert documented == used
    assert all(f"; {code} " in base.__doc__ or f" {code} " in base.__doc__ for code in used)


def memory_setting(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[-1].strip()


def test_the_memory_limit_comes_from_the_option_or_the_environment(seeded: Path) -> None:
    query = ("query", "SELECT current_setting('memory_limit') AS m")
    given = run_cli("--db", str(seeded), "--memory-limit", "512MiB", *query)
    assert memory_setting(given) == "512.0 MiB"
    from_env = run_cli("--db", str(seeded), *query, env={"USAGE_ANALYZER_MEMORY": "1GiB"})
    assert memory_setting(from_env) == "1.0 GiB"
    both = run_cli(
        "--db", str(seeded), "--memory-limit", "300MiB", *query,
        env={"USAGE_ANALYZER_MEMORY": "1GiB"},
    )  # fmt: skip
    assert memory_setting(both) == "300.0 MiB"
    assert "$USAGE_ANALYZER_MEMORY" in run_cli("--help").stdout


def test_a_memory_limit_that_is_not_a_size_is_a_usage_error(seeded: Path) -> None:
    result = run_cli("--db", str(seeded), "--memory-limit", "lots", "findings")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--memory-limit': 'lots' is not a size: "
        "write it as 2GB or 512MB\n"
    )
    small = run_cli("--db", str(seeded), "--memory-limit", "100MB", "findings")
    assert small.exit_code == 2
    assert small.stderr.endswith(
        "Error: Invalid value for '--memory-limit': '100MB' is too small: give at least 256MB\n"
    )
    huge = run_cli("--db", str(seeded), "--memory-limit", "99999999TB", "findings")
    assert huge.exit_code == 2
    assert huge.stderr.endswith(
        "Error: Invalid value for '--memory-limit': '99999999TB' is more than any machine has: "
        "give one such as 64GB\n"
    )


def test_a_memory_limit_in_the_environment_that_is_not_a_size_names_the_variable(
    seeded: Path,
) -> None:
    result = run_cli("--db", str(seeded), "findings", env={"USAGE_ANALYZER_MEMORY": "12"})
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: $USAGE_ANALYZER_MEMORY '12' is not a size: write it as 2GB or 512MB\n"
    )
