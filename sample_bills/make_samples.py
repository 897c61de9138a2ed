"""Synthetic sample-bill corpus for Usage Analyzer.

Regenerate with `python sample_bills/make_samples.py` (any working directory). Every file is
rewritten beside this script, byte for byte identical on every run: each carrier has its own
`random.Random(SEED + k)`, PDFs and XLSX carry fixed dates and producer, no wall-clock time.
Carriers, people and accounts are fictional; phone numbers come from the `phonenumbers`
example ranges and are checked with `is_valid_number`. fpdf2 and phonenumbers are dev-only
dependencies; nothing here imports `analyzer`. Before writing, the script checks its own data:
no accidental burn day, busy night, gap, duplicate row or roaming visit beyond those planted.

## Files
- `cu_conecta_caribe.xlsx`: Cuban prepaid eSIM seller. Sheet `Consumo`: title row, `Generado:`
  row, blank row, header on row 4. Sheet `Resumen`: plan, first use, validity, balances, as-of.
- `nc_lagon_mobile_2026-09.pdf`, `nc_lagon_mobile_2026-10.pdf`: New Caledonian monthly bills in
  French, XPF, TGC 6 %, 3 pages each, the detail table continues across pages.
- `us_meridian_wireless_2026-10.pdf`: US family plan, 3 lines, period 09/19/2026-10/18/2026.
- `us_meridian_wireless_usage_2026-10-10_2026-10-25.csv`: the same carrier's usage export; it
  overlaps the bill from 10/10 to 10/18.
- `us_keystone_fleet_2026-08_2026-10.csv`: business fleet, 25 lines x 3 months, `Total` row.
- `cn_yunyou_esim.csv`: Chinese eSIM app export, GB18030 without BOM, a preamble row (line
  number, export time) then the header.
- `travel_wayfarer_esim_export1.csv`, `travel_wayfarer_esim_export2.csv`: travel eSIM sessions;
  export 2 overlaps export 1 on 05-16..05-25 and adds late-arriving rows.
- `travel_wayfarer_esim_2026-07.csv`: a second Wayfarer eSIM at home in France: a backup runs
  every night (150-250 MB), one night takes 2.5 GB; a stay in Switzerland with four minutes on
  a French network near the border in the middle of it (one visit, not two).

`expected_findings.csv` lists every planted finding, written from what this script planted,
never from running the analyzer. `truth/<file>.json` gives the statement fields and per-line
counts for importer tests (amounts in the analyzer's convention: positive = charged, negative =
credited, whatever sign the file prints). `analyzer.toml` holds home countries, plans, rate cards.

`profiles/` holds each carrier's layout as a TOML profile (written by hand, not by this script):
`analyzer run sample_bills` finds them beside the bills. A sample copied elsewhere is read with
`--profiles sample_bills/profiles`.

## Conventions importers need
- Times are local wall time where the event happened (roaming rows: the visited country).
  Wayfarer prints ISO 8601 local time with its UTC offset; the others print no zone.
- Data units: Mo/Go, MB/GB and KB are base 1024. Bytes of an event = printed value x 1024^k
  rounded to the nearest integer (x.xx MB never ties). Wayfarer `Bytes` are exact.
- Conecta Caribe: `Importe` is the signed balance movement (charges negative, top-ups positive,
  the `Ajuste` reversal negative); data covered by the plan shows 0. Columns added to the brief's
  eight: `Duración` (mm:ss), `Número` (national, text), `Detalle` (direction, description).
  `Datos` is MB. The plan, its first use, validity and the as-of time are on sheet `Resumen`.
- Lagon Mobile: `Inclus` means 0 XPF; no decimals; space as thousands separator. Detail rows are
  rounded one by one and the roaming subtotal once, so September's items add up to the printed
  total minus 1 XPF (rounding, not a finding). Durations are the actual call lengths.
- Meridian: the PDF prints counterparties as `(201) 555-0187` and 12 h times, the CSV
  `2015550187` and 24 h times; both to the minute, data in KB, voice in billed whole minutes.
  CSV charges are unbilled (0.00). Taxes rows carry no date.
- Keystone: one row per line per month; usage columns are monthly totals, not timed events.
- Yunyou: `费用(元)` positive = charge, `充值` rows carry the credited amount as a negative fee.
  `备注`: calls `呼出|呼入 <number> 时长 mm:ss`, SMS `发送|接收 <number>`, data transfer
  `转出至 <number>` (`流量(MB)` of a `流量转移` row is data moved, not used), top-up channel.
- Wayfarer: the file holds no export time (export 1 was taken 2026-05-25 21:00 +12:00).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import statistics
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import phonenumbers
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

HERE = Path(__file__).resolve().parent
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
}  # fmt: skip


# ------------------------------------------------------------------------------ shared model
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


# ------------------------------------------------------------------------------ helpers
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


def csv_bytes(rows: Iterable[list[object]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(wb: Workbook) -> bytes:
    """Save with fixed properties and zip timestamps: openpyxl stamps `modified` and entry times."""
    wb.properties.creator = wb.properties.lastModifiedBy = PRODUCER
    wb.properties.created = FIXED.replace(tzinfo=None)
    raw, out = io.BytesIO(), io.BytesIO()
    wb.save(raw)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, FIXED.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            with src.open(info) as data, dst.open(entry, "w") as copy:
                if info.filename == "docProps/core.xml":
                    stamp = rb"\g<1>2026-11-01T09:00:00Z"
                    copy.write(re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", stamp, data.read()))
                else:
                    shutil.copyfileobj(data, copy, 1 << 20)  # streamed: the sheet can be large
    return out.getvalue()


Column = tuple[str, float, str]  # header, width (mm), alignment


class BillPdf(FPDF):
    """A4 bill in core Helvetica; tables repeat their title and header row on every page."""

    ROW = 4.2

    def __init__(self, head: str, foot: str) -> None:
        super().__init__(format="A4")
        self.head, self.foot = head, foot
        self.header_rows = self.summary_rows = 0
        self.set_creation_date(FIXED)
        self.set_producer(PRODUCER)
        self.set_creator(PRODUCER)
        self.set_auto_page_break(False)
        self.set_margins(12, 12, 12)
        self.add_page()

    def header(self) -> None:
        self.set_font("Helvetica", "B", 8)
        self.cell(0, 5, self.head, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 7)
        self.cell(0, 4, f"{self.foot} - Page {self.page_no()}/{{nb}}", align="C")

    def say(self, *lines: str, size: float = 8, style: str = "", h: float = 4.5) -> None:
        self.set_font("Helvetica", style, size)
        for text in lines:
            self.cell(0, h, text, new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value: str, style: str = "", summary: bool = True) -> None:
        """A label and a right-aligned amount; summary rows are counted for the truth file."""
        self.set_font("Helvetica", style, 8)
        self.cell(110, self.ROW + 0.4, label)
        self.cell(40, self.ROW + 0.4, value, align="R", new_x="LMARGIN", new_y="NEXT")
        self.summary_rows += summary

    def full(self, rows: int = 1) -> bool:
        return self.get_y() + rows * self.ROW > self.h - 16

    def table(self, title: str, cols: list[Column], rows: list[list[str]], cont: str) -> None:
        """Draw rows under a header; on a page break repeat the title (+ cont) and header."""

        def head(suffix: str) -> None:
            self.say(title + suffix, size=9, style="B", h=5)
            self.set_font("Helvetica", "B", 7.5)
            for name, w, align in cols:
                self.cell(w, self.ROW, name, border="B", align=align)
            self.ln(self.ROW)
            self.header_rows += 1

        if self.full(4):
            self.add_page()
        head("")
        for row in rows:
            if self.full():
                self.add_page()
                head(f" {cont}")
            self.set_font("Helvetica", "", 7.5)
            for (_, w, align), value in zip(cols, row, strict=True):
                self.cell(w, self.ROW, value, align=align)
            self.ln(self.ROW)
        self.ln(2)


# ------------------------------------------------------------------------------ 1. Conecta Caribe
CU_LINE = "+5351234567"
CU_HEADER = ["Fecha", "Hora", "Tipo", "Datos", "Duración", "Número", "País", "Red", "Importe"]
CU_HEADER += ["Moneda", "Detalle"]
CU_TIPO = {"data": "Datos", "sms": "SMS", "voice": "Llamada", "topup": "Recarga", "plan": "Plan"}
CU_TIPO["adjustment"] = "Ajuste"
CU_DIR = {"voice": ("Llamada saliente", "Llamada entrante"), "sms": ("SMS enviado", "SMS recibido")}
CU_NET = "Red Caribe 4G (368-01)"
CU_PLAN = "Plan Datos 8 GB - 30 días"
CU_LEDGER = (  # top-ups, the plan purchase and the reversal: (time, kind, Importe, Moneda, Detalle)
    ("2026-07-01 08:05", "topup", "1000.00", "CUP", "Recarga de saldo principal (app)"),
    ("2026-07-14 18:30", "topup", "30.00", "USD", "Recarga de billetera"),
    ("2026-07-15 09:40", "plan", "-25.00", "USD", f"{CU_PLAN} (desde el primer uso)"),
    ("2026-07-22 11:40", "topup", "20.00", "USD", "Recarga de billetera"),
    ("2026-07-24 08:15", "adjustment", "-20.00", "USD", "Reverso de recarga del 22/07/2026"),
    ("2026-08-05 10:00", "topup", "500.00", "CUP", "Recarga de saldo principal (app)"),
)


def conecta_row(e: Event) -> list[object]:
    """One `Consumo` row; Importe is the balance movement, i.e. minus the analyzer's amount."""
    mb = float(round(Decimal(e.qty) / MB, 2)) if e.kind == "data" else None
    dur = f"{e.qty // 60:02d}:{e.qty % 60:02d}" if e.kind == "voice" else None
    where = ("Cuba", e.place) if e.country else (None, None)
    fields = [CU_TIPO[e.kind], mb, dur, e.party[3:] or None, *where]
    movement = float(-e.amount) if e.amount else 0.0  # the file's sign is the balance's
    return [e.at.date(), f"{e.at:%H:%M}", *fields, movement, e.currency, e.desc]


