"""Benchmarks: the analyzer against the bare libraries, measured in the same run.

    python bench/run.py            # full sizes (about 10 minutes on 2 cores)
    python bench/run.py --quick    # small sizes, to check the harness
    python bench/run.py --only xlsx,pdf --xlsx-rows 100000 --pages 50,400

Every figure is the median of several runs, each in a fresh subprocess so that its peak memory
is its own (``peak.py``). Results go to bench/RESULTS.md with the machine, versions and date.
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
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import peak

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
# As a user's shell runs the analyzer: Python keeps compiled modules (a sandbox or CI that sets
# PYTHONDONTWRITEBYTECODE would make every process compile the analyzer's modules again).
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
RESULTS = HERE / "RESULTS.md"
# The sample carriers' profiles, copied beside the generated files so that they import.
SAMPLE_PROFILES = ROOT / "sample_bills" / "profiles"
STEPS = ("csv", "xlsx", "pdf", "rules", "rerun")


def with_sample_profiles(folder: Path) -> None:
    shutil.copytree(SAMPLE_PROFILES, folder / "profiles", dirs_exist_ok=True)


def measure(
    code: str, runs: int = 3, setup: str = "", whole: bool = False, root: Path = ROOT
) -> dict[str, float]:
    """Median wall time (s) of ``code`` and the largest peak RSS (MB), each run in a subprocess.

    ``setup`` runs before the clock starts (imports, fresh paths); ``code`` may set ``result``
    to a dict of extra figures, reported from the last run. ``whole``: the time is the whole
    process's (interpreter start, imports and setup included). The peak memory is that of
    ``code`` (from the end of ``setup``) or of any reader process it ran, whichever is larger
    (see ``peak.py``). ``root``: the checkout whose ``analyzer`` is imported.
    """
    script = textwrap.dedent(
        f"""
        import json, sys, time
        {textwrap.indent(textwrap.dedent(peak.CODE), "        ").strip()}
        sys.path.insert(0, {str(root)!r})
        result = {{}}
        {textwrap.indent(textwrap.dedent(setup), "        ").strip()}
        reset_peak()
        start = time.perf_counter()
        {textwrap.indent(textwrap.dedent(code), "        ").strip()}
        elapsed = time.perf_counter() - start
        print(json.dumps({{"seconds": elapsed, "peak_mb": peak_mb(children=True), **result}}))
        """
    )
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            cwd=OUT,
            check=False,
            env=USER_ENV,
        )
        took = time.perf_counter() - began
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark failed:\n{proc.stderr[-3000:]}")
        samples.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        if whole:
            samples[-1]["seconds"] = took
    figures = dict(samples[-1])
    figures["seconds"] = statistics.median(s["seconds"] for s in samples)
    figures["peak_mb"] = max(s["peak_mb"] for s in samples)
    return figures


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
    theirs = None
    try:
        ours, theirs = side_by_side(import_code(source), runs, setup=IMPORT_ONE.format(tag="csv"))
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
        *_baseline_row(f"CSV import, {events:,} rows", theirs, ours, bare),
    ]


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


WHOLE_IMPORT = """
from pathlib import Path
from analyzer.store import open_db
from analyzer.importing import import_paths
db = Path("bench-{tag}.duckdb")
for p in (db, Path(str(db) + ".wal")):
    p.unlink(missing_ok=True)
con = open_db(db)
[r] = import_paths(con, [Path({path!r})])
assert r.status in ("imported", "partial"), r
result = {{"events": r.events, "rejects": r.rejects}}
con.close()
"""


# Another checkout's analyzer (``--baseline``), imported side by side with this one.
BASELINE: Path | None = None


def side_by_side(
    code: str, runs: int, *, setup: str = "", whole: bool = False
) -> tuple[dict, dict | None]:
    """This checkout's figures and, with ``--baseline``, the other checkout's, run after run
    in turn (so that both see the same machine load: its speed can move by half within
    minutes); medians of each. See :func:`measure` for ``setup`` and ``whole``."""
    if BASELINE is None:
        return measure(code, runs, setup=setup, whole=whole), None
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(measure(code, 1, setup=setup, whole=whole))
        theirs.append(measure(code, 1, setup=setup, whole=whole, root=BASELINE))
    return _median_of(ours), _median_of(theirs)


def _median_of(samples: list[dict]) -> dict:
    figures = dict(samples[-1])
    figures["seconds"] = statistics.median(s["seconds"] for s in samples)
    figures["peak_mb"] = max(s["peak_mb"] for s in samples)
    return figures


def _baseline_row(name: str, theirs: dict | None, ours: dict, reference: dict) -> list[dict]:
    """The baseline checkout's figure, and this checkout's speed-up over it."""
    if theirs is None:
        return []
    return [
        {
            "name": f"{name}: analyzer of the baseline checkout ({BASELINE})",
            **theirs,
            "ratio": reference["seconds"] / theirs["seconds"],
            "this_checkout_faster": theirs["seconds"] / ours["seconds"],
        }
    ]


def bench_xlsx(rows: int, runs: int) -> list[dict]:
    """A workbook read by openpyxl (read-only), python-calamine and fastexcel alone, and
    imported by the analyzer: each a whole process (interpreter start and imports included)."""
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
        1 if rows > 200_000 else runs,
        whole=True,
    )
    calamine = measure(
        f"""
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path({str(target)!r})
result = {{"rows": len(wb.get_sheet_by_index(0).to_python())}}
""",
        runs,
        whole=True,
    )
    fastexcel = measure(
        f"""
