"""A large sheet's body read as typed columns gives the same text as reading it cell by cell,
and a body that cannot be read so exactly is read cell by cell."""

from __future__ import annotations

import io
import json
import random
import re
import sys
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from analyzer.importers import sheet_body, sheet_reader

HEAD = sheet_reader.FIRST_BATCH_ROWS


def read(path: Path, tmp_path: Path, *, cell_by_cell: bool, **request: object) -> tuple:
    """The reader's results and tables for one request, in this process."""
    output = tmp_path / ("slow.arrow" if cell_by_cell else "fast.arrow")
    asked = {"path": str(path), "sheet": None, "pattern": None, "merged": False}
    asked |= {"errors": True, "small_sheets": 1 << 20, "output": str(output), **request}
    saved = sheet_reader._read_in_two_parts
    if cell_by_cell:
        sheet_reader._read_in_two_parts = lambda *args: None
    try:
        results = list(sheet_reader.read(asked))
    finally:
        sheet_reader._read_in_two_parts = saved
    tables = [sheet_reader.load_table(r.get("output", str(output)), r) for r in results]
    return [{k: v for k, v in r.items() if k not in ("output", "parts")} for r in results], tables


def same_both_ways(path: Path, tmp_path: Path, monkeypatch, *, fast: bool, **request) -> list:
    """Read both ways, check the results equal, and whether the typed columns were used."""
    used = []
    real = sheet_reader._lengthened

    def spy(*args):
        used.append(args)  # the head is joined to a body read as typed columns
        return real(*args)

    monkeypatch.setattr(sheet_reader, "_lengthened", spy)
    quick = read(path, tmp_path, cell_by_cell=False, **request)
    slow = read(path, tmp_path, cell_by_cell=True, **request)
    assert quick[0] == slow[0]
    assert all(a.equals(b) for a, b in zip(quick[1], slow[1], strict=True))
    assert bool(used) == fast
    return quick[1][0].to_pylist()


def bill(path: Path, rows: int = HEAD + 200, seed: int = 7) -> Path:
    """A title, a header and rows of every kind of value, from column B."""
    rng = random.Random(seed)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B1"] = "Usage of +1 555 0100"
    sheet["C2"] = date(2026, 10, 1)
    sheet.append([None, "When", "Time", "Lasted", "Roaming", "Note", "Amount", "Day"])
    for i in range(rows):
        sheet.append(
            [
                None,
                datetime(2026, 10, 1, 8) + timedelta(seconds=i * 97.25 + rng.random()),
                time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)),
                timedelta(seconds=rng.randint(0, 200_000)),
                rng.random() < 0.3,
                rng.choice(["call", "", " sms ", "12.50", "€ü", None]),
                rng.choice([1, 2.5, 0.1 + 0.2, -7.0, 1e-7, 3e30, 2.0**60, None]),
                date(2026, 10, 1) + timedelta(days=i % 30),
            ]
        )
    for row in sheet.iter_rows(min_row=4):
        row[3].number_format = "[h]:mm:ss"
    book.save(path)
    return path


def test_a_large_sheet_reads_the_same_as_cell_by_cell(tmp_path: Path, monkeypatch) -> None:
    rows = same_both_ways(bill(tmp_path / "bill.xlsx"), tmp_path, monkeypatch, fast=True)
    assert rows[0]["c1"] == "Usage of +1 555 0100"
    assert rows[1]["c2"] == "2026-10-01"
    assert rows[3]["c1"].startswith("2026-10-01 08:00:00.")
    assert len(rows) == HEAD + 203


def test_a_small_sheet_is_read_cell_by_cell(tmp_path: Path, monkeypatch) -> None:
    path = bill(tmp_path / "small.xlsx", rows=HEAD - 10)
    same_both_ways(path, tmp_path, monkeypatch, fast=False)


