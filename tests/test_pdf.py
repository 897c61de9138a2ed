"""PDF import: the sample carriers' profiles against golden files and the generator's truth, line cutting,
hostile files (each message pinned), and PDF profiles written in TOML."""

from __future__ import annotations

import json
import tomllib
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REALBILLS, SAMPLE_PROFILES, SAMPLES, assert_golden, sample_profile
from golden import render, truth_summary

from analyzer.errors import InputError
from analyzer.importers import BUILT_IN, identify
from analyzer.importers.base import ImportOptions, TableMapping
from analyzer.importers.pdf import (
    Context,
    PdfLayout,
    PdfLimits,
    RowPattern,
    Skip,
    read_pdf,
)
from analyzer.importers.pdf_text import cut_page
from analyzer.importers.profile import compile_profile, parse_profile
from analyzer.importers.specs import Const, DataVolume, Money, Text, Timestamp
from analyzer.importing import import_paths

PROFILES = Path(__file__).parent.parent / "analyzer" / "profiles"
LAGON, MERIDIAN = sample_profile("lagon_pdf"), sample_profile("meridian_pdf")
SAMPLE_PDFS = {
    "nc_lagon_mobile_2026-09.pdf": LAGON,
    "nc_lagon_mobile_2026-10.pdf": LAGON,
    "us_meridian_wireless_2026-10.pdf": MERIDIAN,
}


@pytest.fixture(scope="module")
def extracted():
    """Each sample PDF extracted once for the module (a child process per file)."""
    return {
        name: layout.extract(SAMPLES / name, ImportOptions())
        for name, layout in SAMPLE_PDFS.items()
    }


# --------------------------------------------------------------------------- sample layouts
@pytest.mark.parametrize("name", sorted(SAMPLE_PDFS))
def test_sample_pdf_matches_its_golden_file(name, extracted, update_golden):
    expected = SAMPLES / f"{name}.expected"
    assert_golden(render(extracted[name]), expected, update_golden)


