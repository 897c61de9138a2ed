"""Per-line figures: the summary's one source, month over month, and each line's card.

Recorded usage (timed records) and the usage a statement states as period totals are two
things: they are kept in separate columns and never added into one figure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from analyzer.money import format_money
from analyzer.report import chart_data, queries
from analyzer.report.formats import format_bytes
from analyzer.report.names import LineNames
from analyzer.report.queries import SPEND_FILTER, Scope

# Lines given a card, month-over-month rows and a row in the lines table; the rest are counted
# (every line stays in the line list and the summary follows it).
MAX_LISTED_LINES = 20

LINE_FIGURES = f"""
, recorded AS (
    SELECT line,
           sum(quantity) FILTER (WHERE kind = 'data') AS data_bytes,
           sum(quantity) FILTER (WHERE kind = 'voice') AS voice_seconds,
           sum(quantity) FILTER (WHERE kind IN ('sms', 'mms')) AS messages,
           CAST(sum(records) AS BIGINT) AS records
    FROM per_day WHERE line IS NOT NULL AND day_of IS NOT NULL GROUP BY line
),
spend AS (
    SELECT line, list({{'currency': currency, 'amount': total}} ORDER BY currency) AS spend
    FROM (SELECT line, currency, sum(amount) AS total FROM per_day
          WHERE {SPEND_FILTER} AND line IS NOT NULL GROUP BY ALL)
    GROUP BY line
),
found AS (
    SELECT line, count(*) FILTER (WHERE severity = 'error') AS errors,
           count(*) FILTER (WHERE severity = 'warning') AS warnings,
           count(*) FILTER (WHERE severity = 'info') AS infos
    FROM scoped_findings WHERE line IS NOT NULL GROUP BY line
)
SELECT r.line, r.records, r.data_bytes, r.voice_seconds, r.messages,
       st.data_bytes AS stated_data_bytes, st.voice_seconds AS stated_voice_seconds,
       st.messages AS stated_messages, s.spend,
       coalesce(f.errors, 0) AS errors, coalesce(f.warnings, 0) AS warnings,
       coalesce(f.infos, 0) AS infos
FROM recorded r
LEFT JOIN scoped_stated st USING (line)
LEFT JOIN spend s USING (line)
LEFT JOIN found f USING (line)
ORDER BY r.line
"""

MONTHS = f"""
, months AS (
    SELECT line, strftime(day_of, '%Y-%m') AS month, currency,
           sum(amount) FILTER (WHERE {SPEND_FILTER}) AS spend,
           sum(quantity) FILTER (WHERE kind = 'data') AS data_bytes
    FROM per_day WHERE line IS NOT NULL AND day_of IS NOT NULL
    GROUP BY ALL
),
stated AS (
    SELECT line, strftime(period_start, '%Y-%m') AS month, sum(data_bytes) AS stated_bytes
    FROM stated_usage
    WHERE ($start IS NULL OR period_end >= $start) AND ($end IS NULL OR period_start <= $end)
    GROUP BY ALL
)
SELECT coalesce(m.line, s.line) AS line, coalesce(m.month, s.month) AS month,
       m.currency, m.spend, m.data_bytes, s.stated_bytes
FROM (SELECT line, month, currency, sum(spend) AS spend, sum(data_bytes) AS data_bytes
      FROM (SELECT line, month, CASE WHEN spend IS NULL THEN NULL ELSE currency END AS currency,
                   spend, data_bytes FROM months)
      GROUP BY ALL) m
FULL JOIN stated s ON s.line = m.line AND s.month = m.month
ORDER BY line, month, currency
"""


def line_figures(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames, t: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Every line's figures by key, formatted; the page's summary shows them when one is chosen."""
    figures = {}
    for r in queries.records(con, scope, LINE_FIGURES):
        spend = r["spend"] or []
        figures[names.key(r["line"])] = {
            "line": r["line"],
            "number": names(r["line"]),
            "records": int(r["records"]),
            "data_bytes": _int(r["data_bytes"]),
            "stated_bytes": None
            if _missing(r["stated_data_bytes"])
            else int(r["stated_data_bytes"]),
            "data": format_bytes(r["data_bytes"]),
            "stated": ""
            if _missing(r["stated_data_bytes"])
            else format_bytes(r["stated_data_bytes"]),
            "voice": t["minutes"].format(n=f"{_int(r['voice_seconds']) // 60:,}"),
            "messages": f"{_int(r['messages']):,}",
            "spend": [format_money(s["amount"], s["currency"]) for s in spend],
            "findings": [int(r["errors"]), int(r["warnings"]), int(r["infos"])],
        }
    return figures


