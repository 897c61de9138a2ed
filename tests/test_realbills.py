"""Every real file in ../shared/realbills imports through a shipped profile, with no --profiles,
and gives the totals SOURCES.md lists for it, with nothing lost."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REALBILLS

from analyzer.cli import cli
from analyzer.store import open_db

pytestmark = pytest.mark.skipif(
    not REALBILLS.is_dir(), reason=f"real bills folder {REALBILLS} is absent"
)


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def imported(tmp_path: Path, name: str, *args: str, exit_code: int = 0) -> dict:
    """Import one real file with the CLI alone; the source's counts and its events' totals."""
    db = tmp_path / "real.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", str(REALBILLS / name), *args])
    assert result.exit_code == exit_code, result.output
    con = open_db(db, read_only=True)
    try:
        [source] = con.sql(
            "SELECT importer, rows_read, event_rows, rejects, skipped FROM sources"
        ).fetchall()
        [totals] = con.sql(
            """
            SELECT count(*), sum(quantity), sum(amount), count(*) FILTER (WHERE direction = 'in'),
                   count(*) FILTER (WHERE direction = 'out'), count(*) FILTER (WHERE roaming)
            FROM events
            """
        ).fetchall()
        kinds = dict(con.sql("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
    finally:
        con.close()
    importer, rows_read, event_rows, rejects, skipped = source
    assert rows_read == event_rows + rejects + skipped  # nothing lost
    keys = ("events", "quantity", "amount", "incoming", "outgoing", "roaming")
    return {
        "importer": importer,
        "rows_read": rows_read,
        "rejects": rejects,
        "skipped": skipped,
        "kinds": kinds,
        **dict(zip(keys, totals, strict=True)),
    }


def test_asterisk_master_two_answered_calls_of_seven_seconds(tmp_path: Path) -> None:
    found = imported(tmp_path, "asterisk_Master.csv")
    assert (found["importer"], found["events"], found["quantity"]) == ("asterisk_cdr", 2, 14)
    assert (found["rows_read"], found["rejects"], found["skipped"]) == (2, 0, 0)


def test_asterisk_unanswered_calls_are_skipped(tmp_path: Path) -> None:
    found = imported(tmp_path, "asterisk_cdrlib_good.csv")
    assert (found["events"], found["quantity"], found["skipped"]) == (2, 12, 3)


def test_asterisk_broken_quote_is_one_reject(tmp_path: Path) -> None:
    found = imported(tmp_path, "asterisk_cdrlib_buggy.csv", exit_code=3)
    assert (found["rows_read"], found["events"], found["rejects"]) == (1, 0, 1)


def test_ting_minutes(tmp_path: Path) -> None:
    found = imported(tmp_path, "ting_minutes.csv")
    assert (found["importer"], found["events"], found["quantity"]) == ("ting_minutes", 3, 240)
    assert (found["outgoing"], found["incoming"], found["kinds"]) == (3, 0, {"voice": 3})


def test_ting_messages(tmp_path: Path) -> None:
    found = imported(tmp_path, "ting_messages.csv")
    assert (found["importer"], found["events"], found["kinds"]) == (
        "ting_messages",
        3,
        {"sms": 3},
    )
    assert (found["outgoing"], found["incoming"], found["roaming"]) == (1, 2, 0)


def test_ting_megabytes_a_day_on_two_networks_is_two_events(tmp_path: Path) -> None:
    found = imported(tmp_path, "ting_megabytes.csv")
    assert (found["importer"], found["events"]) == ("ting_megabytes", 4)
    assert found["quantity"] == 6_228 * 1024
    assert found["amount"] == Decimal(0)


def test_free_fiber_pdf(tmp_path: Path) -> None:
    found = imported(tmp_path, "free_fiber.pdf")
    assert (found["importer"], found["events"], found["amount"]) == (
        "free_fiber",
        1,
        Decimal("29.99"),
    )


def test_telstra_dates_without_a_year_need_the_year(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "import", str(REALBILLS / "telstra_calls.csv")]
    )
    assert result.exit_code == 3
    assert (
        "could not read telstra_calls.csv: its dates print no year, and neither the file nor its "
        "name says which; pass --year YYYY (the year of the bill)"
    ) in result.output


def test_telstra_calls_with_the_year_named(tmp_path: Path) -> None:
    found = imported(tmp_path, "telstra_calls.csv", "--year", "2012")
    assert (found["importer"], found["events"], found["quantity"]) == ("telstra_calls", 4, 1830)
    assert found["amount"] == Decimal("5.72")  # excluding GST, as the rated charges print
    con = open_db(tmp_path / "real.duckdb", read_only=True)
    try:
        [(first,)] = con.sql("SELECT min(started_at) FROM events").fetchall()
    finally:
        con.close()
    assert first.isoformat() == "2012-10-28T18:44:00"  # '28. Okt', '6:44 PM'


def test_chinese_voice_detail_xls(tmp_path: Path) -> None:
    found = imported(tmp_path, "cn_voice_detail_2015_01.xls")
    assert (found["importer"], found["events"], found["quantity"]) == (
        "cn_voice_detail",
        106,
        12_861,
    )
    assert (found["outgoing"], found["incoming"], found["amount"]) == (40, 66, Decimal("6.60"))
    assert found["roaming"] == 10
    con = open_db(tmp_path / "real.duckdb", read_only=True)
    try:
        [(roaming_cost, parties)] = con.sql(
            "SELECT sum(amount) FILTER (WHERE roaming), count(counterparty_e164) FROM events"
        ).fetchall()
    finally:
        con.close()
    assert roaming_cost == Decimal("6.60")
    assert parties == 0  # the de-identified placeholder is not a phone number


def test_china_unicom_voice_xls_durations_in_minutes_and_seconds(tmp_path: Path) -> None:
    found = imported(tmp_path, "cn_unicom_voice_2017_03.xls")
    assert (found["importer"], found["events"], found["quantity"]) == ("cn_unicom_voice", 5, 686)
    assert (found["outgoing"], found["incoming"], found["amount"]) == (3, 2, Decimal(0))


def test_every_real_file_has_a_test_here() -> None:
    names = {p.name for p in REALBILLS.iterdir() if p.suffix in (".csv", ".xls", ".pdf")}
    source = Path(__file__).read_text(encoding="utf-8")
    assert [name for name in sorted(names) if f'"{name}"' not in source] == []
