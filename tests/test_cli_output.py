"""What the command line prints: tables that fit, sorted findings, formats, the workbook."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from cli_seed import seed_findings
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.cli.output import display_width, number_text, render_table


@pytest.fixture
def seeded(db_path: Path) -> Path:
    return seed_findings(db_path)


def invoke(db: Path, *args: str, columns: int = 80):
    env = {"COLUMNS": str(columns)}
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=env, prog_name="analyzer")


def test_findings_fit_the_terminal_worst_and_costliest_first(seeded: Path) -> None:
    result = invoke(seeded, "findings")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "severity  rule              line          period                  at stake\n"
        "error     roaming_charges   +12015550123  2026-10-05              10.00 USD\n"
        "    A day pass.\n"
        "    evidence: meridian_2026-10.pdf page 3 row 1\n"
        "error     duplicate_charge  +12015550148  2026-10-10              4.99 USD\n"
        "    A feature charge of 4.99 USD billed twice on the same bill, once on page 2\n"
        "    and again on page 3, which the carrier should refund.\n"
        "    evidence: meridian_2026-10.pdf page 2 row 3; meridian_2026-10.pdf page 3 row\n"
        "    2\n"
        "warning   charge_increase   +12015550148  2026-10-01..2026-10-31  1,500 XPF\n"
        "    套餐 Forfait Lagon rose by 1 500 XPF.\n"
        "    evidence: meridian_2026-10.pdf page 3 row 3\n"
        "info      roaming_started   +12015550123  2026-10-05\n"
        "    Roaming in MX.\n"
        "    evidence: meridian_2026-10.pdf page 2 row 2\n"
        "Total at stake: 14.99 USD\n"
        "Total at stake: 1,500 XPF\n"
    )


def test_a_wider_terminal_wraps_detail_and_evidence_in_their_columns(seeded: Path) -> None:
    result = invoke(seeded, "findings", "--severity", "warning", columns=160)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["severity", "rule", "line", "period", "at", "stake", "detail",
                                "evidence"]  # fmt: skip
    assert lines[2:6] == [
        "error     duplicate_charge  +12015550148  2026-10-10              4.99 USD   "
        "A feature charge of 4.99 USD billed       meridian_2026-10.pdf page 2 row 3;",
        " " * 77 + "twice on the same bill, once on page 2    meridian_2026-10.pdf page 3 row 2",
        " " * 77 + "and again on page 3, which the carrier",
        " " * 77 + "should refund.",
    ]
    assert all(display_width(line) <= 160 for line in lines)


def test_wide_prints_every_value_in_full(seeded: Path) -> None:
    result = invoke(seeded, "findings", "--wide", columns=60)
    assert (
        "A feature charge of 4.99 USD billed twice on the same bill, once on page 2 and again "
        "on page 3, which the carrier should refund.  /bills/meridian_2026-10.pdf page 2 row 3; "
        "/bills/meridian_2026-10.pdf page 3 row 2"
    ) in result.stdout


def test_rules_fit_a_narrow_terminal(seeded: Path) -> None:
    result = invoke(seeded, "rules", columns=60)
    assert result.exit_code == 0
    assert all(display_width(line) <= 60 for line in result.stdout.splitlines())
    assert result.stdout.splitlines()[1].startswith("bill_total_mismatch")  # errors first


def test_findings_json_has_evidence_objects_and_currency_decimals(seeded: Path) -> None:
    result = invoke(seeded, "findings", "--json")
    records = json.loads(result.stdout)
    assert [r["rule"] for r in records] == [
        "roaming_charges", "duplicate_charge", "charge_increase", "roaming_started",
    ]  # fmt: skip
    doubled = records[1]
    assert doubled["amount_at_stake"] == "4.99"
    assert doubled["evidence"] == [  # event 4 is named twice: one place
        {"file": "/bills/meridian_2026-10.pdf", "page": 2, "row": 3},
        {"file": "/bills/meridian_2026-10.pdf", "page": 3, "row": 2},
    ]
    assert records[2]["amount_at_stake"] == "1500" and records[2]["currency"] == "XPF"


def test_findings_as_json_lines_and_csv(seeded: Path) -> None:
    lines = invoke(seeded, "findings", "--nl").stdout.splitlines()
    assert [json.loads(line)["rule"] for line in lines][:2] == [
        "roaming_charges",
        "duplicate_charge",
    ]
    csv_text = invoke(seeded, "findings", "--csv", "--rule", "duplicate_charge").stdout
    assert csv_text.splitlines()[1].endswith(
        ",/bills/meridian_2026-10.pdf page 2 row 3; /bills/meridian_2026-10.pdf page 3 row 2"
    )


def test_query_aligns_wide_characters_and_prints_numbers_as_numbers(seeded: Path) -> None:
    sql = (
        "SELECT '中文字' AS name, 425648456.000::DECIMAL(18,3) AS bytes, "
        "1.5000::DECIMAL(18,4) AS amount UNION ALL SELECT 'ab', 1, 12 ORDER BY 2"
    )
    result = invoke(seeded, "query", sql)
    assert result.stdout == (
        "name        bytes  amount\nab              1      12\n中文字  425648456     1.5\n"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("425648456.000"), "425648456"), (Decimal("1.5000"), "1.5"), (0.25, "0.25"),
     (3.0, "3"), (Decimal("-0.0100"), "-0.01"), (7, "7")],
)  # fmt: skip
def test_number_text(value: object, text: str) -> None:
    assert number_text(value) == text


def test_a_cell_too_long_is_cut_with_an_ellipsis() -> None:
    lines = render_table(("a", "b"), [("x" * 30, "y" * 30)], width=30)
    assert lines[1] == "x" * 13 + "…  " + "y" * 13 + "…"


def test_query_binds_named_parameters(seeded: Path) -> None:
    result = invoke(
        seeded, "query", "SELECT count(*) AS n FROM events WHERE line = $line", "--csv",
        "-p", "line", "+12015550148",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == "n\n4\n"


def test_query_with_a_parameter_it_does_not_bind_says_so(seeded: Path) -> None:
    result = invoke(seeded, "query", "SELECT $line AS l")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the query failed: ")


def test_workbook_holds_findings_evidence_and_statements_formula_safe(
    seeded: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "audit.xlsx"
    result = invoke(seeded, "findings", "--xlsx", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Workbook: {out}\n"
    book = load_workbook(out)
    assert book.sheetnames == ["Findings", "Evidence", "Statements"]
    findings = list(book["Findings"].iter_rows(values_only=True))
    assert findings[0][:4] == ("finding", "severity", "rule", "title")
    assert findings[1][:3] == (1, "error", "roaming_charges")
    assert findings[1][7:9] == (10, "USD")
    assert book["Findings"]["H2"].number_format == "#,##0.00"
    assert book["Findings"]["H4"].number_format == "#,##0"  # XPF has no minor unit
    evidence = list(book["Evidence"].iter_rows(values_only=True))
    assert evidence[2] == (2, "duplicate_charge", "+12015550148",
                           "/bills/meridian_2026-10.pdf", 2, 3)  # fmt: skip
    assert len(evidence) == 1 + 5
    line_cell = book["Findings"]["E2"]  # '+1201...' would be a formula in a spreadsheet
    assert (line_cell.value, line_cell.data_type) == ("+12015550123", "s")
    statements = list(book["Statements"].iter_rows(values_only=True))
    assert statements[1][0] == "Meridian Wireless"
    assert statements[1][3] == "+12015550123, +12015550148"


def test_workbook_keeps_a_formula_as_text(seeded: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from analyzer.store import open_db

    con = open_db(seeded)
    con.execute("UPDATE findings SET detail = '=HYPERLINK(\"http://x\")' WHERE finding_id = 1")
    con.close()
    out = tmp_path / "audit.xlsx"
    invoke(seeded, "findings", "--xlsx", str(out))
    cell = load_workbook(out)["Findings"]["L2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_workbook_may_not_overwrite_the_database(seeded: Path) -> None:
    result = invoke(seeded, "findings", "--xlsx", str(seeded))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: refusing to write to {seeded}: it is the database; choose another output path\n"
    )


def test_a_narrow_terminal_moves_the_line_under_its_finding_too(seeded: Path) -> None:
    result = invoke(seeded, "findings", "--rule", "charge_increase", columns=60)
    assert result.stdout == (
        "severity  rule             period                  at stake\n"
        "warning   charge_increase  2026-10-01..2026-10-31  1,500 XPF\n"
        "    套餐 Forfait Lagon rose by 1 500 XPF.\n"
        "    evidence: meridian_2026-10.pdf page 3 row 3\n"
        "    line: +12015550148\n"
        "Total at stake: 1,500 XPF\n"
    )
