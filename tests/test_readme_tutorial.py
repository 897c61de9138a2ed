"""The README's "Adding a carrier" tutorial, executed: its CSV, its profile, its commands."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REALBILLS

from analyzer.cli import cli
from analyzer.importers import ImportOptions
from analyzer.importers.profile import compile_profile, load_profile, parse_profile

README = Path(__file__).parent.parent / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    return text.split(title, 1)[1].split("\n### ", 1)[0]


def _blocks(section: str, language: str) -> list[str]:
    return [
        re.sub(r"(?m)^   ", "", block)
        for block in re.findall(rf"```{language}\n(.*?)```", section, re.S)
    ]


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_the_csv_tutorial_works_as_written(tmp_path: Path) -> None:
    section = _section("### Tutorial: a CSV export in five minutes")
    [csv_text] = _blocks(section, "csv")
    [profile_text] = _blocks(section, "toml")
    bills = tmp_path / "bills"
    (bills / "profiles").mkdir(parents=True)
    (bills / "consumo.csv").write_text(csv_text, encoding="utf-8")
    runner = CliRunner()
    # Step 1: the draft is written where the tutorial says and is itself a valid profile.
    draft = runner.invoke(
        cli,
        ["profile", "init", str(bills / "consumo.csv"), "--out", str(tmp_path / "draft.toml")],
    )
    assert draft.exit_code == 0, draft.output
    load_profile(tmp_path / "draft.toml")
    # Step 2: the finished profile; step 3: explain; step 4: import.
    (bills / "profiles" / "my_carrier.toml").write_text(profile_text, encoding="utf-8")
    explained = runner.invoke(cli, ["explain", str(bills / "consumo.csv")])
    assert explained.exit_code == 0, explained.output
    assert "Importer: my_carrier" in explained.output
    db = tmp_path / "usage.duckdb"
    imported = runner.invoke(cli, ["--db", str(db), "import", str(bills / "consumo.csv")])
    assert imported.exit_code == 0, imported.output
    from analyzer.store import open_db

    con = open_db(db, read_only=True)
    rows = con.sql(
        "SELECT kind, quantity, duration_s, amount, counterparty_e164 FROM events ORDER BY row"
    ).fetchall()
    con.close()
    assert rows == [
        ("data", 1_339 * 1000**2, None, Decimal("1.5"), None),
        ("voice", None, 3720, Decimal("2"), "+34612345678"),
    ]


@pytest.mark.skipif(
    not (REALBILLS / "free_fiber.pdf").exists(),
    reason=f"{REALBILLS / 'free_fiber.pdf'} is absent (real bills are not in the project)",
)
def test_the_pdf_example_reads_the_real_free_bill() -> None:
    [example] = _blocks(_section("### A PDF bill"), "toml")
    source = Path("README.md")
    layout = compile_profile(parse_profile(tomllib.loads(example), source), source)
    extracted = layout.extract(REALBILLS / "free_fiber.pdf", ImportOptions())
    (statement,) = extracted.statements
    assert (statement.invoice_number, statement.total_due) == ("562044387", Decimal("29.99"))
    assert str(statement.period_start) == "2015-07-01"
    assert extracted.events.column("amount").to_pylist() == [Decimal("29.99")]