def conecta_xlsx(
    rows: Iterable[list], summary: list[tuple[str, object]], title: list[str]
) -> bytes:
    """Write the workbook in write-only mode (flat memory for the 200k-row benchmark)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Consumo")
    for text in [*title, None]:
        ws.append([text] if text else [])
    ws.append(CU_HEADER)
    formats = {0: "dd/mm/yyyy", 3: "0.00", 8: "0.00"}
    for row in rows:
        cells: list[object] = list(row)
        for i, fmt in formats.items():
            if row[i] is not None:
                cells[i] = WriteOnlyCell(ws, value=row[i])
                cells[i].number_format = fmt
        ws.append(cells)
    sheet = wb.create_sheet("Resumen")
    for label, value in summary:
        sheet.append([label, value])
    return xlsx_bytes(wb)


def make_conecta(rng: random.Random) -> Made:
    """40 days of a Cuban eSIM: pay per use, then an 8 GB plan burnt too fast; a top-up reversed."""
    name, line = "cu_conecta_caribe.xlsx", CU_LINE
    first, plan_day, heavy = date(2026, 7, 1), date(2026, 7, 15), date(2026, 8, 3)
    as_of = datetime(2026, 8, 9, 22, 15)
    pool = phone_pool(rng, "CU", lambda r: f"+535{r.randint(0, 9999999):07d}", lambda e: e[3:], 8)
    events = [Event(line, at(t), k, 0, -Decimal(a), c, desc=d) for t, k, a, c, d in CU_LEDGER]
    for d in days(first, as_of.date()):
        payg = d < plan_day
        target = 190 if payg else 245 if d < heavy else 390  # MB a day: the last week burns fast
        lo = {first: 8 * 60 + 10, plan_day: 9 * 60 + 52}.get(d, 7 * 60)
        hi = 21 * 60 if d == as_of.date() else 23 * 60
        night = 0 if d in (first, plan_day) else small_night(rng)
        total = int(target * MB * rng.uniform(0.9, 1.1))
        for start, end, b in day_sessions(rng, d, total, (3, 5), night, lo, hi):
            start, mb = start.replace(second=0), round(Decimal(b) / MB, 2)  # printed as HH:MM
            cost = q2(mb * Decimal("0.10")) if payg else Decimal("0.00")
            net = CU_NET.replace("4G", "3G") if rng.random() < 0.2 else CU_NET
            desc = "Datos (tarifa por consumo)" if payg else "Datos del plan"
            qty = to_bytes(mb, 2)
            events.append(
                Event(line, start, "data", qty, cost, "CUP", "CU", None, "", end, desc, net)
            )
    for kind, k in (("voice", 14), ("sms", 20)):
        for d in sorted(rng.sample(list(days(first, as_of.date() - timedelta(days=1))), k)):
            out = rng.random() < 0.67
            secs = rng.randint(15, 900) if kind == "voice" else 1
            price = Decimal("2.50") * -(-secs // 60) if kind == "voice" else Decimal("1.00")
            cost = price if out else Decimal("0.00")
            t = datetime.combine(d, time(rng.randint(9, 21), rng.randint(0, 59)))
            desc, party = CU_DIR[kind][not out], rng.choice(pool)
            direction = "out" if out else "in"
            events.append(
                Event(line, t, kind, secs, cost, "CUP", "CU", direction, party, None, desc, CU_NET)
            )
    events.sort(key=lambda e: (e.at, e.kind))
    plan_data = [e for e in events if e.kind == "data" and e.at.date() >= plan_day]
    first_use = plan_data[0].at
    valid_until = first_use + timedelta(days=30)
    used = sum(round(Decimal(e.qty) / MB, 2) for e in plan_data)
    balance = {c: -sum(e.amount for e in events if e.currency == c) for c in ("CUP", "USD")}
    stamp = f"{as_of:%d/%m/%Y %H:%M}"
    summary = [
        ("Línea", "+53 5 1234567"),
        ("Generado", stamp),
        ("Plan", CU_PLAN),
        ("Datos incluidos", "8 GB (8192 MB)"),
        ("Comprado", "15/07/2026 09:40"),
        ("Primer uso", f"{first_use:%d/%m/%Y %H:%M}"),
        ("Válido hasta", f"{valid_until:%d/%m/%Y %H:%M}"),
        ("Datos usados del plan (MB)", float(used)),
        ("Datos restantes (MB)", float(8192 - used)),
        ("Saldo principal (CUP)", float(balance["CUP"])),
        ("Billetera (USD)", float(balance["USD"])),
    ]
    title = ["Conecta Caribe - Consumo de la línea +53 5 1234567", f"Generado: {stamp}"]
    data = conecta_xlsx(map(conecta_row, events), summary, title)
    check_daily(events)
    check_unique(events)
    assert visits(events, "CU") == []
    statement = stmt(
        "Conecta Caribe", [line], first, as_of.date(), currencies=["CUP", "USD"],
        plan_name=CU_PLAN, as_of=as_of.isoformat(), plan_first_use=first_use.isoformat(),
        plan_valid_until=valid_until.isoformat(), plan_data_used_mb=str(used),
        balance_cup=str(balance["CUP"]), balance_usd=str(balance["USD"]),
        as_of_location="Consumo row 2 ('Generado: dd/mm/yyyy HH:MM') and sheet Resumen",
    )  # fmt: skip
    conv = (
        "Datos = MB base 1024 (bytes = round(MB*2^20)); Importe = signed balance movement "
        "(charges negative, top-ups positive, reversal negative), so truth amounts = -Importe "
        "(analyzer convention: positive = charged); Fecha is an Excel date, "
        "Hora text HH:MM; local time (Cuba)"
    )
    rows = {"title_rows": 2, "blank_rows": 1, "header_rows": 1, "resumen_rows": len(summary)}
    reversal = date(2026, 7, 24)
    planted = [
        Planted("allowance_exhaustion", line, first_use.date(), valid_until.date(), (name,)),
        Planted("topup_reversed", line, reversal, reversal, (name,), Decimal("20.00"), "USD"),
    ]
    return [Sample(name, data, truth(name, statement, events, rows, conv))], planted


# ------------------------------------------------------------------------------ 2. Lagon Mobile
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
    rows = []
    for e in usage:
        data = e.kind == "data"
        kind = "Internet mobile" if data else NC_TYPE[e.kind, e.direction]
        who = "Internet" if data else nc_number(e.party)
        amount = "Inclus" if data else xpf(e.amount)
        rows.append(
            [f"{e.at:%d/%m/%Y}", f"{e.at:%H:%M}", kind, who, NC_COUNTRY[e.country], e.place, amount]
        )
    pdf.table("Détail des communications", NC_COLS, rows, "(suite)")

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


# ------------------------------------------------------------------------------ 3. Meridian Wireless
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


# ------------------------------------------------------------------------------ 4. Keystone (fleet)
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


# ------------------------------------------------------------------------------ 5. 云游 eSIM
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


# ------------------------------------------------------------------------------ 6. Wayfarer eSIM
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


# ------------------------------------------------------------------------------ settings, docs
TOML_HEAD = """\
# Usage Analyzer settings for the sample corpus (written by make_samples.py: edit the generator).
#
# home_country              ISO 3166 alpha-2 for lines not listed below (the Keystone fleet).
# [lines."<id>"]            one table per line; the key is the line id as in events:
#                           E.164 for phone lines, the ICCID digits for data-only eSIMs.
#   home_country            ISO alpha-2; usage in any other country is roaming.
#   label                   free text for the report.
# [lines."<id>".plan]       the line's data plan (no plan table: pay per use).
#   name, price             plan name; price as "<amount> <ISO currency>".
#   data_allowance          "10 GB" / "500 MB", base 1024; absent = unlimited.
#   cycle                   "monthly": cycle_day = day of the month the cycle starts
#                           "days": days = N, start = "yyyy-mm-dd" (cycles repeat)
#                           "validity": validity_days = N, starts = "first_use" | "purchase",
#                           purchase_date = "yyyy-mm-dd"; the window ends N x 24 h after it starts.
# [rate_cards."<carrier>"]  what the carrier should charge for national (non-roaming) usage:
#   voice_per_minute        price of one billed minute of an outgoing call.
#   increment               "first/next" seconds ("60/60": every started minute is billed).
#   sms                     price of one sent SMS.
# [rate_cards."<carrier>".roaming.<CC>]  the same keys for usage in country CC, plus
#   voice_in_per_minute     price of a received call minute (received calls are charged abroad).

