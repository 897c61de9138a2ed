"""Layouts and checks shared by the hostile-input tests."""

from __future__ import annotations

from pathlib import Path

from conftest import sample_profile, session, wayfarer_csv

from analyzer.importers.base import RowMatch, TableMapping
from analyzer.importers.specs import Const, Money, Text, Timestamp
from analyzer.importers.tabular import TabularLayout
from analyzer.importing import FileResult, import_paths
from analyzer.store import orphan_counts

CHARGES_MAPPING = TableMapping(
    fields={
        "started_at": Timestamp("Date", formats=("%d/%m/%Y",)),
        "kind": Const("fee"),
        "description": Text("Description"),
        "amount": Money("Amount"),
        "currency": Const("USD"),
    },
    summary=RowMatch("Description", r"^total"),
)
CHARGES_CSV = TabularLayout(
    name="charges_csv",
    carrier="Test Carrier",
    header=("Date", "Description", "Amount"),
    mapping=CHARGES_MAPPING,
)
CHARGES_XLSX = TabularLayout(
    name="charges_xlsx",
    carrier="Test Carrier",
    header=("Date", "Description", "Amount"),
    mapping=CHARGES_MAPPING,
    suffixes=(".xlsx",),
)
IMPORTERS = (sample_profile("wayfarer_csv"), CHARGES_CSV, CHARGES_XLSX)


def with_good_neighbour(folder: Path) -> Path:
    """A valid export beside the hostile file: it must still be imported."""
    return wayfarer_csv(folder, [session("2026-10-01", 5)], name="zz_good.csv", profile=False)


def run(db, folder: Path) -> dict[str, FileResult]:
    return {r.path.name: r for r in import_paths(db, [folder], importers=IMPORTERS)}


def assert_failed_cleanly(db, results: dict[str, FileResult], name: str, message: str) -> None:
    """The file failed with exactly ``message``, left no rows, and its neighbour was imported.

    Rows are looked for from the events side too: a row whose source_id has no sources row
    would escape a join on the file's path.
    """
    result = results[name]
    assert (result.status, result.reason) == ("failed", message)
    assert "Traceback" not in message and "bug" not in message
    assert orphan_counts(db) == {"statements": 0, "events": 0, "rejects": 0}
    leftovers = db.sql(
        """
        SELECT (SELECT count(*) FROM events JOIN sources USING (source_id) WHERE path LIKE $p)
             + (SELECT count(*) FROM rejects JOIN sources USING (source_id) WHERE path LIKE $p)
             + (SELECT count(*) FROM statements JOIN sources USING (source_id) WHERE path LIKE $p)
        """,
        params={"p": f"%{name}"},
    ).fetchall()
    assert leftovers == [(0,)]
    assert results["zz_good.csv"].status == "imported"
    assert results["zz_good.csv"].events == 1
