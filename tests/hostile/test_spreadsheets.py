"""Workbooks crafted to crash or exhaust the spreadsheet reader, and cells that are not values:
the workbook fails alone with one clear line (its neighbour still imports), or its cells are
rejects naming the row and cell."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from hostile_helpers import assert_failed_cleanly, run, with_good_neighbour

from analyzer.errors import InputError
from analyzer.importers import sheet_process
from analyzer.importers.reading import read_sheet, stage_xlsx, xlsx_head_rows

RESAVE = "open it in a spreadsheet program and save it again as .xlsx"
CHARGES = [["Date", "Description", "Amount"], ["01/10/2026", "Plan", 10]]
MEMORY = (
    "reading the workbook needed more than the 2 GiB memory limit; it may be crafted to "
    "exhaust memory (a cell far outside the data, or a huge declared table); " + RESAVE
)


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def rewrite(path: Path, part: str, change) -> None:
    """Rewrite one part of a workbook (the bytes an attacker would edit)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            target.writestr(name, change(data) if name == part else data)


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="XFD1048576"><v>1</v></c>',
        b'<c r="XFD1048576" t="inlineStr"><is><t></t></is></c>',
        b'<c r="XFD1048576" t="str"><v></v></c>',
    ],
)
def test_a_cell_at_the_last_address_fails_alone(db, tmp_path: Path, cell: bytes) -> None:
    path = workbook(tmp_path / "far.xlsx", CHARGES)
    rewrite(
        path,
        SHEET,
        lambda d: d.replace(b"</sheetData>", b'<row r="1048576">' + cell + b"</row></sheetData>"),
    )
    assert path.stat().st_size < 6000
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(db, run(db, tmp_path), "far.xlsx", f"could not read far.xlsx: {MEMORY}")


@pytest.mark.parametrize(
    ("ref", "rows", "columns"),
    [("A1:XFD1048576", "1,048,576", "16,384"), ("B2:ZZ200000", "199,999", "701")],
)
def test_an_absurd_declared_range_is_refused_before_reading(
    db, tmp_path: Path, ref: str, rows: str, columns: str
) -> None:
    path = workbook(tmp_path / "wide.xlsx", CHARGES)
    rewrite(
        path,
        SHEET,
        lambda d: d.replace(b'<dimension ref="A1:C2"', f'<dimension ref="{ref}"'.encode()),
    )
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "wide.xlsx",
        f"could not read wide.xlsx: the sheet declares {rows} rows by {columns} columns, more "
        "than the limit of 50,000,000 cells; delete the empty rows and columns past the data "
        "and save it again",
    )


def shared_strings(path: Path, declared: str) -> None:
    """Move the sheet's text into a shared-string table that declares ``declared`` strings."""
    table = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{declared}" uniqueCount="{declared}">'
        "<si><t>Date</t></si><si><t>Description</t></si><si><t>Amount</t></si></sst>"
    ).encode()
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/sharedStrings.xml"] = table
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


@pytest.mark.parametrize("declared", ["4000000000", "100000"])
def test_a_shared_string_table_declaring_too_many_strings_is_refused(
    db, tmp_path: Path, declared: str
) -> None:
    path = workbook(tmp_path / "strings.xlsx", CHARGES)
    shared_strings(path, declared)
    with_good_neighbour(tmp_path)
    size = len(zipfile.ZipFile(path).read("xl/sharedStrings.xml"))
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "strings.xlsx",
        f"could not read strings.xlsx: xl/sharedStrings.xml declares {int(declared):,} strings "
        f"but holds {size:,} bytes (a workbook crafted to exhaust memory); {RESAVE}",
    )


def test_an_honest_shared_string_table_is_read(tmp_path: Path) -> None:
    path = workbook(tmp_path / "strings.xlsx", CHARGES)
    shared_strings(path, "3")
    assert read_sheet(path).rows()[1] == ["01/10/2026", "Plan", "10"]


def test_a_reader_that_runs_too_long_is_stopped(db, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sheet_process, "SHEET_SECONDS", 0.001)
    workbook(tmp_path / "slow.xlsx", CHARGES)
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "slow.xlsx",
        "could not read slow.xlsx: reading the workbook took longer than the 0.001 s time "
        f"limit; the workbook may be malformed or far too large; {RESAVE}",
    )


# Error values cached on formula cells.
def with_errors(path: Path, errors: dict[str, str]) -> Path:
    rows = [["Date", "Description", "Amount"]]
    rows += [[f"0{i + 1}/10/2026", "Plan", 1] for i in range(len(errors))]
    rows.append(["09/10/2026", "Plan", 5])
    workbook(path, rows)

    def change(data: bytes) -> bytes:
        for ref, error in errors.items():
            cell = f'<c r="{ref}" t="n"><v>1</v></c>'.encode()
            if cell not in data:
                cell = f'<c r="{ref}"><v>1</v></c>'.encode()
            assert cell in data, data
            formula = f'<c r="{ref}" t="e"><f>1/0</f><v>{error}</v></c>'.encode()
            data = data.replace(cell, formula)
        return data

    rewrite(path, SHEET, change)
    return path


ERRORS = {
    "C2": "#DIV/0!",
    "C3": "#N/A",
    "C4": "#REF!",
    "C5": "#VALUE!",
    "C6": "#NAME?",
    "C7": "#NUM!",
    "C8": "#NULL!",
}


def test_error_cells_keep_their_text(tmp_path: Path) -> None:
    path = with_errors(tmp_path / "errors.xlsx", ERRORS)
    rows = read_sheet(path).rows()
    assert [row[2] for row in rows[1:]] == [*ERRORS.values(), "5"]


