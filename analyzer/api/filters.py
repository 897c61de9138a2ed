"""Filters of the API's queries (lines, kinds, periods, dates, severities) as bound SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from analyzer.errors import AnalyzerError

Lines = str | Sequence[str] | None
Day = date | str | None

_SEVERITIES = ("info", "warning", "error")


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _where(prefix: str = "", **filters: Lines) -> tuple[list[str], list[Any]]:
    """``column IN (...)`` for each filter given, as SQL with parameters."""
    where, args = ["TRUE"], []
    for column, value in filters.items():
        if value is not None:
            where.append(f"list_contains(?::VARCHAR[], {prefix}{column})")
            args.append(_as_list(value))
    return where, args


def _date_range(period: str | None, start: Day, end: Day) -> tuple[date | None, date | None]:
    """A month ("2026-10"), a cycle ("2026-09-19..2026-10-18") or start/end dates, inclusive."""
    if period is not None:
        from analyzer.report import parse_period

        if start is not None or end is not None:
            raise AnalyzerError("give either a period or start/end dates, not both")
        try:
            scope = parse_period(str(period))
        except AnalyzerError:
            scope = None
        if scope is None or scope.start is None:
            raise AnalyzerError(
                f"period {period!r}: write it as YYYY-MM, e.g. 2026-10, "
                "or START..END, e.g. 2026-09-19..2026-10-18"
            ) from None
        return scope.start, scope.end
    if start is None and end is None:
        return None, None
    return _day(start, "start") or date.min, _day(end, "end") or date.max


def _day(value: Day, name: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise AnalyzerError(f"{name} {value!r}: write dates as YYYY-MM-DD") from None


def _findings_query(
    line: Lines,
    period: str | None,
    start: Day,
    end: Day,
    rule: Lines,
    severity: str | None,
) -> tuple[str, list[Any]]:
    where, args = _where(prefix="f.", line=line, rule=rule)
    if severity is not None:
        if severity not in _SEVERITIES:
            raise AnalyzerError(f"severity {severity!r}: use one of {', '.join(_SEVERITIES)}")
        where.append(
            "list_position(['info', 'warning', 'error'], f.severity) >= "
            "list_position(['info', 'warning', 'error'], ?)"
        )
        args.append(severity)
    first, last = _date_range(period, start, end)
    if first:
        where.append("f.period_start <= ? AND coalesce(f.period_end, f.period_start) >= ?")
        args += [last, first]
    query = f"""
        SELECT f.rule, f.severity, f.title, f.line, f.period_start, f.period_end,
               f.amount_at_stake, f.currency, f.observed, f.expected, f.detail, f.event_ids,
               (SELECT list({{'file': e.path, 'page': e.page, 'row': e."row"}}
                            ORDER BY e.path, e.page NULLS FIRST, e."row" NULLS FIRST)
                FROM (SELECT DISTINCT path, page, "row" FROM finding_evidence
                      WHERE finding_id = f.finding_id) e) AS evidence
        FROM findings f
        WHERE {" AND ".join(where)}
        ORDER BY list_position(['error', 'warning', 'info'], f.severity),
                 f.currency NULLS LAST, f.amount_at_stake DESC NULLS LAST, f.rule, f.line, f.period_start, f.finding_id
    """
    return query, args