home_country = "US"
"""


def toml_text() -> str:
    """analyzer.toml: what the user of these bills would write."""

    def line(key: str, home: str, label: str, **plan: object) -> str:
        text = f'\n[lines."{key}"]\nhome_country = "{home}"\nlabel = "{label}"\n'
        if plan:
            text += f'[lines."{key}".plan]\n'
            text += "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in plan.items())
        return text

    validity = {"cycle": "validity", "starts": "first_use"}
    out = TOML_HEAD + line(
        CU_LINE, "CU", "Conecta Caribe eSIM", name=CU_PLAN, data_allowance="8 GB", **validity,
        validity_days=30, purchase_date="2026-07-15", price="25.00 USD",
    ) + line(
        NC_LINE, "NC", "Marie (Lagon Mobile)", name=NC_PLAN, data_allowance="50 GB", cycle="monthly",
        cycle_day=1, price=f"{NC_PRICE} XPF",
    )  # fmt: skip
    for number, who, price in US_LINES:
        out += line(number, "US", f"{who} (Meridian Wireless)", name="Meridian Unlimited Family",
                    cycle="monthly", cycle_day=19, price=f"{price} USD")  # fmt: skip
    out += line(CN_LINE, "CN", "云游 eSIM")
    out += line(
        WF_ICCID, "AU", "Wayfarer eSIM (Oceania trip)", name="Wayfarer Oceania 50 GB",
        data_allowance="50 GB", **validity, validity_days=60, purchase_date="2026-04-28",
        price="69.00 USD",
    )  # fmt: skip
    out += line(NO_ICCID, "FR", "Wayfarer eSIM (night backups)")
    out += '\n[rate_cards."Lagon Mobile"]\nvoice_per_minute = "40 XPF"\nincrement = "60/60"\n'
    out += 'sms = "20 XPF"\n'
    for c in ("AU", "VU"):
        r = NC_RATES[c]
        out += f'[rate_cards."Lagon Mobile".roaming.{c}]\nvoice_per_minute = "{r["out"]} XPF"\n'
        out += f'voice_in_per_minute = "{r["in"]} XPF"\nincrement = "1/1"\nsms = "{r["sms"]} XPF"\n'
    return out


MUST_NOT_FLAG = """\
## Must NOT be flagged
- September Lagon bill: its items add up to the printed total minus 1 XPF (row rounding).
- Lagon roaming calls follow the roaming rates, not the national 40 XPF/min.
- Meridian: the $10.00 day passes of 10/05, 10/06, 10/07, 10/09 and 10/10 are legitimate (same
  amount on consecutive days is not a duplicate); the bill and the usage CSV overlap 10/10-10/18
  (count those events once); the bill total reconciles exactly.
