"""Ctrl-C: the run stops with one line and exit 130, the file in flight leaves nothing, no row
ever exists without its source, and the next run imports each file exactly once."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_PROFILES, session, wayfarer_csv

from analyzer.cli import cli
from analyzer.errors import EXIT_INTERRUPTED
from analyzer.store import connect, orphan_counts

ROOT = Path(__file__).resolve().parents[2]
BIG_ROWS = 300_000
SMALL = ("cn_yunyou_esim.csv", "travel_wayfarer_esim_export1.csv")
# More examples of the property test with USAGE_ANALYZER_INTERRUPT_EXAMPLES=50.
EXAMPLES = int(os.environ.get("USAGE_ANALYZER_INTERRUPT_EXAMPLES", "3"))
IN_FLIGHT = (
    "Interrupted: nothing of big_export.csv was saved; the {n} file(s) imported before it are "
    "kept: run the same command again to import the rest\n"
)
STOPPED = "Interrupted: nothing was changed by the step in progress: run the same command again\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose first file takes seconds to import, then two small sample bills."""
    folder = tmp_path_factory.mktemp("interrupts") / "bills"
    folder.mkdir()
    rows = [
        session(f"2026-{1 + r % 12:02d}-{1 + r % 28:02d}", 1 + r % 900, hour=f"{r % 24:02d}")
        for r in range(BIG_ROWS)
    ]
    wayfarer_csv(folder, rows, name="big_export.csv")
    for name in SMALL:
        shutil.copy(ROOT / "sample_bills" / name, folder / f"zz_{name}")
    shutil.copytree(SAMPLE_PROFILES, folder / "profiles", dirs_exist_ok=True)
    return folder


def invariants(db_file: Path) -> list[tuple[str, int]]:
    """No orphans (looked for from the events side) and every source's counts reconcile."""
    if not db_file.exists():
        return []
    con = connect(db_file, read_only=True)
    try:
        if ("sources",) not in con.sql("SELECT table_name FROM duckdb_tables()").fetchall():
            return []
        assert orphan_counts(con) == {"statements": 0, "events": 0, "rejects": 0}
        unbalanced = con.sql(
            """
            SELECT s.path, s.rows_read, s.skipped,
                   (SELECT count(DISTINCT (e.page, e."row")) FILTER (WHERE e."row" IS NOT NULL)
                         + count(*) FILTER (WHERE e."row" IS NULL)
                    FROM events e WHERE e.source_id = s.source_id) AS event_rows,
                   (SELECT count(*) FROM rejects r WHERE r.source_id = s.source_id) AS rejects,
                   (SELECT count(*) FROM events e WHERE e.source_id = s.source_id) AS events,
                   s.events AS counted
            FROM sources s
            WHERE s.status <> 'failed'
              AND (s.rows_read <> event_rows + rejects + s.skipped OR events <> counted)
            """
        ).fetchall()
        assert unbalanced == []
        return con.sql("SELECT path, events FROM sources ORDER BY path").fetchall()
    finally:
        con.close()


def reading(pid: int, name: str) -> bool:
    """Whether process ``pid`` has the file ``name`` open (Linux /proc)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").endswith(name):
                return True
        except OSError:
            continue
    return False


def interrupt_run(
    folder: Path, db_file: Path, after_open: float, *, trigger: str = "big_export.csv"
) -> tuple[int, str, str]:
    """Start `analyzer run` in its own process group; SIGINT the group ``after_open`` seconds
    after it opens the file named ``trigger`` (the big export, or the database)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "--db", str(db_file), "run", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=db_file.parent,
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if reading(proc.pid, trigger):
            break
        time.sleep(0.01)
    time.sleep(after_open)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("after_open", [0.0, 0.4, 1.0])
