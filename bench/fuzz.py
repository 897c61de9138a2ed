"""Fuzz campaign: mutated sample bills must fail cleanly or import with every row accounted for.

    nice -n 19 python bench/fuzz.py --minutes 30            # the campaign (not run by pytest)
    python bench/fuzz.py --minutes 1 --seed 7               # a quick look

Each mutant of a sample file (sample_bills/*.csv, *.xlsx, *.pdf) keeps its name (importers
identify files by name and header), is imported into a throwaway in-memory database through
``analyzer.importing.import_paths``, and is judged:

- crash: an exception escaped the importer, or a result says "this is a bug";
- lost: a saved source whose ``rows_read`` differs from its distinct event rows + rejects +
  skipped, counted from the tables themselves, or events whose source has no ``sources`` row;
- died: the worker process itself died (a native abort, out of memory); the input is kept.

Workers run in child processes (a batch each) so a native abort costs one input, not the
campaign. Offending inputs are copied to ``--keep`` for replay. Figures go to stdout as one
JSON object and, with ``--write``, to bench/FUZZ.md.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(
    p for p in (ROOT / "sample_bills").iterdir() if p.suffix in (".csv", ".xlsx", ".pdf")
)
INTERESTING = [
    b"\x00", b"\xff", b"\r", b"\n", b"\r\n", b",", b";", b'"', b"'", b"-", b"+", b".", b"e",
    b"1e308", b"0x10", b"NaN", b"-1", b"99999999999999999999", b"\xef\xbb\xbf", b"\t",
    b"#DIV/0!", b"\xe2\x80\xae", b"\xd9\xa2", b"2026-13-45", b"24:61:61", b"=1+1",
]  # fmt: skip


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A few random byte-level edits: flips, replacements, splices, deletions, duplications."""
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
        if not buf:
            buf.extend(rng.choice(INTERESTING))
            continue
        at = rng.randrange(len(buf))
        op = rng.randrange(6)
        if op == 0:
            buf[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[at] = rng.randrange(256)
        elif op == 2:
            buf[at:at] = rng.choice(INTERESTING)
        elif op == 3:
            del buf[at : at + rng.randint(1, 64)]
        elif op == 4:
            end = min(len(buf), at + rng.randint(1, 256))
            buf[at:at] = buf[at:end]
        else:
            buf[at : at + 1] = rng.choice(INTERESTING)
    return bytes(buf)


def mutate_xlsx(data: bytes, rng: random.Random) -> bytes:
    """Mutate one XML part inside the workbook, so the zip stays readable and the cells are hit."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    target = rng.choice([n for n in names if "sheet" in n or "sharedStrings" in n] or names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as sink:
        for name in names:
            part = source.read(name)
            sink.writestr(name, mutate(part, rng) if name == target else part)
    return out.getvalue()


def make_mutant(sample: Path, rng: random.Random) -> bytes:
    data = sample.read_bytes()
    if sample.suffix == ".xlsx" and rng.random() < 0.7:
        return mutate_xlsx(data, rng)
    return mutate(data, rng)


def judge(con, results) -> tuple[list[str], int]:
    """Crash messages and the number of rows lost in one import."""
    crashes = [f"{r.path.name}: {r.reason}" for r in results if r.reason and "a bug" in r.reason]
    lost = con.sql(
        """
        SELECT coalesce(sum(abs(s.rows_read - (
                   (SELECT count(DISTINCT (e.page, e."row")) FILTER (WHERE e."row" IS NOT NULL)
                         + count(*) FILTER (WHERE e."row" IS NULL)
                    FROM events e WHERE e.source_id = s.source_id)
                 + (SELECT count(*) FROM rejects r WHERE r.source_id = s.source_id)
                 + s.skipped))), 0)
             + (SELECT count(*) FROM events e
                WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.source_id = e.source_id))
        FROM sources s WHERE s.status <> 'failed'
        """
    ).fetchall()[0][0]
    return crashes, int(lost)


def worker(seed: int, count: int, keep: Path) -> None:
    """Import ``count`` mutants; print one JSON line per input (a 'start' line first)."""
    from analyzer.importing import import_paths
    from analyzer.store import open_db

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        for index in range(count):
            sample = rng.choice(SAMPLES)
            mutant = make_mutant(sample, rng)
            folder = Path(tmp) / str(index)
            folder.mkdir()
            path = folder / sample.name
            path.write_bytes(mutant)
            print(json.dumps({"start": str(path), "sample": sample.name}), flush=True)
            record = {"sample": sample.name, "format": sample.suffix[1:], "crash": [], "lost": 0}
            con = open_db(":memory:")
            try:
                results = import_paths(con, [path])
                record["crash"], record["lost"] = judge(con, results)
                record["status"] = results[0].status if results else "none"
            except Exception:
                record["crash"] = [traceback.format_exc(limit=8)]
                record["status"] = "exception"
            finally:
                con.close()
            if record["crash"] or record["lost"]:
                keep.mkdir(parents=True, exist_ok=True)
                name = f"{seed}-{index}-{sample.name}"
                shutil.copy(path, keep / name)
                record["kept"] = name
            print(json.dumps(record), flush=True)
            shutil.rmtree(folder)


def campaign(minutes: float, seed: int, batch: int, keep: Path) -> dict:
    """Run worker batches until the time is up; tally what they report."""
    deadline = time.monotonic() + minutes * 60
    tally = {
        "inputs": 0,
        "by_format": {},
        "by_status": {},
        "crashes": 0,
        "rows_lost": 0,
        "died": 0,
        "examples": [],
    }
    started = time.monotonic()
    next_seed = seed
    while time.monotonic() < deadline:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", str(next_seed), str(batch), str(keep)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        last_start = None
        for line in proc.stdout.splitlines():
            record = json.loads(line)
            if "start" in record:
                last_start = record
                continue
            last_start = None
            tally["inputs"] += 1
            fmt = record["format"]
            tally["by_format"][fmt] = tally["by_format"].get(fmt, 0) + 1
            status = record["status"]
            tally["by_status"][status] = tally["by_status"].get(status, 0) + 1
            if record["crash"] or record["lost"]:
                tally["crashes"] += bool(record["crash"])
                tally["rows_lost"] += record["lost"]
                if len(tally["examples"]) < 20:
                    tally["examples"].append(
                        {k: record[k] for k in ("kept", "crash", "lost") if k in record}
                    )
        if proc.returncode != 0:
            tally["died"] += 1
            tally["inputs"] += last_start is not None
            if len(tally["examples"]) < 20:
                tally["examples"].append(
                    {
                        "died": proc.returncode,
                        "seed": next_seed,
                        "input": last_start,
                        "stderr": proc.stderr[-600:],
                    }
                )
        next_seed += 1
    tally["minutes"] = round((time.monotonic() - started) / 60, 1)
    tally["seeds"] = [seed, next_seed - 1]
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=25, help="inputs per worker process")
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "fuzz-kept")
    parser.add_argument("--worker", nargs=3, metavar=("SEED", "COUNT", "KEEP"))
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), int(args.worker[1]), Path(args.worker[2]))
        return
    print(json.dumps(campaign(args.minutes, args.seed, args.batch, args.keep), indent=2))


if __name__ == "__main__":
    main()
