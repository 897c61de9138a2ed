"""Each chart's data: SQL aggregates shaped for Altair, lines named and capped, then the spec.

Every chart also gets a one-sentence summary and a table of the same rows (the text alternative
the page shows under it), so what a reader sees and what a screen reader hears agree.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analyzer.money import format_money
from analyzer.report import queries
from analyzer.report.i18n import rule_title
from analyzer.report.names import LineNames

TOP_CONTACTS = 10
GIB = float(1024**3)
MIB = float(1024**2)


def finish_spec(chart: Any, name: str, t: dict[str, str]) -> dict[str, Any]:
    """The spec as the page embeds it, with its label, its one-sentence summary and the rows of
    its main dataset as a table: the text alternative comes from the data the chart draws."""
    import altair as alt

    from analyzer.report.charts import ALL, STYLE

    # Every chart's data is already a small SQL aggregate, capped where it grows with the number
    # of lines; Altair's 5,000-row guard would refuse a year of 20 lines' daily data, so the
    # report relies on its own caps (and a size test) instead. Schema validation costs half a
    # second per chart; the browser tests draw every chart.
    with alt.data_transformers.enable("default", max_rows=None):
        spec = chart.to_dict(validate=False)
    spec["config"] = STYLE
    spec.pop("$schema", None)
    spec.setdefault("params", []).append({"name": "line_filter", "value": ALL})
    rows = main_rows(spec)
    spec["usermeta"] = {"summary": _summary_sentence(name, rows, t)}
    return spec


def main_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's main dataset: its largest."""
    return max(spec.get("datasets", {}).values(), key=len, default=[])


def _summary_sentence(name: str, rows: list[dict[str, Any]], t: dict[str, str]) -> str:
    lines = {r.get("line") for r in rows if r.get("line")}
    days = sorted(str(r["day"])[:10] for r in rows if r.get("day"))
    return t["chart_summary"].format(
        title=t[f"chart_{name}"],
        n=len(rows),
        lines=len(lines) or 1,
        span=t["chart_span"].format(first=days[0], last=days[-1]) if days else "",
    )


def _series(frame: pd.DataFrame, names: LineNames) -> pd.DataFrame:
    """Lines as charts name them: the query already summed the quiet lines into one series
    (line NULL), which takes the "other lines" name."""
    frame["line"] = [names.chart_key(v) for v in frame["line"].tolist()]
    return frame


