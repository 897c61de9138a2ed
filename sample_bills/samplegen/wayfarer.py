"""Wayfarer eSIM: travel eSIM session exports (an Oceania trip, night backups at home)."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from .common import (
    MB,
    Event,
    Made,
    Planted,
    Sample,
    check_daily,
    day_sessions,
    days,
    luhn,
    small_night,
    stmt,
    tally,
    truth,
    visits,
)
from .formats import csv_bytes

WF_ICCID = luhn("8944200000012345678")
WF_HEADER = ["Session Start", "Session End", "Bytes", "Country", "Network", "ICCID"]
WF_NETWORKS = {
    "AU": ["Southern Cross Mobile 505-01"],
    "NZ": ["Aotea Mobile 530-05", "Tasman Net 530-24"],
    "FJ": ["Bula Mobile 542-01"],
    "FR": ["Hexagone Mobile 208-15"],
    "CH": ["Alpes Mobile 228-03"],
}
WF_OFFSET = {"AU": 10, "NZ": 12, "FJ": 12, "FR": 2, "CH": 2}  # hours east of UTC in summer
WF_LEGS = (
    ("AU", date(2026, 5, 1), date(2026, 5, 1)),  # departure morning at home
    ("NZ", date(2026, 5, 1), date(2026, 5, 13)),
    ("FJ", date(2026, 5, 14), date(2026, 5, 23)),
    ("NZ", date(2026, 5, 24), date(2026, 5, 29)),
    ("AU", date(2026, 5, 30), date(2026, 6, 4)),
)
WF_GAP = (date(2026, 5, 6), date(2026, 5, 7), date(2026, 5, 8))
WF_BURN = date(2026, 5, 27)
WF_EXPORT1 = datetime(2026, 5, 25, 9, 0)  # UTC, = 21:00 +12:00
WF_FROM2 = date(2026, 5, 16)  # export 2 starts here


@dataclass(frozen=True)
class Session:
    """One Wayfarer data session; `arrived` (UTC) decides whether export 1 already has it."""

    start: datetime
    end: datetime
    bytes: int
    country: str
    network: str
    arrived: datetime

    def utc(self) -> datetime:
        return self.start - timedelta(hours=WF_OFFSET[self.country])


def iso_local(t: datetime, country: str) -> str:
    return f"{t.isoformat()}+{WF_OFFSET[country]:02d}:00"


def wayfarer_row(s: Session, iccid: str = WF_ICCID) -> list[object]:
    start, end = iso_local(s.start, s.country), iso_local(s.end, s.country)
    return [start, end, s.bytes, s.country, s.network, iccid]


def wayfarer_day(
    rng: random.Random, d: date, c: str, total: int, lo: int, hi: int, night: int = 0
) -> list[Session]:
    """One day's sessions in one country; records arrive 1-2 hours after the session ends."""
    net, out = rng.choice(WF_NETWORKS[c]), []
    for start, end, b in day_sessions(rng, d, total, (3, 6), night, lo, hi):
        arrived = end - timedelta(hours=WF_OFFSET[c], minutes=-rng.randint(60, 120))
        out.append(Session(start, end, b + rng.randint(0, 999), c, net, arrived))
    return out


def wayfarer_sessions(rng: random.Random) -> list[Session]:
    """AU -> NZ -> FJ -> NZ -> home (AU), ~300 MB a day; a 3-day gap and a 3.9 GB day."""
    out = []
    for c, d0, d1 in WF_LEGS:
        for d in days(d0, d1):
            if d in WF_GAP:
                continue
            lo, hi, mb = (
                (6 * 60 + 30, 9 * 60 + 30, 90)
                if c == "AU" and d == d0 == d1
                else (7 * 60, 23 * 60, 300)
            )
            lo, mb = (16 * 60, 210) if c == "NZ" and d == date(2026, 5, 1) else (lo, mb)
            mb = 4000 if d == WF_BURN else mb  # a photo library backup over mobile data
            night = small_night(rng) if mb == 300 else 0
            out += wayfarer_day(rng, d, c, int(mb * MB * rng.uniform(0.85, 1.15)), lo, hi, night)
    out.sort(key=Session.utc)
    late = out.index([s for s in out if s.start.date() == date(2026, 5, 20)][-1])
    for i in (late - 2, late - 1, late):  # a delayed roaming batch from Fiji: export 2 only
        out[i] = replace(out[i], arrived=datetime(2026, 5, 25, 15, 0))
    return out


NO_ICCID = luhn("8933150000098765432")  # a second Wayfarer eSIM, at home in France
NO_FILE = "travel_wayfarer_esim_2026-07.csv"
NO_DAYS = (date(2026, 7, 1), date(2026, 8, 11))
NO_ODD_NIGHT = date(2026, 7, 20)  # the one night far above its usual nightly backup
NO_TRIP = ("CH", date(2026, 7, 25), date(2026, 8, 2))
NO_BLIP = (datetime(2026, 7, 28, 14, 5), datetime(2026, 7, 28, 14, 9))  # a French mast, briefly


