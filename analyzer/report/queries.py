"""The SQL behind the report: every number and every chart's data is an aggregate from here.

The events are read once per report into ``report_days`` (``shared_days``): ``scoped``, the
``usage`` view (overlapping exports collapsed) limited to the report's period, where an event
without a time of its own (a plan fee, a tax, a fleet's monthly total) counts on its statement's
first day, summed per line and day. Most queries read that table; the few that need an event's
hour or counterparty read ``usage`` and sum the lines that are not charted into one series.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

EVENTS = """
scoped AS (
    SELECT u.*,
           coalesce(CAST(u.started_at AS DATE), s.period_start) AS day_of,
           l.home_country,
           (u.roaming OR (u.country IS NOT NULL AND u.country <> l.home_country)) AS abroad
    FROM usage u
    LEFT JOIN statements s USING (statement_id)
    LEFT JOIN lines l ON l.line = u.line
    WHERE ($start IS NULL OR coalesce(CAST(u.started_at AS DATE), s.period_start) >= $start)
      AND ($end IS NULL OR coalesce(CAST(u.started_at AS DATE), s.period_start) <= $end)
)
"""
SHARED = """
per_day AS (SELECT * FROM report_days),
scoped_stated AS (
    SELECT line, sum(data_bytes) AS data_bytes, sum(voice_seconds) AS voice_seconds,
           sum(messages) AS messages
    FROM stated_usage
    WHERE ($start IS NULL OR period_end >= $start) AND ($end IS NULL OR period_start <= $end)
    GROUP BY line
),
scoped_findings AS (
    SELECT * FROM findings
    WHERE ($start IS NULL OR coalesce(period_end, period_start) >= $start OR period_start IS NULL)
      AND ($end IS NULL OR period_start <= $end OR period_start IS NULL)
)
"""
SCOPED = "WITH " + SHARED
# The period's events summed per line, day and what a query groups by: computed once per
# report, so each figure reads a few hundred thousand rows, not every event again. `timed` says
# the events had a time of their own (day_of is then their day).
DAYS = (
    "WITH "
    + EVENTS
    + """
SELECT line, day_of, started_at IS NOT NULL AS timed, kind, currency, abroad, country,
       source_id, count(*) AS records, sum(quantity) AS quantity, sum(amount) AS amount
FROM scoped GROUP BY ALL
"""
)


# Charges by category; top-ups, their reversals and data transfers move a balance, not spend.
CATEGORY = """
CASE
    WHEN kind = 'plan' THEN 'plan'
    WHEN kind = 'tax' THEN 'taxes'
    WHEN kind = 'credit' THEN 'credits'
    WHEN kind = 'fee' AND coalesce(abroad, FALSE) THEN 'roaming'
    WHEN kind = 'fee' THEN 'fees'
    WHEN coalesce(abroad, FALSE) THEN 'roaming'
    ELSE 'usage'
END
"""
SPEND_FILTER = (
    "amount IS NOT NULL AND currency IS NOT NULL "
    "AND kind NOT IN ('topup', 'adjustment', 'transfer')"
)


@dataclass(frozen=True)
class Scope:
    """The report's period: both ends inclusive, or open (None) for everything."""

    start: date | None = None
    end: date | None = None
    label: str | None = None

    def params(self) -> dict[str, date | None]:
        return {"start": self.start, "end": self.end}


@contextmanager
def shared_days(con: duckdb.DuckDBPyConnection, scope: Scope) -> Iterator[None]:
    """The per-day table the report's queries read (``days``), for the time of one report;
    a temporary table, so a read-only database can be reported on."""
    con.execute("CREATE OR REPLACE TEMP TABLE report_days AS " + DAYS, scope.params())
    try:
        yield
    finally:
        con.execute("DROP TABLE IF EXISTS temp.report_days")


def frame(con: duckdb.DuckDBPyConnection, scope: Scope, sql: str) -> pd.DataFrame:
    """Run one query after the scoped CTEs, with the period as parameters."""
    return con.execute(SCOPED + sql, scope.params()).df()


def records(con: duckdb.DuckDBPyConnection, scope: Scope, sql: str) -> list[dict[str, Any]]:
    """Rows as dicts, DECIMAL kept as Decimal and NULL as None (no DataFrame on the way)."""
    cursor = con.execute(SCOPED + sql, scope.params())
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def rows(con: duckdb.DuckDBPyConnection, scope: Scope, sql: str) -> list[tuple]:
    return con.execute(SCOPED + sql, scope.params()).fetchall()


