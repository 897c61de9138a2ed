"""The report's sections in text: what to dispute, the findings with their evidence, the
files read, the rows rejected, and what the numbers probably miss.

Finding sentences are masked here, where they enter the report, with every number the finding's
events name: each widget shows the same masked text.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from analyzer.money import format_money
from analyzer.paths import file_name
from analyzer.report import queries
from analyzer.report.i18n import rule_title
from analyzer.report.names import LineNames
from analyzer.report.queries import Scope
from analyzer.unrecognised import unrecognised_files

MAX_REJECTS = 50
MAX_EVIDENCE = 4
# Findings listed per rule: a year of a fleet can hold thousands; the rest are counted, and
# `analyzer findings --rule RULE` lists them all.
MAX_FINDINGS_PER_RULE = 30


def _num(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def disputes(findings: list[dict[str, Any]]) -> dict[str, Any]:
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


def findings(
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
                "title": rule_title(f["rule"], t["html_lang"].split("-")[0], f["title"]),
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


def not_listed(findings: list[dict[str, Any]], t: dict[str, str]) -> list[str]:
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


def sources(con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames) -> list[dict]:
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
    ] + [
        {
            "file": names.text(_file_name(path)),
            "importer": "",
            "status": "unrecognised",
            "events": 0,
            "rejects": 0,
            "skipped": 0,
            "as_of": "",
            "error": names.text(reason),
        }
        for path, reason in unrecognised_files(con)
    ]


def rejects(con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames) -> list[dict]:
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


def incomplete(
    con: duckdb.DuckDBPyConnection, scope: Scope, names: LineNames, t: dict[str, str]
) -> list[str]:
    """Plain sentences about what the numbers probably miss."""
    notes = []
    for row in sources(con, scope, names):
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
    return file_name(path or "")


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
