"""Benchmarks: the analyzer against the bare libraries, measured in the same run.

    python bench/run.py            # full sizes (about 10 minutes on 2 cores)
    python bench/run.py --quick    # small sizes, to check the harness

Every figure is the median of several runs, each in a fresh subprocess so that its peak memory
(ru_maxrss) is its own. Results go to bench/RESULTS.md with the machine, versions and date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
RESULTS = HERE / "RESULTS.md"
# The sample carriers' profiles, copied beside the generated files so that they import.
SAMPLE_PROFILES = ROOT / "sample_bills" / "profiles"


def with_sample_profiles(folder: Path) -> None:
    shutil.copytree(SAMPLE_PROFILES, folder / "profiles", dirs_exist_ok=True)


def measure(code: str, runs: int = 3, setup: str = "") -> dict[str, float]:
    """Median wall time (s) of ``code`` and the largest peak RSS (MB), each run in a subprocess.

    ``setup`` runs before the clock starts (imports, fresh paths); ``code`` may set ``result``
    to a dict of extra figures, reported from the last run.
    """
    script = textwrap.dedent(
        f"""
        import json, resource, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        result = {{}}
        {textwrap.indent(textwrap.dedent(setup), "        ").strip()}
        start = time.perf_counter()
        {textwrap.indent(textwrap.dedent(code), "        ").strip()}
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({{"seconds": elapsed, "peak_mb": peak, **result}}))
        """
    )
    samples = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=OUT, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark failed:\n{proc.stderr[-3000:]}")
        samples.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    figures = dict(samples[-1])
    figures["seconds"] = statistics.median(s["seconds"] for s in samples)
    figures["peak_mb"] = max(s["peak_mb"] for s in samples)
    return figures


def wall(command: list[str], runs: int = 5) -> float:
    """Median wall time of a whole command (cold start included)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=OUT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


IMPORT_ONE = """
from pathlib import Path
from analyzer.store import open_db
from analyzer.importing import import_paths
db = Path("bench-{tag}.duckdb")
for p in (db, Path(str(db) + ".wal")):
    p.unlink(missing_ok=True)
con = open_db(db)
"""


def import_code(path: Path) -> str:
    return f"""
[r] = import_paths(con, [Path({str(path)!r})])
assert r.status in ("imported", "partial"), r
result = {{"events": r.events, "rejects": r.rejects}}
con.close()
"""


def bench_csv(events: int, runs: int) -> list[dict]:
    source = OUT / f"wayfarer_{events}.csv"
    if not source.exists():
        base = 1_000_000 if events >= 1_000_000 else events
        seed = OUT / f"wayfarer_{base}.csv"
        if not seed.exists():
            _make_corpus("--events", str(base))
            (OUT / "corpus" / f"bench_wayfarer_{base}.csv").rename(seed)
        if events != base:
            _repeat_csv(seed, source, events // base)
    bare = measure(
        f"""
import duckdb
con = duckdb.connect("bare-csv.duckdb")
con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv({str(source)!r})")
result = {{"rows": con.sql("SELECT count(*) FROM t").fetchall()[0][0]}}
con.close()
""",
        runs,
        setup="import os; [os.remove(p) for p in ('bare-csv.duckdb', 'bare-csv.duckdb.wal') if os.path.exists(p)]",
    )
    expected_mb = _CSV_PEAK_MB_PER_ROW.get("value", 0.0) * events
    if expected_mb > 0.6 * _machine_memory_mb():
        ours = {
            "seconds": float("nan"),
            "not_run": f"peak memory grows with the file ({expected_mb:,.0f} MB expected from "
            "the smaller run), more than this machine can give",
        }
    else:
        try:
            ours = measure(import_code(source), runs, setup=IMPORT_ONE.format(tag="csv"))
            _CSV_PEAK_MB_PER_ROW["value"] = ours["peak_mb"] / events
        except RuntimeError as exc:
            ours = {"error": str(exc).splitlines()[-1], "seconds": float("nan")}
    return [
        {"name": f"CSV import, {events:,} rows: bare DuckDB read_csv into a table", **bare},
        {
            "name": f"CSV import, {events:,} rows: analyzer (decode, map, validate, store)",
            **ours,
            **(
                {"ratio": bare["seconds"] / ours["seconds"]}
                if ours["seconds"] == ours["seconds"]
                else {}
            ),
        },
    ]


_CSV_PEAK_MB_PER_ROW: dict[str, float] = {}


def _machine_memory_mb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def _repeat_csv(seed: Path, target: Path, times: int) -> None:
    """``times`` copies of the seed with distinct ICCIDs; written aside, then renamed, so an
    interrupted run never leaves a short file behind to be measured next time."""
    import duckdb

    partial = target.with_suffix(".partial")
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
            SELECT s.* REPLACE (lpad(CAST(CAST(s.ICCID AS HUGEINT) + r.range * 1000 AS VARCHAR), 20, '0') AS ICCID)
            FROM range({times}) r, read_csv({str(seed)!r}, all_varchar = true) s
        ) TO {str(partial)!r} (HEADER, DELIMITER ',')
        """
    )
    con.close()
    partial.rename(target)


def _make_corpus(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(HERE / "make_corpus.py"), str(OUT / "corpus"), *args], check=True
    )


def bench_xlsx(rows: int, runs: int) -> list[dict]:
    target = OUT / f"conecta_{rows}.xlsx"
    if not target.exists():
        _make_corpus("--xlsx-rows", str(rows))
        (OUT / "corpus" / f"bench_conecta_{rows}.xlsx").rename(target)
    openpyxl = measure(
        f"""