import fastexcel
sheet = fastexcel.read_excel({str(target)!r}).load_sheet(0, header_row=None)
result = {{"rows": sheet.to_arrow().num_rows}}
""",
        runs,
        whole=True,
    )
    figures = [
        {"name": f"XLSX, {rows:,} rows: bare openpyxl read-only iteration", **openpyxl},
        {
            "name": f"XLSX, {rows:,} rows: bare python-calamine",
            **calamine,
            "ratio": openpyxl["seconds"] / calamine["seconds"],
        },
        {
            "name": f"XLSX, {rows:,} rows: bare fastexcel into Arrow (the practical ceiling)",
            **fastexcel,
            "ratio": openpyxl["seconds"] / fastexcel["seconds"],
        },
    ]
    try:
        code = WHOLE_IMPORT.format(tag="xlsx", path=str(target))
        ours, theirs = side_by_side(code, runs, whole=True)
        figures.append(
            {
                "name": f"XLSX import, {rows:,} rows: analyzer end to end",
                **ours,
                "ratio": openpyxl["seconds"] / ours["seconds"],
            }
        )
        figures += _baseline_row(f"XLSX, {rows:,} rows", theirs, ours, openpyxl)
    except RuntimeError as exc:
        figures.append({"name": "XLSX import: analyzer", "error": str(exc).splitlines()[-1]})
    return figures


def bench_pdf(pages: int, runs: int) -> list[dict]:
    """A PDF bill read by pdfplumber and pypdfium2 alone, and imported by the analyzer: each a
    whole process (interpreter start and imports included)."""
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
        whole=True,
    )
    pdfium = measure(
        f"""
import pypdfium2
document = pypdfium2.PdfDocument({str(target)!r})
for index in range(len(document)):
    page = document[index]
    textpage = page.get_textpage()
    textpage.get_text_range()
    textpage.close()
    page.close()
document.close()
result = {{"pages": {pages}}}
""",
        runs,
        whole=True,
    )
    figures = [
        {"name": f"PDF, {pages} pages: bare pdfplumber extract_table", **table},
        {"name": f"PDF, {pages} pages: bare pypdfium2 text (the practical ceiling)", **pdfium},
    ]
    try:
        code = WHOLE_IMPORT.format(tag="pdf", path=str(target))
        ours, theirs = side_by_side(code, runs, whole=True)
        figures.append(
            {
                "name": f"PDF import, {pages} pages: analyzer end to end",
                **ours,
                "ratio": table["seconds"] / ours["seconds"],
                "vs_pypdfium2": ours["seconds"] / pdfium["seconds"],
            }
        )
        figures += _baseline_row(f"PDF, {pages} pages", theirs, ours, table)
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


# The rules' kept tables (a line's days and parts of a day) make a run's time depend on what
# changed since the last one: each scenario runs on its own copy of the synthetic database.
RULES_SCENARIOS = {
    "first": "first run (kept tables computed)",
    "month": "after its last month is imported again",
    "unchanged": "nothing changed since the last run",
}
RULES_SCENARIO = """
import os, shutil
from analyzer.rules import run_rules
from analyzer.rules.shared import DIGEST_KEY
con.close()
copy = Path("rules-{scenario}.duckdb")
shutil.copy(db, copy)
# The copy reaches the disk before the clock starts, as a database the analyzer wrote has (DuckDB
# syncs what it writes): else the run's first commit waits for the copy's hundreds of megabytes.
os.sync()
con = open_db(copy)
if "{scenario}" == "first":
    con.execute("DELETE FROM meta WHERE key = ?", [DIGEST_KEY])
