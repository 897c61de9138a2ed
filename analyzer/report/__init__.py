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
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analyzer.errors import AnalyzerError
from analyzer.report import chart_data, lines, queries
from analyzer.report.formats import NO_MINOR_UNIT, format_bytes, format_money
from analyzer.report.i18n import texts
from analyzer.report.names import MAX_CHART_LINES, LineNames
from analyzer.report.queries import Scope

__all__ = [
    "CHARTS",
    "MAX_CHART_LINES",
    "NO_MINOR_UNIT",
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
MAX_REJECTS = 50
MAX_EVIDENCE = 4
# Findings listed per rule: a year of a fleet can hold thousands; the rest are counted, and
# `analyzer findings --rule RULE` lists them all.
MAX_FINDINGS_PER_RULE = 30
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
    t = texts(lang)
    scope = parse_period(period)
    names = LineNames(con, scope, mask, t)
    data = ReportData(summary={}, lang=lang, masked=mask, tables={})
    data.figures = lines.line_figures(con, scope, names, t)
    findings = _findings(con, scope, names, t)
    data.summary = _summary(con, scope, names, t, data.figures)
    listed = lines.listed_lines(data.figures, names)
    plans = chart_data.forecasts(con)
    for name in CHARTS:
        make = getattr(chart_data, f"chart_{name}")
        spec = (
            make(con, scope, names, t, plans) if name == "allowance" else make(con, scope, names, t)
        )
        if spec is None:
            data.notes[name] = t[f"chart_{name}_empty"]
        else:
            data.charts[name] = chart_data.finish_spec(spec, name, t)
            data.tables[f"chart_{name}"] = chart_data.chart_table(data.charts[name])
    data.cards = lines.line_cards(con, scope, names, t, listed, plans, findings)
    data.tables.update(
        {
            "findings": findings,
            "disputes": _disputes(findings),
            "sources": _sources(con, scope, names),
            "rejects": _rejects(con, scope, names),
            "month_over_month": lines.month_over_month(con, scope, names, set(listed)),
            "unlisted_lines": max(len(data.figures) - len(listed), 0),
        }
    )
    data.tables["gaps"] = [f for f in findings if f["rule"] == "record_gap"]
    data.tables["findings_not_listed"] = _not_listed(findings, t)
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
        "voice": t["minutes"].format(n=f"{int(_num(voice)) // 60:,}"),
        "messages": f"{int(messages or 0):,}",
        "roaming_days": roaming_days,
        "findings": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
        "at_stake": [(c, format_money(a, c)) for c, a in queries.at_stake_by_currency(con, scope)],
        "incomplete": _incomplete(con, scope, names, t),
    }


def _num(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def _disputes(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Error findings, and the money they put at stake per currency (never summed across)."""
    errors = [f for f in findings if f["severity"] == "error"]
    totals: dict[str, Decimal] = {}
    for f in errors:
        if f["amount"] is not None and f["currency"]:
            totals[f["currency"]] = totals.get(f["currency"], Decimal(0)) + f["amount"]
    return {
        "findings": errors,
        "at_stake": [format_money(a, c) for c, a in sorted(totals.items())],
    }


def _findings(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames, t: dict[str, str]
) -> list[dict[str, Any]]:
    numbers = _finding_numbers(con, scope) if names.mask else {}
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
                "detail": names.text_with(f["detail"], numbers.get(f["finding_id"], ())),
                "line": names(f["line"]),
                "line_key": names.key(f["line"]),
                "finding_id": int(f["finding_id"]),
                "label": names.labels.get(f["line"]) or "",
                "when": f"{start} – {end}" if start and end and end != start else (start or ""),
                "at_stake": format_money(_decimal(f["amount_at_stake"]), f["currency"]),
                "amount": _decimal(f["amount_at_stake"]),
                "currency": f["currency"] if isinstance(f["currency"], str) else "",
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


def _finding_numbers(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict[int, list[str]]:
    """The numbers each finding's events name, as printed: masked wherever the sentence shows
    them, whatever their format (a short local number included)."""
    return dict(
        queries.rows(
            con,
            scope,
            """
            SELECT f.finding_id,
                   list(DISTINCT x) FILTER (WHERE x IS NOT NULL)
            FROM scoped_findings f, unnest(f.event_ids) AS u(event_id)
            JOIN events e ON e.event_id = u.event_id,
                 unnest([e.counterparty, e.counterparty_e164, e.line]) AS v(x)
            GROUP BY f.finding_id
            """,
        )
    )


def _not_listed(findings: list[dict[str, Any]], t: dict[str, str]) -> list[str]:
    """One sentence per rule whose findings were too many to list."""
    notes = {}
    for f in findings:
        if f["not_listed"] > 0:
            notes[f["rule"]] = t["more_findings"].format(
                n=f["not_listed"], title=f["title"], rule=f["rule"]
            )
    return list(notes.values())


def _sources(con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames) -> list[dict]:
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


def _rejects(con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames) -> list[dict]:
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


def _incomplete(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames, t: dict[str, str]
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


def _file_name(path: str | None) -> str:
    return re.split(r"[\\/]", path or "")[-1]


def _date(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date().isoformat()


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


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
        provenance_json=json.dumps(data.provenance, ensure_ascii=False, sort_keys=True),
        page_json=script_json(
            {
                "all": "__all__",
                "timeLocale": TIME_LOCALES.get(data.lang),
                "chartError": data.text["chart_error"],
                "lines": [[o["key"], o["number"], o["label"]] for o in data.lines],
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
