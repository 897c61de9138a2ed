"""A process's fixed cost: compiled profiles kept between runs, and heavy modules kept out of
the import paths that do not use them (checked in fresh interpreters)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SAMPLE_PROFILES, SAMPLES

from analyzer.errors import ProfileError
from analyzer.importers.profile import load_profile
from analyzer.importers.profile_files import cache_folder, compiled_profiles, load_profiles

SHIPPED = Path(__file__).resolve().parent.parent / "analyzer" / "profiles"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "usage-analyzer" / "profiles"


@pytest.mark.parametrize("folder", [SHIPPED, SAMPLE_PROFILES])
def test_kept_layouts_equal_freshly_compiled_ones(cache, folder):
    paths = sorted(folder.glob("*.toml"))
    fresh = [load_profile(path) for path in paths]
    assert list(compiled_profiles(paths)) == fresh
    assert cache_folder() == cache and len(list(cache.glob("*.pickle"))) == 1
    assert list(compiled_profiles(paths)) == fresh  # this time from the cache


def _profile(folder: Path, header: str) -> Path:
    source = (SAMPLE_PROFILES / "wayfarer_csv.toml").read_text(encoding="utf-8")
    assert '"Session Start"' in source
    path = folder / "wayfarer_csv.toml"
    path.write_text(source.replace('"Session Start"', f'"{header}"'), encoding="utf-8")
    return path


def test_a_profile_edited_in_place_is_compiled_again(cache, tmp_path):
    """Same size, same modification time, other bytes: the cache keys on the bytes."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    path = _profile(folder, "Session Start")
    stat = path.stat()
    [first] = load_profiles([folder])
    _profile(folder, "Session Begin")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    [second] = load_profiles([folder])
    assert second == load_profile(path) != first


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage"])
def test_a_corrupt_cache_is_built_again(cache, damage):
    paths = sorted(SAMPLE_PROFILES.glob("*.toml"))
    fresh = list(compiled_profiles(paths))
    [store] = cache.glob("*.pickle")
    store.write_bytes(damage)
    assert list(compiled_profiles(paths)) == fresh
    assert store.read_bytes() != damage  # written again


def test_a_cache_that_cannot_be_written_is_no_error(cache, tmp_path, monkeypatch):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    paths = sorted(SAMPLE_PROFILES.glob("*.toml"))
    assert list(compiled_profiles(paths)) == [load_profile(path) for path in paths]


def test_a_broken_profile_is_never_kept(cache, tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    good = _profile(folder, "Session Start")
    broken = folder / "zz_broken.toml"
    broken.write_text('name = "zz"\nformat = "csv"\n[read]\nheadr = ["A"]\n', encoding="utf-8")
    messages = []
    for _ in range(2):
        with pytest.raises(ProfileError) as caught:
            load_profiles([folder])
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and messages[0].startswith(f"{broken}: ")
    broken.unlink()
    assert load_profiles([folder]) == [load_profile(good)]


HEAVY = (
    "pandas",
    "pydantic",
    "babel",
    "pyarrow.compute",
    "analyzer.importers.profile_schema",
    "phonenumbers.geodata.locale",
)


def _modules_after_import(folder: Path, name: str, cache: Path) -> list[str]:
    """Import ``name`` from ``folder`` in a fresh interpreter; the heavy modules it loaded."""
    code = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from analyzer.store import open_db
        from analyzer.importing import import_paths
        folder = Path({str(folder)!r})
        con = open_db(folder / "bills.duckdb")
        [result] = import_paths(con, [folder / {name!r}])
        assert result.status == "imported", result
        con.close()
        (folder / "bills.duckdb").unlink()
        print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
        """
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("name", "loaded"),
    [
        ("au_southern_cross_2026-10.csv", []),
        ("cu_conecta_caribe.xlsx", []),
        ("us_meridian_wireless_2026-10.pdf", ["pyarrow.compute"]),
    ],
)
def test_an_import_with_kept_profiles_loads_no_heavy_module(tmp_path, name, loaded):
    """pandas (about a second), the profile language's models (pydantic), babel's locale
    data and phonenumbers' country names in every language are not needed once the profiles
    are compiled and the names' table built (the first run keeps both); pyarrow's compute
    functions only where a PDF's rows use them."""
    shutil.copy(SAMPLES / name, tmp_path)
    shutil.copytree(SAMPLE_PROFILES, tmp_path / "profiles")
    first = _modules_after_import(tmp_path, name, tmp_path / "cache")
    assert "pydantic" in first and "pandas" not in first
    assert _modules_after_import(tmp_path, name, tmp_path / "cache") == loaded


def test_sampling_a_large_sheet_for_its_date_format_loads_no_pandas():
    """A workbook of more than twice the sample's rows is sampled from its Arrow table."""
    code = textwrap.dedent(
        """
        import sys, duckdb, pyarrow as pa
        from analyzer.arrays import strings
        from analyzer.importers.base import Staged
        from analyzer.importers.date_formats import SAMPLE_ROWS, _sample
        rows = 2 * SAMPLE_ROWS + 1
        table = pa.table({"c0": strings([f"2026-10-{1 + i % 28:02d}" for i in range(rows)])})
        con = duckdb.connect()
        name = _sample(con, Staged(table=table, names=("Date",), rows_read=rows))
        count = con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        print(count == SAMPLE_ROWS, "pandas" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["True", "False"]


def test_country_names_are_kept_and_a_damaged_copy_is_built_again(cache):
    from analyzer.importers import countries

    built = countries._build_country_names()
    assert built.num_rows > 1000
    for damage in (None, b"", b"ARROW1 but not really"):
        countries._country_names.cache_clear()
        kept = countries._cache_file()
        assert kept is not None and kept.parent == cache.parent
        if damage is not None:
            kept.write_bytes(damage)
        assert countries._country_names().equals(built)
        countries._country_names.cache_clear()
        assert countries._country_names().equals(built)  # read from the kept file
        assert [p.name for p in cache.parent.glob("country-names-*")] == [kept.name]
    countries._country_names.cache_clear()


def test_help_loads_no_command_module_nor_duckdb():
    """`analyzer --help` lists the commands from their summaries: loading every command's
    module (and DuckDB) would double its time."""
    code = textwrap.dedent(
        """
        import json, sys
        from analyzer.cli import main
        try:
            main()
        except SystemExit:
            pass
        print(json.dumps(sorted(m for m in sys.modules if m == "duckdb"
                                or m.startswith("analyzer.cli.") and m != "analyzer.cli.base")))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "run       The main job" in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
