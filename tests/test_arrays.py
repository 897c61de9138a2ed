"""Arrow arrays built from buffers equal pyarrow's own, and an import loads no pandas."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date

import pyarrow as pa
import pytest
from conftest import SAMPLE_PROFILES, SAMPLES

from analyzer.arrays import dates, integers, strings


@pytest.mark.parametrize(
    "values",
    [
        [],
        ["a"],
        [None],
        ["", None, "x"],
        ["Zürich", None, "東京", "😀 emoji", "plain"] * 7,
        [None] * 9 + ["last"],
        [str(i) if i % 3 else None for i in range(1000)],
    ],
)
def test_strings_equal_pyarrows_array(values):
    built = strings(values)
    built.validate(full=True)
    assert built.equals(pa.array(values, pa.string()))
    assert built.to_pylist() == values


@pytest.mark.parametrize("kind", [pa.int32(), pa.int64()])
def test_integers_equal_pyarrows_array(kind):
    values = [0, 1, -5, 2**31 - 1 if kind == pa.int32() else 2**40, 7]
    built = integers(values, kind)
    built.validate(full=True)
    assert built.equals(pa.array(values, kind))
    assert integers([], kind).equals(pa.array([], kind))


@pytest.mark.parametrize(
    "values",
    [
        [],
        [date(2026, 10, 1)],
        [None],
        [date(1969, 12, 31), None, date(1, 1, 1), date(9999, 12, 31)],
    ],
)
def test_dates_equal_pyarrows_array(values):
    built = dates(values)
    built.validate(full=True)
    assert built.equals(pa.array(values, pa.date32()))
    assert built.to_pylist() == values


def test_a_pdf_import_loads_no_pandas(tmp_path):
    """pandas costs about a second of CPU to import; nothing of a PDF import needs it."""
    code = textwrap.dedent(
        f"""
        import shutil, sys
        from pathlib import Path
        from analyzer.store import open_db
        from analyzer.importing import import_paths
        folder = Path({str(tmp_path)!r})
        shutil.copy({str(SAMPLES / "us_meridian_wireless_2026-10.pdf")!r}, folder)
        shutil.copytree({str(SAMPLE_PROFILES)!r}, folder / "profiles")
        con = open_db(folder / "bills.duckdb")
        [result] = import_paths(con, [folder / "us_meridian_wireless_2026-10.pdf"])
        assert result.status == "imported", result
        print("pandas" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"
