"""The records that flow through the analyzer: immutable, typed, with provenance.

Money is always a Decimal with an ISO 4217 currency; data volumes are bytes, durations seconds.
Bulk event rows never become Python objects (importers map whole tables in SQL); a statement,
one per bill, does. The tables themselves are defined once, in schema.sql.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

# What an event is; KIND_MEANINGS says it in words (the profile reference prints them).
Kind = Literal[
    "data",
    "voice",
    "sms",
    "mms",
    "fee",
    "plan",
    "equipment",
    "discount",
    "topup",
    "credit",
    "tax",
    "adjustment",
    "transfer",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
KIND_MEANINGS: dict[str, str] = {
    "data": "data used (quantity in bytes)",
    "voice": "a call (quantity in seconds)",
    "sms": "a text message",
    "mms": "a picture message",
    "fee": "an option, a pass or a one-off charge",
    "plan": "the plan's recurring price",
    "equipment": "a device instalment",
    "discount": "a reduction printed as its own line (a negative amount)",
    "topup": "prepaid money added",
    "credit": "a refund",
    "tax": "a tax or surcharge",
    "adjustment": "a carrier's correction of the balance",
    "transfer": "data given to or received from another line (bytes)",
}
UNITS: dict[str, str] = {
    "data": "bytes",
    "transfer": "bytes",
    "voice": "seconds",
    "sms": "messages",
    "mms": "messages",
}
SEVERITIES: tuple[str, ...] = ("info", "warning", "error")
# The columns a rule's SELECT returns, one row per finding (analyzer/rules/<id>.sql).
OUTPUT_COLUMNS = (
    "line",
    "period_start",
    "period_end",
    "observed",
    "expected",
    "amount_at_stake",
    "currency",
    "detail",
    "event_ids",
)


@dataclass(frozen=True, slots=True)
class Statement:
    """Bill-level facts as printed: what the carrier says the period cost."""

    carrier: str
    account: str | None = None
    invoice_number: str | None = None
    lines: tuple[str, ...] = ()
    period_start: date | None = None
    period_end: date | None = None
    issued_on: date | None = None
    currency: str | None = None
    subtotal: Decimal | None = None
    taxes: Decimal | None = None
    total_due: Decimal | None = None
    plan_name: str | None = None
    allowance_bytes: Decimal | None = None
    balance_after: Decimal | None = None
    as_of: datetime | None = None
    page: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
