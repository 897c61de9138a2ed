"""The report: SQL aggregates -> Altair specs -> one offline HTML file.

``build(con, period=None, lang="en", mask=False)`` computes every number and every chart's data
with SQL (see ``queries``, ``lines`` and ``chart_data``); ``render_html`` writes one
self-contained page with the Vega bundle inlined once, data escaped inside <script>, and a
Content-Security-Policy that forbids network access, so the file opens from a USB stick on a
plane. The page opens with the answers (what to dispute, each line's card); the charts, the
tables and the data quality follow.
"""

from __future__ import annotations

import calendar
import html
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from analyzer.errors import AnalyzerError
from analyzer.money import format_money
from analyzer.report import bills, chart_data, lines, queries, sections
from analyzer.report.formats import format_bytes
from analyzer.report.i18n import texts
from analyzer.report.names import MAX_CHART_LINES, LineNames
from analyzer.report.queries import Scope

__all__ = [
    "CHARTS",
    "MAX_CHART_LINES",
    "ReportData",
    "build",
    "format_bytes",
    "format_money",
    "parse_period",
    "render_html",
]

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
    "form-action 'none'; base-uri 'none'"
)
CHARTS = ("daily_data", "allowance", "spend", "countries", "heatmap", "counterparties", "balance")
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
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    cards: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
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
    scope = parse_period(period)
    with queries.shared_days(con, scope):
        return _build(con, scope, lang, mask)


def _build(con: duckdb.DuckDBPyConnection, scope: Scope, lang: str, mask: bool) -> ReportData:
    t = texts(lang)
    names = LineNames(con, scope, mask, t)
    data = ReportData(summary={}, lang=lang, masked=mask, tables={})
    data.figures = lines.line_figures(con, scope, names, t)
    findings = sections.findings(con, scope, names, t)
    data.summary = _summary(con, scope, names, t, data.figures)
    listed = lines.listed_lines(data.figures, names)
    plans = chart_data.forecasts(con)
    visits = queries.trips(con, scope)
    shared: dict[str, tuple[Any, ...]] = {"allowance": (plans,), "countries": (visits,)}
    for name in CHARTS:
        make = getattr(chart_data, f"chart_{name}")
        spec = make(con, scope, names, t, *shared.get(name, ()))
        if spec is None:
            data.notes[name] = t[f"chart_{name}_empty"]
        else:
            data.charts[name] = chart_data.finish_spec(spec, name, t)
            data.tables[f"chart_{name}"] = chart_data.chart_table(data.charts[name])
    data.cards = lines.line_cards(con, names, t, listed, plans, visits, findings)
    data.tables.update(
        {
            "findings": findings,
            "disputes": sections.disputes(findings),
            "sources": sections.sources(con, scope, names),
            "rejects": sections.rejects(con, scope, names),
            "rule_failures": _rule_failures(con),
            "bills": bills.statements(con, scope, names, t),
            "trips": bills.trips(con, scope, names, t),
            "month_over_month": lines.month_over_month(con, scope, names, set(listed)),
            "unlisted_lines": max(len(data.figures) - len(listed), 0),
        }
    )
    data.tables["gaps"] = [f for f in findings if f["rule"] == "record_gap"]
    data.tables["findings_not_listed"] = sections.not_listed(findings, t)
    data.lines = names.options()
    data.provenance = provenance(con, names)
    return data


def provenance(con: duckdb.DuckDBPyConnection, names: LineNames) -> dict[str, Any]:
    """Which database and which input files (by sha256) the report was built from, so a tool
    can tell whether a report is current without trusting the file's existence or its age."""
    path = con.execute(
        "SELECT file FROM pragma_database_list WHERE name = current_database()"
    ).fetchall()
    sources = con.sql("SELECT path, sha256, status FROM sources ORDER BY sha256").fetchall()
    return {
        "database": str(Path(path[0][0]).resolve()) if path and path[0][0] else None,
        "sources": [
            {"path": names.text(p), "sha256": sha, "status": status} for p, sha, status in sources
        ],
    }


