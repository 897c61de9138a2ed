"""云游 eSIM: a Chinese eSIM app's GB18030 CSV export."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal

from .common import (
    GB,
    MB,
    ZERO,
    Event,
    Made,
    Planted,
    Sample,
    at,
    check_daily,
    check_unique,
    day_sessions,
    days,
    phone_pool,
    q2,
    small_night,
    stmt,
    to_bytes,
    truth,
    visits,
)
from .formats import csv_bytes

CN_LINE = "+8613123456789"
CN_HEADER = ["日期", "时间", "类型", "流量(MB)", "国家/地区", "运营商", "费用(元)", "备注"]
CN_PLACES = {
    "CN": ("中国", "华夏移动"),
    "HK": ("中国香港", "维港电讯"),
    "JP": ("日本", "樱花通信"),
    "TH": ("泰国", "暹罗移动"),
}
CN_DATA_RATE = {"CN": ZERO, "HK": Decimal("0.010"), "JP": Decimal("0.012"), "TH": Decimal("0.008")}
CN_TRIP = (
    ("CN", date(2026, 3, 20), date(2026, 3, 22)),
    ("HK", date(2026, 3, 23), date(2026, 3, 25)),
    ("JP", date(2026, 3, 26), date(2026, 4, 4)),
    ("TH", date(2026, 4, 5), date(2026, 4, 12)),
    ("CN", date(2026, 4, 13), date(2026, 4, 22)),
)
CN_NIGHT = date(2026, 3, 31)
CN_TYPE = {"data": "流量", "voice": "通话", "sms": "短信", "topup": "充值", "transfer": "流量转移"}
CN_TOPUPS = (
    ("2026-03-20 09:30:12", "-100.00", "微信支付"),
    ("2026-03-29 12:10:45", "-200.00", "支付宝"),
)
CN_TOPUPS += (("2026-04-08 08:45:03", "-100.00", "微信支付"),)


def cn_number(e164: str) -> str:
    n = e164[3:]
    return f"{n[:3]} {n[3:7]} {n[7:]}"


def cn_candidate(r: random.Random) -> str:
    return f"+8613{r.randint(0, 9)}{r.randint(0, 99999999):08d}"


def yunyou_row(e: Event) -> list[str]:
    mb = str(round(Decimal(e.qty) / MB, 2)) if e.kind in ("data", "transfer") else ""
    place, network = CN_PLACES[e.country] if e.country else ("", "")
    return [
        f"{e.at:%Y-%m-%d}",
        f"{e.at:%H:%M:%S}",
        CN_TYPE[e.kind],
        mb,
        place,
        network,
        str(e.amount),
        e.desc,
    ]


def yunyou_talk(rng: random.Random, d: date, c: str, pool: list[str]) -> list[Event]:
    """The day's calls and SMS: all with Chinese numbers, charged more abroad."""
    out = []
    for kind in ("voice",) * (rng.random() < 0.35) + ("sms",) * (rng.random() < 0.5):
        way, other = rng.choice(["out", "out", "in"]), rng.choice(pool)
        t = datetime.combine(d, time(rng.randint(9, 21), rng.randint(0, 59), rng.randint(0, 59)))
        secs = rng.randint(20, 720) if kind == "voice" else 1
        per = (
            Decimal("0.10")
            if c == "CN"
            else Decimal("0.99")
            if kind == "voice"
            else Decimal("0.59")
        )
        free = way == "in" and (kind == "sms" or c == "CN")
        fee = Decimal("0.00") if free else per * -(-secs // 60) if kind == "voice" else per
        if kind == "voice":
            desc = f"{'呼出' if way == 'out' else '呼入'} {cn_number(other)} 时长 {secs // 60:02d}:{secs % 60:02d}"
        else:
            desc = f"{'发送' if way == 'out' else '接收'} {cn_number(other)}"
        out.append(Event(CN_LINE, t, kind, secs, fee, "CNY", c, way, other, desc=desc))
    return out


def make_yunyou(rng: random.Random) -> Made:
    """A month across Hong Kong, Japan and Thailand with one night of background data burn."""
    name, as_of = "cn_yunyou_esim.csv", datetime(2026, 4, 22, 21, 30)
    pool = [n for n in phone_pool(rng, "CN", cn_candidate, cn_number, 10) if n != CN_LINE]
    events = [
        Event(CN_LINE, at(t), "topup", 0, Decimal(a), "CNY", desc=how) for t, a, how in CN_TOPUPS
    ]
    moved = Event(
        CN_LINE, at("2026-04-16 20:10:31"), "transfer", GB, Decimal("0.00"), "CNY", "CN", "out"
    )
    events.append(replace(moved, party=pool[0], desc=f"转出至 {cn_number(pool[0])}"))
    for c, d0, d1 in CN_TRIP:
        for d in days(d0, d1):
            burn = d == CN_NIGHT
            total = int((0.55 if burn else 1.15) * GB * rng.uniform(0.9, 1.1))
            hi = 20 * 60 if d == as_of.date() else 23 * 60
            sessions = day_sessions(
                rng, d, total, (3, 6), 0 if burn else small_night(rng), 7 * 60, hi
            )
            if burn:  # 01:00-05:00 background sync, about 1.5 GB
                for h in range(1, 5):
                    t = datetime.combine(d, time(h, rng.randint(0, 9), rng.randint(0, 59)))
                    sessions.append((t, t, rng.randint(370, 400) * MB))
            for start, _, b in sessions:
                mb = round(Decimal(b) / MB, 2)
                fee = q2(mb * CN_DATA_RATE[c])
                events.append(Event(CN_LINE, start, "data", to_bytes(mb, 2), fee, "CNY", c))
            events += yunyou_talk(rng, d, c, pool)
    events.sort(key=lambda e: e.at)
    preamble = f"云游 eSIM 使用记录\u3000号码：+86 {cn_number(CN_LINE)}\u3000导出时间：{as_of:%Y-%m-%d %H:%M}"
    data = csv_bytes([[preamble], CN_HEADER, *map(yunyou_row, events)], "gb18030")
    check_daily(events, night=[CN_NIGHT])
    check_unique(events)
    trip = visits(events, "CN")
    assert trip == [leg for leg in CN_TRIP if leg[0] != "CN"]
    statement = stmt(
        "云游 eSIM", [CN_LINE], CN_TRIP[0][1], as_of.date(), currency="CNY",
        as_of=as_of.isoformat(), as_of_location="preamble row (导出时间)", line_location="preamble row (号码)",
    )  # fmt: skip
    conv = (
        "GB18030 without BOM; 流量(MB) base 1024 (bytes = round(MB*2^20)); 费用 positive = charge, "
        "充值 negative = credit; 流量转移 moves data to another line (kind transfer, not usage); "
        "times local where used; 备注 carries call direction, number and duration mm:ss"
    )
    rows = {"preamble_rows": 1, "header_rows": 1}
    planted = [Planted("night_burn", CN_LINE, CN_NIGHT, CN_NIGHT, (name,))]
    planted += [Planted("roaming_started", CN_LINE, d0, d1, (name,)) for _, d0, d1 in trip]
    planted.append(Planted("trip_summary", CN_LINE, trip[0][1], trip[-1][2], (name,)))
    return [Sample(name, data, truth(name, statement, events, rows, conv))], planted
