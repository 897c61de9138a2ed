"""Shared fixtures: a temporary database, tiny inline bills, and golden-file comparison."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analyzer.importers import BUILT_IN, Importer
from analyzer.importers.profile import load_profile, load_profiles
from analyzer.store import open_db

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_bills"
# The sample corpus's fictional carriers are profiles beside the bills, not built-ins: a test
# that reads a sample from anywhere else names this folder (or copies a profile beside it).
SAMPLE_PROFILES = SAMPLES / "profiles"
REALBILLS = ROOT.parent / "shared" / "realbills"


def sample_importers() -> list[Importer]:
    """The built-in layouts and the sample carriers' profiles."""
    return [*BUILT_IN, *load_profiles([SAMPLE_PROFILES])]


def sample_profile(name: str) -> Importer:
    """One sample carrier's profile, by its name (``wayfarer_csv``)."""
    return load_profile(SAMPLE_PROFILES / f"{name}.toml")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the expected-output files from the current output (review the diff!).",
    )


@pytest.fixture
def db(tmp_path: Path):
    """An empty analyzer database in a temporary folder (a file, like the real thing)."""
    con = open_db(tmp_path / "test.duckdb")
    yield con
    con.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


WAYFARER_HEADER = "Session Start,Session End,Bytes,Country,Network,ICCID\n"
ICCID = "8901260000000000001"


def wayfarer_csv(
    folder: Path, rows: list[str], name: str = "wayfarer.csv", *, profile: bool = True
) -> Path:
    """A small Wayfarer eSIM session export, with the profile that reads it in ``profiles/``.

    ``profile=False`` leaves the profile out, for tests that pass the importers themselves.
    """
    path = folder / name
    path.write_text(WAYFARER_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    if profile:
        (folder / "profiles").mkdir(exist_ok=True)
        shutil.copy(SAMPLE_PROFILES / "wayfarer_csv.toml", folder / "profiles")
    return path


def session(day: str, mb: int, country: str = "US", hour: str = "09") -> str:
    return f"{day} {hour}:00:00,{day} {hour}:30:00,{mb * 1048576},{country},Net 310-260,{ICCID}"


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def assert_golden(actual: str, expected_path: Path, update: bool) -> None:
    """Compare text with its expected file; --update-golden rewrites it (never silently)."""
    if update:
        expected_path.write_text(actual, encoding="utf-8")
        return
    if not expected_path.exists():
        pytest.fail(f"{expected_path} is missing; run pytest --update-golden and review it")
    expected = expected_path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                str(expected_path),
                "actual",
            )
        )
        pytest.fail(f"output differs from {expected_path.name}:\n{diff[:6000]}")


@contextmanager
def held_database(db_file: Path, *, read_only: bool = False) -> Iterator[subprocess.Popen]:
    """Another process (a notebook, say) holding the database open for the block."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, time
                con = duckdb.connect({str(db_file)!r}, read_only={read_only})
                print("ready", flush=True)
                time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"ready"
        yield holder
    finally:
        holder.kill()
        holder.wait()