elif "{scenario}" == "month":
    last = "(SELECT date_trunc('month', max(started_at)) FROM events)"
    con.execute(f"CREATE TEMP TABLE held AS SELECT * FROM events WHERE started_at >= {{last}}")
    con.execute("DELETE FROM events WHERE event_id IN (SELECT event_id FROM held)")
    run_rules(con)
    con.execute("INSERT INTO events SELECT * FROM held")
else:
    run_rules(con)
"""
RULES_RUN = """
result = {"findings": run_rules(con).findings}
con.close()
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
    ours, theirs = {}, {}
    for scenario in RULES_SCENARIOS:
        scenario_setup = setup + RULES_SCENARIO.format(scenario=scenario)
        ours[scenario], theirs[scenario] = side_by_side(RULES_RUN, runs, setup=scenario_setup)
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
from analyzer.report import build, vega_bundle
html = build(con).to_html()
result = {"html_mb": len(html.encode()) / 1e6, "of_it_vega_mb": len(vega_bundle().encode()) / 1e6}
con.close()
""",
        runs,
        setup=setup,
    )
    each.pop("seconds")
    each.pop("peak_mb")
    rows = [{"name": f"Baseline: rolling 7-day window per line over {events:,} events", **baseline}]
    for scenario, label in RULES_SCENARIOS.items():
        name = f"All rules over {events:,} events, {label}"
        ratio = baseline["seconds"] / ours[scenario]["seconds"]
        rows.append({"name": name, **ours[scenario], "ratio": ratio})
        rows += _baseline_row(name, theirs[scenario], ours[scenario], baseline)
    return [
        *rows,
        {"name": "Each rule alone (one run)", **each},
        {
            "name": f"Report build over {events:,} events",
            **report,
            "ratio": baseline["seconds"] / report["seconds"],
        },
    ]


def analyzer_command(root: Path) -> list[str]:
    """The command line of a checkout's analyzer (``root`` first on the path): the same
    launcher for this checkout and a baseline, so that both start alike."""
    launch = (
        f"import sys; sys.path.insert(0, {str(root)!r}); sys.argv[0] = 'analyzer'; "
        "from analyzer.cli import main; main()"
    )
    return [sys.executable, "-c", launch]


def walls_in_turn(commands: dict[str, list[str]], runs: int, fresh: Sequence[Path] = ()) -> dict:
    """Median wall time of each command, the commands run in turn run after run (so that each
    sees the same machine load); ``fresh``: databases removed before each run."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            for database in fresh:
                for path in (database, Path(f"{database}.wal")):
                    path.unlink(missing_ok=True)
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, cwd=OUT, env=USER_ENV)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def bench_rerun(files: int, runs: int) -> list[dict]:
    """Fixed costs, whole processes: the first import of a folder of small bills, a re-run on
    it unchanged, a small CSV's import, ``--help``; with ``--baseline``, the baseline
    checkout's in turn with this one's."""
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
    small = OUT / "small_csv"
    small.mkdir(exist_ok=True)
    shutil.copy(ROOT / "sample_bills" / "au_southern_cross_2026-10.csv", small)
    with_sample_profiles(small)
    checkouts = {"this": ROOT, **({"baseline": BASELINE} if BASELINE else {})}
    rerun, rerun_all, helps, csvs, firsts = {}, {}, {}, {}, {}
    for tag, root in checkouts.items():
        firsts[tag] = [
            *analyzer_command(root), "--db", str(OUT / f"first-{tag}.duckdb"), "import",
            str(folder),
        ]  # fmt: skip
        db = OUT / f"rerun-{tag}.duckdb"  # two versions may not share a database
        db.unlink(missing_ok=True)
        analyzer = [*analyzer_command(root), "--db", str(db)]
        rerun[tag] = [*analyzer, "import", str(folder)]
        report = OUT / f"rerun-{tag}.html"  # nor a report: a run on an unchanged folder
        rerun_all[tag] = [*analyzer, "run", str(folder), "--out", str(report)]
        helps[tag] = [*analyzer_command(root), "--help"]
        csvs[tag] = [
            *analyzer_command(root), "--db", str(OUT / "small.duckdb"), "import",
            str(small / "au_southern_cross_2026-10.csv"),
        ]  # fmt: skip
        subprocess.run(rerun_all[tag], capture_output=True, check=False, cwd=OUT, env=USER_ENV)
    walls_in_turn(csvs, 1, fresh=[OUT / "small.duckdb"])  # once each: compiled profiles are kept
    times = {
        "first": walls_in_turn(firsts, runs, fresh=[OUT / f"first-{tag}.duckdb" for tag in firsts]),
        "import": walls_in_turn(rerun, runs),
        "run": walls_in_turn(rerun_all, runs),
        "help": walls_in_turn(helps, max(runs, 7)),
        "csv": walls_in_turn(csvs, runs, fresh=[OUT / "small.duckdb"]),
        "pass": walls_in_turn({"this": [sys.executable, "-c", "pass"]}, max(runs, 7)),
    }
    interpreter = times["pass"]["this"]
    names = {
        "first": f"First import of a folder of {files} small bills (28 rows each; wall)",
        "import": f"Re-import of an unchanged folder of {files} bills: analyzer import (wall)",
        "run": f"Re-run on an unchanged folder of {files} bills: analyzer run (wall)",
        "help": "CLI cold start: analyzer --help (wall)",
        "csv": "Import of one small CSV (123 rows, sample profiles beside it; wall)",
    }
    figures = []
    for key, name in names.items():
        ours = times[key]["this"]
        row = {"name": name, "seconds": ours}
        if key in ("import", "run", "csv"):
            row["beyond_interpreter_s"] = ours - interpreter
        if key == "first":
            row["per_file_s"] = (ours - interpreter) / files
        figures.append(row)
        if BASELINE:
            theirs = times[key]["baseline"]
            figures.append(
                {
                    "name": f"{name.removesuffix(' (wall)')}: the baseline checkout ({BASELINE})",
                    "seconds": theirs,
                    "this_checkout_faster": theirs / ours,
                }
            )
    figures.append({"name": "Interpreter start: python -c pass (wall)", "seconds": interpreter})
    return figures


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
        "fastexcel",
        "altair",
        "vl-convert-python",
    ]
    return ", ".join(f"{n} {md.version(n)}" for n in names)


