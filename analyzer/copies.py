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

A layout may declare how precisely it prints usage (its profile's ``[copies]``: time and
quantity tolerances, kept on its statements and read by ``copy_keys``). Usage left without an
exact copy then matches a record of another file within the coarser of the two tolerances:
the two nearest to each other (by time, then quantity) are one event, each the copy of at most
one other, and the same ranking picks the winner.
"""

from __future__ import annotations

import duckdb

USAGE_KINDS = ("data", "voice", "sms", "mms")

# The copy key of an event (see the view copy_keys in schema.sql, which reads the same columns).
_KEY_COLUMNS = ("line", "kind", "keyed_at", "until", "quantity", "party", "charged", "what")
_KEY = ", ".join(_KEY_COLUMNS)


def _same(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in _KEY_COLUMNS)


# The last step of a ranking: each copy's flag set where it changed.
_APPLY = """
UPDATE events SET superseded = ranked.superseded
FROM ranked
WHERE events.event_id = ranked.event_id
  AND events.superseded IS DISTINCT FROM ranked.superseded
"""

# Every copy of a key shared by several files, ranked (the whole database, when it is opened).
_RANKED_ALL = f"""
WITH shared AS (
    SELECT {_KEY} FROM copy_keys GROUP BY ALL HAVING count(DISTINCT source_id) > 1
),
ranked AS (
    SELECT k.event_id,
           dense_rank() OVER (
               PARTITION BY {", ".join(f"k.{c}" for c in _KEY_COLUMNS)}
               ORDER BY k.charged IS NOT NULL DESC, k.document_date DESC NULLS LAST,
                        k.billed DESC, k.source_id DESC
           ) > 1 AS superseded
    FROM copy_keys k
    JOIN shared s ON {_same("k", "s")}
)
{_APPLY}"""

# The other files' rows that can share a key with a new file: a copy has the same line and time,
# so only rows on its lines and within its time span (the range of its lines first, which the
# scan of events can use to skip whole blocks of other files' rows).
_OTHERS = """
    FROM copy_keys
    WHERE source_id <> $source AND keyed_at BETWEEN $first AND $last
      AND (line BETWEEN $low_line AND $high_line OR ($null_line AND line IS NULL))
      AND coalesce(line, '') IN (SELECT DISTINCT coalesce(line, '') FROM events
                                 WHERE source_id = $source)
