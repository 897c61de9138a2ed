"""A small database for the command-line tests: findings of every severity, two currencies."""

from __future__ import annotations

from pathlib import Path

from test_api import OTHER, seed

from analyzer.store import open_db as open_connection


def seed_findings(path: Path) -> Path:
    """test_api's bill and export, plus a doubled charge (evidence twice) and an XPF increase."""
    seed(path)
    con = open_connection(path)
    con.execute(
        f"""
        INSERT INTO findings (finding_id, rule, severity, title, line, period_start, period_end,
                              amount_at_stake, currency, detail, event_ids)
        VALUES (3, 'duplicate_charge', 'error', 'Charged twice', '{OTHER}', DATE '2026-10-10',
                DATE '2026-10-10', 4.99, 'USD',
                'A feature charge of 4.99 USD billed twice on the same bill, once on page 2 and '
                'again on page 3, which the carrier should refund.', [4, 5, 4]),
               (4, 'charge_increase', 'warning', 'Plan rose', '{OTHER}', DATE '2026-10-01',
                DATE '2026-10-31', 1500, 'XPF', '套餐 Forfait Lagon rose by 1 500 XPF.', [6])
        """
    )
    con.sql("SELECT nextval('finding_ids') FROM range(4)").fetchall()
    con.close()
    return path
