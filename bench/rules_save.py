"""Time the saving of a rules run's findings, over a copy of an analysed database.

    python bench/rules_save.py DB [--work /tmp/rules_save.duckdb] [--runs 2] [--fresh]
                                  [--change RULE.NAME=VALUE ...]

Copies DB to --work (the original is never written), then runs the rules --runs times in a row
and prints, for each run, its whole time and the saving's (the step that writes the run's
findings over the saved ones). The first run saves over the findings the database held
(``--fresh`` deletes them first, as after a first import); the next ones run over an unchanged
database, so they should find the saved findings as they are and write none. ``--change`` adds
a last run with those parameters: a saving that writes some findings and keeps the others.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import analyzer.rules as rules
from analyzer.store import open_db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp/rules_save.duckdb"))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="delete the saved findings first")
    parser.add_argument("--change", action="append", default=[], metavar="RULE.NAME=VALUE")
    args = parser.parse_args()
    if args.work.resolve() == args.db.resolve():
        parser.error("--work must not be the database itself")
    shutil.copyfile(args.db, args.work)
    con = open_db(args.work)
    if args.fresh:
        con.execute("DELETE FROM folded_findings")
        con.execute("DELETE FROM findings")
        con.execute("CHECKPOINT")
    name = "save_findings" if hasattr(rules, "save_findings") else "_save_findings"
    save = getattr(rules, name)
    saving: list[float] = []

    def timed(*a: object, **k: object) -> object:
        started = time.perf_counter()
        try:
            return save(*a, **k)
        finally:
            saving.append(time.perf_counter() - started)

    setattr(rules, name, timed)
    changed = rules.parse_param_overrides(args.change)
    for n in range(args.runs + bool(changed)):
        ids = con.sql("SELECT coalesce(max(finding_id), 0) FROM findings").fetchall()[0][0]
        started = time.perf_counter()
        found = rules.run_rules(con, changed if n == args.runs else None).findings
        total = time.perf_counter() - started
        kept = con.execute("SELECT count(*) FROM findings WHERE finding_id <= ?", [ids]).fetchall()
        print(
            f"run {n + 1}: {total:.2f} s, saving {saving[-1]:.2f} s, "
            f"{found} findings ({kept[0][0]} with an id from before the run)",
            flush=True,
        )
    con.close()


if __name__ == "__main__":
    main()