import openpyxl
wb = openpyxl.load_workbook({str(target)!r}, read_only=True, data_only=True)
n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
wb.close()
result = {{"rows": n}}
""",
        runs,
    )
    calamine = measure(
        f"""
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path({str(target)!r})
result = {{"rows": len(wb.get_sheet_by_index(0).to_python())}}
""",
        runs,
    )
    figures = [
        {"name": f"XLSX, {rows:,} rows: bare openpyxl read-only iteration", **openpyxl},
        {
            "name": f"XLSX, {rows:,} rows: bare python-calamine",
            **calamine,
            "ratio": openpyxl["seconds"] / calamine["seconds"],
        },
    ]
    try:
        ours = measure(import_code(target), runs, setup=IMPORT_ONE.format(tag="xlsx"))
        figures.append(
            {
                "name": f"XLSX import, {rows:,} rows: analyzer end to end",
                **ours,
                "ratio": openpyxl["seconds"] / ours["seconds"],
            }
        )
    except RuntimeError as exc:
        figures.append({"name": "XLSX import: analyzer", "error": str(exc).splitlines()[-1]})
    return figures


def bench_pdf(pages: int, runs: int) -> list[dict]:
    target = OUT / f"meridian_{pages}p.pdf"
    if not target.exists():
        _make_corpus("--pages", str(pages))
        (OUT / "corpus" / f"bench_meridian_{pages}p.pdf").rename(target)
    import pypdfium2

    document = pypdfium2.PdfDocument(target)
    pages = len(document)  # the generator aims at the size asked for; count what it wrote
    document.close()
    table = measure(
        f"""
import pdfplumber
n = 0
with pdfplumber.open({str(target)!r}) as pdf:
    for page in pdf.pages:
        n += len(page.extract_table() or [])
        page.close()
result = {{"pages": {pages}, "rows": n}}
""",
        1,
    )
    words = measure(
        f"""
sys.path.insert(0, {str(HERE)!r})
from pathlib import Path
from bench_pdf import plumber_pages
plumber_pages(Path({str(target)!r}), words=True)
result = {{"pages": {pages}}}
""",
        1,
    )
    pdfium = measure(
        f"""
sys.path.insert(0, {str(HERE)!r})
from pathlib import Path
from bench_pdf import pdfium_pages
pdfium_pages(Path({str(target)!r}))
result = {{"pages": {pages}}}
""",
        runs,
    )
    same = measure(
        f"""
sys.path.insert(0, {str(HERE)!r})
from pathlib import Path
from bench_pdf import same_rows
result = {{"same_rows": same_rows(Path({str(target)!r}))}}
""",
        1,
    )
    figures = [
        {"name": f"PDF, {pages} pages: bare pdfplumber extract_table", **table},
        {"name": f"PDF, {pages} pages: bare pdfplumber extract_words", **words},
        {"name": f"PDF, {pages} pages: bare pypdfium2 text (the practical ceiling)", **pdfium},
        {
            "name": "PDF: the layout cuts the same rows from pypdfium2 and pdfplumber text",
            "same_rows": same["same_rows"],
        },
    ]
    try:
        ours = measure(import_code(target), runs, setup=IMPORT_ONE.format(tag="pdf"))
        figures.append(
            {
                "name": f"PDF import, {pages} pages: analyzer end to end",
                **ours,
                "ratio": table["seconds"] / ours["seconds"],
            }
        )
    except RuntimeError as exc:
        figures.append({"name": "PDF import: analyzer", "error": str(exc).splitlines()[-1]})
    for figure in figures:
        if "seconds" in figure:
            figure["pages_per_s"] = pages / figure["seconds"]
    return figures


SYNTHETIC_EVENTS = """
sys.path.insert(0, {here!r})
from pathlib import Path
from analyzer.store import open_db
from rules_bench import build, time_each_rule
db = Path("synthetic-{n}.duckdb")
if not db.exists():
    build(db, {n}, 1000)