def _day_text(value: Any) -> str | None:
    """Dates as local-time strings: Vega would read '2026-05-01' as UTC and shift it a day."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%dT00:00")


def _floats(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = frame[column].astype(float)
    return frame


def chart_daily_data(con, scope, names, t):
    from analyzer.report import charts

    frame = queries.daily_data(con, scope, sorted(names.charted))
    if not len(frame):
        return None
    flags = {
        rule: rule_title(rule, t["html_lang"].split("-")[0]) for rule in ("data_burn", "night_burn")
    }
    frame["flag_label"] = [flags.get(v) if isinstance(v, str) else None for v in frame["flag"]]
    frame = frame.drop(columns=["flag"])
    frame = _floats(frame, ["mb", "low", "high"])
    frame["line"] = [names.chart_key(v) for v in frame["line"]]
    frame["day"] = [_day_text(v) for v in frame["day"]]
    bands = frame.groupby("line", as_index=False).agg(low=("low", "first"), high=("high", "first"))
    flags = frame.loc[frame["flag_label"].notna(), ["line", "day", "mb", "flag_label"]]
    frame = frame[["line", "day", "mb"]]

    shades = queries.shading(con, scope)
    labels = {"gap": t["shade_gap"], "as_of": t["shade_as_of"]}
    shades["what_label"] = [labels[v] for v in shades["what"]]
    shades["line"] = [names.chart_key(v) for v in shades["line"]]
    shades["start"] = [_day_text(v) for v in shades["start"]]
    shades["stop"] = [_day_text(v) for v in shades["stop"]]
    return charts.daily_data(frame, bands, flags, shades.drop(columns=["what"]), t)


def chart_spend(con, scope, names, t):
    from analyzer.report import charts

    frame = queries.spend_by_category(con, scope, sorted(names.charted))
    if not len(frame):
        return None
    frame = _series(frame, names)
    frame = _floats(frame, ["amount"])
    order = list(charts.CATEGORY_COLORS)
    frame["category_order"] = [order.index(c) for c in frame["category"]]
    frame["category_label"] = [t[f"category_{c}"] for c in frame["category"]]
    return charts.spend(frame, t)


def chart_countries(con, scope, names, t, visits: pd.DataFrame | None = None):
    from analyzer.report import charts

    by_country = queries.data_by_country(con, scope, sorted(names.charted))
    if not len(by_country):
        return None
    by_country = _floats(_series(by_country, names), ["mb"])
    by_country["country_name"] = [country_name(c, t) for c in by_country["country"]]
    visits = queries.trips(con, scope) if visits is None else visits
    visits = visits[visits["line"].isin(names.charted)].copy()
    visits["country_name"] = [country_name(c, t) for c in visits["country"]]
    visits["line"] = [names.chart_key(v) for v in visits["line"]]
    visits["last"] = [_day_text(v - timedelta(days=1)) for v in visits["stop"]]
    visits["start"] = [_day_text(v) for v in visits["start"]]
    visits["stop"] = [_day_text(v) for v in visits["stop"]]
    return charts.countries(by_country, visits, t)


def chart_heatmap(con, scope, names, t):
    from analyzer.report import charts

    frame = queries.heatmap(con, scope, sorted(names.charted))
    if not len(frame):
        return None
    return charts.heatmap(_floats(_series(frame, names), ["mb"]), t)


def chart_counterparties(con, scope, names, t):
    from analyzer.report import charts

    frame = queries.counterparties(con, scope, sorted(names.charted), TOP_CONTACTS)
    if not len(frame):
        return None
    frame = _series(frame, names)
    frame["contact"] = [names.number(v) for v in frame["contact"].tolist()]
    frame["kind_label"] = [t[f"kind_{k}"] for k in frame["kind"].tolist()]
    frame = frame.drop(columns=["kind"])
    frame["minutes"] = frame["minutes"].astype(float).fillna(0.0)
    return charts.counterparties(frame, t, TOP_CONTACTS)


def chart_balance(con, scope, names, t):
    from analyzer.report import charts

    moves = queries.balance_movements(con)
    if not len(moves):
        return None
    moves["day"] = _dates(moves["day"])
    anchors = {(a[0], a[1]): (a[2], a[3]) for a in queries.balance_anchors(con)}
    points, marks = [], []
    for (line, currency), group in moves.groupby(["line", "currency"], sort=True):
        running = Decimal(0)
        balances = []
        for amount in group["amount"]:
            running -= Decimal(amount)
            balances.append(running)
        offset = Decimal(0)
        if (line, currency) in anchors:
            anchor_day, printed = anchors[(line, currency)]
            before = [b for d, b in zip(group["day"], balances, strict=True) if d <= anchor_day]
            offset = Decimal(printed) - (before[-1] if before else Decimal(0))
        key = names.chart_key(line)
        for row, balance in zip(group.itertuples(), balances, strict=True):
            if (scope.start and row.day < scope.start) or (scope.end and row.day > scope.end):
                continue
            value = balance + offset
            common = {"line": key, "currency": currency, "day": _day_text(row.day)}
            points.append(
                {**common, "balance": float(value), "balance_text": format_money(value, currency)}
            )
            for what, amount in (
                ("event_topup", row.topups),
                ("event_adjustment", row.adjustments),
            ):
                if amount is not None and not pd.isna(amount):
                    marks.append(
                        {
                            **common,
                            "balance": float(value),
                            "what_label": t[what],
                            "amount_text": format_money(-Decimal(amount), currency),
                        }
                    )
    if not points:
        return None
    point_frame = pd.DataFrame(points)
    expiry = _expiries(forecasts(con), point_frame, names)
    mark_frame = pd.DataFrame(
        marks, columns=["line", "currency", "day", "balance", "what_label", "amount_text"]
    )
    return charts.balance(point_frame, mark_frame, expiry, t)


def forecasts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each planned line's cycle and forecast from the schema's macro the allowance rule reads,
    with the recent-days window the last analysis ran the rule with (settings included)."""
    from analyzer.rules import load_rules, used_params

    rule = next(r for r in load_rules() if r.id == "allowance_exhaustion")
    recent = int(used_params(con, rule)["recent_days"])
    _ensure_forecast_macro(con)
    return con.execute(
        "SELECT line, plan_name, data_allowance, cycle, starts_at, ends_at, as_of, used, "
        "remaining, recent_rate, cycle_rate, runs_out, earliest, latest "
        "FROM allowance_forecast(?)",
        [recent],
    ).df()


def _ensure_forecast_macro(con: duckdb.DuckDBPyConnection) -> None:
    """A database written before the macro existed, opened read-only: define it for this
    connection only (a temporary macro), from the same schema text."""
    import re
    from importlib import resources

    found = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'allowance_forecast'"
    ).fetchall()[0][0]
    if found:
        return
    schema = resources.files("analyzer").joinpath("schema.sql").read_text("utf-8")
    match = re.search(r"CREATE OR REPLACE MACRO allowance_forecast.*?FROM forecast;", schema, re.S)
    if match:
        con.execute(
            match.group(0).replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO")
        )


