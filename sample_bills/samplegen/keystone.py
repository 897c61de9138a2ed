"""Keystone: a business fleet's monthly CSV, one row per line per month."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import phonenumbers

from .common import CENT, ZERO, Event, Made, Planted, Sample, q2, stmt, to_bytes, truth
from .formats import csv_bytes

KS_HEADER = [
    "Billing Period Start", "Billing Period End", "Line", "User/Cost Center", "Plan",
    "Plan Charge", "Feature Charges", "Equipment", "Usage Charges", "Taxes & Fees", "Total",
    "Data Used (GB)", "Minutes Used", "Messages Used",
]  # fmt: skip
KS_PLANS = (
    ("Business Unlimited Plus", Decimal("55.00")),
    ("Business Unlimited", Decimal("45.00")),
    ("Business Basic 5GB", Decimal("35.00")),
)
KS_CENTERS = (
    "Sales East",
    "Sales West",
    "Field Service",
    "Warehouse",
    "Finance",
    "Executive",
    "IT",
)
KS_AREAS = ("267", "215", "484", "610", "717", "412", "814", "570", "724", "878")
KS_KINDS = ((5, "plan"), (6, "fee"), (7, "fee"), (8, "fee"), (9, "tax"))  # money column -> kind
KS_ZERO, KS_RISE = 17, 6  # the idle line; the line whose plan price rises in the last month


def keystone_rows(
    rng: random.Random, n_lines: int, months: list[tuple[date, date]]
) -> Iterator[tuple[int, list]]:
    """(line index, row) for every line and month."""
    fleet = []
    for i in range(n_lines):
        plan = (
            KS_PLANS[2] if i == KS_ZERO else KS_PLANS[1] if i == KS_RISE else rng.choice(KS_PLANS)
        )
        number = f"{KS_AREAS[i // 100 % 10]}-555-{100 + i % 100:04d}"
        user = f"User {i + 1:03d} / {rng.choice(KS_CENTERS)}"
        features = rng.choice([ZERO, Decimal("5.00"), Decimal("10.00")])
        equipment = rng.choice([ZERO, ZERO, ZERO, Decimal("20.83")])
        if i == KS_ZERO:
            features, equipment = Decimal("5.00"), ZERO
        fleet.append(
            [number, user, *plan, features, equipment, rng.uniform(2, 20), rng.random() < 0.15]
        )
    for m, (first, last) in enumerate(months):
        for i, (number, user, plan, price, features, equipment, gb, intl) in enumerate(fleet):
            zero = i == KS_ZERO
            if i == KS_RISE and m == len(months) - 1:
                price += Decimal("10.00")
            usage = q2(Decimal(rng.uniform(2, 15))) if intl and not zero else ZERO
            taxes = q2((price + features + usage) * Decimal("0.1275") + Decimal("1.52"))
            gb_used = ZERO if zero else round(Decimal(gb * rng.uniform(0.7, 1.3)), 2)
            counts = (0, 0) if zero else (rng.randint(40, 1400), rng.randint(15, 900))
            cash = [price, features, equipment, usage, taxes]
            period = [f"{first:%m/%d/%Y}", f"{last:%m/%d/%Y}"]
            yield i, [*period, number, user, plan, *cash, sum(cash), gb_used, *counts]


def keystone_csv(rows: list[list]) -> bytes:
    """Money as plain 2-decimal numbers, then a trailing `Total` summary row."""
    total = ["Total", "", "", "", "", *(sum(r[k] for r in rows) for k in range(5, 14))]
    body = [[f"{v:.2f}" if isinstance(v, Decimal) else v for v in r] for r in [*rows, total]]
    return csv_bytes([KS_HEADER, *body])


def make_keystone(rng: random.Random) -> Made:
    """25 lines x Aug-Oct 2026: one idle line still paying, one plan price rise."""
    name = "us_keystone_fleet_2026-08_2026-10.csv"
    months = [(date(2026, 8, 1), date(2026, 8, 31)), (date(2026, 9, 1), date(2026, 9, 30))]
    months.append((date(2026, 10, 1), date(2026, 10, 31)))
    generated = list(keystone_rows(rng, 25, months))
    events, ids, usage = [], {}, defaultdict(lambda: [ZERO, 0, 0])
    for i, r in generated:
        line = ids[i] = "+1" + r[2].replace("-", "")
        assert phonenumbers.is_valid_number(phonenumbers.parse(line))
        t = datetime.strptime(r[0], "%m/%d/%Y")
        events += [
            Event(line, t, k, 0, r[c], "USD", desc=KS_HEADER[c]) for c, k in KS_KINDS if r[c]
        ]
        usage[line] = [a + b for a, b in zip(usage[line], r[11:14], strict=True)]
        assert (r[12] == 0) == (i == KS_ZERO)
    rows = [r for _, r in generated]
    periods = [
        {"period_start": str(a), "period_end": str(b), "total": str(sum(r[10] for r in rows if r[0] == f"{a:%m/%d/%Y}"))}
        for a, b in months
    ]  # fmt: skip
    statement = stmt(
        "Keystone Business Mobile", sorted(set(ids.values())), months[0][0], months[-1][1],
        currency="USD", periods=periods, total_row_total=str(sum(r[10] for r in rows)),
    )  # fmt: skip
    totals = {
        line: {
            "data_gb": str(gb.quantize(CENT)),
            "data_bytes": to_bytes(gb, 3),
            "minutes": mins,
            "messages": msgs,
        }
        for line, (gb, mins, msgs) in sorted(usage.items())
    }
    conv = (
        "one event per non-zero money cell: Plan Charge = plan; Feature Charges, Equipment, Usage "
        "Charges = fee; Taxes & Fees = tax; dated the period start. Usage columns are monthly "
        "totals (GB base 1024), kept as usage_totals, not as timed events"
    )
    rows_info = {"header_rows": 1, "summary_rows": 1}
    sample_truth = truth(name, statement, events, rows_info, conv, usage_totals=totals)
    rise = months[-1]
    planted = [
        Planted("zero_usage_line", ids[KS_ZERO], *m, (name,), Decimal("40.00"), "USD")
        for m in months
    ]
    planted.append(
        Planted("charge_increase", ids[KS_RISE], *rise, (name,), Decimal("10.00"), "USD")
    )
    return [Sample(name, keystone_csv(rows), sample_truth)], planted