con = open_db(db)
"""


def bench_rules(events: int, runs: int) -> list[dict]:
    """The rules and the report over a synthetic database (bench/rules_bench.py builds it)."""
    setup = SYNTHETIC_EVENTS.format(n=events, here=str(HERE))
    baseline = measure(
        """
con.sql('''
    SELECT line, day, sum(b) OVER (PARTITION BY line ORDER BY day
                                   RANGE BETWEEN INTERVAL 6 DAY PRECEDING AND CURRENT ROW)
    FROM (SELECT line, CAST(started_at AS DATE) AS day, sum(quantity) AS b
          FROM events GROUP BY ALL)
''').fetchall()
""",
        runs,
        setup=setup,
    )
    ours = measure(
        """
from analyzer.rules import run_rules
result = {"findings": run_rules(con).findings}
con.close()
""",
        runs,
        setup=setup,
    )
    each = measure(
        """
result = {rule: f"{seconds:.2f} s, {found} findings" for rule, seconds, found in time_each_rule(con)}
con.close()
""",
        1,
        setup=setup,
    )
    report = measure(
        """
from analyzer.report import build
html = build(con).to_html()
result = {"html_mb": len(html.encode()) / 1e6}
con.close()
""",
        runs,
        setup=setup,
    )
    each.pop("seconds")
    each.pop("peak_mb")
    return [
        {"name": f"Baseline: rolling 7-day window per line over {events:,} events", **baseline},
        {
            "name": f"All rules over {events:,} events",
            **ours,
            "ratio": baseline["seconds"] / ours["seconds"],
        },
        {"name": "Each rule alone (one run)", **each},
        {
            "name": f"Report build over {events:,} events",
            **report,
            "ratio": baseline["seconds"] / report["seconds"],
        },
    ]


def bench_rerun(files: int, runs: int) -> list[dict]:
    folder = OUT / f"folder_{files}"
    if not folder.exists():
        folder.mkdir(parents=True)
        header = "Session Start,Session End,Bytes,Country,Network,ICCID\n"
        for k in range(files):
            rows = "".join(
                f"2026-10-{d:02d}T09:00:00+10:00,2026-10-{d:02d}T09:30:00+10:00,{1000 * d + k},AU,"
                f"Net 505-01,894420000000{k:08d}\n"
                for d in range(1, 29)
            )
            (folder / f"export_{k:03d}.csv").write_text(header + rows)
    with_sample_profiles(folder)
    db = OUT / "rerun.duckdb"
    analyzer = [str(Path(sys.executable).parent / "analyzer"), "--db", str(db)]
    subprocess.run(
        [*analyzer, "run", str(folder), "--out", str(OUT / "rerun.html")],
        capture_output=True,
        check=False,
        cwd=OUT,
    )
    rerun = wall([*analyzer, "import", str(folder)], runs)
    rerun_all = wall([*analyzer, "run", str(folder), "--out", str(OUT / "rerun.html")], runs)
    interpreter = wall([sys.executable, "-c", "pass"], runs)
    help_time = wall([*analyzer[:1], "--help"], 7)
    return [
        {
            "name": f"Re-import of an unchanged folder of {files} bills: analyzer import (wall)",
            "seconds": rerun,
            "beyond_interpreter_s": rerun - interpreter,
        },
        {
            "name": f"Re-run on an unchanged folder of {files} bills: analyzer run (wall)",
            "seconds": rerun_all,
            "beyond_interpreter_s": rerun_all - interpreter,
        },
        {"name": "CLI cold start: analyzer --help (wall)", "seconds": help_time},
        {"name": "Interpreter start: python -c pass (wall)", "seconds": interpreter},
    ]


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def versions() -> str:
    import importlib.metadata as md

    names = [
        "duckdb",
        "pandas",
        "pyarrow",
        "pdfplumber",
        "pypdfium2",
        "openpyxl",
        "python-calamine",
        "altair",
        "vl-convert-python",
    ]
    return ", ".join(f"{n} {md.version(n)}" for n in names)


def write_results(figures: list[dict], args: argparse.Namespace) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {versions()}.",
        f"Sizes: CSV {args.events:,} rows, XLSX {args.xlsx_rows:,} rows, PDF {args.pages} pages, "
        f"rules/report {args.rule_events:,} events. Median of {args.runs} runs (1 for pdfplumber); "
        "peak memory is the largest ru_maxrss of the runs. Ratio: baseline time / this time "
        "(above 1 means faster than the baseline).",
        "",
        "| measurement | seconds | peak MB | ratio | other |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for f in figures:
        ratio = f"{f['ratio']:.2f}x" if "ratio" in f else ""
        other = ", ".join(
            f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v}"
            for k, v in f.items()
            if k not in ("name", "seconds", "peak_mb", "ratio")
        )
        lines.append(
            f"| {f['name']} | {_number(f.get('seconds'), 3)} | {_number(f.get('peak_mb'), 0)} "
            f"| {ratio} | {other} |"
        )
    lines += ["", *targets(figures)]
    RESULTS.write_text("\n".join(lines) + "\n" + kept_analysis(), encoding="utf-8")


def _find(figures: list[dict], *words: str) -> list[dict]:
    return [f for f in figures if all(w in f["name"] for w in words) and "seconds" in f]


def targets(figures: list[dict]) -> list[str]:
    """The issue's targets against this run's figures: met, missed, or not measured."""
    checks: list[tuple[str, str, list[dict], object]] = [
        ("PDF import", ">= 10x pdfplumber extract_table pages/s",
         _find(figures, "PDF import"), lambda f: f.get("ratio", 0) >= 10),
        ("CSV import", ">= 0.5x bare DuckDB read_csv",
         _find(figures, "CSV import", "analyzer"), lambda f: f.get("ratio", 0) >= 0.5),
        ("XLSX import", ">= 10x openpyxl read-only",
         _find(figures, "XLSX import"), lambda f: f.get("ratio", 0) >= 10),
        ("all rules", "< 10 s", _find(figures, "All rules"), lambda f: f["seconds"] < 10),
        ("report build", "< 8 s and HTML < 1.5 MB", _find(figures, "Report build"),
         lambda f: f["seconds"] < 8 and f.get("html_mb", 99) < 1.5),
        ("re-run, 100 unchanged bills", "< 1 s beyond interpreter start",
         _find(figures, "unchanged folder"), lambda f: f["beyond_interpreter_s"] < 1),
        ("`analyzer --help`", "< 0.3 s", _find(figures, "--help"), lambda f: f["seconds"] < 0.3),
        ("peak memory", "< 1 GB", [f for f in figures if f.get("peak_mb")],
         lambda f: f["peak_mb"] < 1024),
    ]  # fmt: skip
    lines = ["## Targets", "", "| figure | target | this run |", "| --- | --- | --- |"]
    for label, target, found, met in checks:
        if not found:
            verdict = "not measured"
        else:
            missed = [f["name"] for f in found if not met(f)]
            verdict = "missed: " + "; ".join(missed) if missed else "met"
        lines.append(f"| {label} | {target} | {verdict} |")
    return lines


def kept_analysis() -> str:
    """The hand-written analysis below the figures survives a new run (it cites them)."""
    if not RESULTS.exists():
        return ""
    text = RESULTS.read_text(encoding="utf-8")
    start = text.find("\n## Analysis")
    return text[start:] if start >= 0 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes to check the harness")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.events = 100_000 if args.quick else 10_000_000
    args.xlsx_rows = 20_000 if args.quick else 200_000
    args.pages = 10 if args.quick else 50
    args.rule_events = 200_000 if args.quick else 10_000_000
    OUT.mkdir(exist_ok=True)
    with_sample_profiles(OUT)
    figures: list[dict] = []
    for name, step in (
        ("csv 1M", lambda: bench_csv(min(args.events, 1_000_000), args.runs)),
        ("csv", lambda: bench_csv(args.events, args.runs) if args.events > 1_000_000 else []),
        ("xlsx", lambda: bench_xlsx(args.xlsx_rows, args.runs)),
        ("pdf", lambda: bench_pdf(args.pages, args.runs)),
        ("rules", lambda: bench_rules(args.rule_events, args.runs)),
        ("rerun", lambda: bench_rerun(100, args.runs)),
    ):
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            figures.extend(step())
        except RuntimeError as exc:  # one broken measurement must not hide the others
            figures.append({"name": f"{name}: not measured", "error": str(exc).splitlines()[-1]})
        write_results(figures, args)
    print(f"wrote {RESULTS}", file=sys.stderr)
    if not args.quick:
        shutil.rmtree(OUT / "corpus", ignore_errors=True)


if __name__ == "__main__":
    main()