def _summary(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    names: LineNames,
    t: dict[str, str],
    figures: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    first, last, n_lines, records, _, voice, messages, roaming_days = queries.overview(con, scope)
    severities = queries.findings_by_severity(con, scope)
    if first is None:
        period = t["no_usage"]
    elif scope.label:
        period = t["period_scoped"].format(period=scope.label, first=first, last=last)
    else:
        period = t["period_all"].format(first=first, last=last)
    recorded = sum(f["data_bytes"] for f in figures.values())
    stated = [f["stated_bytes"] for f in figures.values() if f["stated_bytes"] is not None]
    return {
        "period": period,
        "lines": n_lines,
        "records": records,
        "spend": [(c, format_money(a, c)) for c, a in queries.spend_by_currency(con, scope)],
        "data_bytes": recorded,
        "data": format_bytes(recorded),
        "stated_bytes": sum(stated) if stated else None,
        "stated": format_bytes(sum(stated)) if stated else "",
        "voice": t["minutes"].format(n=f"{int(voice or 0) // 60:,}"),
        "messages": f"{int(messages or 0):,}",
        "roaming_days": roaming_days,
        "findings": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
        "at_stake": [(c, format_money(a, c)) for c, a in queries.at_stake_by_currency(con, scope)],
        "incomplete": sections.incomplete(con, scope, names, t),
    }


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, with no literal URL left in it.

    The bundle names the SVG namespace and the Vega editor by URL; '://' is written as ':\\/\\/'
    (the same string to JavaScript), so the file holds no address to any other host. Nothing
    is fetched either way: the page's Content-Security-Policy forbids it.
    """
    import vl_convert

    cached = _bundle_cache(vl_convert.__version__)
    if cached is not None and cached.is_file():
        return cached.read_text("utf-8")
    bundle = vl_convert.javascript_bundle()
    bundle = bundle.replace("://", ":\\/\\/").replace("</script", "<\\/script")
    if cached is not None:
        try:  # written whole then renamed, so a reader never sees half a bundle
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(bundle, encoding="utf-8")
            partial.replace(cached)
        except OSError:
            pass  # no cache: the next report builds the bundle again
    return bundle


def _bundle_cache(version: str) -> Path | None:
    """Where the bundle of this vl-convert version is kept: building it takes seconds (a
    JavaScript runtime bundles Vega), reading it milliseconds. None when there is no home."""
    base = os.environ.get("XDG_CACHE_HOME") or (
        str(Path.home() / ".cache") if Path.home().is_dir() else ""
    )
    return Path(base) / "usage-analyzer" / f"vega-bundle-{version}.js" if base else None


def script_json(value: Any) -> str:
    """JSON that is safe inside <script>: '<', '>' and '&' cannot end or open a tag.

    '/' is written as '\\/' too (the same string to JSON.parse), so no URL appears literally.
    """
    text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("/", "\\/")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def packed_specs(charts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The specs with each dataset in columns, as the page carries them (the page's script
    turns them back into rows before drawing): a row's field names are written once per
    dataset, not once per row, and a text column that repeats (a line, a day) is written as
    its distinct values and an index per row. A year of daily data is a third of its size."""
    return {
        name: {**spec, "datasets": {k: _columns(v) for k, v in spec.get("datasets", {}).items()}}
        if "datasets" in spec
        else spec
        for name, spec in charts.items()
    }


def _columns(rows: list[dict[str, Any]]) -> Any:
    """{"n": rows, "c": {field: values or {"d": distinct values, "i": indexes}}}; rows whose
    fields differ stay rows."""
    fields = list(rows[0]) if rows else []
    if not rows or any(list(r) != fields for r in rows):
        return rows
    columns: dict[str, Any] = {}
    for field_name in fields:
        values = [r[field_name] for r in rows]
        if all(isinstance(v, str) for v in values):
            distinct = list(dict.fromkeys(values))
            if len(distinct) * 2 <= len(values):
                index = {v: n for n, v in enumerate(distinct)}
                columns[field_name] = {"d": distinct, "i": [index[v] for v in values]}
                continue
        columns[field_name] = values
    return {"n": len(rows), "c": columns}


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
        specs_json=script_json(packed_specs(data.charts)),
        provenance_json=json.dumps(data.provenance, ensure_ascii=False, sort_keys=True),
        page_json=script_json(
            {
                "all": "__all__",
                "timeLocale": TIME_LOCALES.get(data.lang),
                "chartError": data.text["chart_error"],
                # [number, label] and the key only where it is not the label or the number.
                "lines": [
                    [o["number"], o["label"]]
                    + ([o["key"]] if o["key"] != (o["label"] or o["number"]) else [])
                    for o in data.lines
                ],
                "figures": {
                    key: [f["data"], f["stated"], f["voice"], f["messages"], f["spend"]]
                    + f["findings"]
                    for key, f in data.figures.items()
                },
                "text": {
                    k: data.text[k]
                    for k in ("not_charted", "showing_line", "search_none", "stated_none")
                },
                "charted": MAX_CHART_LINES,
            }
        ),
    )


def _rule_failures(con: duckdb.DuckDBPyConnection) -> list[dict[str, str]]:
    """The rules that failed in the last analysis: the others' findings stand without them."""
    from analyzer.rules import rule_failures

    try:
        return [{"rule": f.rule, "error": f.error} for f in rule_failures(con)]
    except duckdb.CatalogException:  # a database analysed before rules were recorded
        return []
