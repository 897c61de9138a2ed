"""A bill's own facts read from its rows (a header record, stated summaries, a total row):
printed values that do not read, or that a file prints twice, are never dropped or summed."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLES, sample_profile

from analyzer.errors import InputError
from analyzer.importers import ImportOptions

SOUTHERN_CROSS = SAMPLES / "au_southern_cross_2026-10.csv"
HEADER = "H,SCM-2026-10-0877,SC-4410-2087,2026-11-03,2026-10-01,2026-10-31,388.25"


def southern_cross(tmp_path: Path, old: str, new: str) -> Path:
    """The sample Southern Cross bill with one row's text replaced."""
    text = SOUTHERN_CROSS.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bill.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def read(path: Path, profile: str = "southern_cross_csv"):
    return sample_profile(profile).extract(path, ImportOptions())


def refusal(path: Path, profile: str = "southern_cross_csv") -> str:
    with pytest.raises(InputError) as caught:
        read(path, profile)
    return str(caught.value)


def test_a_header_period_that_ends_before_it_starts_refuses_the_bill(tmp_path: Path) -> None:
    path = southern_cross(tmp_path, "2026-10-01,2026-10-31,388.25", "2026-10-31,2026-10-01,388.25")
    assert refusal(path) == (
        "could not read bill.csv, row 1: its statement period ends on 2026-10-01, before it "
        "starts on 2026-10-31; the bill prints its period reversed; check the file"
    )


def test_a_header_period_of_one_day_is_the_statements(tmp_path: Path) -> None:
    path = southern_cross(tmp_path, "2026-10-01,2026-10-31,388.25", "2026-10-31,2026-10-31,388.25")
    [statement] = read(path).statements
    assert (statement.period_start, statement.period_end) == (date(2026, 10, 31),) * 2
    assert statement.total_due == Decimal("388.25")


KEYSTONE = SAMPLES / "us_keystone_fleet_2026-08_2026-10.csv"


def keystone(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """The sample Keystone fleet bill with a row's text replaced (or a row added)."""
    text = KEYSTONE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "fleet.csv"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def test_a_row_period_that_ends_before_it_starts_refuses_the_bill(tmp_path: Path) -> None:
    path = keystone(
        tmp_path, "08/01/2026,08/31/2026,267-555-0101", "08/31/2026,08/01/2026,267-555-0101"
    )
    assert refusal(path, "keystone_csv") == (
        "could not read fleet.csv, row 3: its statement period ends on 2026-08-01, before it "
        "starts on 2026-08-31; the bill prints its period reversed; check the file"
    )


def test_row_periods_in_order_are_the_statements(tmp_path: Path) -> None:
    statements = read(keystone(tmp_path, "Total,", "Total,"), "keystone_csv").statements
    assert [(s.period_start, s.period_end) for s in statements] == [
        (date(2026, 8, 1), date(2026, 8, 31)),
        (date(2026, 9, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 10, 31)),
    ]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("2026-10-31,388.25", "2026-10-31,12abc34", 'column 7: "12abc34" is not an amount'),
        (
            "2026-11-03,2026-10-01",
            "2026-11-31,2026-10-01",
            'column 4: "2026-11-31" is not a date/time',
        ),
    ],
)
def test_a_header_fact_that_does_not_read_refuses_the_bill(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    path = southern_cross(tmp_path, old, new)
    assert refusal(path) == (
        f"could not read bill.csv, row 1: in its invoice record, {reason}; a statement is not "
        "imported with a fact it prints left out; check the file"
    )


def test_the_header_facts_are_the_statements(tmp_path: Path) -> None:
    [statement] = read(southern_cross(tmp_path, HEADER, HEADER)).statements
    assert (statement.invoice_number, statement.issued_on, statement.total_due) == (
        "SCM-2026-10-0877",
        date(2026, 11, 3),
        Decimal("388.25"),
    )


def test_a_second_header_refuses_the_bill(tmp_path: Path) -> None:
    second = HEADER.replace("0877", "0999").replace("388.25", "99.00")
    path = southern_cross(tmp_path, "S,Plan and fees", f"{second}\nS,Plan and fees")
    assert refusal(path) == (
        "could not read bill.csv, row 6: its invoice record gives the invoice number again "
        "(row 1 gave it first): one file holds one statement; split it into one file per "
        "statement"
    )


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("S,National calls,voice,4x4,05:28:45,175.50,", 'column 4: "4x4" is not a number'),
        ("S,National calls,voice,44,00:99:45,175.50,", 'column 5: "00:99:45" is not a duration'),
    ],
)
def test_a_stated_total_that_does_not_read_is_a_reject(
    tmp_path: Path, new: str, reason: str
) -> None:
    path = southern_cross(tmp_path, "S,National calls,voice,44,05:28:45,175.50,", new)
    extracted = read(path)
    [reject] = extracted.rejects.to_pylist()
    assert (reject["row"], reject["reason"]) == (2, reason)
    assert json.loads(reject["raw"]) == {
        f"#{i + 1}": c or None for i, c in enumerate(new.split(","))
    }
    counts = extracted.counts()
    assert counts["rows_read"] == counts["events"] + counts["rejects"] + counts["skipped"]
    assert (counts["rejects"], counts["skipped"]) == (1, 6)  # H, four S rows, T
    stated = json.loads(extracted.statements[0].extra["stated_totals"])
    assert [s["category"] for s in stated] == [
        "Calls to mobiles",
        "Text messages",
        "Mobile data",
        "Plan and fees",
    ]


def test_stated_totals_that_read_are_kept(tmp_path: Path) -> None:
    extracted = read(southern_cross(tmp_path, HEADER, HEADER))
    stated = json.loads(extracted.statements[0].extra["stated_totals"])
    assert stated[0] == {
        "amount": "175.5000",
        "category": "National calls",
        "count": "44.000",
        "kind": "voice",
        "quantity": "19725.000",
    }
    assert extracted.rejects.num_rows == 0


TOTAL_ROW = "Total,,,,,3355.00,465.00,437.43,115.08,615.72,4988.23,764.58,49517,30387"


def test_a_total_row_that_does_not_read_refuses_the_bill(tmp_path: Path) -> None:
    path = keystone(tmp_path, TOTAL_ROW, TOTAL_ROW.replace("4988.23", "12abc34"))
    assert refusal(path, "keystone_csv") == (
        'could not read fleet.csv, row 77: in its total row, Total: "12abc34" is not an amount; '
        "the bill is checked against its printed total; check the file"
    )


def test_a_second_total_row_refuses_the_bill(tmp_path: Path) -> None:
    path = keystone(tmp_path, TOTAL_ROW, f"{TOTAL_ROW}\n{TOTAL_ROW}")
    assert refusal(path, "keystone_csv") == (
        "could not read fleet.csv, row 78: it prints a second total row (row 77 is the first); "
        "a file prints its total once; check the file (two exports joined?)"
    )


def test_the_total_row_is_the_files_total(tmp_path: Path) -> None:
    statements = read(keystone(tmp_path, TOTAL_ROW, TOTAL_ROW), "keystone_csv").statements
    assert {s.extra["file_total"] for s in statements} == {"4988.2300"}