"""

# The same ranking for the keys a new file shares with the others, over its rows and the others'
# that can share a key with them. Equal keys have equal hashes, so the rows whose key's hash is
# on both sides are found first on one integer; only they are matched on the key itself. A copy
# loses unless its rank is the best of its key's (a copy with an amount, then the latest
# document, a document without a date below any date, then a billed file, then the latest
# file), so a key's best rank is all the ranking needs.
_RANKED_WITH_SOURCE = f"""
WITH pool AS MATERIALIZED (
    SELECT *, hash({_KEY}) AS key_hash
    FROM (SELECT * FROM copy_keys WHERE source_id = $source
          UNION ALL
          SELECT * {_OTHERS})
),
candidates AS MATERIALIZED (
    SELECT *, (charged IS NOT NULL, document_date IS NOT NULL,
               coalesce(document_date, DATE '1970-01-01'), billed, source_id) AS rank
    FROM pool
    WHERE key_hash IN (SELECT key_hash FROM pool GROUP BY key_hash
                       HAVING bool_or(source_id = $source) AND bool_or(source_id <> $source))
),
best AS (
    SELECT {_KEY}, max(rank) AS best FROM candidates
    GROUP BY ALL HAVING bool_or(source_id = $source) AND bool_or(source_id <> $source)
),
ranked AS (
    SELECT c.event_id, c.rank <> b.best AS superseded
    FROM candidates c
    JOIN best b ON {_same("c", "b")}
)
{_APPLY}"""


def resolve_copies(con: duckdb.DuckDBPyConnection, source_id: int | None = None) -> None:
    """Set ``events.superseded`` for the keys ``source_id`` shares with other files (all if None).

    Call it inside the transaction that saved the file, so the flag never lags the rows.
    """
    if source_id is None:
        con.execute(_RANKED_ALL)
    else:
        first, last = con.execute(
            "SELECT min(keyed_at), max(coalesce(until, keyed_at)) FROM copy_keys WHERE source_id = ?",
            [source_id],
        ).fetchall()[0]
        if first is None:
            return
        low_line, high_line, null_line = con.execute(
            "SELECT min(line), max(line), bool_or(line IS NULL) FROM events WHERE source_id = ?",
            [source_id],
        ).fetchall()[0]
        params = {
            "source": source_id,
            "first": first,
            "last": last,
            "low_line": low_line,
            "high_line": high_line,
            "null_line": bool(null_line),
        }
        if not con.execute(f"SELECT 1 {_OTHERS} LIMIT 1", params).fetchall():
            return  # nothing else overlaps this file: none of its copies can lose or win
        con.execute(_RANKED_WITH_SOURCE, params)
        _resolve_near_copies(con, params)
        return
    _resolve_near_copies(con, None)


# Usage of two files that is one event within the files' tolerances, with no exact copy:
# mutual nearest pairs (each record's nearest in the other file is the other record). For a new
# file, only records on its lines within the widest declared time tolerance of its time span
# can pair with its own (or be the exact copy that keeps one of them apart).
_NEAR = """
WITH scope AS (
    SELECT * FROM copy_keys WHERE {scope}
),
candidates AS (
    SELECT * FROM scope
    WHERE charged IS NULL AND until IS NULL AND line IS NOT NULL AND NOT superseded
),
pairs AS (
    SELECT a.event_id AS a_id, b.event_id AS b_id, a.source_id AS a_source,
           b.source_id AS b_source,
           abs(epoch(a.keyed_at) - epoch(b.keyed_at)) AS dt,
           abs(coalesce(a.quantity, 0) - coalesce(b.quantity, 0)) AS dq,
           CASE WHEN (coalesce(a.document_date, DATE '0001-01-01'), a.billed, a.source_id)
                     > (coalesce(b.document_date, DATE '0001-01-01'), b.billed, b.source_id)
                THEN b.event_id ELSE a.event_id END AS loser
    FROM candidates a
    JOIN candidates b
      ON a.line = b.line AND a.kind = b.kind AND a.party IS NOT DISTINCT FROM b.party
     AND a.source_id <> b.source_id
     AND abs(epoch(a.keyed_at) - epoch(b.keyed_at)) <= greatest(a.time_tolerance, b.time_tolerance)
     AND abs(coalesce(a.quantity, 0) - coalesce(b.quantity, 0))
         <= greatest(a.quantity_tolerance, b.quantity_tolerance)
    WHERE (a.time_tolerance > 0 OR b.time_tolerance > 0
           OR a.quantity_tolerance > 0 OR b.quantity_tolerance > 0)
      AND ($source IS NULL OR $source IN (a.source_id, b.source_id))
      AND NOT EXISTS (  -- an exact copy in the other file takes precedence
          SELECT 1 FROM scope x
          WHERE x.source_id = b.source_id AND x.line = a.line AND x.kind = a.kind
            AND x.keyed_at = a.keyed_at AND x.quantity IS NOT DISTINCT FROM a.quantity
            AND x.party IS NOT DISTINCT FROM a.party)
),
nearest AS (
    SELECT *, row_number() OVER (PARTITION BY a_id, b_source ORDER BY dt, dq, b_id) AS rank
    FROM pairs
)
SELECT DISTINCT n.loser
FROM nearest n
JOIN nearest m ON m.a_id = n.b_id AND m.b_id = n.a_id AND m.rank = 1
WHERE n.rank = 1
"""


_NEAR_SCOPE = """
    line BETWEEN $low_line AND $high_line
    AND line IN (SELECT line FROM events WHERE source_id = $source)
    AND epoch(keyed_at) BETWEEN epoch($first) - $seconds AND epoch($last) + $seconds
"""


def _resolve_near_copies(con: duckdb.DuckDBPyConnection, scope: dict | None) -> None:
    """Supersede the losing record of each pair that is one event within declared tolerances:
    pairs with the new file's records (``scope``: resolve_copies' parameters), or all."""
    declared = con.execute(
        "SELECT 1 FROM statements WHERE json_extract_string(extra, '$.copy_seconds') IS NOT NULL "
        "OR json_extract_string(extra, '$.copy_voice_seconds') IS NOT NULL "
        "OR json_extract_string(extra, '$.copy_data_bytes') IS NOT NULL LIMIT 1"
    ).fetchall()
    if not declared:
        return  # no layout declares a tolerance: exact copies are all there is
    if scope is None:
        near, params = _NEAR.format(scope="true"), {"source": None}
    else:
        seconds = con.execute(
            "SELECT max(TRY_CAST(json_extract_string(extra, '$.copy_seconds') AS BIGINT)) "
            "FROM statements"
        ).fetchall()[0][0]
        params = {k: scope[k] for k in ("source", "first", "last", "low_line", "high_line")}
        near, params = _NEAR.format(scope=_NEAR_SCOPE), {**params, "seconds": max(seconds or 0, 0)}
    con.execute(f"UPDATE events SET superseded = true WHERE event_id IN ({near})", params)
