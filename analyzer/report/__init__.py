"""The report: SQL aggregates -> Altair specs -> one offline HTML file.

``build(con)`` computes every chart's data with SQL; ``render_html`` writes one self-contained
page with the Vega bundle inlined once, data escaped inside <script>, and a Content-Security-Policy
that forbids network access, so the file opens from a USB stick on a plane.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
    "form-action 'none'; base-uri 'none'"
)


@dataclass
class ReportData:
    """What the report shows, computed once; also renders itself in a notebook."""

    summary: dict[str, Any]
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    def to_html(self) -> str:
        return render_html(self)

    def save_html(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_html(), encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        return self.to_html()


def build(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Compute the report's data from the database with SQL aggregates only."""
    from analyzer.report import charts

    summary = _summary(con)
    daily = con.sql(
        """
        SELECT d.line, d.day, sum(d.quantity) / 1048576.0 AS mb,
               bool_or(f.rule IS NOT NULL) AS flagged, any_value(f.title) AS finding
        FROM daily_usage d
        LEFT JOIN findings f
          ON f.line = d.line AND d.day BETWEEN f.period_start AND f.period_end
         AND f.rule IN ('data_burn', 'night_burn')
        WHERE d.kind = 'data'
        GROUP BY d.line, d.day
        ORDER BY d.line, d.day
        """
    ).df()
    daily["mb"] = daily["mb"].astype(float)
    daily["flagged"] = daily["flagged"].fillna(False).astype(bool)
    chart_specs = {}
    if len(daily):
        chart_specs["daily_data"] = charts.daily_data(daily).to_dict()
    findings = con.sql(
        """
        SELECT f.severity, f.title, f.line, f.period_start, f.period_end, f.detail,
               f.amount_at_stake, f.currency,
               (SELECT string_agg(DISTINCT format('{}{}{}', regexp_extract(e.path, '[^/]+$'),
                        CASE WHEN e.page IS NOT NULL THEN ' p.' || e.page ELSE '' END,
                        CASE WHEN e."row" IS NOT NULL THEN ' row ' || e."row" ELSE '' END), '; ')
                FROM finding_evidence e WHERE e.finding_id = f.finding_id) AS evidence
        FROM findings f
        ORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
                 f.line, f.period_start
        """
    ).df()
    sources = con.sql(
        """
        SELECT regexp_extract(path, '[^/]+$') AS file, importer, status, events, rejects,
               skipped, coalesce(error, '') AS error
        FROM sources ORDER BY path
        """
    ).df()
    return ReportData(summary, chart_specs, {"findings": findings, "sources": sources})


def _summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    period = con.sql(
        "SELECT min(started_at)::DATE, max(started_at)::DATE, count(DISTINCT line) FROM usage"
    ).fetchall()[0]
    spend = con.sql(
        """
        SELECT currency, sum(amount) FROM usage
        WHERE amount IS NOT NULL AND currency IS NOT NULL AND kind NOT IN ('topup', 'credit')
        GROUP BY currency ORDER BY currency
        """
    ).fetchall()
    severities = dict(con.sql("SELECT severity, count(*) FROM findings GROUP BY ALL").fetchall())
    return {
        "first_day": period[0],
        "last_day": period[1],
        "lines": period[2],
        "spend": spend,
        "findings": severities,
        "events": con.sql("SELECT count(*) FROM usage").fetchall()[0][0],
    }


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
    env.filters["money"] = format_money
    template = env.get_template("report.html.j2")
    return template.render(
        data=data,
        csp=CSP,
        vega_bundle=vega_bundle(),
        specs_json=script_json(data.charts),
        findings=data.tables["findings"].to_dict("records"),
        sources=data.tables["sources"].to_dict("records"),
    )


def format_money(amount: Any, currency: str | None) -> str:
    """'1 250 XPF', '12.50 USD': amounts as exact decimals, never floats."""
    if amount is None or (isinstance(amount, float) and pd.isna(amount)):
        return ""
    text = f"{amount:,.0f}" if currency in ("XPF", "JPY", "KRW", "VND") else f"{amount:,.2f}"
    return f"{text} {currency or ''}".strip()
