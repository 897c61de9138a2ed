"""Southern Cross Mobile: an Australian record-type bill (header, service summaries, items).

One CSV of typed records, no header row: `H` the invoice, `S` one service summary per
category (count, time, amount the bill states), `C` and `M` itemised calls and texts, `T` the
trailer. The bill itemises calls and texts only; data and the plan are stated, not itemised.
The summary of calls to mobiles counts one call more than it lists.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import phonenumbers

from .common import ZERO, Event, Made, Planted, Sample, check_unique, days, phone_pool, stmt, truth
from .formats import csv_bytes

AU_LINE = "+61412345678"
AU_ACCOUNT = "SC-4410-2087"
AU_INVOICE = "SCM-2026-10-0877"
AU_PERIOD = (date(2026, 10, 1), date(2026, 10, 31))
AU_ISSUED = date(2026, 11, 3)
AU_RATES = {"National calls": Decimal("0.50"), "Calls to mobiles": Decimal("0.60")}  # a minute
AU_SMS = Decimal("0.25")
AU_STATED_ONLY = (  # categories the bill states without items: (category, kind, amount)
    ("Mobile data", "data", Decimal("0.00")),
    ("Plan and fees", "plan", Decimal("45.00")),
)
AU_ITEMISED = ("National calls", "Calls to mobiles", "Text messages")
AU_UNLISTED = "Calls to mobiles"  # its summary counts one call the items do not list


def au_national(e164: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL
    )


def au_landline(r: random.Random) -> str:
    return f"+612{r.choice('98')}{r.randint(0, 9999999):07d}"


def au_mobile(r: random.Random) -> str:
    return f"+614{r.choice(('12', '13', '23', '38'))}{r.randint(0, 999999):06d}"


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def southern_items(rng: random.Random) -> list[Event]:
    """Two or three calls and a text or two a day, daytime, national numbers only."""
    landlines = phone_pool(rng, "AU", au_landline, au_national, 6)
    mobiles = phone_pool(rng, "AU", au_mobile, au_national, 8)
    items = []
    for d in days(*AU_PERIOD):
        t = datetime.combine(d, time(8)) + timedelta(minutes=rng.randint(0, 90))
        for _ in range(rng.randint(2, 3)):
            category = rng.choice(("National calls", "Calls to mobiles"))
            party = rng.choice(landlines if category == "National calls" else mobiles)
            seconds = rng.randint(20, 900)
            amount = AU_RATES[category] * -(-seconds // 60)  # every started minute
            items.append(Event(AU_LINE, t, "voice", seconds, amount, "AUD", "AU", "out", party,
                               desc=category))  # fmt: skip
            t += timedelta(minutes=rng.randint(60, 200))
        for _ in range(rng.randint(1, 2)):
            party = rng.choice(mobiles)
            items.append(Event(AU_LINE, t, "sms", 1, AU_SMS, "AUD", "AU", "out", party,
                               desc="Text messages"))  # fmt: skip
            t += timedelta(minutes=rng.randint(20, 90))
    return items


def southern_summaries(items: list[Event]) -> list[list[object]]:
    """One `S` record per category: what the items add up to, and the stated-only charges."""
    rows = []
    for category in AU_ITEMISED:
        mine = [e for e in items if e.desc == category]
        count = len(mine) + (category == AU_UNLISTED)
        seconds = hms(sum(e.qty for e in mine)) if mine[0].kind == "voice" else ""
        amount = sum((e.amount for e in mine), ZERO)
        rows.append(["S", category, mine[0].kind, count, seconds, f"{amount:.2f}", ""])
    for category, kind, amount in AU_STATED_ONLY:
        rows.append(["S", category, kind, "", "", f"{amount:.2f}", ""])
    return rows


def southern_item_row(e: Event) -> list[object]:
    assert e.at is not None
    record = "C" if e.kind == "voice" else "M"
    duration = hms(e.qty) if e.kind == "voice" else ""
    return [record, f"{e.at:%Y-%m-%d %H:%M}", duration, f"{e.amount:.2f}", e.desc,
            au_national(e.party), au_national(e.line)]  # fmt: skip


def make_southern(rng: random.Random) -> Made:
    """October 2026: calls and texts itemised, data and plan stated only, one unlisted call."""
    name = "au_southern_cross_2026-10.csv"
    items = southern_items(rng)
    check_unique(items)
    summaries = southern_summaries(items)
    total = sum(Decimal(str(r[5])) for r in summaries)
    head = ["H", AU_INVOICE, AU_ACCOUNT, *map(str, (AU_ISSUED, *AU_PERIOD)), f"{total:.2f}"]
    rows = [head, *summaries, *map(southern_item_row, items), ["T", len(items), *[""] * 5]]
    stated = [dict(zip(("category", "kind", "count", "time", "amount"), r[1:6], strict=True))
              for r in summaries]  # fmt: skip
    statement = stmt(
        "Southern Cross Mobile", [AU_LINE], *AU_PERIOD, account=AU_ACCOUNT, invoice=AU_INVOICE,
        currency="AUD", bill_date=str(AU_ISSUED), total_due=f"{total:.2f}", stated=stated,
        itemised=list(AU_ITEMISED),
    )  # fmt: skip
    conv = (
        "typed records without a header: H invoice, S stated total per category, C call, M text, "
        "T trailer (item count); calls billed per started minute; data and plan stated only"
    )
    rows_info = {"header_rows": 1, "summary_rows": len(summaries), "trailer_rows": 1}
    sample = Sample(name, csv_bytes(rows), truth(name, statement, items, rows_info, conv))
    files = (name,)
    planted = [
        Planted("stated_vs_itemised", AU_LINE, *AU_PERIOD, files, None, "AUD"),
        Planted("bill_partly_itemised", AU_LINE, *AU_PERIOD, files, None, "AUD"),
    ]
    return [sample], planted
