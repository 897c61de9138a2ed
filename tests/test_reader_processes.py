"""The reader processes: one per file where one is enough, results the same as reading alone,
and none left running."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import SAMPLES, sample_profile

from analyzer.errors import InputError
from analyzer.importers import pdf_reading, pdf_sessions, sheet_process, workbooks
from analyzer.importers.base import ImportOptions
from analyzer.importers.pdf_reading import first_page_text, start_reading
from analyzer.importers.reading import read_sheet, stage_xlsx
from analyzer.importing import import_paths

MERIDIAN = sample_profile("meridian_pdf")
MERIDIAN_PDF = SAMPLES / "us_meridian_wireless_2026-10.pdf"
LAGON_PDF = SAMPLES / "nc_lagon_mobile_2026-09.pdf"


def counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[object]:
    """Record every process ``module`` starts through ``subprocess.name``."""
    started: list[object] = []
    real = getattr(subprocess, name)

    def start(args, *rest, **options):
        started.append(args)
        return real(args, *rest, **options)

    monkeypatch.setattr(module.subprocess, name, start)  # type: ignore[attr-defined]
    return started


def facts_workbook(path: Path, far_sheet: bool = False) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Usage"
    for row in [["Date", "Amount"], ["01/10/2026", 10], ["02/10/2026", 2.5]]:
        book.active.append(row)
    book.create_sheet("Facts").append(["Account", "A-1"])
    if far_sheet:
        book.create_sheet("Far")["A1"] = "x"
    book.save(path)
    if far_sheet:  # a cell at the last address: reading that sheet exhausts memory
        with_far_cell(path)
    return path


def with_far_cell(path: Path, part: str = "xl/worksheets/sheet3.xml") -> None:
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts:
            if name == part:
                data = data.replace(b"</sheetData>", far)
            target.writestr(name, data)


def test_a_facts_sheet_comes_with_the_first_read(tmp_path: Path, monkeypatch) -> None:
    started = counting(monkeypatch, sheet_process, "Popen")
    path = facts_workbook(tmp_path / "facts.xlsx")
    assert read_sheet(path).rows() == [
        ["Date", "Amount"],
        ["01/10/2026", "10"],
        ["02/10/2026", "2.5"],
    ]
    assert read_sheet(path, "Facts").rows() == [["Account", "A-1"]]
    assert len(started) == 1


def test_a_workbook_the_checks_refuse_stops_its_reader(tmp_path: Path, monkeypatch) -> None:
    """The reader starts before the workbook's checks (it reads while they scan): a workbook
    they refuse stops it, and no process is left running."""
    readers: list[subprocess.Popen] = []
    real = subprocess.Popen

    def start(*args, **options):
        readers.append(real(*args, **options))
        return readers[-1]

    monkeypatch.setattr(sheet_process.subprocess, "Popen", start)
    path = facts_workbook(tmp_path / "entities.xlsx")
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts:
            if name == "xl/worksheets/sheet1.xml":
                body = data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else data
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]>' + body
            target.writestr(name, data)
    with pytest.raises(InputError, match="declares XML entities"):
        read_sheet(path)
    assert len(readers) == 1
    assert readers[0].returncode is not None


def test_a_staged_sheet_is_held_once_by_the_extractions_database(
    tmp_path: Path, monkeypatch
) -> None:
    """Staged for an import, a sheet's rows are copied into the extraction's database in
    order and this process forgets its own copy (a large sheet would be held twice); the
    sheets read with it stay."""
    path = facts_workbook(tmp_path / "held.xlsx")
    alone = stage_xlsx(path, header=("Date", "Amount"), sheet="Usage")
    con = duckdb.connect()
    staged = stage_xlsx(path, header=("Date", "Amount"), sheet="Usage", con=con)
    copied = con.sql(f"SELECT * EXCLUDE (_rid) FROM {staged.table} ORDER BY _rid")
    assert copied.to_arrow_table().to_pylist() == alone.table.to_pylist()
    assert staged.names == alone.names and staged.rows_read == alone.rows_read
    assert [data.name for key, data in workbooks._SHEETS.items() if key[0] == path] == ["Facts"]
    started = counting(monkeypatch, sheet_process, "Popen")
    assert read_sheet(path, "Facts").rows() == [["Account", "A-1"]]
    assert started == []


def test_a_sheet_too_large_to_come_along_is_read_alone_when_asked(tmp_path: Path) -> None:
    path = facts_workbook(tmp_path / "far.xlsx", far_sheet=True)
    assert read_sheet(path, "Usage").rows()[1] == ["01/10/2026", "10"]
    assert read_sheet(path, "Facts").rows() == [["Account", "A-1"]]
    with pytest.raises(InputError, match="memory limit"):
        read_sheet(path, "Far")


def asking(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """Record the file and sheet of every workbook reader started."""
    asked: list[tuple[str, str | None]] = []
    real = sheet_process.SheetProcess.__init__

    def init(self, path: Path, sheet: str | None, pattern: str | None, merged: bool) -> None:
        asked.append((path.name, sheet))
        real(self, path, sheet, pattern, merged)

    monkeypatch.setattr(sheet_process.SheetProcess, "__init__", init)
    return asked


def test_a_workbook_is_read_while_the_importers_load(db, tmp_path: Path, monkeypatch) -> None:
    """The reader started on a workbook before the importers load reads its first visible
    sheet, and the layout's sheets come from that read: no other reader is started."""
    path = shutil.copy(SAMPLES / "cu_conecta_caribe.xlsx", tmp_path)
    asked = asking(monkeypatch)
    [result] = import_paths(db, [Path(path)], importers=[sample_profile("conecta_xlsx")])
    assert result.status == "imported"
    assert asked == [("cu_conecta_caribe.xlsx", None)]
    assert not sheet_process._EARLY