def write_results(figures: list[dict], args: argparse.Namespace) -> None:
    """Write RESULTS.md; a run of some steps only (``--only``) keeps the other steps' rows."""
    partial = set(args.only) != set(STEPS)
    rows = [_row(f) for f in figures]
    measured = (
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on {platform.machine()} with {os.cpu_count()} "
        f"cores, Python {platform.python_version()}; {versions()}."
    )
    if partial and RESULTS.exists():
        kept, kept_targets, head = _kept(RESULTS.read_text(encoding="utf-8"), args.only)
        rows = _merge(kept, rows, args.only)
        header = [
            *head,
            f"Rows of {', '.join(args.only)}: {measured[0].lower()}{measured[1:]} {_sizes_note(args)}",
        ]
    else:
        kept_targets, args.only = {}, list(STEPS)
        header = [
            measured,
            f"Sizes: CSV {args.events:,} rows, XLSX {_list(args.xlsx_rows)} rows, PDF "
            f"{_list(args.pages)} pages, rules/report {args.rule_events:,} events. Median of "
            f"{args.runs} runs (1 for pdfplumber); peak memory is the largest of the runs' own "
            "peaks (VmHWM, from the end of each run's setup; see peak.py). Ratio: baseline "
            "time / this time (above 1 means faster than the baseline).",
        ]
    lines = [
        "# Benchmark results",
        "",
        *header,
        "",
        "| measurement | seconds | peak MB | ratio | other |",
        "| --- | ---: | ---: | ---: | --- |",
        *rows,
        "",
        *targets(figures, kept_targets, args.only),
    ]
    RESULTS.write_text("\n".join(lines) + "\n" + kept_analysis(), encoding="utf-8")


def _sizes_note(args: argparse.Namespace) -> str:
    """What a partial run's steps measured, for its line above the table."""
    notes = []
    if {"xlsx", "pdf"} & set(args.only):
        notes.append(
            f"XLSX {_list(args.xlsx_rows)} rows, PDF {_list(args.pages)} pages; the XLSX and PDF "
            "rows are whole processes (interpreter start and imports included), median of "
            f"{args.runs} runs (1 for pdfplumber, and for openpyxl above 200,000 rows); their "
            "peak memory is the larger of the process and the reader process it ran."
        )
    if "rules" in args.only:
        notes.append(
            f"Rules and report over {args.rule_events:,} events, median of {args.runs} runs, "
            "each from the end of its setup (the database copied and opened)."
        )
    if "csv" in args.only:
        notes.append(f"CSV up to {args.events:,} rows, median of {args.runs} runs.")
    return " ".join(notes)


