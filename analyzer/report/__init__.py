"""The report: SQL aggregates -> Altair specs -> one offline HTML file.

``build(con, period=None, lang="en", mask=False)`` computes every number and every chart's data
with SQL (see ``queries``); ``render_html`` writes one self-contained page with the Vega bundle
inlined once, data escaped inside <script>, and a Content-Security-Policy that forbids network
access, so the file opens from a USB stick on a plane.
"""

from __future__ import annotations

import calendar
import html
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analyzer.errors import AnalyzerError
from analyzer.report import queries
from analyzer.report.i18n import texts
from analyzer.report.masking import mask_number, mask_text
from analyzer.report.queries import Scope

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
    "form-action 'none'; base-uri 'none'"
)
CHARTS = ("daily_data", "allowance", "spend", "countries", "heatmap", "counterparties", "balance")
MAX_CHART_LINES = 20
TOP_CONTACTS = 10
MAX_REJECTS = 50
MAX_EVIDENCE = 4
# Findings listed per rule: a year of a fleet can hold thousands; the rest are counted, and
# `analyzer findings --rule RULE` lists them all.
MAX_FINDINGS_PER_RULE = 30
NO_MINOR_UNIT = {"XPF", "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "KMF"}
_PERIOD_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_PERIOD_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass
class ReportData:
    """What the report shows, computed once; also renders itself in a notebook."""

    summary: dict[str, Any]
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lines: list[dict[str, str]] = field(default_factory=list)
    lang: str = "en"
    masked: bool = False
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    @property
    def text(self) -> dict[str, str]:
        return texts(self.lang)

    def to_html(self) -> str:
        return render_html(self)

    def save_html(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_html(), encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        """The page in an iframe, so its CSP and scripts stay isolated from the notebook."""
        return (
            '<iframe style="width:100%;height:900px;border:0" sandbox="allow-scripts" '
            f'srcdoc="{html.escape(self.to_html(), quote=True)}"></iframe>'
        )


def parse_period(period: str | None) -> Scope:
    """'2026-10' (a month) or '2026-09-19..2026-10-18' (a billing cycle) -> Scope."""
    if period is None or not period.strip():
        return Scope()
    text = period.strip()
    month = _PERIOD_MONTH.match(text)
    try:
        if month:
            year, number = int(month.group(1)), int(month.group(2))
            last = calendar.monthrange(year, number)[1]
            return Scope(date(year, number, 1), date(year, number, last), text)
        cycle = _PERIOD_RANGE.match(text)
        if cycle:
            start, end = date.fromisoformat(cycle.group(1)), date.fromisoformat(cycle.group(2))
            if start <= end:
                return Scope(start, end, text)
    except (ValueError, calendar.IllegalMonthError):
        pass
    raise AnalyzerError(
        f"--period {text!r} is not a period; write a month as 2026-10 "
        "or a billing cycle as 2026-09-19..2026-10-18"
    )


def build(
    con: duckdb.DuckDBPyConnection,
    period: str | None = None,
    lang: str = "en",
    mask: bool = False,
) -> ReportData:
    """Compute the report's data from the database with SQL aggregates only."""
    t = texts(lang)
    scope = parse_period(period)
    names = _LineNames(con, scope, mask, t)
    data = ReportData(summary={}, lang=lang, masked=mask)
    data.summary = _summary(con, scope, names, t)
    for name in CHARTS:
        spec = globals()[f"_chart_{name}"](con, scope, names, t)
        if spec is None:
            data.notes[name] = t[f"chart_{name}_empty"]
        else:
            data.charts[name] = _finish_spec(spec, filterable=True)
    data.tables = {
        "findings": _findings(con, scope, names, t),
        "sources": _sources(con, scope, names),
        "rejects": _rejects(con, scope, names),
        "per_line": _per_line(con, scope, names),
        "month_over_month": [] if scope.start else _month_over_month(con, scope),
    }
    data.tables["gaps"] = [f for f in data.tables["findings"] if f["rule"] == "record_gap"]
    data.tables["findings_not_listed"] = _not_listed(data.tables["findings"], t)
    data.lines = names.options()
    return data


class _LineNames:
    """Raw line ids -> what the report shows: masked if asked, busiest lines first."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, scope: Scope, mask: bool, t: dict[str, str]
    ) -> None:
        self.mask = mask
        self.other = t["other_lines"]
        ranked = queries.rows(
            con,
            scope,
            "SELECT line, count(*) FROM scoped WHERE line IS NOT NULL "
            "GROUP BY line ORDER BY count(*) DESC, line",
        )
        labels = dict(con.sql("SELECT line, label FROM lines").fetchall())
        self.labels = {line: labels.get(line) for line, _ in ranked}
        self.display: dict[str, str] = {}
        seen: set[str] = set()
        for line, _ in ranked:
            shown = (mask_number(line) or line) if mask else line
            candidate, n = shown, 2
            while candidate in seen:
                candidate, n = f"{shown} ({n})", n + 1
            seen.add(candidate)
            self.display[line] = candidate
        self.charted = {line for line, _ in ranked[:MAX_CHART_LINES]}

    def __call__(self, line: str | None) -> str | None:
        if line is None:
            return None
        return self.display.get(line) or ((mask_number(line) or line) if self.mask else line)

    def chart_key(self, line: str | None) -> str:
        """The line as charts see it; lines beyond the busiest few share one series."""
        return self(line) if line in self.charted else self.other  # type: ignore[return-value]

    def text(self, value: str | None) -> str | None:
        return mask_text(value, self.display) if self.mask else value

    def number(self, value: str | None) -> str | None:
        return mask_number(value) if self.mask else value

    def options(self) -> list[dict[str, str]]:
        options = [
            {"value": self.display[line], "label": self.display[line], "name": label or ""}
            for line, label in self.labels.items()
            if line in self.charted
        ]
        if len(self.labels) > len(self.charted):
            options.append({"value": self.other, "label": self.other, "name": ""})
        return sorted(options, key=lambda o: (o["value"] == self.other, o["name"], o["value"]))


def _finish_spec(chart: Any, *, filterable: bool) -> dict[str, Any]:
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
    if filterable:
        spec.setdefault("params", []).append({"name": "line_filter", "value": ALL})
    return spec


def _chart_lines(frame: pd.DataFrame, names: _LineNames, sums: list[str]) -> pd.DataFrame:
    """Map lines to what charts show and merge the quiet ones into one series."""
    if not len(frame):
        return frame
    frame = frame.copy()
    frame["line"] = [names.chart_key(v) for v in frame["line"]]
    if names.other in set(frame["line"]):
        keys = [c for c in frame.columns if c not in sums]
        frame = frame.groupby(keys, dropna=False, as_index=False)[sums].sum()
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


def _chart_daily_data(con, scope, names, t):
    from analyzer.report import charts

    frame = queries.daily_data(con, scope)
    if not len(frame):
        return None
    flags = {
        "data_burn": t["rule_data_burn"],
        "night_burn": t["rule_night_burn"],
    }
    frame["flag_label"] = [flags.get(v) if isinstance(v, str) else None for v in frame["flag"]]
    frame = frame.drop(columns=["flag"])
    frame = _floats(frame, ["mb", "low", "high"])
    frame["line"] = [names.chart_key(v) for v in frame["line"]]
    if names.other in set(frame["line"]):
        frame = frame.groupby(["line", "day"], as_index=False).agg(
            mb=("mb", "sum"),
            low=("low", "min"),
            high=("high", "max"),
            flag_label=("flag_label", "first"),
        )
    frame["day"] = [_day_text(v) for v in frame["day"]]
    shades = queries.shading(con, scope)
    labels = {"gap": t["shade_gap"], "as_of": t["shade_as_of"]}
    shades["what_label"] = [labels[v] for v in shades["what"]]
    shades["line"] = [names.chart_key(v) for v in shades["line"]]
    shades["start"] = [_day_text(v) for v in shades["start"]]
    shades["stop"] = [_day_text(v) for v in shades["stop"]]
    return charts.daily_data(frame, shades.drop(columns=["what"]), t)


def _cycle(row: Any, first_use: date | None, ref: date) -> tuple[date, date]:
    """The allowance cycle containing ``ref``: (first day, last day)."""
    if row.cycle == "validity" and not pd.isna(row.validity_days):
        start = row.cycle_start if not pd.isna(row.cycle_start) else first_use
        if row.validity_starts != "purchase" and first_use is not None:
            start = max(first_use, start) if start else first_use
        start = start or ref
        return start, start + timedelta(days=int(row.validity_days))
    if row.cycle == "days" and not pd.isna(row.cycle_days) and not pd.isna(row.cycle_start):
        length = int(row.cycle_days)
        k = max((ref - row.cycle_start).days // length, 0)
        start = row.cycle_start + timedelta(days=k * length)
        return start, start + timedelta(days=length - 1)
    day = int(row.cycle_day) if row.cycle == "monthly" and not pd.isna(row.cycle_day) else 1

    def anchor(year: int, month: int) -> date:
        return date(year, month, min(day, calendar.monthrange(year, month)[1]))

    start = anchor(ref.year, ref.month)
    if start > ref:
        year, month = (ref.year, ref.month - 1) if ref.month > 1 else (ref.year - 1, 12)
        start = anchor(year, month)
    year, month = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)
    return start, anchor(year, month) - timedelta(days=1)


def _chart_allowance(con, scope, names, t):
    from analyzer.report import charts

    plans = queries.allowance_lines(con)
    plans = plans[plans["line"].isin(names.charted)]  # a cumulative curve per line: no "other"
    if not len(plans):
        return None
    plans["cycle_start"] = _dates(plans["cycle_start"])
    daily = queries.daily_bytes(con, list(plans["line"]))
    daily["day"] = _dates(daily["day"])
    actual_rows, forecast_rows = [], []
    gb = float(1024**3)
    for row in plans.itertuples():
        mine = daily[daily["line"] == row.line]
        in_scope = mine[
            [
                (scope.start is None or d >= scope.start) and (scope.end is None or d <= scope.end)
                for d in mine["day"]
            ]
        ]
        if not len(in_scope):
            continue
        ref = max(in_scope["day"])
        if scope.end is not None:
            ref = min(ref, scope.end)
        start_floor = row.cycle_start if not pd.isna(row.cycle_start) else None
        used_days = [d for d in mine["day"] if start_floor is None or d >= start_floor]
        first_use = min(used_days) if used_days else None
        start, end = _cycle(row, first_use, ref)
        ref = min(ref, end)
        by_day = dict(zip(mine["day"], mine["bytes"].astype(float), strict=True))
        days = [start + timedelta(days=k) for k in range((ref - start).days + 1)]
        if not days:
            continue
        series = [by_day.get(d, 0.0) for d in days]
        limit = float(row.data_allowance)
        cumulative, total, runs_out = [], 0.0, None
        for d, used in zip(days, series, strict=True):
            total += used
            cumulative.append(total)
            if runs_out is None and total >= limit:
                runs_out = d
        weeks = [sum(series[i : i + 7]) / 7 for i in range(max(len(series) - 6, 1))]
        recent = series[-7:]
        mid_rate = sum(recent) / len(recent)
        low_rate, high_rate = (min(weeks), max(weeks)) if len(series) >= 7 else (mid_rate,) * 2
        if runs_out is None and mid_rate > 0:
            eta = ref + timedelta(days=math.ceil((limit - total) / mid_rate))
            runs_out = eta if eta <= end else None
        key = names.chart_key(row.line)
        for d, value in zip(days, cumulative, strict=True):
            actual_rows.append(
                {
                    "line": key,
                    "day": _day_text(d),
                    "gb": round(value / gb, 3),
                    "limit_gb": round(limit / gb, 3),
                    "cycle_end": _day_text(end),
                    "runs_out": _day_text(runs_out),
                }
            )
        for k in range((end - ref).days + 1):
            forecast_rows.append(
                {
                    "line": key,
                    "day": _day_text(ref + timedelta(days=k)),
                    "mid": round((total + mid_rate * k) / gb, 3),
                    "low": round((total + low_rate * k) / gb, 3),
                    "high": round((total + high_rate * k) / gb, 3),
                }
            )
    if not actual_rows:
        return None
    forecast = pd.DataFrame(forecast_rows, columns=["line", "day", "mid", "low", "high"])
    return charts.allowance(pd.DataFrame(actual_rows), forecast, t)


def _chart_spend(con, scope, names, t):
    from analyzer.report import charts

    frame = queries.spend_by_category(con, scope)
    if not len(frame):
        return None
    frame = _chart_lines(frame, names, ["amount"])
    frame = _floats(frame, ["amount"])
    order = list(charts.CATEGORY_COLORS)
    frame["category_order"] = [order.index(c) for c in frame["category"]]
    frame["category_label"] = [t[f"category_{c}"] for c in frame["category"]]
    return charts.spend(frame, t)


def _chart_countries(con, scope, names, t):
    from analyzer.report import charts

    by_country = queries.data_by_country(con, scope)
    if not len(by_country):
        return None
    by_country = _floats(_chart_lines(by_country, names, ["mb", "records"]), ["mb"])
    visits = queries.trips(con, scope)
    visits["line"] = [names.chart_key(v) for v in visits["line"]]
    visits["last"] = [_day_text(v - timedelta(days=1)) for v in visits["stop"]]
    visits["start"] = [_day_text(v) for v in visits["start"]]
    visits["stop"] = [_day_text(v) for v in visits["stop"]]
    return charts.countries(by_country, visits, t)


def _chart_heatmap(con, scope, names, t):
    from analyzer.report import charts

    frame = queries.heatmap(con, scope)
    if not len(frame):
        return None
    return charts.heatmap(_floats(_chart_lines(frame, names, ["mb"]), ["mb"]), t)


def _chart_counterparties(con, scope, names, t):
    from analyzer.report import charts

    frame = queries.counterparties(con, scope, TOP_CONTACTS)
    if not len(frame):
        return None
    frame["contact"] = [names.number(v) for v in frame["contact"]]
    frame["kind_label"] = [t[f"kind_{k}"] for k in frame["kind"]]
    frame = _chart_lines(frame.drop(columns=["kind"]), names, ["count", "minutes"])
    frame["minutes"] = frame["minutes"].astype(float).fillna(0.0)
    return charts.counterparties(_top_contacts(frame, TOP_CONTACTS), t, TOP_CONTACTS)


def _top_contacts(frame: pd.DataFrame, keep: int) -> pd.DataFrame:
    """The busiest contacts of each charted line (the merged quiet lines included)."""
    totals = frame.groupby(["line", "contact"], as_index=False)["count"].sum()
    totals = totals.sort_values(["line", "count", "contact"], ascending=[True, False, True])
    top = totals[totals.groupby("line").cumcount() < keep][["line", "contact"]]
    return frame.merge(top, on=["line", "contact"])


def _chart_balance(con, scope, names, t):
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
    expiry = _expiries(con, set(moves["line"]), point_frame, names)
    mark_frame = pd.DataFrame(
        marks, columns=["line", "currency", "day", "balance", "what_label", "amount_text"]
    )
    return charts.balance(point_frame, mark_frame, expiry, t)


def _expiries(
    con: duckdb.DuckDBPyConnection, lines: set[str], points: pd.DataFrame, names: _LineNames
) -> pd.DataFrame:
    """When each prepaid line's validity plan ends, in the currencies its balance is drawn in."""
    plans = con.sql(
        "SELECT * FROM lines WHERE cycle = 'validity' AND validity_days IS NOT NULL"
    ).df()
    plans["cycle_start"] = _dates(plans["cycle_start"])
    rows = []
    for row in plans.itertuples():
        if row.line not in lines:
            continue
        first = con.execute(
            "SELECT min(CAST(started_at AS DATE)) FROM usage WHERE line = ? AND kind = 'data' "
            "AND (CAST(started_at AS DATE) >= ? OR ? IS NULL)",
            [row.line, row.cycle_start, row.cycle_start],
        ).fetchall()[0][0]
        _, end = _cycle(row, first, first or date.today())
        key = names.chart_key(row.line)
        for currency in set(points.loc[points["line"] == key, "currency"]):
            rows.append({"line": key, "currency": currency, "day": _day_text(end)})
    return pd.DataFrame(rows, columns=["line", "currency", "day"])


def _summary(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: _LineNames, t: dict[str, str]
) -> dict[str, Any]:
    first, last, lines, records, data, voice, messages, roaming_days = queries.overview(con, scope)
    severities = queries.findings_by_severity(con, scope)
    if first is None:
        period = t["no_usage"]
    elif scope.label:
        period = t["period_scoped"].format(period=scope.label, first=first, last=last)
    else:
        period = t["period_all"].format(first=first, last=last)
    return {
        "period": period,
        "lines": lines,
        "records": records,
        "spend": [(c, format_money(a, c)) for c, a in queries.spend_by_currency(con, scope)],
        "data": format_bytes(data),
        "voice": t["minutes"].format(n=f"{int((voice or 0) // 60):,}"),
        "messages": f"{int(messages or 0):,}",
        "roaming_days": roaming_days,
        "findings": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
        "at_stake": [(c, format_money(a, c)) for c, a in queries.at_stake_by_currency(con, scope)],
        "incomplete": _incomplete(con, scope, names, t),
    }


def _incomplete(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: _LineNames, t: dict[str, str]
) -> list[str]:
    """Plain sentences about what the numbers probably miss."""
    notes = []
    for row in _sources(con, scope, names):
        if row["status"] == "failed":
            notes.append(t["incomplete_failed"].format(file=row["file"], error=row["error"]))
        elif row["rejects"]:
            notes.append(t["incomplete_rejects"].format(file=row["file"], n=row["rejects"]))
        if row["as_of"]:
            notes.append(t["incomplete_as_of"].format(file=row["file"], as_of=row["as_of"]))
    for gap in queries.rows(
        con,
        scope,
        "SELECT line, period_start, period_end FROM scoped_findings WHERE rule = 'record_gap' "
        "ORDER BY line, period_start",
    ):
        notes.append(t["incomplete_gap"].format(line=names(gap[0]), start=gap[1], end=gap[2]))
    return notes


def _findings(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: _LineNames, t: dict[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for f in queries.findings_table(con, scope, MAX_FINDINGS_PER_RULE).to_dict("records"):
        evidence = list(f["evidence"]) if f["evidence"] is not None else []
        shown = []
        for item in evidence[:MAX_EVIDENCE]:
            where = [names.text(_file_name(item["path"]))]
            if item["page"] is not None and not pd.isna(item["page"]):
                where.append(t["page"].format(n=int(item["page"])))
            if item["row"] is not None and not pd.isna(item["row"]):
                where.append(t["row"].format(n=int(item["row"])))
            shown.append(" ".join(w for w in where if w))
        if len(evidence) > MAX_EVIDENCE:
            shown.append(t["more_evidence"].format(n=len(evidence) - MAX_EVIDENCE))
        start, end = _date(f["period_start"]), _date(f["period_end"])
        rows.append(
            {
                "rule": f["rule"],
                "severity": f["severity"],
                "severity_label": t.get(f"severity_{f['severity']}", f["severity"]),
                "title": t.get(f"rule_{f['rule']}", f["title"]),
                "detail": names.text(f["detail"]),
                "line": names(f["line"]),
                "chart_line": names.chart_key(f["line"]) if f["line"] else "",
                "label": names.labels.get(f["line"]) or "",
                "when": f"{start} – {end}" if start and end and end != start else (start or ""),
                "at_stake": format_money(_decimal(f["amount_at_stake"]), f["currency"]),
                "evidence": shown,
                "not_listed": int(f["in_rule"]) - MAX_FINDINGS_PER_RULE,
            }
        )
    return rows


def _not_listed(findings: list[dict[str, Any]], t: dict[str, str]) -> list[str]:
    """One sentence per rule whose findings were too many to list."""
    notes = {}
    for f in findings:
        if f["not_listed"] > 0:
            notes[f["rule"]] = t["more_findings"].format(
                n=f["not_listed"], title=f["title"], rule=f["rule"]
            )
    return list(notes.values())


def _sources(con: duckdb.DuckDBPyConnection, scope: Scope, names: _LineNames) -> list[dict]:
    return [
        {
            "file": names.text(_file_name(s["path"])),
            "importer": s["importer"] or "",
            "status": s["status"],
            "events": int(s["events"]),
            "rejects": int(s["rejects"]),
            "skipped": int(s["skipped"]),
            "as_of": "" if pd.isna(s["as_of"]) else str(s["as_of"])[:16],
            "error": names.text(s["error"]) if isinstance(s["error"], str) else "",
        }
        for s in queries.sources_table(con, scope).to_dict("records")
    ]


def _rejects(con: duckdb.DuckDBPyConnection, scope: Scope, names: _LineNames) -> list[dict]:
    rows = []
    for r in queries.rejects_table(con, scope, MAX_REJECTS).to_dict("records"):
        where = []
        if r["page"] is not None and not pd.isna(r["page"]):
            where.append(f"p. {int(r['page'])}")
        if r["row"] is not None and not pd.isna(r["row"]):
            where.append(f"#{int(r['row'])}")
        raw = r["raw"] if isinstance(r["raw"], str) else ""
        rows.append(
            {
                "file": names.text(_file_name(r["path"])),
                "where": " ".join(where),
                "reason": names.text(r["reason"]),
                "raw": names.text(raw[:160] + ("…" if len(raw) > 160 else "")),
                "total": int(r["total"]),
            }
        )
    return rows


def _per_line(con: duckdb.DuckDBPyConnection, scope: Scope, names: _LineNames) -> list[dict]:
    rows = []
    for r in queries.per_line(con, scope).to_dict("records"):
        spend = []
        for part in (r["spend"] or "").split(";") if isinstance(r["spend"], str) else []:
            currency, _, amount = part.partition("=")
            spend.append(format_money(Decimal(amount), currency))
        rows.append(
            {
                "line": names(r["line"]),
                "chart_line": names.chart_key(r["line"]),
                "label": r["label"] if isinstance(r["label"], str) else "",
                "spend": spend,
                "data": format_bytes(r["data_bytes"]),
                "voice": _minutes(r["voice_seconds"]),
                "messages": "" if pd.isna(r["messages"]) else f"{int(r['messages']):,}",
                "findings": int(r["findings"]),
            }
        )
    return rows


def _month_over_month(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[dict]:
    rows = []
    for r in queries.month_over_month(con, scope).to_dict("records"):
        spend, previous = _decimal(r["spend"]), _decimal(r["previous"])
        change = ""
        if spend is not None and previous:
            change = f"{(spend - previous) / abs(previous) * 100:+.0f} %"
        rows.append(
            {
                "month": r["month"],
                "currency": r["currency"],
                "spend": format_money(spend, r["currency"]),
                "change": change,
                "data": format_bytes(r["data_bytes"]),
            }
        )
    return rows


def _dates(values: pd.Series) -> list[date | None]:
    """pandas Timestamps back to plain dates, so they compare with the period's dates."""
    return [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]


def _file_name(path: str | None) -> str:
    return re.split(r"[\\/]", path or "")[-1]


def _date(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date().isoformat()


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return Decimal(value) if not isinstance(value, Decimal) else value


def _minutes(seconds: Any) -> str:
    if seconds is None or pd.isna(seconds):
        return ""
    return f"{int(Decimal(seconds) // 60):,} min"


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, with no literal URL left in it.

    The bundle names the SVG namespace and the Vega editor by URL; '://' is written as ':\\/\\/'
    (the same string to JavaScript), so the file holds no address to any other host. Nothing
    is fetched either way: the page's Content-Security-Policy forbids it.
    """
    import vl_convert

    bundle = vl_convert.javascript_bundle()
    return bundle.replace("://", ":\\/\\/").replace("</script", "<\\/script")


def script_json(value: Any) -> str:
    """JSON that is safe inside <script>: '<', '>' and '&' cannot end or open a tag.

    '/' is written as '\\/' too (the same string to JSON.parse), so no URL appears literally.
    """
    text = json.dumps(value, default=str, ensure_ascii=False)
    return (
        text.replace("/", "\\/")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_html(data: ReportData) -> str:
    """One self-contained HTML page."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (
                resources.files("analyzer.report").joinpath("templates", name).read_text("utf-8")
            )
        ),
        autoescape=True,
    )
    template = env.get_template("report.html.j2")
    from analyzer.report.i18n import TIME_LOCALES

    return template.render(
        data=data,
        t=data.text,
        csp=CSP,
        vega_bundle=vega_bundle(),
        specs_json=script_json(data.charts),
        page_json=script_json(
            {
                "all": "__all__",
                "timeLocale": TIME_LOCALES.get(data.lang),
                "chartError": data.text["chart_error"],
            }
        ),
    )


def format_money(amount: Any, currency: str | None) -> str:
    """'1,250 XPF', '12.50 USD': exact decimals, no minor unit where the currency has none."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return ""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    text = f"{value:,.0f}" if currency in NO_MINOR_UNIT else f"{value:,.2f}"
    return f"{text} {currency or ''}".strip()


def format_bytes(value: Any) -> str:
    """Bytes as carriers count them (base 1024): '12.3 GB', '850 MB'."""
    if value is None or pd.isna(value):
        return "0 MB"
    size = float(value)
    if size >= 1024**3:
        return f"{size / 1024**3:,.1f} GB"
    return f"{size / 1024**2:,.0f} MB"