def test_a_column_of_mixed_kinds_below_the_head_is_read_cell_by_cell(
    tmp_path: Path, monkeypatch
) -> None:
    path = bill(tmp_path / "mixed.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.cell(HEAD + 100, 7).value = "unlimited"  # text among the amounts
    book.save(path)
    same_both_ways(path, tmp_path, monkeypatch, fast=False)


@pytest.mark.parametrize("word", ["n/a", "NULL", " ", "#N/A"])
def test_a_word_for_missing_among_numbers_is_read_cell_by_cell(
    tmp_path: Path, monkeypatch, word: str
) -> None:
    """fastexcel reads such words as blanks in a column of numbers; the sheet shows them."""
    path = bill(tmp_path / "words.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.cell(HEAD + 100, 7).value = word
    book.save(path)
    same_both_ways(path, tmp_path, monkeypatch, fast=False)


def test_a_time_that_may_be_a_date_is_read_cell_by_cell(tmp_path: Path, monkeypatch) -> None:
    path = bill(tmp_path / "midnight.xlsx")
    book = openpyxl.load_workbook(path)
    cell = book.active.cell(HEAD + 100, 3)
    cell.value, cell.number_format = 0.9999999999, "hh:mm:ss"  # shown as 1900-01-01 00:00
    book.save(path)
    same_both_ways(path, tmp_path, monkeypatch, fast=False)


def test_a_merged_range_below_the_head_is_filled_cell_by_cell(tmp_path: Path, monkeypatch) -> None:
    path = bill(tmp_path / "merged.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.merge_cells(f"F{HEAD + 50}:F{HEAD + 52}")
    book.save(path)
    rows = same_both_ways(path, tmp_path, monkeypatch, fast=False, merged=True)
    assert rows[HEAD + 50]["c5"] == rows[HEAD + 49]["c5"]
    same_both_ways(path, tmp_path, monkeypatch, fast=True, merged=False)


def test_an_error_value_below_the_head_keeps_its_text(tmp_path: Path, monkeypatch) -> None:
    path = bill(tmp_path / "errors.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.cell(HEAD + 60, 7).value = 1.5
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    cell = f'<c r="G{HEAD + 60}" t="n"><v>'
    at = sheet.index(cell)
    end = sheet.index("</c>", at)
    parts["xl/worksheets/sheet1.xml"] = (
        sheet[:at] + f'<c r="G{HEAD + 60}" t="e"><f>1/0</f><v>#DIV/0!</v>' + sheet[end:]
    ).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    rows = same_both_ways(path, tmp_path, monkeypatch, fast=False)
    assert rows[HEAD + 59]["c6"] == "#DIV/0!"


def test_the_1904_date_system_is_read_cell_by_cell(tmp_path: Path, monkeypatch) -> None:
    path = bill(tmp_path / "mac.xlsx")
    book = openpyxl.load_workbook(path)
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    book.save(path)
    same_both_ways(path, tmp_path, monkeypatch, fast=False)


@pytest.mark.parametrize(
    ("values", "kind", "text"),
    [
        ([1.0, 2.5, None, 1e-7, -0.0], pa.float64(), ["1", "2.5", None, "1e-07", "0"]),
        ([True, None, False], pa.bool_(), ["TRUE", None, "FALSE"]),
        (["a", "", None], pa.string(), ["a", None, None]),
        ([-1500, 90_061_999], pa.duration("ms"), ["-1", "90061"]),
    ],
)
def test_a_typed_column_becomes_the_text_a_person_sees(values, kind, text) -> None:
    assert sheet_body.column_text(pa.array(values, kind)).to_pylist() == text
    shown = [sheet_reader.cell_text(v) for v in pa.array(values, kind).to_pylist()]
    assert shown == text


@pytest.mark.parametrize("scan_follows", [False, True])
def test_the_reader_process_reads_a_large_sheet(tmp_path: Path, scan_follows: bool) -> None:
    """Run as a script, the reader finds its sibling module and writes the same table, with
    the parent's scan in its request or on the line after it."""
    import subprocess
    import sys

    path = bill(tmp_path / "bill.xlsx")
    output = tmp_path / "child.arrow"
    request = {"path": str(path), "sheet": None, "pattern": None, "output": str(output)}
    scan = {"errors": False, "merge_parts": []}
    lines = [{**request, "scan_follows": True}, scan] if scan_follows else [request | scan]
    done = subprocess.run(
        [sys.executable, sheet_reader.__file__, str(2 << 30)],
        input="".join(json.dumps(line) + "\n" for line in lines).encode(),
        capture_output=True,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[0])
    assert result["rows"] == HEAD + 203
    child = sheet_reader.load_table(str(output), result)
    assert child.equals(read(path, tmp_path, cell_by_cell=True, small_sheets=0)[1][0])


def test_the_body_is_read_while_the_parent_scans_the_workbook(tmp_path: Path, monkeypatch) -> None:
    """A reader started before the parent's scan of the workbook (``scan_follows``) reads a
    large sheet's body first and only then waits for what the scan saw; the table is the one
    read with the scan in the request."""
    path = bill(tmp_path / "bill.xlsx")
    events = []
    real = sheet_body.read_body

    def body(*args):
        events.append("body")
        return real(*args)

    class Parent(io.StringIO):
        def readline(self, *args) -> str:
            events.append("scan")
            return super().readline(*args)

    scan = {"errors": False, "merge_parts": []}
    monkeypatch.setattr(sheet_body, "read_body", body)
    monkeypatch.setattr(sys, "stdin", Parent(json.dumps(scan) + "\n"))
    later = read(path, tmp_path, cell_by_cell=False, scan_follows=True)
    assert events == ["body", "scan"]
    at_once = read(path, tmp_path, cell_by_cell=False, **scan)
    assert later[0] == at_once[0]
    assert all(a.equals(b) for a, b in zip(later[1], at_once[1], strict=True))


def test_a_sheet_without_merged_cells_is_cut_after_its_head(tmp_path: Path, monkeypatch) -> None:
    """When the workbook's scan saw no merged ranges in the sheet, the reader stops reading
    its XML after the head; the table is the same."""
    path = bill(tmp_path / "bill.xlsx")
    same_both_ways(path, tmp_path, monkeypatch, fast=True, merge_parts=[])


def test_merged_cells_in_the_head_of_a_large_sheet_are_filled(tmp_path: Path, monkeypatch) -> None:
    from analyzer.importers.workbooks import read_sheet

    path = bill(tmp_path / "merged_head.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("B1:D1")
    book.save(path)
    data = read_sheet(path, merged=True)
    assert data.merges == 1
    assert data.rows()[0][1:4] == ["Usage of +1 555 0100"] * 3
    expected = read(path, tmp_path, cell_by_cell=True, merged=True, small_sheets=0)[1][0]
    assert data.table.equals(expected)
    same_both_ways(path, tmp_path, monkeypatch, fast=True, merged=True)


def test_a_body_read_in_slices_reads_the_same(tmp_path: Path, monkeypatch) -> None:
    """A body larger than a slice is read a slice at a time, each from a workbook of its own:
    the reader then holds one slice, not the sheet, and the table is the same."""
    monkeypatch.setattr(sheet_body, "SLICE_BYTES", 4096)
    path = bill(tmp_path / "bill.xlsx", rows=HEAD + 400)
    with zipfile.ZipFile(path) as archive:
        others = sum(i.file_size for i in archive.infolist() if "worksheets" not in i.filename)
    slices = list(sheet_body.body_slices(str(path), "xl/worksheets/sheet1.xml", HEAD))
    assert len(slices) > 10
    assert max(len(s.workbook) for s in slices) < others + 2 * 4096 + 4096  # zip headers
    assert [s.first_row for s in slices[1:]] == [s.next_row for s in slices[:-1]]
    rows = same_both_ways(path, tmp_path, monkeypatch, fast=True)
    assert len(rows) == HEAD + 403


def test_slices_join_up_across_blank_rows_and_columns_that_change(
    tmp_path: Path, monkeypatch
) -> None:
    """Blank rows between slices, a column wider in a later slice than in the first, and a
    column of text in one slice and of numbers in the next give the sheet's own text."""
    monkeypatch.setattr(sheet_body, "SLICE_BYTES", 2048)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Usage"])
    sheet.append(["When", "Amount", "Note"])
    turn = HEAD + 150  # from here the amounts are numbers
    for i in range(HEAD + 300):
        row = i + 3 if i <= HEAD else HEAD + 3 + (i - HEAD) * 3  # blank rows below the head
        sheet.cell(row, 1).value = date(2026, 10, 1) + timedelta(days=i % 30)
        sheet.cell(row, 2).value = "free" if i < turn else i / 4
        if i == turn:  # a row longer than a slice starts a slice of its own
            for column in range(3, 120):
                sheet.cell(row, column).value = column
    book.save(tmp_path / "gaps.xlsx")
    rows = same_both_ways(tmp_path / "gaps.xlsx", tmp_path, monkeypatch, fast=True)
    assert rows[-1]["c1"] == str((HEAD + 299) / 4)
    assert rows[HEAD + 10]["c1"] is None  # a blank row between two rows
    assert len(rows[0]) == 119


def test_body_rows_without_their_numbers_are_read_cell_by_cell(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sheet_body, "SLICE_BYTES", 4096)
    path = bill(tmp_path / "unnumbered.xlsx")
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    head_end = sheet.index(f'<row r="{HEAD + 1}"')
    body = sheet[head_end:]
    parts["xl/worksheets/sheet1.xml"] = (
        sheet[:head_end] + re.sub(r'<row r="\d+"', "<row", body)
    ).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    same_both_ways(path, tmp_path, monkeypatch, fast=False)
