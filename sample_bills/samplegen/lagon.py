"""Lagon Mobile: New Caledonian monthly PDF bills in French, XPF."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from .common import (
    GB,
    MB,
    ZERO,
    Event,
    Made,
    Planted,
    Sample,
    check_daily,
    check_unique,
    day_sessions,
    days,
    phone_pool,
    round_half_up,
    small_night,
    stmt,
    to_bytes,
    truth,
    visits,
    xpf,
)
from .formats import BillPdf

NC_LINE = "+687751234"
NC_COUNTRY = {"NC": "Nouvelle-Calédonie", "AU": "Australie", "VU": "Vanuatu"}
NC_RATES = {  # XPF per minute or SMS; national calls 60/60, roaming calls per second
    "NC": {"out": 40, "sms": 20},
    "AU": {"out": 95, "in": 60, "sms": 45},
    "VU": {"out": 120, "in": 70, "sms": 50},
}
NC_PASS = {
    "AU": ("Pass Roaming Australie 5 Go - 7 jours", 4500),
    "VU": ("Pass Roaming Vanuatu 4 Go - 5 jours", 3500),
}
NC_PLAN, NC_PRICE = "Forfait Lagon 50 Go", 5900
NC_RENAMED = ("Forfait Lagon 80 Go", 6900)  # October: the plan renamed at a higher price
NC_TRIP = (
    ("AU", date(2026, 9, 5), date(2026, 9, 11)),
    ("VU", date(2026, 9, 12), date(2026, 9, 16)),
)
NC_TYPE = {
    ("voice", "out"): "Appel émis",
    ("voice", "in"): "Appel reçu",
    ("sms", "out"): "SMS émis",
}
NC_COLS = [
    ("Date", 20, "L"), ("Heure", 13, "L"), ("Type", 28, "L"), ("Correspondant / Destination", 42, "L"),
    ("Pays", 30, "L"), ("Durée / Volume", 25, "R"), ("Montant (XPF)", 24, "R"),
]  # fmt: skip


def nc_number(e164: str) -> str:
    n = e164[4:]
    return f"{n[:2]} {n[2:4]} {n[4:]}"


def nc_volume(b: int) -> tuple[str, int]:
    """Printed volume ('350 Mo' / '1,25 Go') and the bytes an importer derives from it."""
    if b < GB:
        mo = max(1, round(b / MB))
        return f"{mo} Mo", mo * MB
    go = round(Decimal(b) / GB, 2)
    return f"{str(go).replace('.', ',')} Go", to_bytes(go, 3)


def nc_call_charge(call: list) -> Fraction:
    """National calls: every started minute; roaming calls: per second (unrounded)."""
    _, country, _, secs, rate = call
    return Fraction(-(-secs // 60) * rate) if country == "NC" else Fraction(secs * rate, 60)


@dataclass(frozen=True)
class LagonMonth:
    """What differs between the two Lagon bills."""

    start: date
    end: date
    invoice: str
    issued: date
    trip: tuple[tuple[str, date, date], ...] = ()
    wrong_rate_day: date | None = None  # one national call billed at 60 XPF/min instead of 40
    total_offset: int = 0  # added to the printed total
    plan: tuple[str, int] = (NC_PLAN, NC_PRICE)  # name and XPF price of the month's plan


def lagon_usage(rng: random.Random, pool: list[str], m: LagonMonth) -> tuple[list[Event], Fraction]:
    """Itemised rows of one month, and the unrounded roaming call charges."""
    where = {d: c for c, d0, d1 in m.trip for d in days(d0, d1)}
    usage, calls = [], []  # a call: [time, country, direction, seconds, XPF per minute]
    for d in days(m.start, m.end):
        c = where.get(d, "NC")
        total = int((750 if c != "NC" else 1000) * MB * rng.uniform(0.85, 1.15))
        night = small_night(rng, 0.15) if c == "NC" else 0
        for s, e, b in day_sessions(rng, d, total, (1, 3), night):
            (text, qty), s = nc_volume(b), s.replace(second=0)  # printed as HH:MM
            usage.append(Event(NC_LINE, s, "data", qty, ZERO, "XPF", c, None, "", e, "", text))
        roaming = c != "NC"
        for direction in ["out"] * (rng.random() < 0.45 + 0.15 * roaming) + ["in"] * (
            roaming and rng.random() < 0.4
        ):
            t = datetime.combine(d, time(rng.randint(8, 20), rng.randint(0, 59)))
            secs = rng.randint(15, 420 if roaming else 900)
            calls.append([t, c, direction, secs, NC_RATES[c][direction]])
        if rng.random() < 0.5:
            t = datetime.combine(d, time(rng.randint(8, 21), rng.randint(0, 59)))
            sms = Decimal(NC_RATES[c]["sms"])
            usage.append(Event(NC_LINE, t, "sms", 1, sms, "XPF", c, "out", rng.choice(pool)))
    if m.wrong_rate_day:
        calls.append([datetime.combine(m.wrong_rate_day, time(11, 26)), "NC", "out", 250, 60])
    abroad = [call for call in calls if call[1] != "NC"]

    def rounding_gap() -> int:
        rows = sum(round_half_up(nc_call_charge(x)) for x in abroad)
        return rows - round_half_up(sum(map(nc_call_charge, abroad), Fraction(0)))

    while abroad and abs(rounding_gap()) != 1:  # September: rows add up 1 XPF off the subtotal
        abroad[-1][3] += 1
    for call in calls:
        t, c, direction, secs, _ = call
        amount = Decimal(round_half_up(nc_call_charge(call)))
        took = f"{secs // 60:02d}min{secs % 60:02d}s"
        party = rng.choice(pool)
        usage.append(
            Event(NC_LINE, t, "voice", secs, amount, "XPF", c, direction, party, None, "", took)
        )
    usage.sort(key=lambda e: (e.at, e.kind))
    return usage, sum(map(nc_call_charge, abroad), Fraction(0))


def lagon_detail(usage: list[Event]) -> list[list[str]]:
    """The itemised rows as printed: data is 'Inclus', numbers in the national format."""
    rows = []
    for e in usage:
        data = e.kind == "data"
        kind = "Internet mobile" if data else NC_TYPE[e.kind, e.direction]
        who = "Internet" if data else nc_number(e.party)
        amount = "Inclus" if data else xpf(e.amount)
        rows.append(
            [f"{e.at:%d/%m/%Y}", f"{e.at:%H:%M}", kind, who, NC_COUNTRY[e.country], e.place, amount]
        )
    return rows


def lagon_bill(rng: random.Random, pool: list[str], m: LagonMonth) -> tuple[Sample, list[Event]]:
    """One monthly French bill: summary and options on page 1, itemised detail after."""
    name = f"nc_lagon_mobile_{m.start:%Y-%m}.pdf"
    usage, roam_calls = lagon_usage(rng, pool, m)
    span = f"du {m.start:%d/%m/%Y} au {m.end:%d/%m/%Y}"
    midnight = datetime.combine(m.start, time())
    options = [
        Event(
            NC_LINE,
            midnight,
            "plan",
            0,
            Decimal(m.plan[1]),
            "XPF",
            "NC",
            desc=f"{m.plan[0]} {span}",
        )
    ]
    for c, d0, _ in m.trip:
        label, price = NC_PASS[c]
        t, desc = datetime.combine(d0, time()), f"{label} (activé le {d0:%d/%m/%Y})"
        options.append(Event(NC_LINE, t, "fee", 0, Decimal(price), "XPF", c, desc=desc))
    abo = sum(e.amount for e in options)
    national = sum(e.amount for e in usage if e.country == "NC")
    roam_sms = sum(e.amount for e in usage if e.country != "NC" and e.kind == "sms")
    roam = round_half_up(roam_calls) + roam_sms
    ht = abo + national + roam
    tgc = Decimal(round_half_up(Fraction(int(ht) * 6, 100)))
    printed_total = ht + tgc + m.total_offset
    tax = Event(
        NC_LINE, datetime.combine(m.end, time()), "tax", 0, tgc, "XPF", "NC", desc="TGC 6 %"
    )
    events = [*options, *usage, tax]

    head = f"Lagon Mobile - Facture n° {m.invoice} - Ligne 75 12 34"
    pdf = BillPdf(head, "Lagon Mobile SA - BP 4410 - 98847 Nouméa Cedex")
    pdf.say("LAGON MOBILE", size=16, style="B", h=8)
    pdf.say("BP 4410 - 98847 Nouméa Cedex - Nouvelle-Calédonie", "RIDET 1 234 567.001")
    pdf.ln(3)
    pdf.say(
        f"Facture n° {m.invoice}", f"Date de facture : {m.issued:%d/%m/%Y}",
        f"Date limite de paiement : {m.issued + timedelta(days=17):%d/%m/%Y}",
        "Mme Marie Dubois - 12 rue des Cocotiers - 98800 Nouméa", "Numéro client : C-0048213",
        "Ligne : +687 75 12 34", f"Période {span}", size=9,
    )  # fmt: skip
    pdf.ln(3)
    pdf.say("Récapitulatif", size=10, style="B", h=6)
    pdf.pair("Abonnements et options", f"{xpf(abo)} XPF")
    pdf.pair("Communications nationales", f"{xpf(national)} XPF")
    if m.trip:
        pdf.pair("Communications en itinérance (roaming)", f"{xpf(roam)} XPF")
    pdf.pair("Total HT", f"{xpf(ht)} XPF", "B")
    pdf.pair("TGC 6 %", f"{xpf(tgc)} XPF", summary=False)
    pdf.pair("Total à payer", f"{xpf(printed_total)} XPF", "B")
    pdf.ln(4)
    cols = [("Date", 22, "L"), ("Libellé", 120, "L"), ("Montant (XPF)", 30, "R")]
    rows = [[f"{e.at:%d/%m/%Y}", e.desc, xpf(e.amount)] for e in options]
    pdf.table("Abonnements et options", cols, rows, "(suite)")
    pdf.say("Le détail de vos communications figure en pages suivantes. Montants en XPF.", size=7)
    pdf.add_page()
    pdf.table("Détail des communications", NC_COLS, lagon_detail(usage), "(suite)")

    items = sum(e.amount for e in events)
    statement = stmt(
        "Lagon Mobile", [NC_LINE], m.start, m.end, account="C-0048213", invoice=m.invoice,
        line_as_printed="+687 75 12 34", bill_date=str(m.issued), currency="XPF",
        plan_name=m.plan[0], subtotal=str(ht), taxes=str(tgc), total_due=str(printed_total),
        sum_of_items=str(items), printed_total_minus_items=str(printed_total - items),
    )  # fmt: skip
    inclus = sum(e.kind == "data" for e in usage)
    rows_info = {
        "summary_rows": pdf.summary_rows,
        "header_rows": pdf.header_rows,
        "inclus_rows": inclus,
    }
    conv = (
        "Mo/Go base 1024 (bytes = Mo*2^20, round(Go*2^30)); 'Inclus' = 0 XPF; Durée = actual call "
        "length; national calls billed 60/60, roaming calls per second and each row rounded; "
        "times local where used; the TGC row of the summary is an event, the other summary rows not"
    )
    check_unique(events)
    sample = Sample(
        name,
        bytes(pdf.output()),
        truth(name, statement, events, rows_info, conv, pages=pdf.page_no()),
    )
    return sample, events


def make_lagon(rng: random.Random) -> Made:
    """September (trip to Australia and Vanuatu, 1 XPF rounding); October (wrong rate and total)."""
    pool = phone_pool(
        rng, "NC", lambda r: f"+687{r.choice('2457789')}{r.randint(0, 99999):05d}", nc_number, 12
    )
    pool = [n for n in pool if n != NC_LINE]
    sep = LagonMonth(
        date(2026, 9, 1), date(2026, 9, 30), "FA-2026-09-118204", date(2026, 10, 3), NC_TRIP
    )
    oct_ = LagonMonth(
        date(2026, 10, 1), date(2026, 10, 31), "FA-2026-10-121377", date(2026, 11, 4),
        wrong_rate_day=date(2026, 10, 14), total_offset=1500, plan=NC_RENAMED,
    )  # fmt: skip
    (s1, e1), (s2, e2) = lagon_bill(rng, pool, sep), lagon_bill(rng, pool, oct_)
    check_daily(e1 + e2)
    assert visits(e1 + e2, "NC") == list(NC_TRIP)
    planted = [Planted("roaming_started", NC_LINE, d0, d1, (s1.name,)) for _, d0, d1 in NC_TRIP]
    planted.append(Planted("trip_summary", NC_LINE, NC_TRIP[0][1], NC_TRIP[-1][2], (s1.name,)))
    day, whole = (oct_.wrong_rate_day,) * 2, (oct_.start, oct_.end)
    planted += [
        Planted("rate_mismatch", NC_LINE, *day, (s2.name,), Decimal(100), "XPF"),
        Planted("bill_total_mismatch", NC_LINE, *whole, (s2.name,), Decimal(1500), "XPF"),
        Planted(
            "charge_increase", NC_LINE, *whole, (s1.name, s2.name),
            Decimal(NC_RENAMED[1] - NC_PRICE), "XPF",
        ),
    ]  # fmt: skip
    return [s1, s2], planted
