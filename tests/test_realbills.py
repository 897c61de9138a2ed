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
