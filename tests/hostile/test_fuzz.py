"""Seeded fuzzing: mutated bills give events or one clear error, never a crash or half a file."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLES
from hostile_helpers import IMPORTERS

from analyzer.importing import import_paths

SEEDS = range(5)


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        buffer[rng.randrange(len(buffer))] = rng.randrange(256)
    return bytes(buffer)


def cut_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(lines))
        lines[at] = lines[at][: rng.randrange(len(lines[at]) + 1)]
    return b"\n".join(lines[: rng.randint(1, len(lines))])


def shuffle_columns(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    width = max(line.count(b",") for line in lines) + 1
    order = list(range(width))
    rng.shuffle(order)
    start = rng.randrange(len(lines))
    out = lines[:start]
    for line in lines[start:]:
        cells = line.split(b",")
        out.append(b",".join(cells[i] for i in order if i < len(cells)))
    return b"\n".join(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


MUTATIONS = {"flip": flip_bytes, "cut": cut_lines, "shuffle": shuffle_columns, "trunc": truncate}


def charges_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["Date", "Description", "Amount"])
    for day in range(1, 29):
        book.active.append([f"{day:02d}/10/2026", f"Charge {day}", day * 1.25])
    book.save(path)
    return path


def originals(tmp_path: Path) -> list[Path]:
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".xlsx", ".pdf"))
    return [*files, charges_workbook(tmp_path / "charges.xlsx")]


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_mutated_bills_import_or_fail_cleanly(db, tmp_path: Path, mutation: str) -> None:
    folder = tmp_path / "mutants"
    folder.mkdir()
    for original in originals(tmp_path):
        data = original.read_bytes()
        for seed in SEEDS:
            rng = random.Random(f"{mutation}-{original.name}-{seed}")
            mutant = folder / f"{original.stem}-{mutation}{seed}{original.suffix}"
            mutant.write_bytes(MUTATIONS[mutation](data, rng))
    shutil.copy(SAMPLES / "travel_wayfarer_esim_export1.csv", folder / "zz_untouched.csv")

    results = import_paths(db, [folder], importers=IMPORTERS)

    statuses = {r.status for r in results}
    assert statuses <= {"imported", "partial", "skipped", "failed", "unrecognised"}
    for result in results:
        assert "unexpected error" not in (result.reason or ""), result.reason
        if result.status == "failed":
            assert result.reason and result.reason.startswith(
                f"could not read {result.path.name}"
            ), result.reason
    untouched = [r for r in results if r.path.name == "zz_untouched.csv"]
    assert [r.status for r in untouched] in (["imported"], ["partial"], ["skipped"])
    leftovers = db.sql(
        """
        SELECT count(*) FROM sources s
        WHERE s.status = 'failed' AND (
            EXISTS (SELECT 1 FROM events e WHERE e.source_id = s.source_id)
            OR EXISTS (SELECT 1 FROM rejects r WHERE r.source_id = s.source_id)
            OR EXISTS (SELECT 1 FROM statements t WHERE t.source_id = s.source_id))
        """
    ).fetchall()
    assert leftovers == [(0,)]
    unbalanced = db.sql(
        "SELECT path FROM sources WHERE status <> 'failed' "
        "AND rows_read <> events + rejects + skipped"
    ).fetchall()
    assert unbalanced == []