- Wayfarer: export 2 repeats export 1's rows for 05-16..05-25 and adds late rows; the burn day is
  the only day above 2x the median, the gap the only run of days without records.
- Every other night stays under 50 MB (00:00-06:00); no call or SMS goes to a number outside the
  line's home country except the premium SMS; Keystone's other lines keep their plan and feature
  charges and have usage every month; the Yunyou 流量转移 row is a transfer, not data usage.
- `billed_longer_than_call` is not planted anywhere.
"""


def readme(planted: list[Planted]) -> str:
    body = (__doc__ or "").split("\n", 1)[1]
    table = "\n".join("| " + " | ".join(p.row()) + " |" for p in planted)
    head = (
        "| rule | line | start | end | severity | amount | currency | file |\n" + "|---" * 8 + "|"
    )
    return (
        f"# Sample bills\n{body}\n## Planted findings (`expected_findings.csv`)\n{head}\n{table}\n\n"
        f"`file` lists every sample holding evidence, separated by `;`.\n\n{MUST_NOT_FLAG}"
    )


MAKERS = (
    make_conecta,
    make_lagon,
    make_meridian,
    make_keystone,
    make_yunyou,
    make_wayfarer,
    make_night_owl,
)


def build() -> dict[str, bytes]:
    """Every output file: relative path -> bytes."""
    samples: list[Sample] = []
    planted: list[Planted] = []
    for k, maker in enumerate(MAKERS):
        made = maker(random.Random(SEED + k))
        samples += made[0]
        planted += made[1]
    planted.sort(key=lambda p: (p.rule, p.line, p.start))
    files = {s.name: s.data for s in samples}
    for s in samples:
        files[f"truth/{s.name}.json"] = (
            json.dumps(s.truth, ensure_ascii=False, indent=1) + "\n"
        ).encode()
    header = ["rule", "line", "start", "end", "severity", "amount_at_stake", "currency", "file"]
    files["expected_findings.csv"] = csv_bytes([header, *(p.row() for p in planted)])
    files["analyzer.toml"] = toml_text().encode()
    files["README.md"] = readme(planted).encode()
    return files


def main() -> None:
    for rel, data in build().items():
        path = HERE / rel
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        print(f"{len(data):>9,}  {rel}")


if __name__ == "__main__":
    main()
