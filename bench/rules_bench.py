"""Time every rule on a synthetic database of N events (set-based SQL must stay fast).

    python bench/rules_bench.py --events 10000000 [--db /tmp/bench.duckdb]

`bench/run.py` builds its rules and report database with `build` and reports `time_each_rule`.

Builds the events in SQL (no files to import): lines with daily data sessions, calls, texts,
monthly plan and fee charges, roaming days with day-pass fees, top-ups and reversals, then
runs each rule alone and prints its time and finding count.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from time import perf_counter

from analyzer.copies import resolve_copies
from analyzer.rules import load_rules, run_rules
from analyzer.rules.shared import SharedTables, shared_tables
from analyzer.store import open_db

EVENTS_SQL = """
INSERT INTO events (event_id, source_id, statement_id, line, started_at, kind, direction,
                    quantity, unit, duration_s, counterparty, counterparty_e164,
                    counterparty_country, counterparty_type, country, roaming, amount, currency,
                    description, "row")
SELECT i, 1 + (i % 4), 1 + (i % 4), '+1201555' || lpad(CAST(i % $lines AS VARCHAR), 4, '0'),
       TIMESTAMP '2026-01-01' + to_seconds(CAST((i // $lines) * $step AS BIGINT)),
       k.kind,
       CASE WHEN k.kind IN ('voice', 'sms') THEN CASE WHEN i % 3 = 0 THEN 'in' ELSE 'out' END END,
       CASE k.kind WHEN 'data' THEN 1000000 + (i * 7919) % 50000000 WHEN 'voice' THEN 30 + i % 600
                   WHEN 'sms' THEN 1 ELSE NULL END,
       CASE k.kind WHEN 'data' THEN 'bytes' WHEN 'voice' THEN 'seconds' ELSE 'messages' END,
       CASE WHEN k.kind = 'voice' THEN 30 + i % 600 END,
       CASE WHEN k.kind IN ('voice', 'sms') THEN '+1201555' || lpad(CAST(i % 9000 AS VARCHAR), 4, '0') END,
       CASE WHEN k.kind IN ('voice', 'sms') THEN '+1201555' || lpad(CAST(i % 9000 AS VARCHAR), 4, '0') END,
       CASE WHEN k.kind IN ('voice', 'sms') THEN CASE WHEN i % 997 = 0 THEN 'GB' ELSE 'US' END END,
       CASE WHEN k.kind IN ('voice', 'sms') THEN 'mobile' END,
       CASE WHEN (i // $lines) % 90 < 6 THEN 'MX' ELSE 'US' END,
       (i // $lines) % 90 < 6,
       CASE WHEN k.kind = 'voice' AND i % 5 = 0 THEN 0.10 * (1 + i % 10) ELSE 0 END,
       'USD', NULL, i
FROM range($events) t(i),
     LATERAL (SELECT CASE WHEN i % 10 < 7 THEN 'data' WHEN i % 10 < 9 THEN 'voice' ELSE 'sms' END
              AS kind) k
"""

CHARGES_SQL = """
INSERT INTO events (event_id, source_id, statement_id, line, started_at, kind, amount, currency,
                    description, "row")
SELECT $events + row_number() OVER (), 1, 1, line, month, kind, amount, 'USD', what, 0
FROM (SELECT DISTINCT line FROM events) l,
     range(TIMESTAMP '2026-01-01', TIMESTAMP '2026-12-01', INTERVAL 1 MONTH) m(month),
     (VALUES ('plan', 45.00, 'Plan Charge'), ('fee', 5.00, 'Feature Charges'),
             ('tax', 6.62, 'Taxes & Fees')) c(kind, amount, what)
UNION ALL
SELECT $events + 10000000 + row_number() OVER (), 1, 1, line,
       TIMESTAMP '2026-01-01' + to_days(d) + INTERVAL 9 HOUR, 'fee', 10.00, 'USD',
       'International Day Pass', 0
FROM (SELECT DISTINCT line FROM events) l, range(0, 6) r(d)
"""


def build(db_path: Path, events: int, lines: int) -> None:
    """Fill a fresh database with `events` synthetic events over `lines` lines."""
    con = open_db(db_path)
    step = max(1, 365 * 86400 * lines // events)
    params = {"events": events, "lines": lines, "step": step}
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "SELECT i, 'bench' || i, 'bench' || i || '.csv', 0, 'csv', now(), 'ok' FROM range(1, 5) t(i)"
    )
    con.execute(
        "INSERT INTO statements (statement_id, source_id, carrier, period_start, period_end, "
        "currency) SELECT i, i, 'Bench Mobile', DATE '2026-01-01', DATE '2026-12-31', 'USD' "
        "FROM range(1, 5) t(i)"
    )
    con.execute(EVENTS_SQL, params)
    con.execute(CHARGES_SQL, {"events": events})
    con.execute(
        "INSERT INTO lines (line, home_country, data_allowance, cycle, cycle_day) "
        "SELECT DISTINCT line, 'US', CAST(50 AS BIGINT) * 1073741824, 'monthly', 1 FROM events"
    )
    resolve_copies(con)  # as saving the files would have
    con.close()


def time_each_rule(con) -> list[tuple[str, float, int]]:
    """(rule id, seconds, findings) for every rule run alone over the `usage` view, after the
    shared tables the rules read (each timed as `table <name>`, its rows as findings)."""
    timings = []
    shared = SharedTables(con)
    for name in shared_tables():
        started = perf_counter()
        error = shared.ensure((name,))
        if error:
            raise RuntimeError(f"shared table {error}")
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        timings.append((f"table {name}", perf_counter() - started, rows))
    for rule in load_rules():
        params = {k: v for k, v in rule.params.items() if f"${k}" in rule.sql}
        started = perf_counter()
        found = con.execute(f"SELECT count(*) FROM ({rule.sql.strip()})", params or None).fetchall()
        timings.append((rule.id, perf_counter() - started, found[0][0]))
    shared.drop()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--db", type=Path, help="Reuse this database if it exists.")
    args = parser.parse_args()
    db_path = args.db or Path(tempfile.mkdtemp()) / "bench.duckdb"
    if not db_path.exists():
        started = perf_counter()
        build(db_path, args.events, args.lines)
        print(f"built {args.events:,} events, {args.lines} lines: {perf_counter() - started:.1f} s")
    con = open_db(db_path)
    for rule_id, seconds, found in time_each_rule(con):
        print(f"{rule_id:<26} {seconds:6.2f} s  {found:>7} findings")
    started = perf_counter()
    found = run_rules(con).findings
    print(f"{'run_rules (everything)':<26} {perf_counter() - started:6.2f} s  {found:>7} findings")
    con.close()


if __name__ == "__main__":
    main()
