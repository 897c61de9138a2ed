"""Meridian Wireless: a US family plan's PDF bill and the overlapping usage CSV."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from .common import (
    KB,
    MB,
    ZERO,
    Event,
    Made,
    Planted,
    Sample,
    at,
    check_daily,
    check_unique,
    days,
    phone_pool,
    q2,
    stmt,
    tally,
    truth,
    usd,
    visits,
)
from .formats import BillPdf, Column, csv_bytes

US_LINES = (
    ("+12015550123", "Alex Rivera", Decimal("60.00")),
    ("+12015550148", "Jordan Rivera", Decimal("40.00")),
    ("+12015550176", "Sam Rivera", Decimal("40.00")),
)
ALEX, SAM = US_LINES[0][0], US_LINES[2][0]
US_PLACES = ("NEWARK NJ", "JERSEY CITY NJ", "HOBOKEN NJ", "NEW YORK NY")
US_PREMIUM = "+19002345678"
MW_START, MW_END = date(2026, 9, 19), date(2026, 10, 18)
MW_CSV = (date(2026, 10, 10), date(2026, 10, 25))
MW_PASS = "International Day Pass - Mexico"
MW_TRIP_DAYS = (date(2026, 10, 5), date(2026, 10, 11))
MW_GROUPS = ("Monthly charges", "Equipment", "Usage & purchases", "Taxes & surcharges")
MW_TRIP = (  # Alex in Mexico: (time, kind, direction, place, MB or minutes, opens a day pass)
    ("2026-10-05 08:10", "data", None, "NEWARK NJ", 120, False),
    ("2026-10-05 13:20", "data", None, "CANCUN MEXICO", 240, True),
    ("2026-10-05 18:45", "voice", "out", "CANCUN MEXICO", 6, False),
    ("2026-10-05 21:05", "data", None, "CANCUN MEXICO", 310, False),
    ("2026-10-06 09:10", "data", None, "CANCUN MEXICO", 180, False),
    ("2026-10-06 15:05", "data", None, "CANCUN MEXICO", 260, True),
    ("2026-10-06 20:30", "sms", "out", "CANCUN MEXICO", 1, False),
    ("2026-10-06 21:40", "data", None, "CANCUN MEXICO", 330, False),
    ("2026-10-07 10:00", "data", None, "TULUM MEXICO", 210, False),
    ("2026-10-07 16:40", "voice", "out", "TULUM MEXICO", 4, True),
    ("2026-10-07 19:00", "data", None, "TULUM MEXICO", 350, False),
    ("2026-10-08 19:30", "sms", "in", "TULUM MEXICO", 1, True),  # planted: a received text only
    ("2026-10-09 20:15", "data", None, "TULUM MEXICO", 190, True),
    ("2026-10-09 21:30", "data", None, "TULUM MEXICO", 240, False),
    ("2026-10-10 08:30", "data", None, "CANCUN MEXICO", 220, False),
    ("2026-10-10 12:00", "voice", "in", "CANCUN MEXICO", 9, False),
    ("2026-10-10 21:00", "data", None, "CANCUN MEXICO", 300, True),
    ("2026-10-11 07:30", "data", None, "CANCUN MEXICO", 150, False),
    ("2026-10-11 09:45", "data", None, "CANCUN MEXICO", 200, False),
    ("2026-10-11 19:00", "data", None, "NEWARK NJ", 380, False),
)
MW_TABLES: dict[str, list[Column]] = {
    "Charges": [("Date", 24, "L"), ("Time", 20, "L"), ("Description", 100, "L"), ("Amount", 24, "R")],
    "Taxes & surcharges": [("Description", 144, "L"), ("Amount", 24, "R")],
    "Talk": [("Date", 22, "L"), ("Time", 18, "L"), ("Number", 30, "L"), ("Location", 40, "L"),
             ("Type", 22, "L"), ("Min", 14, "R"), ("Charge", 20, "R")],
    "Text": [("Date", 22, "L"), ("Time", 18, "L"), ("Number", 30, "L"), ("Location", 40, "L"),
             ("Direction", 22, "L"), ("Type", 16, "L"), ("Charge", 20, "R")],
    "Data": [("Date", 22, "L"), ("Time", 18, "L"), ("Location", 44, "L"), ("Type", 28, "L"),
             ("Usage (KB)", 30, "R"), ("Charge", 20, "R")],
}  # fmt: skip
MW_CSV_HEADER = [
    "Date", "Time", "Line", "Type", "Direction", "Number/Destination", "Location", "Roaming",
    "Units", "Unit Type", "Charge",
]  # fmt: skip


def us_number(e164: str, csv_style: bool = False) -> str:
    n = e164[2:]
    return n if csv_style else f"({n[:3]}) {n[3:6]}-{n[6:]}"


def us_candidate(r: random.Random) -> str:
    return f"+1{r.choice(['201', '973', '917', '732'])}5550{r.randint(100, 199)}"


def meridian_day(
    rng: random.Random, line: str, d: date, base_mb: int, pool: list[str], mms: bool
) -> list[Event]:
    """Domestic talk, text and data of one line on one day, at distinct minutes."""
    kinds = ["data"] * rng.randint(1, 3) + ["voice"] * rng.choice([0, 0, 1, 1, 2])
    kinds += ["sms"] * rng.choice([0, 1, 1, 2, 3])
    minutes = sorted(rng.sample(range(7 * 60, 23 * 60), len(kinds)))
    rng.shuffle(kinds)
    weights = [rng.uniform(0.5, 1.5) * (k == "data") for k in kinds]
    total = base_mb * MB * rng.uniform(0.85, 1.15)
    out = []
    for m, kind, w in zip(minutes, kinds, weights, strict=True):
        t = datetime.combine(d, time()) + timedelta(minutes=m)
        place, party, direction = rng.choice(US_PLACES), rng.choice(pool), rng.choice(["out", "in"])
        if kind == "data":
            qty, direction, party = round(total * w / sum(weights) / KB) * KB, None, ""
        elif kind == "voice":
            qty = rng.randint(1, 25) * 60
        else:
            qty, kind = 1, "mms" if mms and rng.random() < 0.2 else "sms"
        out.append(Event(line, t, kind, qty, ZERO, "USD", "US", direction, party, place=place))
    if rng.random() < 0.15:  # a small night-time sync
        t = datetime.combine(d, time(rng.randint(0, 5), rng.randint(0, 59)))
        qty = rng.randint(2, 25) * MB
        out.append(Event(line, t, "data", qty, ZERO, "USD", "US", place=US_PLACES[0]))
    return out


def meridian_usage(rng: random.Random, first: date, last: date, trip: bool = True) -> list[Event]:
    """Usage of the three lines, Alex's Mexico trip with its day passes, Sam's premium SMS."""
    own = {line for line, _, _ in US_LINES}
    pool = [n for n in phone_pool(rng, "US", us_candidate, us_number, 20) if n not in own]
    scripted = {at(t).date() for t, *_ in MW_TRIP} if trip else set()
    events: list[Event] = []
    for d in days(first, last):
        for i, (line, _, _) in enumerate(US_LINES):
            if not (line == ALEX and d in scripted):
                events += meridian_day(rng, line, d, (1100, 700, 1500)[i], pool, mms=i == 2)
    for t, kind, direction, place, size, opens_pass in MW_TRIP if trip else ():
        country = "MX" if place.endswith("MEXICO") else "US"
        qty = {"data": size * MB + rng.randint(0, 1023) * KB, "voice": size * 60}.get(kind, 1)
        party = rng.choice(pool) if direction else ""
        events.append(
            Event(ALEX, at(t), kind, qty, ZERO, "USD", country, direction, party, place=place)
        )
        if opens_pass:
            events.append(Event(ALEX, at(t), "fee", 0, Decimal("10.00"), "USD", "MX", desc=MW_PASS))
    if first <= date(2026, 9, 27) <= last:
        t, desc = at("2026-09-27 20:41"), "Premium message"
        premium = Event(
            SAM, t, "sms", 1, Decimal("1.99"), "USD", "US", "out", US_PREMIUM, None, desc
        )
        events.append(replace(premium, place="HOBOKEN NJ"))
    return sorted(events, key=lambda e: (e.at, e.line, e.kind))


def meridian_charges(line: str, index: int, start: date, usage: list[Event]) -> list[Event]:
    """Monthly charges and taxes of one line; Alex's Visual Voicemail is printed twice."""
    t, plan = datetime.combine(start, time()), US_LINES[index][2]
    out = [
        Event(
            line,
            t,
            "plan",
            0,
            plan,
            "USD",
            desc=f"Meridian Unlimited Family - Line {index + 1} of 3",
        )
    ]
    if index == 0:
        out += [Event(line, t, "fee", 0, Decimal("4.99"), "USD", desc="Visual Voicemail")] * 2
    if index == 1:
        out.append(
            Event(
                line,
                t,
                "fee",
                0,
                Decimal("27.50"),
                "USD",
                desc="Device Payment - Installment 14 of 24",
            )
        )
    taxable = sum(e.amount for e in out + usage if not e.desc.startswith("Device"))
    taxes = (
        ("Federal Universal Service Fund", q2(plan * Decimal("0.0336"))),
        ("Regulatory Cost Recovery Fee", Decimal("1.85")),
        ("NJ 911 System & Emergency Response Fee", Decimal("0.90")),
        ("NJ Sales Tax 6.625%", q2(taxable * Decimal("0.06625"))),
    )
    return out + [Event(line, None, "tax", 0, amount, "USD", desc=desc) for desc, amount in taxes]


