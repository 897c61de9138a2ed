"""A folder's next small file is read in a thread while the one before it is saved: each file
still gets its own result, in its turn, as when the files are imported one by one."""

from __future__ import annotations

import gc
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import session, wayfarer_csv

from analyzer import duck, importing
from analyzer.errors import Interrupted
from analyzer.importing import import_paths


def _bills(folder: Path, count: int) -> None:
    for k in range(count):
        wayfarer_csv(folder, [session(f"2026-10-{k + 1:02d}", 5 + k)], name=f"{k}.csv")


def test_the_next_small_file_is_read_while_the_one_before_is_saved(
    db, tmp_path: Path, monkeypatch
) -> None:
    _bills(tmp_path, 3)
    read_in_main_thread = {}
    real_extract = importing.extract

    def extract(new: importing.NewFile) -> importing.Extraction:
        read_in_main_thread[new.path.name] = threading.current_thread() is threading.main_thread()
        return real_extract(new)

    monkeypatch.setattr(importing, "extract", extract)
    results = import_paths(db, [tmp_path])
    assert [(r.path.name, r.status, r.events) for r in results] == [
        ("0.csv", "imported", 1),
        ("1.csv", "imported", 1),
        ("2.csv", "imported", 1),
    ]
    assert read_in_main_thread == {"0.csv": True, "1.csv": False, "2.csv": False}
    assert db.sql("SELECT count(*), sum(quantity) FROM events").fetchall() == [
        (3, (5 + 6 + 7) * 1048576)
    ]


def test_a_large_file_is_read_alone(db, tmp_path: Path, monkeypatch) -> None:
    _bills(tmp_path, 3)
    monkeypatch.setattr(importing, "AHEAD_BYTES", 10)  # every file is "large"
    threads = set()
    real_extract = importing.extract

    def extract(new: importing.NewFile) -> importing.Extraction:
        threads.add(threading.current_thread().name)
        return real_extract(new)

    monkeypatch.setattr(importing, "extract", extract)
    assert [r.status for r in import_paths(db, [tmp_path])] == ["imported"] * 3
    assert threads == {threading.main_thread().name}


def test_the_same_bill_twice_in_a_folder_is_imported_once(db, tmp_path: Path) -> None:
    _bills(tmp_path, 1)
    shutil.copy(tmp_path / "0.csv", tmp_path / "1.csv")  # read before the first is saved
    results = import_paths(db, [tmp_path])
    assert [(r.path.name, r.status, r.reason) for r in results] == [
        ("0.csv", "imported", None),
        ("1.csv", "skipped", "already imported"),
    ]
    assert db.sql("SELECT count(*) FROM events").fetchall() == [(1,)]


def test_ctrl_c_while_a_file_is_saved_lets_go_of_the_file_read_ahead(
    db, tmp_path: Path, monkeypatch
) -> None:
    _bills(tmp_path, 2)
    gc.collect()
    before = len(duck._SPILLING)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(importing, "save_extracted", interrupted)
    with pytest.raises(Interrupted, match=r"nothing of 0\.csv was saved"):
        import_paths(db, [tmp_path])
    assert db.sql("SELECT count(*) FROM sources").fetchall() == [(0,)]
    deadline = time.monotonic() + 30  # the file read ahead is let go of once it is read
    while len(duck._SPILLING) > before and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.05)
    assert len(duck._SPILLING) == before
