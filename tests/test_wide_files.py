"""Bills padded with empty columns (spreadsheets save a thousand) read as the bill they pad."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from conftest import SAMPLE_PROFILES, SAMPLES, sample_profile

from analyzer.cli import cli
from analyzer.importers import ImportOptions
from analyzer.importers.base import MAX_COLUMNS

MERIDIAN = SAMPLES / "us_meridian_wireless_usage_2026-10-10_2026-10-25.csv"


def padded(target: Path, extra: int) -> Path:
    """The Meridian sample with ``extra`` empty columns, named, after its own."""
    with MERIDIAN.open(newline="") as src:
        rows = list(csv.reader(src))
    with target.open("w", newline="") as dst:
        out = csv.writer(dst)
        out.writerow([*rows[0], *(f"Extra {i}" for i in range(extra))])
        out.writerows([*row, *[""] * extra] for row in rows[1:])
    return target


def events_of(path: Path) -> tuple[list[dict], int]:
    """The events a file maps to (less their rows' text) and its count of rejects."""
    extracted = sample_profile("meridian_csv").extract(path, ImportOptions())
    return [
        {k: v for k, v in e.items() if k != "raw"} for e in extracted.events.to_pylist()
    ], extracted.rejects.num_rows


def test_a_bill_padded_to_1200_columns_reads_as_the_bill(tmp_path: Path) -> None:
    wide = padded(tmp_path / "meridian_wide.csv", 1200 - 11)
    events, rejects = events_of(wide)
    assert (events, rejects) == events_of(MERIDIAN)
    assert len(events) > 100


def test_explain_reads_a_bill_padded_to_1200_columns(tmp_path: Path) -> None:
    wide = padded(tmp_path / "meridian_wide.csv", 1200 - 11)
    result = CliRunner().invoke(cli, ["explain", str(wide), "--profiles", str(SAMPLE_PROFILES)])
    assert result.exit_code == 0, result.output
    assert "meridian_csv" in result.output and "Rejects: 0" in result.output


def test_a_bill_wider_than_the_limit_is_refused_with_its_width(tmp_path: Path) -> None:
    wide = padded(tmp_path / "meridian_wide.csv", MAX_COLUMNS)
    result = CliRunner().invoke(cli, ["explain", str(wide), "--profiles", str(SAMPLE_PROFILES)])
    assert result.exit_code != 0
    assert (
        f"could not read meridian_wide.csv: it has {MAX_COLUMNS + 11:,} columns, more than the "
        f"{MAX_COLUMNS:,} a bill may have" in result.output
    )
    assert "delimiter" not in result.output