def mw_group(e: Event) -> str:
    if e.kind == "tax":
        return "Taxes & surcharges"
    if e.desc.startswith("Device"):
        return "Equipment"
    return (
        "Monthly charges"
        if e.kind in ("plan", "fee") and e.desc != MW_PASS
        else "Usage & purchases"
    )


def mw_row(e: Event) -> tuple[str, list[str]]:
    """The per-line table an event is printed in, and its printed row."""
    if e.kind == "tax":
        return "Taxes & surcharges", [e.desc, usd(e.amount)]
    day, clock = f"{e.at:%m/%d/%Y}", e.at.strftime("%I:%M %p").lstrip("0")
    if e.kind in ("plan", "fee"):
        return "Charges", [day, clock if e.desc == MW_PASS else "", e.desc, usd(e.amount)]
    if e.kind == "data":
        scope = "Domestic" if e.country == "US" else "International"
        return "Data", [day, clock, e.place, scope, f"{e.qty // KB:,}", usd(e.amount)]
    head, out = [day, clock, us_number(e.party), e.place], e.direction == "out"
    if e.kind == "voice":
        return "Talk", [*head, "Outgoing" if out else "Incoming", str(e.qty // 60), usd(e.amount)]
    kind = "Picture" if e.kind == "mms" else "Text"
    return "Text", [*head, "Sent" if out else "Received", kind, usd(e.amount)]


def render_meridian(start: date, end: date, events: list[Event]) -> BillPdf:
    """The itemised bill: account summary, summary by line, then one section per line."""
    head = "Meridian Wireless - Account 8472-19305 - Invoice MW-2610-5531902"
    pdf = BillPdf(head, "Meridian Wireless, PO Box 7730, Newark NJ 07101")

    def total(keep: Callable[[Event], bool]) -> Decimal:
        return sum((e.amount for e in events if keep(e)), ZERO)

    pdf.say("MERIDIAN WIRELESS", size=16, style="B", h=8)
    pdf.say(
        f"Bill period {start:%m/%d/%Y} - {end:%m/%d/%Y}", "Bill date 10/20/2026    Due 11/12/2026",
        "Rivera Household - 48 Ferry St, Newark NJ 07105", "Account number 8472-19305", size=9,
    )  # fmt: skip
    pdf.ln(3)
    pdf.say("Account summary", size=10, style="B", h=6)
    pdf.pair("Previous balance", usd(Decimal("231.47")))
    pdf.pair("Payment received 10/01/2026 - Thank you", usd(Decimal("-231.47")))
    pdf.pair("Balance forward", usd(ZERO), "B")
    for group in MW_GROUPS:
        pdf.pair(group, usd(total(lambda e, g=group: mw_group(e) == g)))
    for desc in dict.fromkeys(e.desc for e in events if e.kind == "tax"):
        pdf.pair(f"    {desc}", usd(total(lambda e, d=desc: e.desc == d)))
    pdf.pair("Total new charges", usd(total(bool)), "B")
    pdf.pair("Total due by 11/12/2026", usd(total(bool)), "B")
    pdf.ln(4)
    rows = []
    for line, name, _ in [*US_LINES, ("", "", None)]:
        mine = (lambda e, ln=line: e.line == ln) if line else bool
        cells = [usd(total(lambda e, g=g, f=mine: f(e) and mw_group(e) == g)) for g in MW_GROUPS]
        rows.append([us_number(line) if line else "Account total", name, *cells, usd(total(mine))])
    cols = [("Line", 28, "L"), ("Name", 28, "L")] + [(g.split()[0], 22, "R") for g in MW_GROUPS]
    pdf.table("Summary by line", [*cols, ("Total", 24, "R")], rows, "(continued)")
    pdf.summary_rows += len(rows)
    for line, name, _ in US_LINES:
        tables: dict[str, list[list[str]]] = defaultdict(list)
        for e in events:
            if e.line == line:
                table, row = mw_row(e)
                tables[table].append(row)
        pdf.add_page()
        pdf.say(f"Line {us_number(line)} - {name}", size=11, style="B", h=7)
        for title, cols in MW_TABLES.items():
            pdf.table(title, cols, tables[title], "(continued)")
        if pdf.full(2):
            pdf.add_page()
        pdf.pair(f"Total for {us_number(line)}", usd(total(lambda e, ln=line: e.line == ln)), "B")
    return pdf


def meridian_csv_row(e: Event) -> list[object]:
    kind = {"data": "Data", "voice": "Voice", "sms": "Text", "mms": "Picture"}[e.kind]
    units = {"data": (e.qty // KB, "KB"), "voice": (e.qty // 60, "MIN")}.get(e.kind, (1, "MSG"))
    direction = {"out": "Out", "in": "In"}.get(e.direction or "", "")
    who, roaming = (
        us_number(e.party, True) if e.party else "",
        "Home" if e.country == "US" else "International",
    )
    return [f"{e.at:%m/%d/%Y}", f"{e.at:%H:%M}", us_number(e.line, True), kind, direction, who,
            e.place, roaming, *units, "0.00"]  # fmt: skip


def make_meridian(rng: random.Random) -> Made:
    """The family bill (duplicate, premium SMS, a day pass opened by a received text) + usage CSV."""
    pdf_name = "us_meridian_wireless_2026-10.pdf"
    csv_name = f"us_meridian_wireless_usage_{MW_CSV[0]}_{MW_CSV[1]}.csv"
    everything = meridian_usage(rng, MW_START, MW_CSV[1])
    events = []
    for i, (line, _, _) in enumerate(US_LINES):
        mine = [e for e in everything if e.line == line and e.at.date() <= MW_END]
        events += meridian_charges(line, i, MW_START, [e for e in mine if e.amount]) + mine
    pdf = render_meridian(MW_START, MW_END, events)
    exported = [
        e for e in everything
        if e.kind in ("data", "voice", "sms", "mms") and MW_CSV[0] <= e.at.date() <= MW_CSV[1]
    ]  # fmt: skip
    assert all(e.amount == 0 for e in exported)
    shared = sum(e.at.date() <= MW_END for e in exported)
    check_unique(events, allowed=1)
    for line, _, _ in US_LINES:
        mine = [e for e in everything if e.line == line]
        check_daily(mine)
        assert visits(mine, "US") == (
            [] if line != ALEX else [("MX", MW_TRIP_DAYS[0], MW_TRIP_DAYS[1])]
        )
    trip = visits([e for e in everything if e.line == ALEX], "US")
    total = sum(e.amount for e in events)
    taxes = sum(e.amount for e in events if e.kind == "tax")
    lines = [line for line, _, _ in US_LINES]
    statement = stmt(
        "Meridian Wireless", lines, MW_START, MW_END, account="8472-19305",
        invoice="MW-2610-5531902", bill_date="2026-10-20", currency="USD",
        plan_name="Meridian Unlimited Family", previous_balance="231.47", payments="-231.47",
        balance_forward="0.00", subtotal=str(total - taxes), taxes=str(taxes),
        total_new_charges=str(total), total_due=str(total), sum_of_items=str(total),
    )  # fmt: skip
    conv = (
        "Usage (KB) base 1024 (bytes = KB*1024); Min = billed whole minutes (seconds = Min*60); "
        "taxes rows have no date; times local where used (12 h clock); line 1's Visual Voicemail "
        "row is printed twice on purpose; summary rows: account summary, summary by line, line totals"
    )
    rows = {"summary_rows": pdf.summary_rows, "header_rows": pdf.header_rows}
    pdf_truth = truth(pdf_name, statement, events, rows, conv, pages=pdf.page_no())
    samples = [Sample(pdf_name, bytes(pdf.output()), pdf_truth)]
    csv_statement = stmt("Meridian Wireless", lines, *MW_CSV, currency="USD")
    overlap = {
        "with": pdf_name,
        "window": [str(MW_CSV[0]), str(MW_END)],
        "shared_events": shared,
        "new_events": len(exported) - shared,
        "key": "line, minute, kind, quantity, counterparty E.164 (the printed formats differ)",
        "union_lines": tally(events + [e for e in exported if e.at.date() > MW_END]),
    }
    conv = "Units: KB base 1024, MIN whole minutes, MSG; Time 24 h local; Charge unbilled 0.00"
    body = csv_bytes([MW_CSV_HEADER, *map(meridian_csv_row, exported)])
    csv_truth = truth(csv_name, csv_statement, exported, {"header_rows": 1}, conv, overlap=overlap)
    samples.append(Sample(csv_name, body, csv_truth))
    oct8 = (date(2026, 10, 8),) * 2
    planted = [
        Planted("duplicate_charge", ALEX, MW_START, MW_START, (pdf_name,), Decimal("4.99"), "USD"),
        Planted("roaming_charges", ALEX, *oct8, (pdf_name,), Decimal("10.00"), "USD"),
        Planted(
            "premium_or_international",
            SAM,
            *(date(2026, 9, 27),) * 2,
            (pdf_name,),
            Decimal("1.99"),
            "USD",
        ),
        Planted("roaming_started", ALEX, trip[0][1], trip[0][2], (pdf_name, csv_name)),
    ]
    return samples, planted
