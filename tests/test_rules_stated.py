"""A bill's stated per-category totals against its itemised rows, and bills itemised in part."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REALBILLS

from analyzer.importers.base import ImportOptions
from analyzer.importers.profile import ProfileError, load_profile
from analyzer.importing import import_paths
from analyzer.rules import run_rules
from analyzer.store import open_db

LINE = "+61412345678"
PROFILE = """\
name = "coral_records"
carrier = "Coral Telecom"
format = "csv"
[identify]
columns = 7
signature = "^H,"
[read]
date_format = "%Y-%m-%d %H:%M"
currency = "AUD"
[statement]
ITEMISES
[[skip]]
column = 1
pattern = "^T$"
reason = "trailer"
[[records]]
name = "invoice header"
where = { column = 1, pattern = "^H$" }
statement = { invoice_number = 2, period_start = { column = 5, formats = ["%Y-%m-%d"] }, \
period_end = { column = 6, formats = ["%Y-%m-%d"] }, total_due = 7 }
[[records]]
name = "service summary"
where = { column = 1, pattern = "^S$" }
stated = { category = 2, kind = 3, count = 4, quantity = { column = 5, type = "duration" }, \
amount = 6 }
[[records]]
name = "calls"
where = { column = 1, pattern = "^C$" }
fields = { line = { value = "+61412345678" }, started_at = 2, kind = { value = "voice" }, \
quantity = { column = 3, type = "duration" }, amount = 4, currency = { value = "AUD" }, \
description = 5 }
"""


def record_bill(folder: Path, itemises: str, summaries: list[str], calls: dict[str, int]) -> Path:
    """A record-type bill (header, service summaries, itemised calls at 0.50 AUD a minute)."""
    rows = ["H,INV-77,ACC-1,2026-11-02,2026-10-01,2026-10-31,6600.00", *summaries]
    for category, n in calls.items():
        rows += [
            f"C,2026-10-{1 + i % 28:02d} {8 + i // 28:02d}:{i % 60:02d},00:01:00,0.50,{category}"
            for i in range(n)
        ]
    rows.append("T,end")
    (folder / "profiles").mkdir(exist_ok=True)
    (folder / "profiles" / "coral.toml").write_text(PROFILE.replace("ITEMISES", itemises))
    path = folder / "coral_2026-10.csv"
    path.write_text("\n".join(r + "," * (6 - r.count(",")) for r in rows) + "\n")
    return path


# The service summaries of the real bill: 25 calls stated where one row is itemised, 69 where
# 71 are, and the rest of the total (data, fees) stated without items.
REAL_SHAPE = [
    "S,Calls to mobiles,voice,25,00:01:00,0.50",
    "S,National calls,voice,69,01:11:00,35.50",
    "S,Data and fees,data,,,6564.00",
]
PARTLY = 'itemises = ["Calls to mobiles", "National calls"]'


def analysed(tmp_path: Path, bill: Path):
    con = open_db(tmp_path / "t.duckdb")
    import_paths(con, [bill], options=ImportOptions(), profiles=[bill.parent / "profiles"])
    run_rules(con)
    return con


def rows(con, rule: str) -> list[tuple]:
    return con.sql(
        "SELECT observed, expected, amount_at_stake, detail, len(event_ids) FROM findings "
        "WHERE rule = ? ORDER BY detail",
        params=[rule],
    ).fetchall()


def test_stated_counts_against_itemised_rows_on_a_partly_itemised_bill(tmp_path: Path) -> None:
    bill = record_bill(tmp_path, PARTLY, REAL_SHAPE, {"Calls to mobiles": 1, "National calls": 71})
    con = analysed(tmp_path, bill)
    assert rows(con, "stated_vs_itemised") == [
        (
            "itemised: 1 row, 1.0 min, 0.50 AUD",
            "stated: 25 items, 1.0 min, 0.50 AUD",
            None,
            "The Coral Telecom bill INV-77 for 2026-10-01 to 2026-10-31 states 25 items, 1.0 min, "
            '0.50 AUD for "Calls to mobiles" but itemises 1 row, 1.0 min, 0.50 AUD.',
            1,
        ),
        (
            "itemised: 71 rows, 71.0 min, 35.50 AUD",
            "stated: 69 items, 71.0 min, 35.50 AUD",
            None,
            "The Coral Telecom bill INV-77 for 2026-10-01 to 2026-10-31 states 69 items, 71.0 min, "
            '35.50 AUD for "National calls" but itemises 71 rows, 71.0 min, 35.50 AUD.',
            10,
        ),
    ]
    # The part of the total stated without items is a note, not 6564.00 AUD unexplained.
    assert rows(con, "bill_total_mismatch") == []
    assert rows(con, "bill_partly_itemised") == [
        (
            "72 rows itemise 36.00 AUD",
            "printed total 6600.00 AUD",
            None,
            "The Coral Telecom bill INV-77 for 2026-10-01 to 2026-10-31 itemises only Calls to "
            "mobiles, National calls: its 72 rows add up to 36.00 AUD of the 6600.00 AUD it "
            "prints (6564.00 AUD stated without items), so its total is not checked against them.",
            5,
        )
    ]
    [(severity,)] = con.sql(
        "SELECT DISTINCT severity FROM findings WHERE rule = 'bill_partly_itemised'"
    ).fetchall()
    assert severity == "info"


def test_a_partly_itemised_bill_is_checked_against_its_stated_totals(tmp_path: Path) -> None:
    summaries = ["S,Calls to mobiles,voice,25,00:50:00,12.50", *REAL_SHAPE[1:]]
    bill = record_bill(tmp_path, PARTLY, summaries, {"Calls to mobiles": 1, "National calls": 71})
    con = analysed(tmp_path, bill)
    [mobiles] = [f for f in rows(con, "stated_vs_itemised") if "Calls to mobiles" in f[3]]
    assert mobiles[:3] == (
        "itemised: 1 row, 1.0 min, 0.50 AUD",
        "stated: 25 items, 50.0 min, 12.50 AUD",
        Decimal("12.0000"),
    )
    # The items against the stated calls (48.00 AUD) is the same incident: folded, counted once.
    assert rows(con, "bill_total_mismatch") == []
    [(rule, detail, into)] = con.sql(
        "SELECT f.rule, f.detail, i.rule FROM folded_findings f "
        "JOIN findings i ON i.finding_id = f.into_finding_id"
    ).fetchall()
    assert (rule, into) == ("bill_total_mismatch", "stated_vs_itemised")
    assert detail == (
        "The Coral Telecom bill INV-77 for 2026-10-01 to 2026-10-31 states 48.00 AUD for what it "
        "itemises (Calls to mobiles, National calls) but its 72 items add up to 36.00 AUD: 12.00 "
        "AUD unexplained."
    )
    [(stake,)] = con.sql(
        "SELECT sum(amount_at_stake) FROM findings WHERE amount_at_stake IS NOT NULL"
    ).fetchall()
    assert stake == Decimal("12.0000")


def test_a_fully_itemised_bill_still_answers_for_its_total(tmp_path: Path) -> None:
    bill = record_bill(tmp_path, "", REAL_SHAPE, {"Calls to mobiles": 1, "National calls": 71})
    con = analysed(tmp_path, bill)
    # The data and fees stated without rows explain the total: one incident, counted once.
    [(observed, expected, stake)] = con.sql(
        "SELECT observed, expected, amount_at_stake FROM folded_findings "
        "WHERE rule = 'bill_total_mismatch'"
    ).fetchall()
    assert (observed, expected, stake) == (
        "items add up to 36.00 AUD",
        "printed total 6600.00 AUD",
        Decimal("6564.0000"),
    )
    assert rows(con, "bill_partly_itemised") == []
    found = rows(con, "stated_vs_itemised")
    assert len(found) == 3  # calls to mobiles, data and fees, national calls
    assert found[1][2:4] == (
        Decimal("6564.0000"),
        'The Coral Telecom bill INV-77 for 2026-10-01 to 2026-10-31 states 6564.00 AUD for "Data '
        'and fees" but itemises 0 rows, 0.00 AUD. It explains "Bill items do not add up to the '
        'printed total": The Coral Telecom bill INV-77 for 2026-10-01 to 2026-10-31 prints a '
        "total of 6600.00 AUD but its 72 items add up to 36.00 AUD: 6564.00 AUD unexplained.",
    )
    [(stake,)] = con.sql("SELECT sum(amount_at_stake) FROM findings").fetchall()
    assert stake == Decimal("6564.0000")  # counted once


def test_stated_totals_that_match_their_rows_give_no_finding(tmp_path: Path) -> None:
    summaries = ["S,Calls to mobiles,voice,1,00:01:00,0.50", *REAL_SHAPE[1:]]
    calls = {"Calls to mobiles": 1, "National calls": 69}
    bill = record_bill(tmp_path, PARTLY, summaries, calls)
    summaries[1] = "S,National calls,voice,69,01:09:00,34.50"
    bill = record_bill(tmp_path, PARTLY, summaries, calls)
    con = analysed(tmp_path, bill)
    assert rows(con, "stated_vs_itemised") == []
    assert rows(con, "bill_total_mismatch") == []


def test_itemises_must_name_something(tmp_path: Path) -> None:
    record_bill(tmp_path, "itemises = []", REAL_SHAPE, {})
    with pytest.raises(ProfileError) as error:
        load_profile(tmp_path / "profiles" / "coral.toml")
    assert str(error.value) == (
        f"{tmp_path / 'profiles' / 'coral.toml'}: statement.itemises: list at least one "
        "category or kind the bill itemises"
    )


@pytest.mark.skipif(not REALBILLS.is_dir(), reason=f"real bills folder {REALBILLS} is absent")
def test_the_real_files_give_no_finding_but_the_one_they_plant(tmp_path: Path) -> None:
    found = {}
    for path in sorted(REALBILLS.iterdir()):
        if path.suffix not in (".csv", ".xls", ".pdf"):
            continue
        con = open_db(tmp_path / f"{path.name}.duckdb")
        year = 2012 if path.name.startswith("telstra") else None
        import_paths(con, [path], options=ImportOptions(year=year))
        run_rules(con)
        found[path.name] = [r for (r,) in con.sql("SELECT rule FROM findings").fetchall()]
        con.close()
    assert {name: rules for name, rules in found.items() if rules} == {
        "asterisk_cdrlib_good.csv": ["billed_longer_than_call"]
    }