def make_night_owl(rng: random.Random) -> Made:
    """A line busy every night (a nightly backup), one unusual night, a trip with a border blip."""
    sessions = []
    for d in days(*NO_DAYS):
        c = NO_TRIP[0] if NO_TRIP[1] <= d <= NO_TRIP[2] else "FR"
        net = WF_NETWORKS[c][0]
        night = (2500 if d == NO_ODD_NIGHT else rng.randint(150, 250)) * MB
        for start, end, b in day_sessions(rng, d, 300 * MB, (2, 3), night, 9 * 60, 12 * 60):
            sessions.append(Session(start, end, b + rng.randint(0, 999), c, net, end))
        if d == NO_BLIP[0].date():
            tail = [(datetime.combine(d, time(16, m)), 5 * MB + m) for m in (10, 40)]
            sessions.append(Session(*NO_BLIP, 3 * MB, "FR", WF_NETWORKS["FR"][0], NO_BLIP[1]))
            sessions += [Session(t, t + timedelta(minutes=5), b, c, net, t) for t, b in tail]
    sessions.sort(key=lambda x: x.start)
    events = [
        Event(NO_ICCID, x.start, "data", x.bytes, country=x.country, end=x.end, place=x.network)
        for x in sessions
    ]
    assert visits(events, "FR") == [
        ("CH", NO_TRIP[1], NO_BLIP[0].date()),
        ("CH", NO_BLIP[0].date(), NO_TRIP[2]),
    ]  # split in two by the blip, which the analyzer must not do
    statement = stmt("Wayfarer eSIM", [NO_ICCID], *NO_DAYS, exported_at_not_in_file=None)
    conv = (
        "as the other Wayfarer exports; a nightly backup of 150-250 MB at night every night, "
        "2.5 GB on the odd night; one 4-minute session on a French network inside the Swiss stay"
    )
    body = csv_bytes([WF_HEADER, *(wayfarer_row(x, NO_ICCID) for x in sessions)])
    sample = Sample(NO_FILE, body, truth(NO_FILE, statement, events, {"header_rows": 1}, conv))
    planted = [
        Planted("night_burn", NO_ICCID, NO_ODD_NIGHT, NO_ODD_NIGHT, (NO_FILE,)),
        Planted("roaming_started", NO_ICCID, NO_TRIP[1], NO_TRIP[2], (NO_FILE,)),
    ]
    return [sample], planted


def make_wayfarer(rng: random.Random) -> Made:
    """Two overlapping exports of one travel eSIM: a gap, a burn day, three visits abroad."""
    names = ("travel_wayfarer_esim_export1.csv", "travel_wayfarer_esim_export2.csv")
    sessions = wayfarer_sessions(rng)

    def event(s: Session) -> Event:
        return Event(
            WF_ICCID, s.start, "data", s.bytes, country=s.country, end=s.end, place=s.network
        )

    exports = (
        [s for s in sessions if s.arrived <= WF_EXPORT1],
        [s for s in sessions if s.start.date() >= WF_FROM2],
    )
    first = set(exports[0])
    late = [s for s in exports[1] if s not in first and s.utc() <= WF_EXPORT1]
    shared = [s for s in exports[1] if s in first]
    union = list(map(event, sessions))
    check_daily(union, burn=[WF_BURN], gap=WF_GAP)
    trip = visits(union, "AU")
    assert trip == [leg for leg in WF_LEGS if leg[0] != "AU"]
    conv = (
        "Session Start/End ISO 8601 local time with UTC offset; Bytes exact; Country ISO alpha-2; "
        "Network = name + MCC-MNC; ICCID is the line (20 digits: read as text); no export time"
    )
    samples = []
    for name, rows, taken in zip(
        names, exports, ("2026-05-25T21:00+12:00", "2026-06-05T09:00+10:00"), strict=True
    ):
        evs = list(map(event, rows))
        statement = stmt(
            "Wayfarer eSIM",
            [WF_ICCID],
            evs[0].at.date(),
            evs[-1].at.date(),
            exported_at_not_in_file=taken,
        )
        extra = {}
        if rows is exports[1]:
            extra["overlap"] = {
                "with": names[0],
                "window": [str(WF_FROM2), "2026-05-25"],
                "shared_rows": len(shared),
                "late_rows": len(late),
                "new_rows": len(rows) - len(shared) - len(late),
                "union_events": len(sessions),
                "union_data_bytes": sum(s.bytes for s in sessions),
                "union_lines": tally(union),
            }
        body = csv_bytes([WF_HEADER, *map(wayfarer_row, rows)])
        samples.append(
            Sample(name, body, truth(name, statement, evs, {"header_rows": 1}, conv, **extra))
        )
    planted = [
        Planted("data_burn", WF_ICCID, WF_BURN, WF_BURN, (names[1],)),
        Planted("record_gap", WF_ICCID, WF_GAP[0], WF_GAP[-1], (names[0],)),
        # rows that arrived after export 1 was taken: inside the overlap, only in export 2
        Planted(
            "unmatched_overlap",
            WF_ICCID,
            min(s.start.date() for s in late),
            max(s.start.date() for s in late),
            (names[1],),
        ),
    ]
    for _, d0, d1 in trip:
        files = tuple(
            n
            for n, rows in zip(names, exports, strict=True)
            if any(d0 <= s.start.date() <= d1 for s in rows)
        )
        planted.append(Planted("roaming_started", WF_ICCID, d0, d1, files))
    planted.append(Planted("trip_summary", WF_ICCID, trip[0][1], trip[-1][2], names))
    return samples, planted
