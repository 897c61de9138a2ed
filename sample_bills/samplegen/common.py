"""The sample corpus's shared model and helpers: events, planted findings, tallies."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import phonenumbers

SEED = 20261101
FIXED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PRODUCER = "Usage Analyzer sample generator"
KB, MB, GB = 1024, 1024**2, 1024**3
ZERO, CENT = Decimal(0), Decimal("0.01")
SEVERITY = {
    "data_burn": "warning", "night_burn": "warning", "allowance_exhaustion": "warning",
    "roaming_started": "info", "roaming_charges": "error", "bill_total_mismatch": "error",
    "duplicate_charge": "error", "rate_mismatch": "error", "premium_or_international": "warning",
    "record_gap": "info", "zero_usage_line": "warning", "charge_increase": "warning",
    "topup_reversed": "warning", "billed_longer_than_call": "error", "unmatched_overlap": "info",
    "trip_summary": "info",
    "stated_vs_itemised": "warning", "bill_partly_itemised": "info",
}  # fmt: skip


@dataclass(frozen=True)
class Event:
    """One record as an importer should read it; quantities derive from the printed values."""

    line: str
    at: datetime | None  # None: printed without a date (taxes)
    kind: str
    qty: int = 0  # bytes (data, transfer), seconds (voice), messages (sms, mms)
    amount: Decimal = ZERO
    currency: str = ""
    country: str = ""
    direction: str | None = None
    party: str = ""  # counterparty, E.164
    end: datetime | None = None
    desc: str = ""
    place: str = ""  # location, network or duration text as printed


@dataclass(frozen=True)
class Planted:
    """One finding planted in the corpus, as the rules must report it."""

    rule: str
    line: str
    start: date
    end: date
    files: tuple[str, ...]
    amount: Decimal | None = None
    currency: str = ""

    def row(self) -> list[str]:
        amount = "" if self.amount is None else money(self.amount, self.currency)
        dates = [self.start.isoformat(), self.end.isoformat()]
        files = ";".join(sorted(self.files))
        return [self.rule, self.line, *dates, SEVERITY[self.rule], amount, self.currency, files]


@dataclass
class Sample:
    """One generated sample file with its ground truth."""

    name: str
    data: bytes
    truth: dict


Made = tuple[list[Sample], list[Planted]]


def days(first: date, last: date) -> Iterator[date]:
    """Every date from first to last inclusive."""
    for i in range((last - first).days + 1):
        yield first + timedelta(days=i)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def q2(x: Decimal) -> Decimal:
    return x.quantize(CENT, ROUND_HALF_UP)


def round_half_up(x: Fraction) -> int:
    return int(x + Fraction(1, 2))


def to_bytes(value: Decimal, power: int) -> int:
    """Bytes of a printed base-1024 value (x.xx MB has no ties, so any rounding mode agrees)."""
    return int((value * 1024**power).to_integral_value(ROUND_HALF_EVEN))


def money(d: Decimal, currency: str) -> str:
    return str(d.quantize(Decimal(1) if currency == "XPF" else CENT))


def xpf(n: int | Decimal) -> str:
    return f"{int(n):,}".replace(",", " ")


def usd(d: Decimal) -> str:
    return ("-" if d < 0 else "") + f"${abs(d):,.2f}"


def luhn(payload: str) -> str:
    """Append the Luhn check digit (ICCIDs end with one)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return payload + str((10 - total % 10) % 10)


