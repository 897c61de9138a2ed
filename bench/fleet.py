"""Years of a fleet on one machine: import many monthly exports, audit them, report on them.

    python bench/fleet.py --files 30          # 30 exports of 1M sessions: 30M events
    python bench/fleet.py --files 2 --rows 50000   # a quick check of the harness

Each export is the Wayfarer-style session CSV of `make_corpus.py` (January 2026), moved one
month earlier per file (later months would pass the plausible dates and be rejected) and given
its own block of ICCIDs (about 1,000 lines over the whole run). The steps
run as the CLI runs them, each in its own process so that its peak memory (`peak.py`) is its
own: `import` of the folder (one transaction per file), `run_rules`, the report, and `overlap`:
a month exported again (every session a copy of one stored) imported into a copy of the
database, with the time spent resolving its copies. Figures go to bench/FLEET.md with the
machine, versions and date.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import peak

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
RESULTS = HERE / "FLEET.md"
LINE_BLOCKS = 17  # each file's ICCIDs are moved by (file % 17) * 1000: about 1,000 lines


def seed(rows: int) -> Path:
    """The session export every file is made from (written once by make_corpus.py)."""
    path = OUT / f"wayfarer_{rows}.csv"
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "make_corpus.py"),
                str(OUT / "corpus"),
                "--events",
                str(rows),
            ],
            check=True,
        )
        (OUT / "corpus" / f"bench_wayfarer_{rows}.csv").rename(path)
    return path


def make_exports(folder: Path, files: int, rows: int) -> None:
    """``files`` monthly exports of ``rows`` sessions, written aside and renamed when whole."""
    import duckdb

    source = seed(rows)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles").mkdir(exist_ok=True)
    profile = ROOT / "sample_bills" / "profiles" / "wayfarer_csv.toml"
    (folder / "profiles" / profile.name).write_text(profile.read_text())
    con = duckdb.connect()
    for month in range(files):
        target = folder / f"sessions_{month:03d}.csv"
        if target.exists():
            continue
        moved = (
            "strftime(CAST(substr({c}, 1, 19) AS TIMESTAMP) - INTERVAL {m} MONTH, "
            "'%Y-%m-%dT%H:%M:%S') || substr({c}, 20)"
        )
        partial = target.with_suffix(".partial")
        con.execute(
            f"""
            COPY (
                SELECT {moved.format(c='"Session Start"', m=month)} AS "Session Start",
                       {moved.format(c='"Session End"', m=month)} AS "Session End",
                       Bytes, Country, Network,
                       lpad(CAST(CAST(ICCID AS HUGEINT) + {(month % LINE_BLOCKS) * 1000}
                                 AS VARCHAR), 20, '0') AS ICCID
                FROM read_csv({str(source)!r}, all_varchar = true)
            ) TO {str(partial)!r} (HEADER, DELIMITER ',')
            """
        )
        partial.rename(target)
    con.close()


def write_reexport(folder: Path, files: int) -> Path:
    """A month exported again: the middle file with two sessions swapped, so its digest differs
    and every one of its sessions is a copy of one already stored. It lies in a folder of its
    own: profiles beside it (``run.py`` puts the samples' in ``out/``) would be loaded too."""
    target = folder.parent / f"{folder.name}_reexport" / "sessions.csv"
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        with (folder / f"sessions_{files // 2:03d}.csv").open(encoding="utf-8") as source:
            header, first, second = source.readline(), source.readline(), source.readline()
            partial = target.with_suffix(".partial")
            with partial.open("w", encoding="utf-8") as out:
                out.writelines([header, second, first])
                for row in source:
                    out.write(row)
        partial.rename(target)
    return target


STEPS = {
    "import": """
from analyzer.importing import import_paths
results = import_paths(con, [folder])
bad = [r for r in results if r.status != "imported"]
assert not bad, bad[:3]
result = {"files": len(results), "events": sum(r.events for r in results)}
""",
    "rules": """
from analyzer.rules import run_rules
result = {"findings": run_rules(con).findings}
""",
    "report": """
from analyzer.report import build
html = build(con).to_html()
result = {"html_mb": round(len(html.encode()) / 1e6, 2)}
""",
    "overlap": """
import analyzer.store as store
from analyzer.importing import import_paths
resolving = {}
resolve = store.resolve_copies
def timed_resolve(con, source_id=None):
    began = time.perf_counter()
    resolve(con, source_id)
    resolving["resolve_copies_s"] = round(time.perf_counter() - began, 1)
store.resolve_copies = timed_resolve
again = folder.parent / f"{folder.name}_reexport" / "sessions.csv"
results = import_paths(con, [again], profiles=[folder / "profiles"])
assert [r.status for r in results] == ["imported"], results
superseded = con.sql("SELECT count(*) FROM events WHERE superseded").fetchall()[0][0]
result = {**resolving, "superseded": superseded}
""",
}


def run_step(step: str, db: Path, folder: Path) -> dict:
    """One step in a fresh process: its wall time, peak memory and figures."""
    script = (
        textwrap.dedent(peak.CODE)
        + textwrap.dedent(
            f"""
        import json, time
        from pathlib import Path
        from analyzer.store import open_db
        folder = Path({str(folder)!r})
        con = open_db(Path({str(db)!r}))
        reset_peak()
        start = time.perf_counter()
        """
        )
        + textwrap.dedent(STEPS[step])
        + textwrap.dedent(
            """
        seconds = time.perf_counter() - start
        con.close()
        print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), **result}))
        """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=OUT
    )
    if proc.returncode != 0:
        raise SystemExit(f"{step} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write_results(files: int, rows: int, figures: dict[str, dict], note: str) -> None:
    import importlib.metadata as md

    versions = ", ".join(f"{n} {md.version(n)}" for n in ("duckdb", "pyarrow", "altair"))
    lines = [
        "# Fleet years on one machine",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on {platform.machine()} with "
        f"{_cores()} cores, Python {platform.python_version()}; {versions}.",
        f"{files} monthly exports of {rows:,} sessions ({files * rows:,} events), imported "
        "into one database, then audited and reported on; each step in its own process "
        "(`python bench/fleet.py --files N --rows R`).",
        "",
        "| step | seconds | peak MB | figures |",
        "| --- | ---: | ---: | --- |",
    ]
    for step, f in figures.items():
        extra = ", ".join(
            f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
            for k, v in f.items()
            if k not in ("seconds", "peak_mb")
        )
        lines.append(f"| {step} | {f['seconds']:.1f} | {f['peak_mb']:,.0f} | {extra} |")
    if note:
        lines += ["", note]
    RESULTS.write_text("\n".join(lines) + "\n")


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--note", default="", help="a sentence on the conditions of the run")
    parser.add_argument(
        "--steps",
        default=",".join(STEPS),
        help="e.g. rules,report: again on the last import; rules,rules: a second run",
    )
    args = parser.parse_args()
    steps = args.steps.split(",")
    folder = OUT / f"fleet_{args.files}x{args.rows}"
    began = time.perf_counter()
    make_exports(folder, args.files, args.rows)
    print(f"exports ready in {time.perf_counter() - began:.0f} s", flush=True)
    db = OUT / f"fleet_{args.files}x{args.rows}.duckdb"
    if "import" in steps:
        for path in (db, Path(str(db) + ".wal")):
            path.unlink(missing_ok=True)
    figures = {}
    for step in steps:
        if step == "overlap":  # into a copy: the database stays the fleet's for the other steps
            write_reexport(folder, args.files)
            copy = OUT / f"{db.stem}_overlap.duckdb"
            shutil.copyfile(db, copy)
            try:
                figures[step] = run_step(step, copy, folder)
            finally:
                copy.unlink()
                Path(str(copy) + ".wal").unlink(missing_ok=True)
        else:  # a step named twice runs again on what the first left (the rules' kept tables)
            step = f"{step} again" if step in figures else step
            figures[step] = run_step(step.removesuffix(" again"), db, folder)
        print(step, figures[step], flush=True)
    write_results(args.files, args.rows, figures, args.note)


if __name__ == "__main__":
    main()
