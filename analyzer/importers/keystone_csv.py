"""Keystone Business Mobile: a fleet bill export, one row per line per month.

Each row yields one event per non-zero money cell (plan, features, equipment, usage, taxes),
dated the period start; the monthly data/minutes/messages are kept as the statement's usage
totals, not as timed events. The trailing ``Total`` row is the file's printed total.
"""

from analyzer.importers.base import TableMapping
from analyzer.importers.conditions import RowMatch
from analyzer.importers.specs import Const, DataVolume, Duration, Money, Number, Text, Timestamp
from analyzer.importers.tabular import TabularLayout

MONTH = ("%m/%d/%Y",)
TOTAL_ROW = RowMatch("Billing Period Start", r"^total")


def charge(column: str, kind: str) -> TableMapping:
    """One event for each row whose ``column`` holds a non-zero amount."""
    return TableMapping(
        region="US",
        where=RowMatch(column, r"[1-9]"),
        summary=TOTAL_ROW,
        summary_total=Money("Total"),
        fields={
            "line": Text("Line"),
            "started_at": Timestamp("Billing Period Start", formats=MONTH),
            "kind": Const(kind),
            "amount": Money(column),
            "currency": Const("USD"),
            "description": Const(column),
            "period_start": Timestamp("Billing Period Start", formats=MONTH),
            "period_end": Timestamp("Billing Period End", formats=MONTH),
            "statement_total": Money("Total"),
            "total_data_bytes": DataVolume("Data Used (GB)", unit="GB", base=1024),
            "total_voice_seconds": Duration("Minutes Used", unit="minutes"),
            "total_messages": Number("Messages Used"),
        },
    )


LAYOUT = TabularLayout(
    name="keystone_csv",
    carrier="Keystone Business Mobile",
    header=("Billing Period Start", "Billing Period End", "Line", "Plan Charge", "Taxes & Fees"),
    currency="USD",
    unmatched="no charge on this row",
    mapping=(
        charge("Plan Charge", "plan"),
        charge("Feature Charges", "fee"),
        charge("Equipment", "fee"),
        charge("Usage Charges", "fee"),
        charge("Taxes & Fees", "tax"),
    ),
)