def phone_pool(
    rng: random.Random, region: str, make: Callable[[random.Random], str], fmt: Callable, k: int
) -> list[str]:
    """k distinct valid numbers (E.164) whose printed form parses back to the same number."""
    out: list[str] = []
    while len(out) < k:
        e164 = make(rng)
        printed = phonenumbers.parse(fmt(e164), region)
        back = phonenumbers.format_number(printed, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(printed) and back == e164 and e164 not in out:
            out.append(e164)
    return out


def day_sessions(
    rng: random.Random, day: date, total: int, n: tuple[int, int] = (2, 4), night: int = 0,
    lo: int = 7 * 60, hi: int = 23 * 60,
) -> list[tuple[datetime, datetime, int]]:  # fmt: skip
    """Split a day's volume into non-overlapping daytime sessions (+ an optional night one)."""
    k = rng.randint(*n)
    starts = sorted(rng.sample(range(lo, hi), k))
    weights = [rng.uniform(0.4, 1.6) for _ in starts]
    base = datetime.combine(day, time())
    out = []
    for i, m in enumerate(starts):
        room = (starts[i + 1] if i + 1 < k else 24 * 60) - m - 1
        start = base + timedelta(minutes=m, seconds=rng.randint(0, 29))
        end = start + timedelta(minutes=min(rng.randint(3, 50), room), seconds=rng.randint(20, 29))
        out.append((start, end, int(total * weights[i] / sum(weights))))
    if night:
        start = base + timedelta(minutes=rng.randint(10, 330), seconds=rng.randint(0, 59))
        out.append((start, start + timedelta(minutes=rng.randint(2, 15)), night))
    return sorted(out)


def small_night(rng: random.Random, p: float = 0.2) -> int:
    """An occasional background session at night, always far below the 50 MB night limit."""
    return rng.randint(2, 30) * MB if rng.random() < p else 0


def check_daily(
    events: Iterable[Event], burn: Iterable[date] = (), night: Iterable[date] = (),
    gap: tuple[date, ...] = (),
) -> None:  # fmt: skip
    """Fail unless the only data_burn / night_burn / record_gap days are the planted ones."""
    events, burn, night = list(events), set(burn), set(night)
    volume: Counter[date] = Counter()
    nights: Counter[date] = Counter()
    for e in events:
        if e.kind == "data":
            volume[e.at.date()] += e.qty
            nights[e.at.date()] += e.qty if e.at.hour < 6 else 0
    seen = {e.at.date() for e in events if e.at}
    dates = list(days(min(seen), max(seen)))
    series = [volume[d] for d in dates]
    overall = statistics.median(series)
    for i, d in enumerate(dates):
        prev = series[max(0, i - 14) : i]
        if d in burn:
            assert len(prev) == 14 and series[i] >= max(10 * statistics.median(prev), GB), d
        else:
            assert series[i] <= 2 * overall, (d, series[i], overall)
            assert len(prev) < 7 or series[i] <= 2 * statistics.median(prev), (d, series[i])
    for d, v in nights.items():
        assert v >= GB if d in night else v < 50 * MB, (d, v)
    assert [d for d in dates if d not in seen] == list(gap)


def check_unique(events: Iterable[Event], allowed: int = 0) -> None:
    """Identical rows inside one file are a duplicate_charge finding: only planted ones may exist."""
    keys = Counter((e.line, e.at, e.kind, e.qty, e.party, e.amount, e.desc) for e in events)
    assert sum(n - 1 for n in keys.values()) == allowed, [k for k, n in keys.items() if n > 1]


def visits(events: Iterable[Event], home: str) -> list[tuple[str, date, date]]:
    """Consecutive runs of usage outside the home country: (country, first date, last date)."""
    out: list[list] = []
    for e in sorted((e for e in events if e.at and e.country), key=lambda e: e.at):
        if out and out[-1][0] == e.country:
            out[-1][2] = e.at.date()
        else:
            out.append([e.country, e.at.date(), e.at.date()])
    return [(c, d0, d1) for c, d0, d1 in out if c != home]


def tally(events: Iterable[Event]) -> dict[str, dict]:
    """Per-line truth in the shape of tests/golden.py `truth_summary` (+ totals, dates, countries).

    Amounts use the analyzer's convention: positive = charged, negative = credited.
    """
    kinds: dict[str, Counter] = defaultdict(Counter)
    qty: dict[str, Counter] = defaultdict(Counter)
    cash: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(Decimal)))
    dates: dict[str, set] = defaultdict(set)
    places: dict[str, set] = defaultdict(set)
    for e in events:
        kinds[e.line][e.kind] += 1
        qty[e.line][e.kind] += e.qty
        if e.currency:
            cash[e.line][e.currency][e.kind] += e.amount
        dates[e.line] |= {e.at.date()} if e.at else set()
        places[e.line] |= {e.country} if e.country else set()
    out = {}
    for line in sorted(kinds):
        money_by_kind = sorted(cash[line].items())
        out[line] = {
            "events": kinds[line].total(),
            "by_kind": dict(sorted(kinds[line].items())),
            "data_bytes": qty[line]["data"],
            "transfer_bytes": qty[line]["transfer"],
            "voice_seconds": qty[line]["voice"],
            "sms_count": kinds[line]["sms"],
            "mms_count": kinds[line]["mms"],
            "amounts": {
                c: {k: money(v, c) for k, v in sorted(ks.items())} for c, ks in money_by_kind
            },
            "amount_totals": {c: money(sum(ks.values(), ZERO), c) for c, ks in money_by_kind},
            "first_date": str(min(dates[line])) if dates[line] else None,
            "last_date": str(max(dates[line])) if dates[line] else None,
            "countries": sorted(places[line]),
        }
    return out


def truth(
    name: str, statement: dict, events: list[Event], rows: dict, conv: str, **extra: object
) -> dict:
    """The truth JSON of one sample file."""
    head = {"file": name, "conventions": conv, "statement": statement, "non_event_rows": rows}
    return {**head, "lines": tally(events), **extra}


def stmt(carrier: str, lines: list[str], start: date, end: date, **extra: object) -> dict:
    """Statement fields every truth file has (null when the file does not print them)."""
    fields = dict.fromkeys(["account", "invoice", "currency", "plan_name", "subtotal", "taxes"])
    fields |= {"total_due": None, "as_of": None} | extra
    return {
        "carrier": carrier,
        "lines": lines,
        "period_start": str(start),
        "period_end": str(end),
    } | fields