def test_a_sheet_the_early_read_did_not_read_is_read_on_its_own(
    tmp_path: Path, monkeypatch
) -> None:
    """A layout's sheet that is not the first, nor came with it, is read by a reader of its
    own; when the first sheet cannot be read, the early read's failure is not the layout's."""
    book = openpyxl.Workbook()
    book.active.title = "Far"
    book.active["A1"] = "x"
    book.create_sheet("Usage").append(["Date", "Amount"])
    path = tmp_path / "far_first.xlsx"
    book.save(path)
    with_far_cell(path, "xl/worksheets/sheet1.xml")
    monkeypatch.setattr(sheet_process, "SMALL_SHEET_BYTES", 0)
    asked = asking(monkeypatch)
    sheet_process.start_reading(path)
    assert read_sheet(path, "Usage").rows() == [["Date", "Amount"]]
    assert asked == [("far_first.xlsx", None), ("far_first.xlsx", "Usage")]
    sheet_process.start_reading(path)
    with pytest.raises(InputError, match="memory limit"):
        read_sheet(path)  # the sheet the early read read: its failure is this read's
    assert len(asked) == 3 and not sheet_process._EARLY


def test_a_reader_started_on_a_file_nobody_reads_is_stopped(db, tmp_path: Path) -> None:
    """A workbook started early whose sheets no importer asks for (another file follows, or
    the import ends) leaves no process and no folder behind."""
    workbook = facts_workbook(tmp_path / "facts.xlsx")
    sheet_process.start_reading(workbook)
    [process] = sheet_process._EARLY.values()
    csv = shutil.copy(SAMPLES / "au_southern_cross_2026-10.csv", tmp_path)
    [result] = import_paths(db, [Path(csv)], importers=[sample_profile("southern_cross_csv")])
    assert result.status == "imported"
    assert process.reader.returncode is not None
    assert not Path(process.workdir.name).exists() and not sheet_process._EARLY


def test_identify_and_import_of_a_pdf_share_one_reader(monkeypatch) -> None:
    pdf_reading._SESSIONS.discard()
    pdf_reading._FIRST_PAGES.clear()
    sessions = counting(monkeypatch, pdf_sessions, "Popen")
    alone = counting(monkeypatch, pdf_reading, "run")
    assert MERIDIAN.identify(MERIDIAN_PDF)
    extracted = MERIDIAN.extract(MERIDIAN_PDF, ImportOptions())
    assert (len(sessions), len(alone)) == (1, 0)
    pdf_reading._FIRST_PAGES.clear()  # the same file read by a process of its own
    again = MERIDIAN.extract(MERIDIAN_PDF, ImportOptions())
    assert len(alone) == 1
    assert extracted.events.to_arrow().equals(again.events.to_arrow())
    assert extracted.statements == again.statements


def test_a_reader_not_taken_by_an_import_is_stopped(tmp_path: Path) -> None:
    pdf_reading._FIRST_PAGES.clear()
    first_page_text(MERIDIAN_PDF)
    waiting = pdf_reading._SESSIONS.current
    assert waiting is not None and waiting.process.poll() is None
    copy = shutil.copy(LAGON_PDF, tmp_path / "other.pdf")
    first_page_text(Path(copy))
    assert waiting.process.poll() is not None
    pdf_reading._SESSIONS.discard()
    assert pdf_reading._SESSIONS.current is None


def test_a_reader_started_before_identify_serves_it(monkeypatch) -> None:
    pdf_reading._SESSIONS.discard()
    pdf_reading._FIRST_PAGES.clear()
    started = counting(monkeypatch, pdf_sessions, "Popen")
    start_reading(MERIDIAN_PDF)
    assert MERIDIAN.identify(MERIDIAN_PDF)
    assert len(started) == 1
    assert MERIDIAN.extract(MERIDIAN_PDF, ImportOptions()).events.num_rows > 0
    assert (len(started), pdf_reading._SESSIONS.current) == (1, None)


def test_starting_to_read_what_is_not_a_pdf_does_nothing(tmp_path: Path) -> None:
    pdf_reading._SESSIONS.discard()
    (tmp_path / "bill.pdf").write_bytes(b"PK\x03\x04 a zip named .pdf")
    start_reading(tmp_path / "bill.pdf")
    start_reading(SAMPLES / "cu_conecta_caribe.xlsx")
    assert pdf_reading._SESSIONS.current is None
