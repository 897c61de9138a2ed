"""Overlapping copies of one event across files, resolved when a file is saved.

Usage (data, calls, texts) seen in several files is one event when the line, time, kind,
quantity and counterparty (in E.164 where it is a phone number) agree. A charge (a fee, a plan,
a top-up...) is one charge when the line, kind, amount, currency and description agree, at the
same time or, when the bill prints no time, in the same statement period: a charge that differs
is never taken for a copy, so no charge is lost. Every copy stays in ``events``; all but the
winning copies get ``superseded = true`` so the ``usage`` view is a plain filter.

The winner: a copy with an amount (a billed row) over one without, then the copy from the
document issued or exported last (statement issue date or as-of time, the export's as-of time),
then a billed file (a statement with a printed total) over an unbilled export, then the file
imported last. Copies inside one file share their rank, so identical rows in one bill all stay
(a duplicate charge, which a rule reports).

Rows are only ever added, so a new file can change the winner only among the keys it shares
with other files: only those keys are ranked again.
"""

from __future__ import annotations

import duckdb

USAGE_KINDS = ("data", "voice", "sms", "mms")

# The copy key of an event (see the view copy_keys in schema.sql, which reads the same columns).
_KEY_COLUMNS = ("line", "kind", "keyed_at", "until", "quantity", "party", "charged", "what")
_RANKED = """
    SELECT k.event_id,
           dense_rank() OVER (
               PARTITION BY {partition}
               ORDER BY k.charged IS NOT NULL DESC, k.document_date DESC NULLS LAST,
                        k.billed DESC, k.source_id DESC
           ) > 1 AS superseded
    FROM copy_keys k
    JOIN shared s ON {joined}
"""


def _same(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in _KEY_COLUMNS)


def resolve_copies(con: duckdb.DuckDBPyConnection, source_id: int | None = None) -> None:
    """Set ``events.superseded`` for the keys ``source_id`` shares with other files (all if None).

    Call it inside the transaction that saved the file, so the flag never lags the rows.
    """
    key = ", ".join(_KEY_COLUMNS)
    if source_id is None:
        shared = f"SELECT {key} FROM copy_keys GROUP BY ALL HAVING count(DISTINCT source_id) > 1"
        params: list[object] = []
    else:
        bounds = con.execute(
            "SELECT min(keyed_at), max(coalesce(until, keyed_at)) FROM copy_keys WHERE source_id = ?",
            [source_id],
        ).fetchall()[0]
        if bounds[0] is None:
            return
        others = """
            FROM copy_keys
            WHERE source_id <> ? AND keyed_at BETWEEN ? AND ?
              AND coalesce(line, '') IN (SELECT DISTINCT coalesce(line, '') FROM events
                                         WHERE source_id = ?)
        """
        params = [source_id, *bounds, source_id]
        if not con.execute(f"SELECT 1 {others} LIMIT 1", params).fetchall():
            return  # nothing else overlaps this file: none of its copies can lose or win
        shared = f"""
            SELECT {key} {others}
            INTERSECT
            SELECT {key} FROM copy_keys WHERE source_id = ?
        """
        params = [*params, source_id]
    ranked = _RANKED.format(
        partition=", ".join(f"k.{c}" for c in _KEY_COLUMNS), joined=_same("k", "s")
    )
    con.execute(
        f"""
        WITH shared AS ({shared})
        UPDATE events SET superseded = ranked.superseded
        FROM ({ranked}) AS ranked
        WHERE events.event_id = ranked.event_id
          AND events.superseded IS DISTINCT FROM ranked.superseded
        """,
        params,
    )