def chart_allowance(con, scope, names, t, plans: pd.DataFrame | None = None):
    """Cumulative use in the current cycle, and the rule's forecast with its range."""
    from analyzer.report import charts

    plans = forecasts(con) if plans is None else plans
    plans = plans[plans["data_allowance"].notna() & plans["line"].isin(names.charted)]
    if not len(plans):
        return None
    daily = queries.daily_bytes(con, scope, list(plans["line"]))
    actual_rows, forecast_rows = [], []
    for row in plans.itertuples():
        start, as_of, end = row.starts_at, row.as_of, row.ends_at
        if (scope.end is not None and start.date() > scope.end) or (
            scope.start is not None and as_of.date() < scope.start
        ):
            continue
        mine = daily[daily["line"] == row.line]
        by_day = {
            pd.Timestamp(d).date(): float(b)
            for d, b in zip(mine["day"], mine["bytes"], strict=True)
        }
        key = names.chart_key(row.line)
        limit = float(row.data_allowance)
        total, day = 0.0, start.date()
        while day <= as_of.date():
            total += by_day.get(day, 0.0)
            actual_rows.append(
                {
                    "line": key,
                    "day": _day_text(day),
                    "gib": round(min(total, float(row.used)) / GIB, 3),
                    "limit_gib": round(limit / GIB, 3),
                    "runs_out": _day_text(row.runs_out),
                }
            )
            day += timedelta(days=1)
        used = float(row.used)
        rates = [float(r) for r in (row.recent_rate, row.cycle_rate) if not pd.isna(r)]
        mid = float(row.recent_rate) if not pd.isna(row.recent_rate) else 0.0
        for k in range((end.date() - as_of.date()).days + 1):
            forecast_rows.append(
                {
                    "line": key,
                    "day": _day_text(as_of.date() + timedelta(days=k)),
                    "mid": round((used + mid * k) / GIB, 3),
                    "low": round((used + min(rates, default=0.0) * k) / GIB, 3),
                    "high": round((used + max(rates, default=0.0) * k) / GIB, 3),
                }
            )
    if not actual_rows:
        return None
    forecast = pd.DataFrame(forecast_rows, columns=["line", "day", "mid", "low", "high"])
    return charts.allowance(pd.DataFrame(actual_rows), forecast, t)


def _expiries(plans: pd.DataFrame, points: pd.DataFrame, names: LineNames) -> pd.DataFrame:
    """When each prepaid validity plan ends, in the currencies its balance is drawn in."""
    rows = []
    for row in plans[plans["cycle"] == "validity"].itertuples():
        key = names.chart_key(row.line)
        for currency in set(points.loc[points["line"] == key, "currency"]):
            rows.append({"line": key, "currency": currency, "day": _day_text(row.ends_at.date())})
    return pd.DataFrame(rows, columns=["line", "currency", "day"])


def _dates(values: pd.Series) -> list[date | None]:
    """pandas Timestamps back to plain dates, so they compare with the period's dates."""
    return [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]


def country_name(code: str, t: dict[str, str]) -> str:
    """'New Zealand (NZ)': the name from phonenumbers' locale data, in the report's language."""
    names = _country_names().get(code or "", {})
    name = names.get(t["html_lang"].split("-")[0], "")
    if name.startswith("*"):  # held under another language's entry
        name = names.get(name[1:], "")
    return f"{name} ({code})" if name else (code or "")


@cache
def _country_names() -> dict[str, dict[str, str]]:
    """phonenumbers' table of country names by language. Importing it as
    ``phonenumbers.geodata.locale`` first runs the package's ``__init__``, which loads every
    prefix's place names (a second of a report's time); the table's own module is loaded alone
    when it is where phonenumbers keeps it."""
    import importlib.util

    import phonenumbers

    path = Path(phonenumbers.__file__).parent / "geodata" / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    if spec is None or spec.loader is None or not path.is_file():
        from phonenumbers.geodata.locale import LOCALE_DATA

        return LOCALE_DATA
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "phonenumbers.geodata"
    spec.loader.exec_module(module)
    return module.LOCALE_DATA


def chart_table(spec: dict[str, Any], limit: int = 60) -> dict[str, Any]:
    """The rows of the chart's main dataset, the columns people read (no internal fields)."""
    rows = main_rows(spec)
    hidden = {"category_order", "flag", "what", "category", "kind", "balance"}
    columns = [c for c in (rows[0] if rows else {}) if c not in hidden]
    shown = [[_cell(r.get(c)) for c in columns] for r in rows[:limit]]
    return {"columns": columns, "rows": shown, "more": max(len(rows) - limit, 0)}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)[:10] if isinstance(value, str) and "T00:00" in value else str(value)
