"""Scaled-up sample files for the benchmarks (not committed; write them to a scratch folder).

    python bench/make_corpus.py OUTDIR --events 1000000 --pages 50 --xlsx-rows 200000 --lines 1000

Each option writes one file in the layout of a sample carrier, reusing the generators of
`sample_bills/samplegen/` (loaded by path, nothing to install):

- `--events N`: Wayfarer-style session CSV with N rows, streamed in chunks (flat memory).
- `--pages N`: Meridian-style itemised PDF with about N pages of usage rows.
- `--xlsx-rows N`: Conecta Caribe-style XLSX with N usage rows (openpyxl write-only mode).
- `--lines N`: Keystone-style fleet CSV, N lines x 12 months, with its `Total` row.

The sample carriers' profiles (`sample_bills/profiles/`) are copied to `OUTDIR/profiles/`, so
the folder imports like `sample_bills/` does. Output is deterministic for given options (fixed
seeds, no wall-clock time).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import itertools
import random
import shutil
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from types import SimpleNamespace

SAMPLES = Path(__file__).resolve().parent.parent / "sample_bills"
PROFILES = SAMPLES / "profiles"


def load_samples() -> SimpleNamespace:
    """The sample generator's carrier modules (sample_bills/samplegen/), nothing to install."""
    sys.path.insert(0, str(SAMPLES))
    names: dict[str, object] = {}
    for carrier in ("common", "formats", "conecta", "meridian", "keystone", "wayfarer"):
        names |= vars(importlib.import_module(f"samplegen.{carrier}"))
    return SimpleNamespace(**names)


ms = load_samples()
LEGS = ("AU", "NZ", "FJ", "NZ")  # each line travels: ten days per stop, then the next


def wayfarer_rows(rng: random.Random, n: int) -> Iterator[list[object]]:
    """n session rows, one ICCID after another over 2026, ~12 sessions a day of ~25 MB each.

    A lean loop (one random draw per field) so a million rows take seconds; the header, row
    format, networks and ICCIDs are the sample's.
    """
    rand = rng.random
    for k in itertools.count():
        iccid = ms.luhn(f"89442000{k:011d}")
        for i, d in enumerate(ms.days(date(2026, 1, 1), date(2026, 12, 31))):
            country = LEGS[i // 10 % len(LEGS)]
            network = ms.WF_NETWORKS[country][i % len(ms.WF_NETWORKS[country])]
            t = datetime.combine(d, time(6))
            for _ in range(12):
                start = t + timedelta(seconds=int(rand() * 3600))
                t = start + timedelta(seconds=60 + int(rand() * 1800))
                size = int(rand() * 50 * ms.MB)
                yield [
                    ms.iso_local(start, country),
                    ms.iso_local(t, country),
                    size,
                    country,
                    network,
                    iccid,
                ]
                n -= 1
                if n == 0:
                    return


def write_events(out: Path, n: int) -> Path:
    path = out / f"bench_wayfarer_{n}.csv"
    rows = wayfarer_rows(random.Random(ms.SEED), n)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(ms.WF_HEADER)
        while chunk := list(itertools.islice(rows, 50_000)):
            writer.writerows(chunk)
    return path


def write_pages(out: Path, pages: int) -> Path:
    """About 55 usage rows fit a page; the three lines log ~12.5 rows a day, in the days before
    the sample bill's period ends (so that every date is plausible)."""
    rng = random.Random(ms.SEED + 2)
    end = ms.MW_START
    start = end - timedelta(days=max(1, pages * 55 * 2 // 25))
    usage = ms.meridian_usage(rng, start, end, trip=False)
    events = []
    for i, (line, _, _) in enumerate(ms.US_LINES):
        mine = [e for e in usage if e.line == line]
        events += ms.meridian_charges(line, i, start, [e for e in mine if e.amount]) + mine
    pdf = ms.render_meridian(start, end, events)
    path = out / f"bench_meridian_{pages}p.pdf"
    path.write_bytes(bytes(pdf.output()))
    print(f"  {pdf.page_no()} pages", file=sys.stderr)
    return path


def conecta_rows(rng: random.Random, n: int) -> Iterator[list[object]]:
    """n `Consumo` data rows, day after day from 2000-01-01 (about 120 a day, so that a million
    rows end before today and every date is plausible)."""
    for d in ms.days(date(2000, 1, 1), date(9999, 12, 31)):
        for start, end, b in ms.day_sessions(rng, d, int(250 * ms.MB), (100, 140)):
            qty = ms.to_bytes(round(ms.Decimal(b) / ms.MB, 2), 2)
            fields = ("CU", None, "", end, "Datos del plan", ms.CU_NET)
            yield ms.conecta_row(ms.Event(ms.CU_LINE, start, "data", qty, ms.ZERO, "CUP", *fields))
            n -= 1
            if n == 0:
                return


def write_xlsx(out: Path, n: int) -> Path:
    rows = conecta_rows(random.Random(ms.SEED), n)
    title = ["Conecta Caribe - Consumo de la línea +53 5 1234567", "Generado: 01/11/2026 09:00"]
    path = out / f"bench_conecta_{n}.xlsx"
    path.write_bytes(ms.conecta_xlsx(rows, [("Generado", "01/11/2026 09:00")], title))
    return path


def write_fleet(out: Path, lines: int) -> Path:
    months = []
    for m in range(1, 13):
        first = date(2026, m, 1)
        months.append((first, (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)))
    rows = [row for _, row in ms.keystone_rows(random.Random(ms.SEED), lines, months)]
    path = out / f"bench_keystone_{lines}x12.csv"
    path.write_bytes(ms.keystone_csv(rows))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--events", type=int, default=0, help="rows of the session CSV")
    parser.add_argument("--pages", type=int, default=0, help="pages of the itemised PDF")
    parser.add_argument("--xlsx-rows", type=int, default=0, help="usage rows of the XLSX")
    parser.add_argument("--lines", type=int, default=0, help="fleet lines (x 12 months)")
    args = parser.parse_args(argv)
    jobs = [
        (args.events, write_events),
        (args.pages, write_pages),
        (args.xlsx_rows, write_xlsx),
        (args.lines, write_fleet),
    ]
    if not any(size for size, _ in jobs):
        parser.error("nothing to write: give --events, --pages, --xlsx-rows or --lines")
    args.outdir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROFILES, args.outdir / "profiles", dirs_exist_ok=True)
    for size, job in jobs:
        if size > 0:
            began = perf_counter()
            path = job(args.outdir, size)
            took = perf_counter() - began
            print(f"{path} ({path.stat().st_size:,} bytes, {took:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
