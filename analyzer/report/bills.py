"""Each bill explained and each trip abroad costed.

A statement's items are grouped as the bill groups them (the section its importer read them
from, else the kind of charge), with the printed total, the total of its items and the
difference; a trip is a run of days abroad in one country, with its data, calls and cost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb

from analyzer.money import format_money
from analyzer.report import queries
from analyzer.report.formats import format_bytes
from analyzer.report.names import LineNames
from analyzer.report.queries import Scope

MAX_STATEMENTS = 40
MAX_TRIPS = 60

STATEMENT_GROUPS = """
, items AS (
    SELECT e.statement_id, e.currency,
           coalesce(json_extract_string(e.raw, '$.section'), e.kind) AS grp,
           count(*) AS n, sum(e.amount) AS amount
    FROM events e
    WHERE e.statement_id IS NOT NULL AND e.amount IS NOT NULL
      AND e.kind NOT IN ('topup', 'transfer')
    GROUP BY ALL
)
SELECT s.statement_id, s.carrier, s.invoice_number, s.period_start, s.period_end,
       s.total_due, any_value(coalesce(s.currency, i.currency)) AS currency,
       list({'grp': i.grp, 'n': i.n, 'amount': i.amount, 'currency': i.currency}
            ORDER BY i.grp) AS groups
FROM statements s JOIN items i USING (statement_id)
WHERE ($start IS NULL OR s.period_end >= $start) AND ($end IS NULL OR s.period_start <= $end)
GROUP BY ALL
ORDER BY s.period_start DESC NULLS LAST, s.statement_id
"""

TRIP_COSTS = """
, abroad_days AS (
    SELECT line, day_of AS day, country, currency,
           sum(quantity) FILTER (WHERE kind = 'data') AS data_bytes,
           sum(quantity) FILTER (WHERE kind = 'voice') AS voice_seconds,
           sum(amount) AS amount
    FROM per_day WHERE abroad AND timed GROUP BY ALL
),
visit_days AS (
    SELECT DISTINCT line, day, country FROM abroad_days WHERE country IS NOT NULL
),
numbered AS (
    SELECT *, sum(CASE WHEN country IS DISTINCT FROM previous
                            OR day <> previous_day + 1 THEN 1 ELSE 0 END)
                  OVER (PARTITION BY line ORDER BY day, country) AS visit
    FROM (SELECT *, lag(country) OVER (PARTITION BY line ORDER BY day, country) AS previous,
                 lag(day) OVER (PARTITION BY line ORDER BY day, country) AS previous_day
          FROM visit_days)
),
visits AS (
    SELECT line, country, visit, min(day) AS first_day, max(day) AS last_day, count(*) AS days
    FROM numbered GROUP BY line, country, visit
    ORDER BY first_day DESC, line, country
    LIMIT $max_trips
),
visit_costs AS (
    -- each day abroad goes to the visit of that day and country; a record abroad without a
    -- country to every visit of its day
    SELECT n.line, n.country, n.visit, a.currency, sum(a.data_bytes) AS data_bytes,
           sum(a.voice_seconds) AS voice_seconds, sum(a.amount) AS amount
    FROM numbered n
    SEMI JOIN visits v USING (line, country, visit)
    JOIN abroad_days a ON a.line = n.line AND a.day = n.day
                      AND (a.country = n.country OR a.country IS NULL)
    GROUP BY ALL
)
SELECT v.line, v.country, v.visit, v.first_day, v.last_day, v.days,
       sum(c.data_bytes) AS data_bytes,
       sum(c.voice_seconds) AS voice_seconds,
       list({'currency': c.currency, 'amount': c.amount})
           FILTER (WHERE c.amount IS NOT NULL AND c.currency IS NOT NULL) AS costs
FROM visits v
LEFT JOIN visit_costs c USING (line, country, visit)
GROUP BY ALL
ORDER BY v.first_day DESC, v.line, v.country
"""


def statements(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames, t: dict[str, str]
) -> list[dict[str, Any]]:
    """Per statement: its groups with their totals, the printed total, the items' total and
    the difference (money stays per currency)."""
    out = []
    for r in _records(con, scope, STATEMENT_GROUPS)[:MAX_STATEMENTS]:
        currency = r["currency"]
        groups, sums = [], {}
        for g in r["groups"]:
            amount = _dec(g["amount"])
            sums[g["currency"]] = sums.get(g["currency"], Decimal(0)) + amount
            groups.append(
                {
                    "name": _group_name(names.text(g["grp"]) or "", t),
                    "items": int(g["n"]),
                    "amount": format_money(amount, g["currency"]),
                }
            )
        printed = None if _missing(r["total_due"]) else _dec(r["total_due"])
        computed = sums.get(currency, Decimal(0))
        out.append(
            {
                "title": t["bill_title"].format(
                    carrier=r["carrier"],
                    invoice=names.text(r["invoice_number"]) or "",
                    start=_day(r["period_start"]),
                    end=_day(r["period_end"]),
                ),
                "groups": groups,
                "printed": format_money(printed, currency) if printed is not None else "",
                "computed": " · ".join(format_money(a, c) for c, a in sorted(sums.items()) if c),
                "difference": format_money(printed - computed, currency)
                if printed is not None
                else "",
                "differs": printed is not None and printed != computed,
            }
        )
    return out


def trips(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames, t: dict[str, str]
) -> list[dict[str, Any]]:
    """Per visit abroad: the days, the country, the data and calls there and what they cost."""
    from analyzer.report.chart_data import country_name

    out = []
    for r in _records(con, scope, TRIP_COSTS, {"max_trips": MAX_TRIPS}):
        costs: dict[str, Decimal] = {}
        for c in r["costs"] if isinstance(r["costs"], list | tuple) else []:
            costs[c["currency"]] = costs.get(c["currency"], Decimal(0)) + _dec(c["amount"])
        out.append(
            {
                "line": names.key(r["line"]),
                "country": country_name(r["country"], t),
                "when": f"{_day(r['first_day'])} – {_day(r['last_day'])}",
                "days": int(r["days"]),
                "data": format_bytes(r["data_bytes"]) if not _missing(r["data_bytes"]) else "",
                "calls": t["minutes"].format(n=f"{int(_dec(r['voice_seconds'])) // 60:,}")
                if not _missing(r["voice_seconds"])
                else "",
                "cost": [format_money(a, c) for c, a in sorted(costs.items())],
            }
        )
    return out


KIND_LABELS = {
    "plan": "category_plan",
    "tax": "category_taxes",
    "fee": "category_fees",
    "credit": "category_credits",
    "voice": "kind_voice",
    "sms": "kind_sms",
    "mms": "kind_mms",
    "data": "data_recorded",
    "adjustment": "event_adjustment",
}


def _group_name(group: str, t: dict[str, str]) -> str:
    """A section printed on the bill as it is; a kind of charge in the report's words."""
    return t[KIND_LABELS[group]] if group in KIND_LABELS else group


def _records(
    con: duckdb.DuckDBPyConnection, scope: Scope, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Rows as dicts with DECIMAL kept as Decimal (no float on the way)."""
    cursor = con.execute(queries.SCOPED + sql, {**scope.params(), **(params or {})})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _dec(value: Any) -> Decimal:
    if _missing(value):
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, list | tuple | str) and pd.isna(value))


def _day(value: Any) -> str:
    import pandas as pd

    return "" if _missing(value) else pd.Timestamp(value).date().isoformat()
