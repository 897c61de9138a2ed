"""Checks of what a user asked for against what exists: rules, lines, periods with data.

A name that exists nowhere is a usage error (exit 2) listing the valid values, with the nearest
one; a period that holds no data is said on stderr with exit 6, never an empty answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.cli.base import bad_value, close_matches, listing, nothing
from analyzer.errors import shown

if TYPE_CHECKING:
    from analyzer.api import Database


def check_rules(rules: Sequence[str]) -> None:
    """Every --rule names a rule."""
    from analyzer.rules import load_rules

    known = sorted(rule.id for rule in load_rules())
    for rule in rules:
        if rule not in known:
            raise bad_value(
                "--rule",
                f"no rule is called {shown(rule)!r}{close_matches(rule, known)} "
                f"The rules: {listing(known, most=len(known))}.",
            )


def known_lines(db: Path) -> list[str]:
    from analyzer.api import connection

    with connection(db, read_only=True) as con:
        rows = con.sql(
            "SELECT DISTINCT line FROM events WHERE line IS NOT NULL "
            "UNION SELECT DISTINCT unnest(lines) FROM statements ORDER BY 1"
        ).fetchall()
    return [row[0] for row in rows]


def check_lines(db: Path, lines: Sequence[str]) -> None:
    """Every --line is a line of this database."""
    if not lines:
        return
    known = known_lines(db)
    for line in lines:
        if line not in known:
            listed = f"The lines: {listing(known)}." if known else "The database holds no lines."
            raise bad_value(
                "--line",
                f"no line {shown(line)!r} in {shown(db)}{close_matches(line, known)} " + listed,
            )


def months_with_data(db: Path | Database) -> list[str]:
    from analyzer.api import connection

    with connection(db, read_only=True) as con:
        rows = con.sql("SELECT DISTINCT month FROM monthly_charges ORDER BY month").fetchall()
    return [row[0] for row in rows if row[0]]


def check_period_has_data(db: Path | Database, period: str) -> None:
    """Exit 6 with the months that have data when ``period`` holds no event or statement."""
    from analyzer.api import connection
    from analyzer.report import parse_period

    scope = parse_period(period)
    with connection(db, read_only=True) as con:
        [(count,)] = con.sql(
            """
            SELECT (SELECT count(*) FROM usage u LEFT JOIN statements s USING (statement_id)
                    WHERE coalesce(CAST(u.started_at AS DATE), s.period_start) BETWEEN $a AND $b)
                 + (SELECT count(*) FROM statements
                    WHERE period_start <= $b AND coalesce(period_end, period_start) >= $a)
            """,
            params={"a": scope.start, "b": scope.end},
        ).fetchall()
    if count:
        return
    months = months_with_data(db)
    held = f"months with data: {listing(months)}" if months else "the database holds no data"
    nothing(f"No data in {shown(period)} ({held}): nothing to show")
