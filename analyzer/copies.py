"""Overlapping copies of one event across files, resolved when a file is saved.

The same line, time, kind, quantity and counterparty (in E.164 where it is a phone number)
seen in several files is one event. Every copy stays in ``events``; all but the winning copies
get ``superseded = true`` so the ``usage`` view is a plain filter, not a window over every
event on every query. The winner: a billed copy (from a statement with a printed total) beats
an unbilled usage export, then the newest file. Copies inside one file share their rank, so
identical rows in one bill all stay (a duplicate charge, which a rule reports). Events without
a time are never copies of each other.

Rows are only ever added, so a new file can change the winner only among the keys it shares
with other files: only those keys are ranked again.
"""

from __future__ import annotations

import duckdb

_KEY = "line, started_at, kind, quantity, coalesce(counterparty_e164, counterparty) AS party"
_RANKED = """
    SELECT e.event_id,
           dense_rank() OVER (
               PARTITION BY e.line, e.started_at, e.kind, e.quantity,
                            coalesce(e.counterparty_e164, e.counterparty)
               ORDER BY (s.total_due IS NOT NULL) DESC, e.source_id DESC
           ) > 1 AS superseded
    FROM events e
    JOIN shared k
      ON e.started_at = k.started_at AND e.kind = k.kind
     AND e.line IS NOT DISTINCT FROM k.line AND e.quantity IS NOT DISTINCT FROM k.quantity
     AND coalesce(e.counterparty_e164, e.counterparty) IS NOT DISTINCT FROM k.party
    LEFT JOIN statements s ON s.statement_id = e.statement_id
"""


def resolve_copies(con: duckdb.DuckDBPyConnection, source_id: int | None = None) -> None:
    """Set ``events.superseded`` for the keys ``source_id`` shares with other files (all if None).

    Call it inside the transaction that saved the file, so the flag never lags the rows.
    """
    if source_id is None:
        shared = f"""
            SELECT {_KEY} FROM events WHERE started_at IS NOT NULL
            GROUP BY ALL HAVING count(DISTINCT source_id) > 1
        """
        params: list[object] = []
    else:
        bounds = con.execute(
            "SELECT min(started_at), max(started_at) FROM events WHERE source_id = ?",
            [source_id],
        ).fetchall()[0]
        if bounds[0] is None:
            return
        others = """
            FROM events
            WHERE source_id <> ? AND started_at BETWEEN ? AND ?
              AND coalesce(line, '') IN (SELECT DISTINCT coalesce(line, '') FROM events
                                         WHERE source_id = ?)
        """
        params = [source_id, *bounds, source_id]
        if not con.execute(f"SELECT 1 {others} LIMIT 1", params).fetchall():
            return  # nothing else overlaps this file: none of its copies can lose or win
        shared = f"""
            SELECT {_KEY} {others}
            INTERSECT
            SELECT {_KEY} FROM events WHERE source_id = ? AND started_at IS NOT NULL
        """
        params = [*params, source_id]
    con.execute(
        f"""
        WITH shared AS ({shared})
        UPDATE events SET superseded = ranked.superseded
        FROM ({_RANKED}) AS ranked
        WHERE events.event_id = ranked.event_id
          AND events.superseded IS DISTINCT FROM ranked.superseded
        """,
        params,
    )
