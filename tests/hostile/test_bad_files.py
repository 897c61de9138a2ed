"""Whole files that cannot be read: each fails with one clear line, leaves no rows, and the
other files in the folder are still imported."""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hostile_helpers import assert_failed_cleanly, run, with_good_neighbour

from analyzer.importers import reading, workbook_checks

RESAVE = "open it in a spreadsheet program and save it again as .xlsx"
NOT_XLSX = "export it again as .xlsx, or check it is the file you meant"


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def rewrite_zip(path: Path, change) -> None:
    """Rewrite a workbook's parts through ``change(name, data) -> data | None`` (None drops)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            new = change(name, data)
            if new is not None:
                target.writestr(name, new)


CHARGES = [["Date", "Description", "Amount"], ["01/10/2026", "Plan", 10]]


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx"])
def test_zero_byte_file(db, tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        name,
        f"could not read {name}: the file is empty (0 bytes); download or export it again",
    )


def test_picture_named_csv(db, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(4000)
    (tmp_path / "bill.csv").write_bytes(png)
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "bill.csv",
        "could not read bill.csv: this is not a text file (it holds binary data); "
        "export it again as CSV, or check it is the file you meant",
    )


def test_zip_named_xlsx(db, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    (tmp_path / "bill.xlsx").write_bytes(buffer.getvalue())
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "bill.xlsx",
        f"could not read bill.xlsx: this is not an XLSX workbook (it has no xl/workbook.xml); {NOT_XLSX}",
    )


def test_random_bytes_named_xlsx(db, tmp_path: Path) -> None:
    (tmp_path / "bill.xlsx").write_bytes(random.Random(7).randbytes(20_000))
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "bill.xlsx",
        f"could not read bill.xlsx: this is not an XLSX workbook (it is not a zip archive); {NOT_XLSX}",
    )


def test_xlsx_zip_bomb_is_refused_before_reading(db, tmp_path: Path) -> None:
    path = workbook(tmp_path / "bomb.xlsx", CHARGES)
    blob = b"\0" * (64 << 20)  # 64 MB of zeros: a few dozen KB compressed
    rewrite_zip(path, lambda name, data: data)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/blob.bin", blob)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/media/blob.bin")
        ratio = info.file_size / info.compress_size
        total = sum(i.file_size for i in archive.infolist())
    assert ratio > reading.MAX_COMPRESSION_RATIO
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "bomb.xlsx",
        f"could not read bomb.xlsx: the workbook would expand to {total >> 20} MB "
        f"(xl/media/blob.bin is compressed {ratio:.0f} to 1), over the limits of 1024 MB "
        "and 200 to 1; this looks like a zip bomb; do not open it",
    )


def test_xlsx_over_the_size_limit_is_refused(db, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(workbook_checks, "MAX_PART_BYTES", 1 << 20)
    path = workbook(tmp_path / "large.xlsx", CHARGES)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/photo.bin", random.Random(3).randbytes(2 << 20))
    with_good_neighbour(tmp_path)
    result = run(db, tmp_path)["large.xlsx"]
    assert result.status == "failed"
    assert (
        result.reason is not None and "this looks like a zip bomb; do not open it" in result.reason
    )


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def test_xlsx_billion_laughs_is_refused(db, tmp_path: Path) -> None:
    path = workbook(tmp_path / "laughs.xlsx", CHARGES)

    def bomb(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        text = data.decode().split("?>", 1)[-1] if data.startswith(b"<?xml") else data.decode()
        return (LAUGHS + text.replace("<t>Plan</t>", "<t>&lol9;</t>")).encode()

    rewrite_zip(path, bomb)
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "laughs.xlsx",
        "could not read laughs.xlsx: xl/worksheets/sheet1.xml declares XML entities "
        f"(a possible XML bomb; spreadsheets never need them); {RESAVE}",
    )


def test_formula_without_saved_result_is_refused_naming_the_row(db, tmp_path: Path) -> None:
    workbook(
        tmp_path / "formulas.xlsx",
        [*CHARGES, ["02/10/2026", "Extra", "=C2*2"]],
    )
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "formulas.xlsx",
        "could not read formulas.xlsx, row 3: cell C3 holds a formula whose result was never "
        "saved; open it in a spreadsheet program and save it again, so the results are stored "
        "with the formulas",
    )


def test_formula_with_saved_result_reads_the_result(db, tmp_path: Path) -> None:
    path = workbook(tmp_path / "formulas.xlsx", [*CHARGES, ["02/10/2026", "Extra", "=C2*2"]])
    rewrite_zip(
        path,
        lambda name, data: (
            data.replace(b"<f>C2*2</f><v />", b"<f>C2*2</f><v>20</v>")
            if name.startswith("xl/worksheets/")
            else data
        ),
    )
    with_good_neighbour(tmp_path)
    result = run(db, tmp_path)["formulas.xlsx"]
    assert (result.status, result.events) == ("imported", 2)
    assert db.sql("SELECT amount FROM events WHERE description = 'Extra'").fetchall() == [(20,)]


def test_symlink_loops_do_not_trap_the_walk(db, tmp_path: Path) -> None:
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    with_good_neighbour(tmp_path)
    results = run(db, tmp_path)
    assert sorted(results) == ["a.csv", "b.csv", "zz_good.csv"]
    assert_failed_cleanly(
        db,
        results,
        "a.csv",
        "could not read a.csv: it is a symbolic link that leads nowhere (or back to itself)",
    )


def test_unreadable_pipe_named_like_a_bill_does_not_block(db, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "stuck.csv")
    (tmp_path / "folder.csv").mkdir()  # a folder named like a bill is walked, not read
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "stuck.csv",
        "could not read stuck.csv: it is not a regular file (a folder, pipe or device)",
    )


def test_paths_with_spaces_and_non_ascii_characters(db, tmp_path: Path) -> None:
    from conftest import session, wayfarer_csv

    folder = tmp_path / "factures été 2026" / "漫游 data"
    folder.mkdir(parents=True)
    path = wayfarer_csv(folder, [session("2026-10-01", 5)], name="relevé d'octobre ✓.csv")
    [result] = run(db, tmp_path).values()
    assert (result.status, result.events) == ("imported", 1)
    assert db.sql("SELECT path FROM sources").fetchall() == [(str(path),)]