def overview(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple:
    return rows(
        con,
        scope,
        """
        SELECT min(day_of), max(day_of), count(DISTINCT line),
               CAST(coalesce(sum(records), 0) AS BIGINT),
               coalesce(sum(quantity) FILTER (WHERE kind = 'data'), 0)
                   + (SELECT coalesce(sum(data_bytes), 0) FROM scoped_stated),
               coalesce(sum(quantity) FILTER (WHERE kind = 'voice'), 0)
                   + (SELECT coalesce(sum(voice_seconds), 0) FROM scoped_stated),
               coalesce(sum(quantity) FILTER (WHERE kind IN ('sms', 'mms')), 0)
                   + (SELECT coalesce(sum(messages), 0) FROM scoped_stated),
               (SELECT count(*) FROM (SELECT DISTINCT line, day_of
                                      FROM per_day WHERE abroad AND timed))
        FROM per_day
        """,
    )[0]


def spend_by_currency(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[tuple]:
    return rows(
        con,
        scope,
        f"SELECT currency, sum(amount) FROM per_day WHERE {SPEND_FILTER} "
        "GROUP BY currency ORDER BY currency",
    )


def findings_by_severity(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, int]:
    return dict(rows(con, scope, "SELECT severity, count(*) FROM scoped_findings GROUP BY ALL"))


def at_stake_by_currency(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[tuple]:
    return rows(
        con,
        scope,
        """
        SELECT currency, sum(amount_at_stake) FROM scoped_findings
        WHERE amount_at_stake IS NOT NULL AND currency IS NOT NULL
        GROUP BY currency ORDER BY currency
        """,
    )


def daily_data(con: duckdb.DuckDBPyConnection, scope: Scope, charted: list[str]) -> pd.DataFrame:
    """MiB per charted line and day (the other lines as one series, line NULL), the line's usual
    range, and the days a rule flagged."""
    return con.execute(
        SCOPED
        + """
        , days AS (
            SELECT CASE WHEN list_contains($charted, line) THEN line END AS line,
                   day_of AS day, sum(quantity) / 1048576.0 AS mb
            FROM per_day WHERE kind = 'data' AND day_of IS NOT NULL AND line IS NOT NULL
            GROUP BY ALL
        )
        SELECT d.line, d.day, round(d.mb, 2) AS mb,
               round(quantile_cont(d.mb, 0.25) OVER (PARTITION BY d.line), 2) AS low,
               round(quantile_cont(d.mb, 0.75) OVER (PARTITION BY d.line), 2) AS high,
               (SELECT any_value(f.rule) FROM scoped_findings f
                WHERE f.line = d.line AND f.rule IN ('data_burn', 'night_burn')
                  AND d.day BETWEEN f.period_start AND coalesce(f.period_end, f.period_start))
                   AS flag
        FROM days d ORDER BY d.line, d.day
        """,
        {**scope.params(), "charted": charted},
    ).df()


def shading(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Spans to shade on the daily chart: record gaps, and time after an export's as-of."""
    return frame(
        con,
        scope,
        """
        SELECT line, period_start AS start, period_end + 1 AS stop, 'gap' AS what
        FROM scoped_findings WHERE rule = 'record_gap' AND line IS NOT NULL
        UNION ALL
        SELECT e.line, CAST(max(s.as_of) AS DATE) AS start,
               greatest(max(e.day_of), CAST(max(s.as_of) AS DATE)) + 1,
               'as_of'
        FROM per_day e JOIN sources s USING (source_id)
        WHERE s.as_of IS NOT NULL AND e.kind = 'data' AND e.timed
        GROUP BY e.line
        """,
    )


def daily_bytes(con: duckdb.DuckDBPyConnection, scope: Scope, lines: list[str]) -> pd.DataFrame:
    """Every day's data per line, whole history: a cycle may start before the period. With no
    period the per-day table holds that history already."""
    if scope.start is None and scope.end is None:
        sql = (
            SCOPED
            + """
            SELECT line, day_of AS day, sum(quantity) AS bytes FROM per_day
            WHERE kind = 'data' AND timed AND list_contains($lines, line)
            """
        )
        params: dict[str, Any] = {**scope.params(), "lines": lines}
    else:
        sql = """
            SELECT line, CAST(started_at AS DATE) AS day, sum(quantity) AS bytes FROM usage
            WHERE kind = 'data' AND started_at IS NOT NULL AND list_contains($lines, line)
            """
        params = {"lines": lines}
    return con.execute(sql + "GROUP BY ALL ORDER BY line, day", params).df()


def spend_by_category(
    con: duckdb.DuckDBPyConnection, scope: Scope, charted: list[str]
) -> pd.DataFrame:
    """Spend per charted line (the others as one series, line NULL), month, currency and
    category."""
    return con.execute(
        SCOPED
        + f"""
        SELECT CASE WHEN list_contains($charted, line) THEN line END AS line,
               strftime(day_of, '%Y-%m') AS month, currency, {CATEGORY} AS category,
               sum(amount) AS amount
        FROM per_day WHERE {SPEND_FILTER} AND day_of IS NOT NULL
        GROUP BY ALL ORDER BY month, currency, category
        """,
        {**scope.params(), "charted": charted},
    ).df()


def data_by_country(
    con: duckdb.DuckDBPyConnection, scope: Scope, charted: list[str]
) -> pd.DataFrame:
    """MiB and records per charted line (the others as one series, line NULL) and country."""
    return con.execute(
        SCOPED
        + """
        SELECT CASE WHEN list_contains($charted, line) THEN line END AS line, country,
               round(sum(quantity) / 1048576.0, 2) AS mb, CAST(sum(records) AS BIGINT) AS records
        FROM per_day WHERE kind = 'data' AND country IS NOT NULL
        GROUP BY ALL ORDER BY mb DESC
        """,
        {**scope.params(), "charted": charted},
    ).df()


def trips(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Visits abroad: consecutive days in one country per line (the trip timeline)."""
    return frame(
        con,
        scope,
        """
        , abroad_days AS (
            SELECT DISTINCT line, day_of AS day, country
            FROM per_day WHERE abroad AND timed AND country IS NOT NULL
        ),
        numbered AS (
            SELECT *, sum(CASE WHEN country IS DISTINCT FROM previous THEN 1 ELSE 0 END)
                          OVER (PARTITION BY line ORDER BY day, country) AS visit
            FROM (SELECT *, lag(country) OVER (PARTITION BY line ORDER BY day, country)
                                AS previous FROM abroad_days)
        )
        SELECT line, country, min(day) AS start, max(day) + 1 AS stop, count(*) AS days
        FROM numbered GROUP BY line, country, visit ORDER BY line, start
        """,
    )


def heatmap(con: duckdb.DuckDBPyConnection, scope: Scope, charted: list[str]) -> pd.DataFrame:
    """MiB per weekday and hour for each charted line, the other lines as one series (line
    NULL): a few hundred rows however many lines the fleet has. The other lines are the whole
    fleet less the charted ones, so no hash table holds a row per line, weekday and hour."""
    return con.execute(
        """
        WITH data AS NOT MATERIALIZED (
            SELECT line, isodow(started_at) AS weekday, hour(started_at) AS hour, quantity
            FROM usage
            WHERE kind = 'data' AND started_at IS NOT NULL
              AND ($start IS NULL OR CAST(started_at AS DATE) >= $start)
              AND ($end IS NULL OR CAST(started_at AS DATE) <= $end)
        ),
        charted AS MATERIALIZED (
            SELECT line, weekday, hour, count(*) AS n, sum(quantity) AS bytes
            FROM data WHERE list_contains($charted, line) GROUP BY ALL
        ),
        fleet AS (
            SELECT weekday, hour, count(*) AS n, sum(quantity) AS bytes FROM data GROUP BY ALL
        ),
        others AS (
            SELECT f.weekday, f.hour, f.n - coalesce(sum(c.n), 0) AS n,
                   f.bytes - coalesce(sum(c.bytes), 0) AS bytes
            FROM fleet f LEFT JOIN charted c USING (weekday, hour)
            GROUP BY f.weekday, f.hour, f.n, f.bytes
        )
        SELECT line, weekday, hour, round(bytes / 1048576.0, 1) AS mb FROM charted
        UNION ALL
        SELECT NULL, weekday, hour, round(bytes / 1048576.0, 1) FROM others WHERE n > 0
        """,
        {**scope.params(), "charted": charted},
    ).df()


def counterparties(
    con: duckdb.DuckDBPyConnection, scope: Scope, charted: list[str], per_line: int
) -> pd.DataFrame:
    """The busiest contacts of each charted line and of the other lines together (line NULL).

    Events are grouped before their statement is joined: only an event without a time of its
    own needs its statement's first day to be placed in the period, and joining every call
    and text to its statement cost more than the grouping itself."""
    return con.execute(
        f"""
        WITH grouped AS (
            SELECT CASE WHEN list_contains($charted, line) THEN line END AS line,
                   coalesce(counterparty_e164, counterparty) AS contact, kind, statement_id,
                   CASE WHEN started_at IS NOT NULL
                        THEN ($start IS NULL OR CAST(started_at AS DATE) >= $start)
                             AND ($end IS NULL OR CAST(started_at AS DATE) <= $end)
                   END AS in_period,
                   count(*) AS count,
                   sum(CASE WHEN kind = 'voice' THEN quantity END) AS seconds
            FROM usage
            WHERE kind IN ('voice', 'sms', 'mms')
              AND coalesce(counterparty_e164, counterparty) IS NOT NULL
            GROUP BY ALL
        ),
        contacts AS (
            SELECT g.line, g.contact, g.kind, CAST(sum(g.count) AS BIGINT) AS count,
                   round(sum(g.seconds) / 60.0, 1) AS minutes
            FROM grouped g LEFT JOIN statements s USING (statement_id)
            WHERE coalesce(g.in_period, ($start IS NULL OR s.period_start >= $start)
                                        AND ($end IS NULL OR s.period_start <= $end))
            GROUP BY ALL
        ),
        ranked AS (
            SELECT *, sum(count) OVER (PARTITION BY line, contact) AS total FROM contacts
        )
        SELECT line, contact, kind, count, minutes FROM ranked
        QUALIFY dense_rank() OVER (PARTITION BY line ORDER BY total DESC, contact) <= {per_line}
        """,
        {**scope.params(), "charted": charted},
    ).df()


def balance_movements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each prepaid line's money movements per day, whole history (a balance accumulates)."""
    return con.sql(
        """
        SELECT line, currency, CAST(started_at AS DATE) AS day,
               sum(amount) AS amount,
               sum(amount) FILTER (WHERE kind = 'topup') AS topups,
               sum(amount) FILTER (WHERE kind = 'adjustment') AS adjustments
        FROM usage
        WHERE amount IS NOT NULL AND currency IS NOT NULL AND started_at IS NOT NULL
          AND kind <> 'transfer'
          AND line IN (SELECT line FROM usage WHERE kind = 'topup')
        GROUP BY ALL ORDER BY line, currency, day
        """
    ).df()


def balance_anchors(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Balances printed on statements: (line, currency, as-of day, balance)."""
    return con.sql(
        """
        SELECT unnest(lines) AS line, currency,
               CAST(coalesce(as_of, period_end) AS DATE) AS day, balance_after
        FROM statements
        WHERE balance_after IS NOT NULL AND len(lines) = 1
        """
    ).fetchall()


def findings_table(con: duckdb.DuckDBPyConnection, scope: Scope, per_rule: int) -> pd.DataFrame:
    """Findings to list, at most ``per_rule`` of each rule (most money at stake first), with
    ``in_rule``, how many that rule found in all, so the page can say what it leaves out."""
    return frame(
        con,
        scope,
        f"""
        , ranked AS MATERIALIZED (
            SELECT f.*,
                   row_number() OVER (PARTITION BY f.rule
                                      ORDER BY abs(f.amount_at_stake) DESC NULLS LAST,
                                               f.line, f.period_start) AS rank_in_rule,
                   count(*) OVER (PARTITION BY f.rule) AS in_rule
            FROM scoped_findings f
            QUALIFY rank_in_rule <= {int(per_rule)}
        ),
        -- the evidence (the view finding_evidence) of the listed findings only: a fleet's
        -- year holds hundreds of thousands of findings
        evidence AS (
            SELECT r.finding_id,
                   list({{'path': s.path, 'page': e.page, 'row': e."row"}}
                        ORDER BY s.path, e.page, e."row") AS evidence
            FROM ranked r, unnest(r.event_ids) AS t(event_id)
            JOIN events e USING (event_id)
            JOIN sources s USING (source_id)
            GROUP BY r.finding_id
        )
        SELECT f.finding_id, f.rule, f.severity, f.title, f.line, f.period_start, f.period_end,
               f.detail, f.amount_at_stake, f.currency, f.in_rule, e.evidence
        FROM ranked f LEFT JOIN evidence e USING (finding_id)
        ORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
                 f.rule, f.line, f.period_start
        """,
    )


def sources_table(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Files that contributed to the period, and every file that failed or holds no events."""
    return frame(
        con,
        scope,
        """
        SELECT s.path, s.importer, s.status, s.events, s.rejects, s.skipped, s.as_of, s.error
        FROM sources s
        WHERE $start IS NULL OR s.status = 'failed' OR s.events = 0
           OR s.source_id IN (SELECT source_id FROM per_day)
        ORDER BY s.path
        """,
    )


def rejects_table(con: duckdb.DuckDBPyConnection, scope: Scope, limit: int) -> pd.DataFrame:
    return frame(
        con,
        scope,
        f"""
        SELECT s.path, r.page, r."row", r.reason, r.raw,
               count(*) OVER () AS total
        FROM rejects r JOIN sources s USING (source_id)
        WHERE $start IS NULL OR s.source_id IN (SELECT source_id FROM per_day)
        ORDER BY s.path, r.page, r."row"
        LIMIT {int(limit)}
        """,
    )
