"""A file nothing recognises is judged once: later runs give the same verdict without loading
any importer, until the file, the profiles in effect or the analyzer change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SAMPLE_PROFILES, session, wayfarer_csv

import analyzer.importing as importing
from analyzer.importers import ImportOptions, profile_files
from analyzer.importing import import_paths
from analyzer.store import open_db
from analyzer.unrecognised import (
    UNRECOGNISED_KEY,
    VERDICTS_KEY,
    unrecognised_files,
    unrecognised_verdicts,
)

README = "These are my phone bills, exported from the carrier's site.\n"
# What a run over files it passes over may load of the importers package: nothing that reads.
LIGHT = {"analyzer.importers", "analyzer.importers.options", "analyzer.importers.profile_files"}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bills folder with one Wayfarer export (and its profile) and a README.txt."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bills = tmp_path / "bills"
    bills.mkdir()
    wayfarer_csv(bills, [session("2026-10-01", 5)])
    (bills / "README.txt").write_text(README, encoding="utf-8")
    return bills


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry each time a run loads the importers and profiles."""
    calls: list[int] = []
    real = importing.with_profiles

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "with_profiles", counted)
    return calls


def _run(db, folder: Path, **kwargs) -> dict[str, tuple[str, str | None]]:
    return {r.path.name: (r.status, r.reason) for r in import_paths(db, [folder], **kwargs)}


