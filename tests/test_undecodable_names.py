"""A bill whose file name is not valid UTF-8 (a byte 0xFF in it) imports like any other: the
real path opens it, and what is stored and shown of its name has the bad byte as ``\\xff``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_PROFILES, SAMPLES

import analyzer.importing as importing
from analyzer.api import Database
from analyzer.cli import cli
from analyzer.errors import shown
from analyzer.paths import native_name, path_text, text_path


def invoke(db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


def named(folder: Path, raw: bytes) -> Path:
    """The path of a file in ``folder`` whose name is the bytes ``raw``."""
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + raw))


def bad_folder(tmp_path: Path) -> Path:
    """A workbook and a CSV (read through a profile's file-name pattern) with 0xFF in their
    names, beside a file named as usual."""
    folder = tmp_path / "bills"
    folder.mkdir()
    shutil.copy(SAMPLES / "cu_conecta_caribe.xlsx", named(folder, b"conecta_\xff.xlsx"))
    meridian = SAMPLES / "us_meridian_wireless_usage_2026-10-10_2026-10-25.csv"
    shutil.copy(meridian, named(folder, b"meridian_\xff.csv"))
    shutil.copy(SAMPLES / "au_southern_cross_2026-10.csv", folder / "southern_cross.csv")
    return folder


def sources(db_path: Path) -> dict[str, str]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return dict(con.execute("SELECT path, status FROM sources").fetchall())


def test_a_name_that_is_not_utf8_is_kept_with_its_bad_bytes_escaped() -> None:
    name = os.fsdecode(b"/bills/conecta_\xff\xfe.xlsx")
    assert path_text(name) == "/bills/conecta_\\xff\\xfe.xlsx"
    assert path_text(Path("/bills/Réseau.csv")) == "/bills/Réseau.csv"
    assert path_text("a\\xff") == "a\\xff"  # valid text is left as it is
    assert shown(name) == path_text(name)  # messages and the database say the same


def test_the_stored_text_leads_back_to_the_file(tmp_path: Path) -> None:
    path = named(tmp_path, b"bill_\xff.csv")
    path.write_bytes(b"x")
    assert text_path(path_text(path)) == path
    assert text_path(str(tmp_path / "plain.csv")) == tmp_path / "plain.csv"


def test_native_readers_get_a_name_they_can_open(tmp_path: Path) -> None:
    path = named(tmp_path, b"book_\xff.xlsx")
    shutil.copy(SAMPLES / "cu_conecta_caribe.xlsx", path)
    with native_name(path) as name:
        name.encode("utf-8")
        assert name.endswith(".xlsx")
        assert Path(name).read_bytes() == path.read_bytes()
    assert not Path(name).exists()
    with native_name(SAMPLES / "cu_conecta_caribe.xlsx") as name:
        assert name == str(SAMPLES / "cu_conecta_caribe.xlsx")


def test_a_folder_with_such_names_imports_every_file_and_again_none(tmp_path: Path) -> None:
    folder = bad_folder(tmp_path)
    db_path = tmp_path / "a.duckdb"
    first = invoke(db_path, "import", "--profiles", str(SAMPLE_PROFILES), str(folder))
    assert first.exit_code == 0, first.output
    assert f"imported     {folder}/conecta_\\xff.xlsx  conecta_xlsx: " in first.output
    assert f"imported     {folder}/meridian_\\xff.csv  meridian_csv: " in first.output
    assert "3 new file(s) imported" in first.output
    assert sources(db_path) == {
        f"{folder}/conecta_\\xff.xlsx": "ok",
        f"{folder}/meridian_\\xff.csv": "ok",
        f"{folder}/southern_cross.csv": "ok",
    }
    again = invoke(db_path, "import", "--profiles", str(SAMPLE_PROFILES), str(folder))
    assert again.exit_code == 0, again.output
    assert f"skipped      {folder}/meridian_\\xff.csv  already imported" in again.output
    assert "0 new file(s) imported, 3 already imported" in again.output


def test_the_database_serves_every_command_afterwards(tmp_path: Path) -> None:
    folder = bad_folder(tmp_path)
    db_path = tmp_path / "a.duckdb"
    run = invoke(db_path, "run", "--profiles", str(SAMPLE_PROFILES), str(folder))
    assert run.exit_code == 0, run.output
    assert invoke(db_path, "findings").exit_code in (0, 5)
    assert invoke(db_path, "report", "--out", str(tmp_path / "r.html")).exit_code == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert ">conecta_\\xff.xlsx</td>" in page  # the name, not what follows its backslash
    exported = invoke(db_path, "export", "--parquet", str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    with Database(db_path) as db:
        rejects = db.rejects(str(named(folder, b"meridian_\xff.csv")))
        assert rejects.fetchall() == []


def test_a_bad_file_so_named_fails_alone(tmp_path: Path) -> None:
    folder = bad_folder(tmp_path)
    named(folder, b"broken_\xff.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    db_path = tmp_path / "a.duckdb"
    result = invoke(db_path, "import", "--profiles", str(SAMPLE_PROFILES), str(folder))
    assert result.exit_code == 3, result.output
    assert f"failed       {folder}/broken_\\xff.xlsx  could not read broken_\\xff.xlsx: " in (
        result.output
    )
    assert "3 new file(s) imported, 1 failed" in result.output
    assert sources(db_path)[f"{folder}/broken_\\xff.xlsx"] == "failed"


def test_an_unrecognised_file_so_named_is_listed_and_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[int] = []
    real = importing.with_profiles
    monkeypatch.setattr(
        importing, "with_profiles", lambda *a, **k: loads.append(1) or real(*a, **k)
    )
    folder = tmp_path / "bills"
    folder.mkdir()
    named(folder, b"notes_\xff.csv").write_text("what,when\nsomething,today\n")
    db_path = tmp_path / "a.duckdb"
    first = invoke(db_path, "import", str(folder))
    assert first.exit_code == 0, first.output
    assert f"unrecognised {folder}/notes_\\xff.csv  could not read notes_\\xff.csv: " in (
        first.output
    )
    assert f'analyzer profile init "{folder}/notes_\\xff.csv"' in first.output
    assert loads == [1]
    assert invoke(db_path, "import", str(folder)).output == first.output
    assert loads == [1]  # the verdict was given again, without loading any importer
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(SAMPLES / "au_southern_cross_2026-10.csv", other)
    assert invoke(db_path, "import", str(other)).exit_code == 0
    with duckdb.connect(str(db_path), read_only=True) as con:
        listed = con.execute("SELECT value FROM meta WHERE key = 'unrecognised_files'").fetchone()
    assert listed is not None and "notes_\\\\xff.csv" in listed[0]  # kept: the file is there


def test_explain_and_profile_init_read_such_a_file(tmp_path: Path) -> None:
    folder = bad_folder(tmp_path)
    db_path = tmp_path / "a.duckdb"
    for name, importer in ((b"conecta_\xff.xlsx", "conecta_xlsx"), (b"meridian_\xff.csv", "")):
        path = str(named(folder, name))
        explained = invoke(db_path, "explain", "--profiles", str(SAMPLE_PROFILES), path)
        assert explained.exit_code == 0, explained.output
        assert f"Importer: {importer or 'meridian_csv'} " in explained.output
        out = tmp_path / f"{importer or 'meridian'}.toml"
        drafted = invoke(db_path, "profile", "init", "--out", str(out), path)
        assert drafted.exit_code == 0, drafted.output
        first = out.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(f"# Drafted from {path_text(Path(path).name)}: ")
