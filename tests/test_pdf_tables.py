"""PDF bills printed as ruled tables: pdfplumber cuts the cells, the profile maps them as a CSV."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.importers import ImportOptions
from analyzer.importers.profile import load_profile

HEADER = ("Date", "Number", "Minutes", "Charge")
PAGES = [
    ("Summary", "ACME MOBILE  Invoice 4471  Total due 3.20 EUR", [("Calls", "3.20")]),
    (
        "Call detail",
        "ACME MOBILE  Call detail",
        [
            ("2026-10-02 08:00", "+33 6 12 34 56 78", "2", "1.00"),
            ("2026-10-03 09:30", "+33 6 98 76 54 32", "3", "1.20"),
        ],
    ),
    (
        "Call detail",
        "ACME MOBILE  Call detail (continued)",
        [("2026-10-04 18:15", "+44 20 7946 0000", "1", "1.00")],
    ),
]
PROFILE = textwrap.dedent(
    """\
    name = "acme_tables"
    carrier = "Acme Mobile"
    format = "pdf"

    [identify]
    keywords = ["ACME MOBILE"]
    header = ["Date", "Number", "Minutes", "Charge"]

    [read]
    tables = true
    page_pattern = '^ACME MOBILE\\s+Call detail'
    currency = "EUR"
    date_format = "%Y-%m-%d %H:%M"

    [statement]
    invoice_number = 'Invoice (\\d+)'
    total_due = 'Total due ([\\d.]+) EUR'

    [fields]
    started_at = "Date"
    kind = { value = "voice" }
    counterparty = "Number"
    quantity = { column = "Minutes", type = "duration", unit = "minutes" }
    amount = "Charge"
    """
)


def _ruled_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for _, title, rows in PAGES:
        pdf.add_page()
        pdf.cell(text=title)
        pdf.ln(12)
        with pdf.table() as table:
            heading = HEADER if len(rows[0]) == 4 else ("Service", "Amount")
            for cells in (heading, *rows):
                row = table.row()
                for cell in cells:
                    row.cell(cell)
    pdf.output(str(path))
    return path


@pytest.fixture
def bill(tmp_path: Path) -> Path:
    return _ruled_pdf(tmp_path / "acme.pdf")


def test_a_ruled_table_bill_reads_like_a_csv(tmp_path: Path, bill: Path) -> None:
    (tmp_path / "acme.toml").write_text(PROFILE, encoding="utf-8")
    profile = load_profile(tmp_path / "acme.toml")
    assert profile.identify(bill)
    extracted = profile.extract(bill, ImportOptions())
    events = extracted.events.to_pylist()
    assert [(e["page"], e["quantity"], e["amount"], e["counterparty_e164"]) for e in events] == [
        (2, 120, Decimal("1.00"), "+33612345678"),
        (2, 180, Decimal("1.20"), "+33698765432"),
        (3, 60, Decimal("1.00"), "+442079460000"),
    ]
    [statement] = extracted.statements
    assert (statement.invoice_number, statement.total_due) == ("4471", Decimal("3.20"))
    counts = extracted.counts()
    # Rows read: the header, two calls, the repeated header, one call.
    assert (counts["rows_read"], counts["events"], counts["skipped"]) == (5, 3, 2)


def test_pages_without_the_heading_are_not_read(tmp_path: Path, bill: Path) -> None:
    text = PROFILE.replace("Call detail'", "Nothing like this'")
    (tmp_path / "acme.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_profile(tmp_path / "acme.toml").extract(bill, ImportOptions())
    assert str(error.value) == (
        "could not read acme.pdf: no ruled table on the chosen pages; run 'analyzer explain' on "
        "it; the bill may need text-line records"
    )


def test_the_header_must_be_found(tmp_path: Path, bill: Path) -> None:
    text = PROFILE.replace('"Charge"]', '"Cost"]')
    (tmp_path / "acme.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_profile(tmp_path / "acme.toml").extract(bill, ImportOptions())
    assert str(error.value) == (
        "could not read acme.pdf: no table on the chosen pages has the columns Date, Number, "
        "Minutes, Cost; run 'analyzer explain' on it, and check the profile's pages and header"
    )


def test_pages_by_number(tmp_path: Path, bill: Path) -> None:
    text = PROFILE.replace("page_pattern = '^ACME MOBILE\\s+Call detail'", "pages = [3]")
    (tmp_path / "acme.toml").write_text(text, encoding="utf-8")
    extracted = load_profile(tmp_path / "acme.toml").extract(bill, ImportOptions())
    assert [e["page"] for e in extracted.events.to_pylist()] == [3]