def test_error_cells_are_rejects_not_blank_amounts(db, tmp_path: Path) -> None:
    with_errors(tmp_path / "errors.xlsx", ERRORS)
    with_good_neighbour(tmp_path)
    results = run(db, tmp_path)
    assert (results["errors.xlsx"].events, results["errors.xlsx"].rejects) == (1, 7)
    rejects = db.sql('SELECT "row", reason FROM rejects ORDER BY "row"').fetchall()
    assert [row for row, _ in rejects] == list(range(2, 9))
    assert all(
        f'"{error}"' in reason for (_, reason), error in zip(rejects, ERRORS.values(), strict=True)
    )


# Choosing the sheet.
def book_with_sheets(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Statement"])
    hidden = book.create_sheet("Calls (hidden)")
    hidden.append(["Date", "Description", "Amount"])
    hidden.append(["01/10/2026", "Secret", 1])
    hidden.sheet_state = "hidden"
    usage = book.create_sheet("Usage 2026-10")
    usage.append(["Date", "Description", "Amount"])
    usage.append(["01/10/2026", "Plan", 2])
    book.save(path)
    return path


def test_sheet_by_exact_name_reads_a_hidden_sheet(tmp_path: Path) -> None:
    path = book_with_sheets(tmp_path / "book.xlsx")
    assert read_sheet(path, "Calls (hidden)").rows()[1][1] == "Secret"


def test_sheet_pattern_skips_hidden_sheets(tmp_path: Path) -> None:
    path = book_with_sheets(tmp_path / "book.xlsx")
    assert read_sheet(path, sheet_pattern="^(Calls|Usage)").name == "Usage 2026-10"
    with pytest.raises(InputError) as caught:
        read_sheet(path, sheet_pattern=r"\(hidden\)")
    assert str(caught.value) == (
        "could not read book.xlsx: no sheet matches '\\\\(hidden\\\\)' (its sheets: Cover, "
        "Calls (hidden), Usage 2026-10); check the sheet name"
    )


def test_a_missing_sheet_is_named(tmp_path: Path) -> None:
    path = book_with_sheets(tmp_path / "book.xlsx")
    with pytest.raises(InputError) as caught:
        read_sheet(path, "Calls")
    assert str(caught.value) == (
        "could not read book.xlsx: no sheet matches 'Calls' (its sheets: Cover, Calls (hidden), "
        "Usage 2026-10); check the sheet name"
    )
    assert xlsx_head_rows(path, "Calls") == []


def test_the_first_visible_sheet_by_default(tmp_path: Path) -> None:
    path = book_with_sheets(tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    book["Cover"].sheet_state = "hidden"
    book.save(path)
    assert read_sheet(path).name == "Usage 2026-10"


def test_staging_by_pattern(tmp_path: Path) -> None:
    path = book_with_sheets(tmp_path / "book.xlsx")
    staged = stage_xlsx(path, header=("Date", "Amount"), sheet_pattern="^Usage")
    assert staged.table.column("c1").to_pylist() == ["Plan"]
    assert staged.table.column("_row").to_pylist() == [2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"Date,Amount\n01/10/2026,1\n",
            "this is not an XLS workbook (it lacks the signature of one); export it again as .xls or .xlsx, or check it is the file you meant",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "the spreadsheet cannot be read"),
    ],
)
def test_a_broken_xls_fails_with_a_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_sheet(path)
    assert str(caught.value).startswith(f"could not read old.xls: {message}")
    assert "Traceback" not in str(caught.value)


REALBILLS = Path(__file__).resolve().parents[2] / ".." / "shared" / "realbills"


@pytest.mark.skipif(
    not REALBILLS.is_dir(), reason="the real bills folder (../shared/realbills) is absent"
)
@pytest.mark.parametrize(
    ("name", "header", "calls"),
    [
        ("cn_unicom_voice_2017_03.xls", ("通话起始时间", "通话时长"), 5),
        ("cn_voice_detail_2015_01.xls", ("起始时间", "通话时长（秒）"), 106),
    ],
)
def test_real_legacy_xls_call_details_are_staged(
    name: str, header: tuple[str, ...], calls: int
) -> None:
    staged = stage_xlsx(REALBILLS / name, header=header)
    assert staged.table.num_rows == calls
    assert staged.rows_read == calls


@pytest.mark.skipif(
    not REALBILLS.is_dir(), reason="the real bills folder (../shared/realbills) is absent"
)
def test_real_chinese_durations_read_as_seconds() -> None:
    import duckdb

    from analyzer.importers.specs import Duration

    staged = stage_xlsx(REALBILLS / "cn_unicom_voice_2017_03.xls", header=("通话时长",))
    column = f"c{staged.names.index('通话时长')}"
    con = duckdb.connect()
    con.register("staged", staged.table)
    texts = [r[0] for r in con.sql(f"SELECT {column} FROM staged").fetchall()]
    seconds = con.sql(f"SELECT {Duration('x').sql(lambda c: column)} FROM staged").fetchall()
    assert "8分27秒" in texts and "47秒" in texts
    assert sum(s for (s,) in seconds) == 686


def test_head_rows_by_pattern(tmp_path: Path) -> None:
    path = book_with_sheets(tmp_path / "book.xlsx")
    assert xlsx_head_rows(path, sheet_pattern="^Usage")[1] == ["01/10/2026", "Plan", "2"]
    assert xlsx_head_rows(path, sheet_pattern="^Nothing") == []