def _list(sizes: list[int]) -> str:
    return " and ".join(f"{size:,}" for size in sizes)


def _row(f: dict) -> str:
    ratio = f"{f['ratio']:.2f}x" if "ratio" in f else ""
    other = ", ".join(
        f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v}"
        for k, v in f.items()
        if k not in ("name", "seconds", "peak_mb", "ratio")
    )
    return (
        f"| {f['name']} | {_number(f.get('seconds'), 3)} | {_number(f.get('peak_mb'), 0)} "
        f"| {ratio} | {other} |"
    )


def _step_of(name: str) -> str | None:
    """The step a results row or target belongs to, from its first word."""
    first = name.strip("| `").split(" ")[0].rstrip(",:").lower()
    return _STEP_BY_FIRST_WORD.get(first)


# The first word of each step's rows and targets ("peak memory" and the fleet's belong to none).
_STEP_BY_FIRST_WORD = {
    "csv": "csv",
    "xlsx": "xlsx",
    "pdf": "pdf",
    "baseline": "rules",
    "all": "rules",
    "each": "rules",
    "report": "rules",
    "re-import": "rerun",
    "re-run": "rerun",
    "cli": "rerun",
    "import": "rerun",
    "interpreter": "rerun",
    "analyzer": "rerun",
}


def _kept(text: str, only: list[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """The previous file's result rows, target rows (by label) and header lines."""
    body = text.split("\n## Analysis")[0]
    results, _, rest = body.partition("| measurement |")
    table = [
        line
        for line in rest.split("## Targets")[0].splitlines()
        if line.startswith("| ") and not line.startswith(("| ---", "| measurement"))
    ]
    targets_part = rest.split("## Targets")[1] if "## Targets" in rest else ""
    kept_targets = {
        line.split("|")[1].strip(): line
        for line in targets_part.splitlines()
        if line.startswith("| ") and not line.startswith(("| figure", "| ---"))
    }
    head = [
        line
        for line in results.splitlines()
        if line
        and not line.startswith("#")
        and _step_of(line.split(":")[0]) not in only
        and not any(line.lower().startswith(f"rows of {step}") for step in only)
    ]
    return table, kept_targets, head


def _merge(kept: list[str], rows: list[str], only: list[str]) -> list[str]:
    """The kept rows with this run's rows in place of the rows of the steps it ran."""
    merged: list[str] = []
    placed = False
    for line in kept:
        if _step_of(line.split("|")[1]) in only:
            if not placed:
                merged += rows
                placed = True
            continue
        merged.append(line)
    return merged if placed else merged + rows


def _find(figures: list[dict], *words: str) -> list[dict]:
    return [f for f in figures if all(w in f["name"] for w in words) and "seconds" in f]


def targets(
    figures: list[dict], kept: dict[str, str] | None = None, only: Sequence[str] = STEPS
) -> list[str]:
    """The issue's targets against this run's figures: met, missed, or not measured; a target
    this run did not measure keeps its line from the previous results when there is one."""
    checks: list[tuple[str, str, list[dict], object]] = [
        ("PDF import", ">= 30x pdfplumber extract_table at 400 pages and >= 10x at 50 pages, "
         "whole process; within 2x of bare pypdfium2 text at 400 pages",
         _find(figures, "PDF import"), _pdf_met),
        ("CSV import", ">= 0.5x bare DuckDB read_csv",
         _find(figures, "CSV import", "analyzer"), lambda f: f.get("ratio", 0) >= 0.5),
        ("XLSX import", ">= 10x openpyxl read-only at 100k and 1M rows, whole process; "
         "< 500 MB at 1M rows", _find(figures, "XLSX import"), _xlsx_met),
        ("all rules", "< 8 s and < 1 GB",
         [f for f in _find(figures, "All rules") if "baseline" not in f["name"]],
         lambda f: f["seconds"] < 8 and f.get("peak_mb", 0) < 1024),
        ("report build", "< 8 s and HTML < 1.5 MB", _find(figures, "Report build"),
         lambda f: f["seconds"] < 8 and f.get("html_mb", 99) < 1.5),
        ("re-run, 100 unchanged bills", "< 0.5 s beyond interpreter start",
         [f for f in _find(figures, "unchanged folder") if "baseline" not in f["name"]],
         lambda f: f["beyond_interpreter_s"] < 0.5),
        ("`analyzer --help`", "< 0.2 s",
         [f for f in _find(figures, "--help") if "baseline" not in f["name"]],
         lambda f: f["seconds"] < 0.2),
        ("peak memory", "< 1 GB", [f for f in figures if f.get("peak_mb") and _analyzer_row(f)],
         lambda f: f["peak_mb"] < 1024),
    ]  # fmt: skip
    lines: dict[str, str] = {}
    for label, target, found, met in checks:
        if kept and _step_of(label) not in only:
            continue  # a step this run did not measure keeps its previous verdict
        if not found:
            verdict = "not measured"
        else:
            missed = [f["name"] for f in found if not met(f)]
            verdict = "missed: " + "; ".join(missed) if missed else "met"
        lines[label] = f"| {label} | {target} | {verdict} |"
    rows = [lines.pop(label, line) for label, line in (kept or {}).items()]
    heading = ["## Targets", "", "| figure | target | this run |", "| --- | --- | --- |"]
    return [*heading, *rows, *lines.values()]


def _analyzer_row(figure: dict) -> bool:
    """Whether a row measures the analyzer (not a bare library, nor a baseline query)."""
    name = figure["name"]
    return "bare " not in name and not name.startswith("Baseline")


def _size_of(name: str) -> int:
    """The rows or pages a figure's name gives ('XLSX import, 100,000 rows: ...')."""
    words = name.split(":")[0].split(",", 1)[1].split()
    return int(words[0].replace(",", ""))


def _pdf_met(f: dict) -> bool:
    large = _size_of(f["name"]) >= 300  # the generator's "400 pages" prints about 390
    wanted = 30 if large else 10
    close = f.get("vs_pypdfium2", 99) <= 2 if large else True
    return f.get("ratio", 0) >= wanted and close


def _xlsx_met(f: dict) -> bool:
    small_enough = f["peak_mb"] < 500 if _size_of(f["name"]) >= 1_000_000 else True
    return f.get("ratio", 0) >= 10 and small_enough


def kept_analysis() -> str:
    """The hand-written analysis below the figures survives a new run (it cites them)."""
    if not RESULTS.exists():
        return ""
    text = RESULTS.read_text(encoding="utf-8")
    start = text.find("\n## Analysis")
    return text[start:] if start >= 0 else ""


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes to check the harness")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only",
        type=lambda text: [step for step in text.split(",") if step],
        default=list(STEPS),
        help=f"comma-separated steps among {', '.join(STEPS)}; the rows of the others in "
        "RESULTS.md are kept as they are",
    )
    parser.add_argument("--xlsx-rows", type=_sizes, help="workbook sizes, e.g. 100000,1000000")
    parser.add_argument("--pages", type=_sizes, help="PDF sizes in pages, e.g. 50,400")
    parser.add_argument("--events", type=int, help="rows of the largest CSV (default 10M)")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (a folder holding analyzer/) whose imports, rules and re-runs "
        "are measured in turn with this one's, e.g. the main branch",
    )
    args = parser.parse_args()
    global BASELINE
    BASELINE = args.baseline.resolve() if args.baseline else None
    unknown = set(args.only) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    args.events = args.events or (100_000 if args.quick else 10_000_000)
    args.xlsx_rows = args.xlsx_rows or ([20_000] if args.quick else [100_000, 1_000_000])
    args.pages = args.pages or ([10] if args.quick else [50, 400])
    args.rule_events = 200_000 if args.quick else 10_000_000
    OUT.mkdir(exist_ok=True)
    with_sample_profiles(OUT)
    figures: list[dict] = []
    for name, step in (
        ("csv 1M", lambda: bench_csv(min(args.events, 1_000_000), args.runs)),
        ("csv", lambda: bench_csv(args.events, args.runs) if args.events > 1_000_000 else []),
        ("xlsx", lambda: [f for rows in args.xlsx_rows for f in bench_xlsx(rows, args.runs)]),
        ("pdf", lambda: [f for pages in args.pages for f in bench_pdf(pages, args.runs)]),
        ("rules", lambda: bench_rules(args.rule_events, args.runs)),
        ("rerun", lambda: bench_rerun(100, args.runs)),
    ):
        if name.split()[0] not in args.only:
            continue
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
