"""Temporary folders left by an analyzer process that was killed are removed by the next one;
those of live processes, of other users and behind symbolic links are never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analyzer import duck
from analyzer.duck import UNNUMBERED_AGE_S, remove_stale_folders, spilling_connection

pytestmark = pytest.mark.skipif(os.name != "posix", reason="PIDs are asked by signal 0")


@pytest.fixture
def dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


@pytest.fixture
def live_pid():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def _folder(root: Path, name: str, *, age_s: float = 0) -> Path:
    folder = root / name
    (folder / "inner").mkdir(parents=True)
    (folder / "inner" / "spilled.tmp").write_bytes(b"x" * 100)
    if age_s:
        then = time.time() - age_s
        os.utime(folder, (then, then))
    return folder


def test_folders_of_dead_processes_go_those_of_live_ones_stay(tmp_path, dead_pid, live_pid):
    dead = [
        _folder(tmp_path, f"analyzer-{kind}-{dead_pid}-x1y2z3w4")
        for kind in ("spill", "csv", "sheet")
    ]
    live = _folder(tmp_path, f"analyzer-spill-{live_pid}-abcd1234")
    mine = _folder(tmp_path, f"analyzer-csv-{os.getpid()}-abcd1234")
    other = _folder(tmp_path, f"something-spill-{dead_pid}-abcd1234")
    assert remove_stale_folders(str(tmp_path)) == 3
    assert not any(folder.exists() for folder in dead)
    assert live.exists() and mine.exists() and other.exists()
    assert remove_stale_folders(str(tmp_path)) == 0


def test_unnumbered_folders_of_older_versions_go_once_a_day_old(tmp_path):
    old = [
        _folder(tmp_path, name, age_s=UNNUMBERED_AGE_S + 60)
        for name in ("analyzer-spill-ab_d1234", "analyzer-sheet-0123abcd", "analyzer-k2j3h4g5")
    ]
    recent = _folder(tmp_path, "analyzer-spill-zzzz9999", age_s=60)
    unlike = _folder(tmp_path, "analyzer-bench-abcd1234", age_s=UNNUMBERED_AGE_S + 60)
    assert remove_stale_folders(str(tmp_path)) == 3
    assert not any(folder.exists() for folder in old)
    assert recent.exists() and unlike.exists()


def test_links_files_and_other_users_folders_are_left_alone(tmp_path, dead_pid):
    target = _folder(tmp_path, "kept-elsewhere")
    link = tmp_path / f"analyzer-spill-{dead_pid}-linklink"
    link.symlink_to(target, target_is_directory=True)
    plain = tmp_path / f"analyzer-spill-{dead_pid}-aplainfi"
    plain.write_text("a file, not a folder")
    foreign = _folder(tmp_path, f"analyzer-spill-{dead_pid}-foreignn")
    if os.getuid() == 0:
        os.chown(foreign, 12345, 12345)
    else:
        foreign = None
    assert remove_stale_folders(str(tmp_path)) == 0
    assert link.is_symlink() and (target / "inner" / "spilled.tmp").exists()
    assert plain.exists()
    assert foreign is None or foreign.exists()


def test_a_folder_that_cannot_be_removed_is_no_error(tmp_path, dead_pid, monkeypatch):
    stale = _folder(tmp_path, f"analyzer-spill-{dead_pid}-abcd1234")

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(shutil, "rmtree", refuse)
    assert remove_stale_folders(str(tmp_path)) == 0
    assert stale.exists()
    assert remove_stale_folders(str(tmp_path / "no such folder")) == 0


def test_a_killed_process_leaves_its_spill_folder_to_the_next_one(tmp_path):
    code = textwrap.dedent(
        """
        import os, signal, tempfile
        tempfile.tempdir = os.environ["SPILL_ROOT"]
        from analyzer.duck import spilling_connection
        con = spilling_connection()
        folder = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
        print(os.getpid(), folder, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SPILL_ROOT": str(tmp_path)},
    )
    assert done.returncode == -9, done.stderr[-2000:]
    pid, left = done.stdout.split(maxsplit=1)
    left = Path(left.strip())
    assert left.parent == tmp_path and left.is_dir()
    assert left.name.startswith(f"analyzer-spill-{pid}-")
    assert remove_stale_folders(str(tmp_path)) == 1
    assert not left.exists()


def test_the_first_temporary_folder_of_a_process_sweeps_once(tmp_path, dead_pid, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    duck.sweep_stale_folders.cache_clear()
    stale = _folder(tmp_path, f"analyzer-spill-{dead_pid}-abcd1234")
    assert duck.temp_prefix("spill") == f"analyzer-spill-{os.getpid()}-"
    assert not stale.exists()
    again = _folder(tmp_path, f"analyzer-spill-{dead_pid}-efgh5678")
    assert duck.temp_prefix("csv") == f"analyzer-csv-{os.getpid()}-"
    assert again.exists()  # swept once per process, not at every folder
    duck.sweep_stale_folders.cache_clear()


def _child_folder(queue) -> None:
    con = spilling_connection()
    queue.put(con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0])
    con.close()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_opens_its_own_extraction_database(tmp_path, monkeypatch):
    import multiprocessing

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    con = spilling_connection()  # the parent's (opened now, or by an earlier test)
    mine = con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0]
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_folder, args=(queue,))
    child.start()
    theirs = queue.get(timeout=60)
    child.join(60)
    assert child.exitcode == 0
    assert Path(theirs).name.startswith(f"analyzer-spill-{child.pid}-")
    assert theirs != mine and Path(mine).is_dir()
    con.close()
