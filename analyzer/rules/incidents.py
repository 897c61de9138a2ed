"""Incidents: related findings folded into one, so a person reads one finding per problem.

A rule declares in its header which other rules' findings it explains, and when::

    -- explains: data_burn when line, period

A night burn explains that day's data burn; a duplicate charge explains the charge increase it
causes. The explained finding leaves ``findings`` for ``folded_findings`` (with the finding it
was folded into); the incident's finding says so in its detail, takes the other's events as
evidence, and keeps one amount at stake: money is counted once, not once per rule.

Conditions (all must hold): ``line`` the same line; ``period`` the periods overlap;
``same_period`` the same first and last day; ``events`` they share an event; ``currency`` the
same currency (or one has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

CONDITIONS = {
    "line": "x.line IS NOT DISTINCT FROM m.line",
    "period": "m.period_start <= x.period_end AND x.period_start <= m.period_end",
    "same_period": "m.period_start = x.period_start AND m.period_end = x.period_end",
    "events": "len(list_intersect(m.event_ids, x.event_ids)) > 0",
    "currency": "(m.currency IS NULL OR x.currency IS NULL OR m.currency = x.currency)",
}
_DECLARATION = re.compile(r"^\s*(\w+)\s+when\s+(\w+(?:\s*,\s*\w+)*)\s*$")


@dataclass(frozen=True)
class Fold:
    """Findings of ``explained`` that a finding of ``rule`` explains, when ``conditions`` hold."""

    rule: str
    explained: str
    conditions: tuple[str, ...]


def parse_explains(rule_id: str, text: str) -> Fold:
    """``data_burn when line, period`` -> a Fold; a malformed one is a bug in the rule file."""
    match = _DECLARATION.match(text)
    if not match:
        raise ValueError(f"rule {rule_id}: write '-- explains: RULE when line, period'")
    conditions = tuple(c.strip() for c in match.group(2).split(","))
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown:
        raise ValueError(
            f"rule {rule_id}: unknown condition {', '.join(unknown)} in '-- explains:' "
            f"(known: {', '.join(CONDITIONS)})"
        )
    return Fold(rule_id, match.group(1), conditions)


def fold_partners(rules: set[str], folds: list[Fold]) -> set[str]:
    """``rules`` and every rule whose findings fold with theirs, however indirectly: a run of
    some rules runs these too, so its incidents are folded as a run of all rules folds them."""
    linked = set(rules)
    while True:
        more = {
            other
            for fold in folds
            for rule, other in ((fold.rule, fold.explained), (fold.explained, fold.rule))
            if rule in linked and other not in linked
        }
        if not more:
            return linked
        linked |= more


def fold_incidents(
    con: duckdb.DuckDBPyConnection,
    folds: list[Fold],
    findings: str = "findings",
    folded_findings: str = "folded_findings",
) -> int:
    """Fold explained findings into the findings that explain them; return how many folded.

    Folds apply in the order given; a finding already folded neither explains nor is explained
    again. Each explained finding goes into the finding that explains it whose money at stake is
    closest to its own (the lowest id among equals), so the money is the same money, counted once.
    ``findings`` and ``folded_findings`` name the tables to fold in (a run folds its findings
    before it saves them, so they are written once).
    """
    folded = 0
    for fold in folds:
        where = " AND ".join(CONDITIONS[c] for c in fold.conditions)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE fold_pairs AS
            SELECT x.finding_id AS x_id,
                   arg_min(m.finding_id, [abs(coalesce(m.amount_at_stake, 0)
                                              - coalesce(x.amount_at_stake, 0)),
                                          m.finding_id]) AS m_id
            FROM {findings} m
            JOIN {findings} x ON m.rule = ? AND x.rule = ? AND m.finding_id <> x.finding_id
            WHERE {where}
            GROUP BY x.finding_id
            """,
            [fold.rule, fold.explained],
        )
        count = con.sql("SELECT count(*) FROM fold_pairs").fetchall()[0][0]
        if not count:
            continue
        con.execute(
            f"""
            INSERT INTO {folded_findings}
            SELECT x.finding_id, p.m_id, x.rule, x.severity, x.title, x.line, x.period_start,
                   x.period_end, x.observed, x.expected, x.amount_at_stake, x.currency, x.detail,
                   x.event_ids
            FROM {findings} x JOIN fold_pairs p ON p.x_id = x.finding_id
            """
        )
        # The incidents are written again whole rather than updated: DuckDB updates a row with
        # a list (its evidence) as a delete and an insert, one row at a time. What they explain
        # is gathered per incident first, so nothing groups by a text or a list; it is gathered
        # as one list sorted afterwards (by finding id), cheaper than ordered aggregates.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE fold_incidents AS
            WITH gathered AS (
                SELECT p.m_id,
                       list_sort(list({{'finding_id': x.finding_id,
                                       'text': 'It explains "' || x.title || '": ' || x.detail,
                                       'event_ids': coalesce(x.event_ids, [])}}))
                           AS explained_findings,
                       max(x.amount_at_stake) AS amount_at_stake,
                       max(x.currency) AS currency
                FROM fold_pairs p JOIN {findings} x ON x.finding_id = p.x_id
                GROUP BY p.m_id
            ),
            explained AS (
                SELECT m_id,
                       array_to_string(list_transform(explained_findings, lambda f: f.text), ' ')
                           AS explanation,
                       list_distinct(flatten(list_transform(explained_findings,
                                                            lambda f: f.event_ids)))
                           AS evidence,
                       amount_at_stake, currency
                FROM gathered
            )
            SELECT m.* REPLACE (
                       m.detail || ' ' || e.explanation AS detail,
                       list_concat(coalesce(m.event_ids, []),
                                   list_filter(e.evidence, lambda v: NOT list_contains(
                                       coalesce(m.event_ids, []), v))) AS event_ids,
                       -- the incident keeps its own money; it takes the other's only when it
                       -- has none
                       coalesce(m.amount_at_stake, e.amount_at_stake) AS amount_at_stake,
                       coalesce(m.currency, e.currency) AS currency)
            FROM {findings} m JOIN explained e ON e.m_id = m.finding_id
            """
        )
        con.execute(
            f"""
            DELETE FROM {findings}
            WHERE finding_id IN (SELECT x_id FROM fold_pairs UNION ALL SELECT m_id FROM fold_pairs)
            """
        )
        con.execute(f"INSERT INTO {findings} SELECT * FROM fold_incidents")
        folded += count
    con.execute("DROP TABLE IF EXISTS fold_pairs")
    con.execute("DROP TABLE IF EXISTS fold_incidents")
    return folded