@pytest.mark.parametrize("name", sorted(SAMPLE_PDFS))
def test_sample_pdf_events_match_the_generators_truth(name, extracted):
    truth = json.loads((SAMPLES / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    ours = truth_summary(extracted[name])
    assert set(ours) == set(truth["lines"])
    for line, want in truth["lines"].items():
        got = ours[line]
        for key in ("events", "by_kind", "data_bytes", "transfer_bytes", "voice_seconds"):
            assert got[key] == want[key], (line, key)
        assert got["sms_count"] == want["sms_count"]
        assert got["by_kind"].get("mms", 0) == want["mms_count"]
        # The truth files state money in the analyzer's convention (positive = charged):
        # the conversion is explicit so that a change of either convention fails here.
        truth_sign = Decimal(1)
        assert set(got["amounts"]) == set(want["amounts"])
        for currency, by_kind in want["amounts"].items():
            kinds = {k: Decimal(v) for k, v in got["amounts"][currency].items()}
            assert kinds == {k: truth_sign * Decimal(v) for k, v in by_kind.items()}, line
            total = truth_sign * Decimal(want["amount_totals"][currency])
            assert sum(kinds.values()) == total, line
    events = extracted[name].events.to_pylist()
    for line, want in truth["lines"].items():
        mine = [e for e in events if e["line"] == line]
        assert sorted({e["country"] for e in mine if e["country"]}) == want["countries"]
        assert str(min(e["started_at"] for e in mine).date()) == want["first_date"]
        assert str(max(e["started_at"] for e in mine).date()) == want["last_date"]


@pytest.mark.parametrize("name", sorted(SAMPLE_PDFS))
def test_sample_pdf_statement_is_as_printed(name, extracted):
    truth = json.loads((SAMPLES / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    want = truth["statement"]
    (statement,) = extracted[name].statements
    assert statement.carrier == want["carrier"]
    assert statement.account == want["account"]
    assert statement.invoice_number == want["invoice"]
    assert list(statement.lines) == want["lines"]
    assert str(statement.period_start) == want["period_start"]
    assert str(statement.period_end) == want["period_end"]
    assert str(statement.issued_on) == want["bill_date"]
    assert statement.currency == want["currency"]
    assert statement.plan_name == want["plan_name"]
    assert statement.total_due == Decimal(want["total_due"])
    assert statement.taxes == Decimal(want["taxes"])
    # Lagon prints its subtotal ("Total HT"); Meridian does not, so none is invented.
    printed = Decimal(want["subtotal"]) if name.startswith("nc_") else None
    assert statement.subtotal == printed


@pytest.mark.parametrize("name", sorted(SAMPLE_PDFS))
def test_headers_and_totals_are_the_skipped_rows(name, extracted):
    truth = json.loads((SAMPLES / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    rows = truth["non_event_rows"]
    counts = extracted[name].counts()
    assert counts["skipped"] == rows["summary_rows"] + rows["header_rows"]
    assert counts["rejects"] == 0


def test_every_sample_pdf_is_identified_by_its_layout_only():
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix == ".pdf":
            assert identify(path, [*BUILT_IN, LAGON, MERIDIAN]) is SAMPLE_PDFS[path.name]
        else:
            assert not LAGON.identify(path)
            assert not MERIDIAN.identify(path)


def test_sample_pdfs_import_into_the_database(db):
    results = import_paths(db, [SAMPLES / name for name in sorted(SAMPLE_PDFS)])
    assert [r.status for r in results] == ["imported"] * 3
    (count,) = db.sql("SELECT count(*) FROM events").fetchall()[0]
    assert count == sum(r.events for r in results) == 105 + 97 + 405


# --------------------------------------------------------------------------- cutting lines
def _request(layout: PdfLayout) -> dict:
    return layout.request()


TINY = PdfLayout(
    name="tiny_pdf",
    carrier="Tiny Mobile",
    keywords=("TINY MOBILE",),
    fields={"total_due": r"Total due (\S+)", "period_end": r"Period ending (\S+)"},
    currency="USD",
    date_formats=("%m/%d/%Y",),
    context=(Context("line", r"Line (\+\d+)"),),
    skip=(Skip(r"Date Usage Amount"), Skip(r"Subtotal .+")),
    rows=(
        RowPattern(
            "data",
            r"(?P<date>\d\d/\d\d/\d{4}) Data (?P<volume>\S+ MB) (?P<amount>\S+)",
            TableMapping(
                fields={
                    "line": Text("line"),
                    "kind": Const("data"),
                    "started_at": Timestamp("date", formats=("%m/%d/%Y",)),
                    "quantity": DataVolume("volume"),
                    "amount": Money("amount"),
                }
            ),
        ),
        RowPattern(
            "fee",
            r"(?P<description>Service fee) (?P<amount>\S+)",
            TableMapping(
                fields={
                    "line": Text("line"),
                    "kind": Const("fee"),
                    "started_at": Timestamp("period_end", formats=("%m/%d/%Y",)),
                    "amount": Money("amount"),
                    "description": Text("description"),
                }
            ),
        ),
    ),
    item=r"^\d\d/\d\d/\d{4} ",
)


def test_context_carries_across_pages_and_every_line_is_accounted_for():
    result = {"fields": {}, "rows": {}, "rejects": [], "skipped": 0, "rows_read": 0}
    context = {"line": None}
    page1 = "TINY MOBILE\nLine +12015550123\nDate Usage Amount\n01/02/2026 Data 5 MB 1.00\n"
    page2 = "Date Usage Amount\n01/03/2026 Data 7 MB 2.00\n01/04/2026 Voice 3 min 1.00\nPage 2"
    cut_page(page1, 1, _request(TINY), context, result)
    cut_page(page2, 2, _request(TINY), context, result)
    rows = result["rows"]["data"]
    assert [(r["_page"], r["_row"], r["line"], r["volume"]) for r in rows] == [
        (1, 4, "+12015550123", "5 MB"),
        (2, 2, "+12015550123", "7 MB"),
    ]
    assert result["skipped"] == 2
    assert result["rejects"] == [(2, 3, "01/04/2026 Voice 3 min 1.00")]
    assert result["rows_read"] == 2 + 2 + 1  # "Page 2" and the headings are furniture


def _text_pdf(path: Path, pages: list[list[str]], **encryption: str) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    if encryption:
        pdf.set_encryption(owner_password="owner", **encryption)
    pdf.output(str(path))
    return path


TINY_PAGES = [
    ["TINY MOBILE", "Period ending 01/31/2026", "Line +12015550123", "Date Usage Amount"],
    [
        "Date Usage Amount",
        "01/02/2026 Data 5 MB 1.00",
        "01/30/2026 Data 7 MB 2.OO",
        "02/30/2026 Data 7 MB 2.00",
        "01/31/2026 Data lots 1.00",
        "Service fee 3.00",
        "Subtotal 6.00",
        "Total due $6.00",
    ],
]


def test_bad_item_lines_become_rejects_with_page_and_row(tmp_path):
    path = _text_pdf(tmp_path / "tiny.pdf", TINY_PAGES)
    extracted = TINY.extract(path, ImportOptions())
    counts = extracted.counts()
    assert counts == {"rows_read": 8, "events": 2, "event_rows": 2, "rejects": 3, "skipped": 3}
    rejects = [(r["page"], r["row"], r["reason"]) for r in extracted.rejects.to_pylist()]
    assert rejects == [
        (2, 3, 'amount: "2.OO" is not an amount'),
        (2, 4, 'date: "02/30/2026" is not a date/time'),
        (2, 5, "the line looks like an item but no row pattern of tiny_pdf matches it"),
    ]
    events = extracted.events.to_pylist()
    assert [(e["kind"], e["amount"], e["currency"], e["line"]) for e in events] == [
        ("data", Decimal("1.0000"), "USD", "+12015550123"),
        ("fee", Decimal("3.0000"), "USD", "+12015550123"),
    ]
    assert str(events[1]["started_at"]) == "2026-01-31 00:00:00"
    assert extracted.statements[0].total_due == Decimal("6.00")


# --------------------------------------------------------------------------- hostile files
def _message(path: Path, layout: PdfLayout = TINY, **options) -> str:
    with pytest.raises(InputError) as caught:
        layout.extract(path, ImportOptions(**options))
    return str(caught.value)


def test_encrypted_pdf_without_a_password(tmp_path):
    path = _text_pdf(tmp_path / "locked.pdf", TINY_PAGES, user_password="s3cret")
    assert _message(path) == (
        "could not read locked.pdf: it is encrypted; pass --password or export it again without one"
    )


def test_encrypted_pdf_with_a_wrong_password(tmp_path):
    path = _text_pdf(tmp_path / "locked.pdf", TINY_PAGES, user_password="s3cret")
    assert _message(path, password="guess") == (
        "could not read locked.pdf: the password does not open it; check the password and try again"
    )


def test_encrypted_pdf_with_its_password_imports_and_the_password_is_not_kept(tmp_path, db):
    path = _text_pdf(tmp_path / "locked.pdf", TINY_PAGES, user_password="s3cret")
    results = import_paths(db, [path], importers=(TINY,), options=ImportOptions("s3cret"))
    assert results[0].status == "partial" and results[0].events == 2
    dump = json.dumps(db.sql("SELECT * FROM sources").fetchall(), default=str)
    assert "s3cret" not in dump
    assert "s3cret" not in repr(ImportOptions("s3cret"))


def test_encrypted_pdf_in_a_folder_fails_alone(tmp_path, db):
    _text_pdf(tmp_path / "a_locked.pdf", TINY_PAGES, user_password="s3cret")
    _text_pdf(tmp_path / "b_open.pdf", TINY_PAGES)
    results = import_paths(db, [tmp_path], importers=(TINY,))
    assert [(r.path.name, r.status) for r in results] == [
        ("a_locked.pdf", "failed"),
        ("b_open.pdf", "partial"),
    ]
    assert "it is encrypted; pass --password" in results[0].reason


def test_image_only_pdf(tmp_path):
    from fpdf import FPDF
    from PIL import Image

    scan = tmp_path / "scan.png"
    Image.new("L", (200, 100), 255).save(scan)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(scan), x=10, y=10, w=100)
    pdf.output(str(tmp_path / "scan.pdf"))
    assert _message(tmp_path / "scan.pdf") == (
        "could not read scan.pdf: it has no text layer (a scan?); "
        "export the bill as text or use the carrier's CSV"
    )


def test_a_pdf_with_text_but_no_line_of_the_layout(tmp_path):
    path = _text_pdf(tmp_path / "letter.pdf", [["TINY MOBILE", "Dear customer, thank you."]])
    assert _message(path) == (
        "could not read letter.pdf: no line of it is an item, header or total of the tiny_pdf "
        "layout; the carrier may have changed its layout; check the layout or profile"
    )


def test_truncated_pdf(tmp_path):
    whole = _text_pdf(tmp_path / "whole.pdf", TINY_PAGES).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    assert _message(path) == (
        "could not read cut.pdf: it is truncated (no end-of-file marker); "
        "download or export it again"
    )


def test_malformed_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    assert _message(path) == (
        "could not read broken.pdf: it is damaged or not a valid PDF "
        "(Failed to load document (PDFium: Data format error).); download or export it again"
    )


def test_zero_byte_pdf(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert _message(path) == (
        "could not read empty.pdf: the file is empty (0 bytes); download or export it again"
    )


def test_a_file_named_pdf_that_is_not_one(tmp_path):
    path = tmp_path / "bill.pdf"
    path.write_text("<html><body>Your bill</body></html>", encoding="utf-8")
    assert _message(path) == (
        "could not read bill.pdf: it is not a PDF (it does not start with %PDF-); "
        "check it is the file you meant"
    )


def test_identify_reports_a_bad_pdf_instead_of_calling_it_unknown(tmp_path):
    path = tmp_path / "bill.pdf"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        identify(path, BUILT_IN)


def _limited(limits: PdfLimits) -> PdfLayout:
    from dataclasses import replace

    return replace(TINY, limits=limits)


def test_too_many_pages(tmp_path):
    path = _text_pdf(tmp_path / "long.pdf", TINY_PAGES * 3)
    assert _message(path, _limited(PdfLimits(pages=5))) == (
        "could not read long.pdf: it has 6 pages, more than the limit of 5; "
        "split it, or raise the page limit ([limits] pages in a profile)"
    )


def test_over_the_time_limit(tmp_path):
    path = _text_pdf(tmp_path / "slow.pdf", TINY_PAGES)
    assert _message(path, _limited(PdfLimits(seconds=0.01))) == (
        "could not read slow.pdf: reading it took longer than the 0.01 s time limit; "
        "the PDF may be malformed or far too large; export a smaller one"
    )


def _raw_pdf(path: Path, objects: list[bytes]) -> Path:
    """A PDF written object by object (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def _decompression_bomb(path: Path, megabytes: int) -> Path:
    """A one-page PDF whose few MB of content stream inflate to ``megabytes`` of drawing."""
    packer = zlib.compressobj(1)
    chunk = b"BT /F1 12 Tf 72 720 Td (A) Tj ET\n" * 32768
    data = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    return _raw_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ],
    )


def test_thousands_of_pages_are_over_the_default_page_limit(tmp_path):
    pages = 2500
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages,
    ]
    path = _raw_pdf(tmp_path / "huge.pdf", objects)
    assert _message(path) == (
        "could not read huge.pdf: it has 2500 pages, more than the limit of 2000; "
        "split it, or raise the page limit ([limits] pages in a profile)"
    )


def test_decompression_bomb_is_stopped_by_the_memory_limit(tmp_path):
    path = _decompression_bomb(tmp_path / "bomb.pdf", 400)
    assert path.stat().st_size < 5 << 20
    assert _message(path, _limited(PdfLimits(memory_bytes=200 << 20))) == (
        "could not read bomb.pdf: reading it needed more than the 200 MiB memory limit; "
        "the PDF may be a decompression bomb; export the bill again"
    )


def test_default_limits():
    assert PdfLimits() == PdfLimits(seconds=60.0, memory_bytes=2 << 30, pages=2000)


def test_child_reads_only_the_first_page_for_identify():
    request = {"contexts": [], "skips": [], "rows": [], "item": None, "fields": {}}
    path = SAMPLES / "us_meridian_wireless_2026-10.pdf"
    result = read_pdf(path, PdfLimits(), None, request, first_page_only=True)
    assert result["pages"] == 10
    assert "MERIDIAN WIRELESS" in result["first_page"]
    assert "Talk" not in result["first_page"]


# --------------------------------------------------------------------------- TOML profiles
def layout_from_profile(data: dict, source: Path):
    return compile_profile(parse_profile(data, source), source)


def _profile(name: str = "free_fiber.toml") -> tuple[dict, Path]:
    source = PROFILES / name
    return tomllib.loads(source.read_text(encoding="utf-8")), source


@pytest.mark.skipif(
    not (REALBILLS / "free_fiber.pdf").exists(),
    reason="../shared/realbills/free_fiber.pdf is absent (real bills are not in the project)",
)
def test_free_fiber_profile_extracts_invoice2datas_fields():
    data, source = _profile()
    layout = layout_from_profile(data, source)
    bill = REALBILLS / "free_fiber.pdf"
    assert layout.identify(bill)
    expected = json.loads((REALBILLS / "free_fiber.invoice2data.json").read_text())[0]
    extracted = layout.extract(bill, ImportOptions())
    (statement,) = extracted.statements
    assert statement.total_due == Decimal(str(expected["amount"])) == Decimal("29.99")
    assert statement.subtotal == Decimal(str(expected["amount_untaxed"])) == Decimal("24.99")
    assert str(statement.period_start) == expected["date_start"] == "2015-07-01"
    assert str(statement.period_end) == expected["date_end"] == "2015-07-31"
    assert str(statement.issued_on) == expected["date"]
    assert statement.invoice_number == expected["invoice_number"] == "562044387"
    assert statement.currency == expected["currency"]
    assert statement.account == expected["client_id"]
    assert statement.lines == (expected["line_number"],)
    assert extracted.counts() == {
        "rows_read": 3,
        "events": 1,
        "event_rows": 1,
        "rejects": 0,
        "skipped": 2,
    }
    (event,) = extracted.events.to_pylist()
    assert (event["kind"], event["amount"], event["currency"]) == ("plan", Decimal("29.99"), "EUR")


def test_cli_names_the_encrypted_bill_and_imports_the_rest(tmp_path):
    import shutil

    from click.testing import CliRunner

    from analyzer.cli import cli

    _text_pdf(tmp_path / "locked.pdf", TINY_PAGES, user_password="s3cret")
    shutil.copy(SAMPLES / "nc_lagon_mobile_2026-10.pdf", tmp_path / "lagon.pdf")
    args = ["--db", str(tmp_path / "t.duckdb"), "import", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--profiles", str(SAMPLE_PROFILES)])
    assert result.exit_code == 3
    assert (
        "could not read locked.pdf: it is encrypted; pass --password or export it again "
        "without one" in result.output
    )
    assert "lagon_pdf: 97 events" in result.output
    assert "Traceback" not in result.output


def test_a_layout_whose_amounts_have_no_currency_is_refused():
    from dataclasses import replace

    with pytest.raises(ValueError, match="row pattern 'data' has amounts but nothing gives"):
        replace(TINY, currency=None)


def test_a_bill_whose_currency_field_is_not_found(tmp_path):
    from dataclasses import replace

    layout = replace(TINY, currency=None, fields={**TINY.fields, "currency": r"Currency (\w+)"})
    path = _text_pdf(tmp_path / "tiny.pdf", TINY_PAGES)
    assert _message(path, layout) == (
        "could not read tiny.pdf: it prints amounts but no currency the layout can find; "
        "check the currency field of the tiny_pdf layout"
    )


def test_a_statement_field_that_does_not_parse_names_its_page(tmp_path):
    pages = [TINY_PAGES[0], [*TINY_PAGES[1][:-1], "Total due $6.OO"]]
    path = _text_pdf(tmp_path / "tiny.pdf", pages)
    assert _message(path) == (
        "could not read tiny.pdf, page 2, row 8: the total due '$6.OO' is not an amount; "
        "check the tiny_pdf layout's formats"
    )


def _lagon_page(total: str | None) -> list[str]:
    """A one-page Lagon bill; its "Total à payer" line prints ``total`` (none if None)."""
    return [
        "LAGON MOBILE",
        "Facture n° F-1",
        "Ligne : +687 75 12 34",
        "Période du 01/10/2026 au 31/10/2026",
        "Récapitulatif",
        "Total HT 6 900 XPF",
        *([f"Total à payer {total} XPF"] if total is not None else []),
        "Abonnements et options",
        "01/10/2026 Forfait Lagon 80 Go du 01/10/2026 au 31/10/2026 6 900",
    ]


def test_a_total_printed_out_of_its_fields_shape_is_named_not_taken_as_missing(tmp_path):
    # The total's pattern also gives the currency: the total is what is wrong, and is named.
    path = _text_pdf(tmp_path / "lagon.pdf", [_lagon_page("12 5x6")])
    assert _message(path, LAGON) == (
        "could not read lagon.pdf, page 1, row 7: the total due '12 5x6' is not an amount; "
        "check the lagon_pdf layout's formats"
    )


def test_a_garbled_total_is_named_when_the_currency_reads(tmp_path):
    from dataclasses import replace

    fields = {"total_due": r"Total due \$(\d+\.\d\d)", "currency": r"Currency: ([A-Z]{3})"}
    layout = replace(TINY, currency=None, fields=fields)
    pages = [["Currency: USD", *TINY_PAGES[0]], [*TINY_PAGES[1][:-1], "Total due $6.OO"]]
    path = _text_pdf(tmp_path / "tiny.pdf", pages)
    assert _message(path, layout) == (
        "could not read tiny.pdf, page 2, row 8: the total due '6.OO' is not an amount; "
        "check the tiny_pdf layout's formats"
    )


def test_a_bill_without_its_total_line_still_says_its_currency_is_not_found(tmp_path):
    path = _text_pdf(tmp_path / "lagon.pdf", [_lagon_page(None)])
    assert _message(path, LAGON) == (
        "could not read lagon.pdf: it prints amounts but no currency the layout can find; "
        "check the currency field of the lagon_pdf layout"
    )


def test_a_well_printed_total_is_read_as_before(tmp_path):
    path = _text_pdf(tmp_path / "lagon.pdf", [_lagon_page("7 314")])
    [statement] = LAGON.extract(path, ImportOptions()).statements
    assert (statement.total_due, statement.currency) == (Decimal("7314"), "XPF")


def _dated(path: Path, start: str) -> tuple[PdfLayout, Path]:
    """TINY with a period start printed on its first page."""
    from dataclasses import replace

    layout = replace(TINY, fields={**TINY.fields, "period_start": r"Period from (\S+)"})
    pages = [["Period from " + start, *TINY_PAGES[0]], TINY_PAGES[1]]
    return layout, _text_pdf(path, pages)


def test_a_period_that_ends_before_it_starts_refuses_the_bill(tmp_path):
    layout, path = _dated(tmp_path / "tiny.pdf", "02/15/2026")
    assert _message(path, layout) == (
        "could not read tiny.pdf, page 1: its statement period ends on 2026-01-31, before it "
        "starts on 2026-02-15; the bill prints its period reversed; check the file"
    )


def test_a_period_in_order_is_the_statements(tmp_path):
    from datetime import date

    layout, path = _dated(tmp_path / "tiny.pdf", "01/01/2026")
    [statement] = layout.extract(path, ImportOptions()).statements
    assert (statement.period_start, statement.period_end) == (date(2026, 1, 1), date(2026, 1, 31))


@pytest.mark.parametrize(
    ("pattern", "loose"),
    [
        (r"^Total (\d{1,3}(?:[ ]\d{3})*) XPF", r"^Total (.+) XPF"),
        (r"from \S+ to (?P<end>[)(]\)(\d))?", r"from \S+ to (?P<end>.+)?"),
        (r"Total (?:due)", None),
    ],
)
def test_a_fields_loosened_pattern_takes_any_text_in_its_groups_place(pattern, loose):
    from analyzer.regex import loosened

    assert loosened(pattern) == loose