def month_over_month(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames, listed: set[str]
) -> list[dict[str, Any]]:
    """Per line and currency, every month with records or a stated total; the change compares a
    month with the calendar month before it on the same line in the same currency only."""
    rows: list[dict[str, Any]] = []
    previous: dict[tuple[str, str | None], tuple[str, Decimal]] = {}
    keys = {}
    cursor = con.execute(queries.SCOPED + MONTHS, scope.params())
    for line, month, currency, spend, data_bytes, stated_bytes in cursor.fetchall():
        change = ""
        before = previous.get((line, currency))
        if spend is not None and before and before[0] == _month_before(month) and before[1]:
            change = f"{(spend - before[1]) / abs(before[1]) * 100:+.0f} %"
        if spend is not None:
            previous[(line, currency)] = (month, spend)
        if line not in keys:
            keys[line] = names.key(line)
        rows.append(
            {
                "line": keys[line],
                "raw_line": line,
                "listed": line in listed,
                "month": month,
                "currency": currency or "",
                "spend": format_money(spend, currency) if spend is not None else "",
                "change": change,
                "data_bytes": 0 if data_bytes is None else int(data_bytes),
                "data": format_bytes(data_bytes) if data_bytes is not None else "",
                "stated": format_bytes(stated_bytes) if stated_bytes is not None else "",
            }
        )
    return rows


def listed_lines(figures: dict[str, dict[str, Any]], names: LineNames) -> list[str]:
    """The lines given detail: those with findings first (errors first), then the busiest."""
    order = {line: n for n, line in enumerate(names.order)}
    ranked = sorted(
        figures.values(),
        key=lambda f: (
            -f["findings"][0],
            -f["findings"][1],
            -sum(f["findings"]),
            order.get(f["line"], 0),
        ),
    )
    return [f["line"] for f in ranked[:MAX_LISTED_LINES]]


def line_cards(
    con: duckdb.DuckDBPyConnection,
    names: LineNames,
    t: dict[str, str],
    listed: list[str],
    forecast: pd.DataFrame,
    trips: pd.DataFrame,
    findings: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Per line: plan and price, the current cycle, the forecast, roaming, open findings."""
    plans = {
        r[0]: r
        for r in con.sql(
            "SELECT line, plan_name, price, price_currency, data_allowance, home_country FROM lines"
        ).fetchall()
    }
    billed = dict(
        con.sql(
            "SELECT line, any_value(plan_name) FROM (SELECT unnest(lines) AS line, plan_name "
            "FROM statements WHERE plan_name IS NOT NULL) GROUP BY line"
        ).fetchall()
    )
    cycles = {r["line"]: r for r in forecast.to_dict("records")}
    cards = []
    for line in listed:
        plan = plans.get(line)
        cycle = cycles.get(line)
        mine = trips[trips["line"] == line] if len(trips) else trips
        last_trip = mine.iloc[-1] if len(mine) else None
        card = {
            "key": names.key(line),
            "number": names(line),
            "label": names.labels.get(line) or "",
            "plan": (plan[1] if plan and plan[1] else billed.get(line)) or t["no_plan"],
            "price": format_money(plan[2], plan[3]) if plan and plan[2] is not None else "",
            "cycle": "",
            "left": "",
            "days_left": "",
            "forecast": "",
            "roaming": "",
            "findings": [f for f in findings if f["line_key"] == names.key(line)][:4],
        }
        if cycle:
            as_of = pd.Timestamp(cycle["as_of"]).date()
            end = (pd.Timestamp(cycle["ends_at"]) - pd.Timedelta(seconds=1)).date()
            card["cycle"] = t["card_cycle"].format(
                start=pd.Timestamp(cycle["starts_at"]).date(),
                end=end,
                used=format_bytes(cycle["used"]),
            )
            card["days_left"] = t["card_days_left"].format(
                n=max((end - as_of).days, 0), as_of=as_of
            )
            if not _missing(cycle["data_allowance"]):
                card["left"] = t["card_left"].format(
                    left=format_bytes(max(float(cycle["remaining"]), 0.0)),
                    allowance=format_bytes(cycle["data_allowance"]),
                )
                card["forecast"] = _forecast_text(cycle, t)
            else:
                card["left"] = t["card_unlimited"]
        if last_trip is not None:
            start, stop = last_trip["start"], last_trip["stop"]
            ongoing = (
                cycle is not None
                and pd.Timestamp(stop).date() > pd.Timestamp(cycle["as_of"]).date()
            )
            card["roaming"] = t["card_roaming_now" if ongoing else "card_last_trip"].format(
                country=chart_data.country_name(last_trip["country"], t),
                start=_day(start),
                end=_day(pd.Timestamp(stop) - pd.Timedelta(days=1)),
            )
        cards.append(card)
    return cards


def _forecast_text(cycle: dict[str, Any], t: dict[str, str]) -> str:
    if _missing(cycle["runs_out"]):
        return t["card_forecast_never"]
    end = pd.Timestamp(cycle["ends_at"])
    if pd.Timestamp(cycle["runs_out"]) >= end:
        return t["card_forecast_lasts"].format(
            earliest=_day(cycle["earliest"]),
            latest=_day(cycle["latest"]) if not _missing(cycle["latest"]) else t["never"],
        )
    return t["card_forecast_runs_out"].format(
        day=_day(cycle["runs_out"]),
        earliest=_day(cycle["earliest"]),
        latest=_day(cycle["latest"]) if not _missing(cycle["latest"]) else t["never"],
    )


def _day(value: Any) -> str:
    return "" if _missing(value) else pd.Timestamp(value).date().isoformat()


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, list | tuple | str) and pd.isna(value))


def _int(value: Any) -> int:
    return 0 if _missing(value) else int(value)