def _cli_in_fresh_interpreter(folder: Path, db_file: Path) -> tuple[list[str], list[str]]:
    """Run ``analyzer import FOLDER`` in a new process: its output lines, and the modules of
    ``analyzer.importers`` it loaded."""
    code = textwrap.dedent(
        f"""
        import json, runpy, sys
        sys.argv = ["analyzer", "import", {str(folder)!r}, "--db", {str(db_file)!r}]
        try:
            runpy.run_module("analyzer", run_name="__main__")
        except SystemExit:
            pass
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("analyzer.importers"))))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    return lines[:-1], json.loads(lines[-1])


def test_a_second_run_gives_the_same_verdict_without_loading_any_importer(folder, tmp_path):
    db_file = tmp_path / "bills.duckdb"
    first, loaded_first = _cli_in_fresh_interpreter(folder, db_file)
    second, loaded_second = _cli_in_fresh_interpreter(folder, db_file)
    [verdict] = [line for line in first if "README.txt" in line]
    assert verdict.startswith("unrecognised ")
    assert "no importer or profile recognises this file" in verdict
    assert [line for line in second if "README.txt" in line] == [verdict]
    assert "0 new file(s) imported, 1 already imported, 1 unrecognised" in second
    assert not set(loaded_first) <= LIGHT  # the first run had to judge it
    assert set(loaded_second) <= LIGHT


def test_the_report_list_is_the_same_and_carries_the_basis_beside_it(folder, tmp_path, loads):
    db = open_db(tmp_path / "a.duckdb")
    first = _run(db, folder)
    listed = unrecognised_files(db)
    second = _run(db, folder)
    assert first["README.txt"] == second["README.txt"]
    assert second["README.txt"][0] == "unrecognised"
    assert (
        unrecognised_files(db) == listed == [(str(folder / "README.txt"), first["README.txt"][1])]
    )
    assert len(loads) == 1
    [(reason, sha256, _fingerprint)] = unrecognised_verdicts(db).values()
    assert reason == first["README.txt"][1] and len(sha256) == 64


def _edit_file(folder: Path) -> None:
    with (folder / "README.txt").open("a", encoding="utf-8") as out:
        out.write("One more line.\n")


def _add_profile(folder: Path) -> None:
    text = (SAMPLE_PROFILES / "wayfarer_csv.toml").read_text(encoding="utf-8")
    other = text.replace('name = "wayfarer_csv"', 'name = "wayfarer_two"')
    other = other.replace('"Session Start"', '"Session Begin"')
    (folder / "profiles" / "wayfarer_two.toml").write_text(other, encoding="utf-8")


def _edit_profile(folder: Path) -> None:
    path = folder / "profiles" / "wayfarer_csv.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")


def _remove_profile(folder: Path) -> None:
    (folder / "profiles" / "wayfarer_csv.toml").unlink()


def _add_user_profile(folder: Path) -> None:
    user = profile_files.user_profile_dir()
    user.mkdir(parents=True)
    _add_profile(folder)
    (folder / "profiles" / "wayfarer_two.toml").rename(user / "wayfarer_two.toml")


def _new_analyzer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_files, "package_fingerprint", lambda: "another version")


@pytest.mark.parametrize(
    "change",
    [_edit_file, _add_profile, _edit_profile, _remove_profile, _add_user_profile, _new_analyzer],
)
def test_anything_changed_judges_the_file_again(folder, tmp_path, loads, monkeypatch, change):
    db = open_db(tmp_path / "a.duckdb")
    first = _run(db, folder)
    assert first["README.txt"][0] == "unrecognised"
    if change is _new_analyzer:
        change(monkeypatch)
    else:
        change(folder)
    again = _run(db, folder)
    assert again["README.txt"] == first["README.txt"]
    assert len(loads) == 2
    _run(db, folder)  # the new verdict is remembered in its turn
    assert len(loads) == 2


def test_another_year_judges_the_file_again(folder, tmp_path, loads):
    db = open_db(tmp_path / "a.duckdb")
    _run(db, folder)
    _run(db, folder, options=ImportOptions(year=2025))
    assert len(loads) == 2


def test_a_file_that_became_recognisable_is_imported(folder, tmp_path, loads):
    db = open_db(tmp_path / "a.duckdb")
    shutil.rmtree(folder / "profiles")
    assert _run(db, folder)["wayfarer.csv"][0] == "unrecognised"
    assert _run(db, folder)["wayfarer.csv"][0] == "unrecognised"
    assert len(loads) == 1
    (folder / "profiles").mkdir()
    shutil.copy(SAMPLE_PROFILES / "wayfarer_csv.toml", folder / "profiles")
    assert _run(db, folder)["wayfarer.csv"] == ("imported", None)
    assert [Path(path).name for path, _ in unrecognised_files(db)] == ["README.txt"]
    assert set(unrecognised_verdicts(db)) == {str(folder / "README.txt")}


def test_a_file_named_on_the_command_line_is_judged_every_time(folder, tmp_path, loads):
    db = open_db(tmp_path / "a.duckdb")
    assert _run(db, folder)["README.txt"][0] == "unrecognised"
    named = [folder / "README.txt"]
    results = [import_paths(db, named)[0] for _ in range(2)]
    assert [r.status for r in results] == ["failed", "failed"]
    assert results[0].reason == results[1].reason
    assert len(loads) == 3
    status = db.sql("SELECT status FROM sources WHERE path LIKE '%README.txt'").fetchall()
    assert status == [("failed",)]


def test_a_database_of_an_older_version_judges_its_listed_files_again(folder, tmp_path, loads):
    db = open_db(tmp_path / "a.duckdb")
    first = _run(db, folder)
    db.execute("DELETE FROM meta WHERE key = ?", [VERDICTS_KEY])
    assert unrecognised_files(db) and not unrecognised_verdicts(db)
    assert _run(db, folder)["README.txt"] == first["README.txt"]
    assert _run(db, folder)["README.txt"] == first["README.txt"]
    assert len(loads) == 2


@pytest.mark.parametrize("damage", ["not json", "[1, 2]", '{"x": 3}', '{"x": [1]}'])
def test_a_damaged_record_of_verdicts_is_judged_again(folder, tmp_path, loads, damage):
    db = open_db(tmp_path / "a.duckdb")
    first = _run(db, folder)
    db.execute("UPDATE meta SET value = ? WHERE key = ?", [damage, VERDICTS_KEY])
    assert _run(db, folder)["README.txt"] == first["README.txt"]
    assert len(loads) == 2


def test_a_verdict_whose_listed_reason_differs_is_not_given(folder, tmp_path, loads):
    """Another writer of the report's list (an older release) wins over the kept basis."""
    db = open_db(tmp_path / "a.duckdb")
    _run(db, folder)
    listed = json.dumps([[str(folder / "README.txt"), "judged by another release"]])
    db.execute("UPDATE meta SET value = ? WHERE key = ?", [listed, UNRECOGNISED_KEY])
    assert not unrecognised_verdicts(db)
    _run(db, folder)
    assert len(loads) == 2


def test_with_a_password_or_own_importers_every_file_is_judged(folder, tmp_path, loads):
    db = open_db(tmp_path / "a.duckdb")
    _run(db, folder)
    _run(db, folder, options=ImportOptions(password="secret"))
    assert len(loads) == 2
    from analyzer.importers import BUILT_IN

    for _ in range(2):
        _run(db, folder, importers=BUILT_IN)
    assert len(loads) == 4