def test_ctrl_c_during_an_import_stops_the_run_and_keeps_nothing_of_the_file(
    corpus: Path, tmp_path: Path, after_open: float
) -> None:
    db_file = tmp_path / "i.duckdb"
    code, out, err = interrupt_run(corpus, db_file, after_open)
    assert code == EXIT_INTERRUPTED, (out, err)
    assert err == IN_FLIGHT.format(n=0)
    assert out == ""  # the run stopped: no other file, no rules, no report
    assert invariants(db_file) == []
    assert not (tmp_path / "i.html").exists()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_while_the_database_is_opened_is_one_line(corpus: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "early.duckdb"
    code, out, err = interrupt_run(corpus, db_file, 0.0, trigger="early.duckdb")
    assert code == EXIT_INTERRUPTED, (out, err)
    assert err in (STOPPED, IN_FLIGHT.format(n=0))
    assert invariants(db_file) == []


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_after_ctrl_c_the_next_run_imports_every_file_once(corpus: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "again.duckdb"
    code, _, err = interrupt_run(corpus, db_file, 0.5)
    assert (code, err) == (EXIT_INTERRUPTED, IN_FLIGHT.format(n=0))
    result = CliRunner().invoke(cli, ["--db", str(db_file), "import", str(corpus)])
    assert result.exit_code == 0, result.output
    imported = invariants(db_file)
    assert [Path(p).name for p, _ in imported] == ["big_export.csv", *(f"zz_{n}" for n in SMALL)]
    assert imported[0][1] == BIG_ROWS
    again = CliRunner().invoke(cli, ["--db", str(db_file), "import", str(corpus)])
    assert again.output.endswith("0 new file(s) imported, 3 already imported\n")
    assert invariants(db_file) == imported


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Sample CSV and XLSX bills: import, rules and report each take a moment."""
    folder = tmp_path / "bills"
    folder.mkdir()
    for name in (*SMALL, "cu_conecta_caribe.xlsx"):
        shutil.copy(ROOT / "sample_bills" / name, folder / name)
    shutil.copytree(SAMPLE_PROFILES, folder / "profiles")
    return folder


def test_interrupts_at_random_moments_of_the_whole_pipeline_keep_the_invariants(
    small_corpus: Path, tmp_path: Path
) -> None:
    """Property: import, rules and report under SIGINT at a random moment, then a clean run.

    Each example interrupts a fresh database, checks the invariants, runs again to the end and
    checks that every file is there once. Seeded, so a failure names its seed.
    """
    seed = int(os.environ.get("USAGE_ANALYZER_INTERRUPT_SEED", "13"))
    rng = random.Random(seed)
    runner = CliRunner()
    for example in range(EXAMPLES):
        db_file = tmp_path / f"p{example}.duckdb"
        delay = rng.uniform(0.0, 4.0)
        args = ["--db", str(db_file), "run", str(small_corpus), "--out", str(tmp_path / "r.html")]
        code = _invoke_interrupted(runner, args, delay)
        assert code in (0, 3, EXIT_INTERRUPTED), (seed, example, delay, code)
        invariants(db_file)
        result = runner.invoke(cli, args)
        assert result.exit_code in (0, 3), (seed, example, delay, result.output)
        names = [Path(p).name for p, _ in invariants(db_file)]
        assert sorted(names) == sorted(p.name for p in small_corpus.iterdir() if p.is_file()), (
            seed,
            delay,
        )


def _invoke_interrupted(runner: CliRunner, args: list[str], delay: float) -> int:
    """Run the CLI in this process and send ourselves SIGINT after ``delay`` seconds.

    A signal that arrives after the command has returned is absorbed, not sent to pytest.
    """
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    try:
        timer.start()
        result = runner.invoke(cli, args)
        timer.join()
        time.sleep(0.05)  # let a late signal reach the absorbing handler
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    if result.exit_code == EXIT_INTERRUPTED:
        lines = result.output.splitlines()
        assert lines[-1].startswith("Interrupted: ")
        assert sum(line.startswith("Interrupted") for line in lines) == 1
    assert "Traceback" not in result.output
    return result.exit_code


def children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_while_the_pdf_reader_runs_is_an_interrupt_not_a_failed_file(
    tmp_path: Path,
) -> None:
    """The PDF child dies of the same SIGINT: the file is not recorded as failed."""
    folder = tmp_path / "bills"
    folder.mkdir()
    shutil.copy(ROOT / "sample_bills" / "nc_lagon_mobile_2026-09.pdf", folder / "lagon.pdf")
    shutil.copytree(SAMPLE_PROFILES, folder / "profiles")
    db_file = tmp_path / "pdf.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "--db", str(db_file), "import", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and not children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.005)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out) == (EXIT_INTERRUPTED, ""), err
    assert err == (
        "Interrupted: nothing of lagon.pdf was saved; the 0 file(s) imported before it are "
        "kept: run the same command again to import the rest\n"
    )
    assert invariants(db_file) == []
