"""The sample corpus end to end: every file imports, and the findings are exactly the planted ones.

The expected list comes from the generator (how the data was made), never from our own output:
a rule or importer that drifts fails here.
"""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLES

from analyzer.api import analyse, connection, import_paths
from analyzer.rules import run_rules

BILLS = sorted(
    p
    for p in SAMPLES.iterdir()
    if p.suffix in (".csv", ".xlsx", ".pdf") and p.name != "expected_findings.csv"
)


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    bills = folder / "sample_bills"
    shutil.copytree(SAMPLES, bills)
    db = folder / "corpus.duckdb"
    results = import_paths(db, [bills])
    failed = [
        (r.path.name, r.status, r.reason)
        for r in results
        if r.status not in ("imported", "unrecognised")
    ]
    assert failed == [], failed
    analyse(db, folder=bills, out=folder / "report.html")
    return db


def test_every_sample_bill_is_imported_without_rejects(corpus_db: Path) -> None:
    with connection(corpus_db, read_only=True) as con:
        rows = con.sql(
            "SELECT regexp_extract(path, '[^/]+$'), status, rejects, rows_read, events, skipped "
            "FROM sources ORDER BY 1"
        ).fetchall()
    assert [r[0] for r in rows] == [p.name for p in BILLS]
    for name, status, rejects, *_ in rows:
        assert (status, rejects) == ("ok", 0), name


def _expected() -> set[tuple]:
    with (SAMPLES / "expected_findings.csv").open(encoding="utf-8") as handle:
        return {
            (
                row["rule"],
                row["line"],
                row["start"],
                row["end"],
                row["severity"],
                str(Decimal(row["amount_at_stake"]).normalize()) if row["amount_at_stake"] else "",
                row["currency"],
            )
            for row in csv.DictReader(handle)
        }


def test_findings_are_exactly_the_planted_ones(corpus_db: Path) -> None:
    with connection(corpus_db, read_only=True) as con:
        rows = con.sql(
            "SELECT rule, line, period_start::VARCHAR, period_end::VARCHAR, severity, "
            "amount_at_stake, coalesce(currency, '') FROM findings"
        ).fetchall()
    found = {
        (*row[:5], "" if row[5] is None else str(Decimal(row[5]).normalize()), row[6])
        for row in rows
    }
    expected = _expected()
    assert sorted(found - expected) == [], "findings that were not planted"
    assert sorted(expected - found) == [], "planted findings that were missed"
    assert len(rows) == len(found), "a finding was reported twice"


def test_every_finding_points_at_its_evidence(corpus_db: Path) -> None:
    with connection(corpus_db, read_only=True) as con:
        orphans = con.sql(
            "SELECT rule, line FROM findings f WHERE NOT EXISTS "
            "(SELECT 1 FROM finding_evidence e WHERE e.finding_id = f.finding_id)"
        ).fetchall()
    assert orphans == []


def _truth_usage() -> dict[str, tuple[int, int]]:
    """Per line: events and data bytes the generator made, overlapping exports counted once."""
    truths = [json.loads(p.read_text("utf-8")) for p in sorted((SAMPLES / "truth").glob("*.json"))]
    overlapped = {t["file"] for t in truths if "overlap" in t}
    overlapped |= {t["overlap"]["with"] for t in truths if "overlap" in t}
    tallies = [t["overlap"]["union_lines"] for t in truths if "overlap" in t]
    tallies += [t["lines"] for t in truths if t["file"] not in overlapped]
    expected: dict[str, tuple[int, int]] = {}
    for tally in tallies:
        for line, counts in tally.items():
            events, data = expected.get(line, (0, 0))
            expected[line] = (events + counts["events"], data + counts["data_bytes"])
    return expected


def _usage_per_line(db: Path) -> dict[str, tuple[int, int]]:
    with connection(db, read_only=True) as con:
        rows = con.sql(
            "SELECT line, count(*), coalesce(sum(quantity) FILTER (WHERE kind = 'data'), 0) "
            "FROM usage WHERE line IS NOT NULL GROUP BY line"
        ).fetchall()
    return {line: (events, int(data)) for line, events, data in rows}


def test_usage_per_line_is_the_union_of_overlapping_exports(corpus_db: Path) -> None:
    assert _usage_per_line(corpus_db) == _truth_usage()


def test_the_union_check_fails_when_overlap_removal_is_off(corpus_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "no_overlap_removal.duckdb"
    shutil.copy(corpus_db, copy)
    with connection(copy) as con:
        assert con.execute("UPDATE events SET superseded = false").fetchall()[0][0] > 0
    assert _usage_per_line(copy) != _truth_usage()


def test_every_rule_runs_when_no_event_names_its_line(corpus_db: Path, tmp_path: Path) -> None:
    """A bill that prints no line number (the import warns, and keeps its events): every rule
    still runs, and its findings say the number is missing rather than failing."""
    copy = tmp_path / "no_lines.duckdb"
    shutil.copy(corpus_db, copy)
    with connection(copy) as con:
        con.execute("UPDATE events SET line = NULL")
        run = run_rules(con)
        assert run.failures == ()
        details = con.sql("SELECT detail FROM findings WHERE line IS NULL").fetchall()
    assert details and all("(no number printed)" in d for (d,) in details if "Line" in d)
