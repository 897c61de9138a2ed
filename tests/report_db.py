"""A realistic analyzer database written straight into the tables, for report tests.

The importers and rules are built elsewhere in parallel, so the report is tested on rows that
look like what they will produce: a traveller's eSIM across the Pacific, a Cuban prepaid line with
top-ups, a reversal and a 30-day allowance, a US family plan with day-pass fees, a 25-line fleet
over three months, a New Caledonian bill in XPF, a Chinese eSIM with a night burn, and one
finding for every rule id in sample_bills/SPEC.md, each with evidence rows.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

MB = 1024 * 1024
GB = 1024 * MB

TRAVEL_ESIM = "89442000000123456780"
CUBA = "+5351234567"
ALEX, JORDAN, SAM = "+12015550123", "+12015550148", "+12015550176"
LAGON = "+687751234"
YUNYOU = "+8613123456789"
FLEET = [f"+126755501{n:02d}" for n in range(25)]
ZERO_USAGE_FLEET_LINE = "+12675550117"
INCREASED_FLEET_LINE = "+12675550106"

PAYLOAD = (
    "</script><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
)
VEGA_PAYLOAD = '{"signal": "alert(1)"} datum.x ${window.alert(1)}'


@dataclass
class Builder:
    """Collects rows, then writes each table in one batch (never row by row)."""

    hostile: bool = False
    sources: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)

    def source(self, path: str, fmt: str, importer: str | None, **extra: Any) -> int:
        source_id = len(self.sources) + 1
        row = {
            "source_id": source_id,
            "sha256": f"{source_id:064x}",
            "path": f"/home/user/bills/{path}",
            "size": 10_000 + source_id,
            "format": fmt,
            "importer": importer,
            "imported_at": datetime(2026, 11, 2, 9, 0),
            "status": "ok",
            "error": None,
            "rows_read": 0,
            "events": 0,
            "rejects": 0,
            "skipped": 0,
            "as_of": None,
        }
        row.update(extra)
        self.sources.append(row)
        return source_id

    def statement(self, source_id: int, carrier: str, lines: list[str], **fields: Any) -> int:
        statement_id = len(self.statements) + 1
        row = {
            "statement_id": statement_id,
            "source_id": source_id,
            "carrier": carrier,
            "lines": lines,
            "period_start": None,
            "period_end": None,
            "currency": None,
            "total_due": None,
            "balance_after": None,
            "as_of": None,
        }
        row.update(fields)
        self.statements.append(row)
        return statement_id

    def line(self, line: str, label: str, home: str, **plan: Any) -> None:
        row = {"line": line, "label": label, "home_country": home}
        row.update(plan)
        self.lines.append(row)

    def event(self, source_id: int, line: str, kind: str, **fields: Any) -> int:
        event_id = len(self.events) + 1
        row = {
            "event_id": event_id,
            "source_id": source_id,
            "line": line,
            "kind": kind,
            "page": None,
            "row": len([e for e in self.events if e["source_id"] == source_id]) + 2,
        }
        row.update(fields)
        if "amount" in row and row["amount"] is not None:
            row["amount"] = Decimal(str(row["amount"]))
        row["raw"] = json.dumps({"kind": kind, "line": line}, default=str)
        self.events.append(row)
        return event_id

    def finding(
        self, rule: str, severity: str, title: str, line: str | None, **fields: Any
    ) -> None:
        row = {
            "finding_id": len(self.findings) + 1,
            "rule": rule,
            "severity": severity,
            "title": title,
            "line": line,
            "amount_at_stake": None,
            "currency": None,
            "event_ids": [],
        }
        row.update(fields)
        if row["amount_at_stake"] is not None:
            row["amount_at_stake"] = Decimal(str(row["amount_at_stake"]))
        self.findings.append(row)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        counts: dict[int, int] = {}
        for event in self.events:
            counts[event["source_id"]] = counts.get(event["source_id"], 0) + 1
        rejects: dict[int, int] = {}
        for reject in self.rejects:
            rejects[reject["source_id"]] = rejects.get(reject["source_id"], 0) + 1
        for source in self.sources:
            sid = source["source_id"]
            source["events"] = counts.get(sid, 0)
            source["rejects"] = rejects.get(sid, 0)
            source["rows_read"] = source["events"] + source["rejects"] + source["skipped"]
            if source["rejects"] and source["status"] == "ok":
                source["status"] = "partial"
        for table, rows in (
            ("sources", self.sources),
            ("statements", self.statements),
            ("lines", self.lines),
            ("events", self.events),
            ("rejects", self.rejects),
            ("findings", self.findings),
        ):
            if rows:
                _insert(con, table, rows)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = sorted({key for row in rows for key in row})
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], dtype=object)
    con.register("incoming_rows", frame)
    quoted = ", ".join(f'"{c}"' for c in columns)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
            [table],
        ).fetchall()
    )
    select = ", ".join(f'CAST("{c}" AS {types[c]})' for c in columns)
    con.execute(f"INSERT INTO {table} ({quoted}) SELECT {select} FROM incoming_rows")
    con.unregister("incoming_rows")


def traveller_esim(b: Builder, rng: random.Random) -> None:
    """A data-only eSIM (home AU) on a trip: NZ, Fiji, Vanuatu; a gap, a late export, a burn."""
    first = b.source("travel_wayfarer_esim_export1.csv", "csv", "wayfarer_csv")
    second = b.source(
        "travel_wayfarer_esim_export2.csv", "csv", "wayfarer_csv", as_of=datetime(2026, 5, 28, 21)
    )
    b.line(
        TRAVEL_ESIM,
        "Wayfarer eSIM (Oceania trip)",
        "AU",
        data_allowance=50 * GB,
        cycle="validity",
        cycle_start=date(2026, 4, 28),
        validity_days=60,
        validity_starts="first_use",
        price=Decimal("69.00"),
        price_currency="USD",
    )
    networks = {"NZ": "One NZ 530-01", "FJ": "Vodafone Fiji 542-01", "VU": "Digicel 541-05"}
    burn = None
    for offset in range(29):
        day = date(2026, 5, 1) + timedelta(days=offset)
        if date(2026, 5, 6) <= day <= date(2026, 5, 8):
            continue
        country = "NZ" if day.day <= 13 else "FJ" if day.day <= 23 else "VU"
        source = first if day.day <= 25 else second
        for hour in (8, 13, 20):
            mb = rng.randint(60, 180)
            if day.day == 27 and hour == 13:
                mb = 2600
            start = datetime(day.year, day.month, day.day, hour, rng.randint(0, 50))
            event_id = b.event(
                source,
                TRAVEL_ESIM,
                "data",
                started_at=start,
                ended_at=start + timedelta(minutes=35),
                quantity=mb * MB,
                unit="bytes",
                country=country,
                network=networks[country],
                roaming=True,
                description=PAYLOAD if b.hostile and offset == 2 else None,
            )
            if day.day == 27 and hour == 13:
                burn = event_id
    b.finding(
        "data_burn",
        "warning",
        "Data burned much faster than usual",
        TRAVEL_ESIM,
        period_start=date(2026, 5, 27),
        period_end=date(2026, 5, 27),
        observed="2.9 GB",
        expected="about 360 MB",
        detail="2.9 GB used on 2026-05-27, 8x the line's median day (360 MB).",
        event_ids=[burn],
    )
    b.finding(
        "record_gap",
        "info",
        "Days with no records",
        TRAVEL_ESIM,
        period_start=date(2026, 5, 6),
        period_end=date(2026, 5, 8),
        detail="No records from 2026-05-06 to 2026-05-08 (3 days) between days with usage.",
    )
    for start, end, country in (
        (date(2026, 5, 1), date(2026, 5, 13), "NZ"),
        (date(2026, 5, 14), date(2026, 5, 23), "FJ"),
        (date(2026, 5, 24), date(2026, 5, 29), "VU"),
    ):
        ids = [
            e["event_id"]
            for e in b.events
            if e["line"] == TRAVEL_ESIM
            and e.get("started_at")
            and start <= e["started_at"].date() <= end
        ]
        b.finding(
            "roaming_started",
            "info",
            "Roaming started in another country",
            TRAVEL_ESIM,
            period_start=start,
            period_end=end,
            observed=country,
            expected="AU",
            detail=f"Roaming in {country} from {start} to {end} on {networks[country]}.",
            event_ids=[ids[0], ids[-1]],
        )


def cuban_prepaid(b: Builder, rng: random.Random) -> None:
    """Prepaid eSIM in USD: top-ups, a reversal, an 8 GB plan valid 30 days from first use."""
    source = b.source(
        "cu_conecta_caribe.xlsx", "xlsx", "conecta_caribe_xlsx", as_of=datetime(2026, 8, 10, 18)
    )
    b.statement(
        source,
        "Conecta Caribe",
        [CUBA],
        currency="USD",
        balance_after=Decimal("6.45"),
        as_of=datetime(2026, 8, 10, 18),
    )
    b.line(
        CUBA,
        "Conecta Caribe eSIM",
        "CU",
        data_allowance=8 * GB,
        cycle="validity",
        cycle_start=date(2026, 7, 15),
        validity_days=30,
        validity_starts="first_use",
        price=Decimal("25.00"),
        price_currency="USD",
    )
    b.event(
        source,
        CUBA,
        "topup",
        started_at=datetime(2026, 7, 14, 19, 2),
        amount=-30,
        currency="USD",
        description="Recarga online",
    )
    b.event(
        source,
        CUBA,
        "plan",
        started_at=datetime(2026, 7, 15, 8, 0),
        amount=25,
        currency="USD",
        description="Plan Datos 8 GB - 30 días",
    )
    b.event(
        source,
        CUBA,
        "topup",
        started_at=datetime(2026, 7, 20, 10, 15),
        amount=-20,
        currency="USD",
        description="Recarga tarjeta",
    )
    b.event(
        source,
        CUBA,
        "topup",
        started_at=datetime(2026, 8, 2, 11, 40),
        amount=-10,
        currency="USD",
        description="Recarga online",
    )
    reversal = b.event(
        source,
        CUBA,
        "adjustment",
        started_at=datetime(2026, 7, 24, 9, 0),
        amount=20,
        currency="USD",
        description="Ajuste: recarga revertida",
    )
    contacts = ["+5352345678", "+5378765432", "+5358881234", "+5354447890"]
    if b.hostile:
        contacts[3] = PAYLOAD + VEGA_PAYLOAD
    for offset in range(27):
        day = datetime(2026, 7, 15) + timedelta(days=offset)
        for hour in (9, 15, 22):
            b.event(
                source,
                CUBA,
                "data",
                started_at=day.replace(hour=hour),
                quantity=rng.randint(80, 140) * MB,
                unit="bytes",
                country="CU",
                network="CUBACEL",
                roaming=False,
                amount=0,
                currency="USD",
            )
        if offset % 2 == 0:
            seconds = rng.randint(40, 600)
            b.event(
                source,
                CUBA,
                "voice",
                started_at=day.replace(hour=18, minute=5),
                direction="out",
                quantity=seconds,
                unit="seconds",
                counterparty=contacts[offset % 4],
                counterparty_e164=contacts[offset % 4],
                country="CU",
                amount=Decimal("0.35") * ((seconds + 59) // 60),
                currency="USD",
            )
        if offset % 3 == 0:
            b.event(
                source,
                CUBA,
                "sms",
                started_at=day.replace(hour=12, minute=30),
                direction="out",
                quantity=1,
                unit="messages",
                counterparty=contacts[(offset + 1) % 4],
                counterparty_e164=contacts[(offset + 1) % 4],
                country="CU",
                amount=Decimal("0.09"),
                currency="USD",
            )
    b.finding(
        "topup_reversed",
        "warning",
        "A top-up was reversed",
        CUBA,
        period_start=date(2026, 7, 24),
        period_end=date(2026, 7, 24),
        amount_at_stake="20.00",
        currency="USD",
        detail="The 20.00 USD top-up of 2026-07-20 was taken back on 2026-07-24.",
        event_ids=[reversal],
    )
    b.finding(
        "allowance_exhaustion",
        "warning",
        "The data allowance will run out before the cycle ends",
        CUBA,
        period_start=date(2026, 7, 15),
        period_end=date(2026, 8, 14),
        observed="8.0 GB by 2026-08-09",
        expected="8 GB until 2026-08-14",
        detail="At this pace the 8 GB plan runs out around 2026-08-09, 5 days before it expires.",
    )


def us_family(b: Builder, rng: random.Random) -> None:
    """A US family plan: three lines, day-pass fees in Mexico, a duplicate, a premium SMS."""
    source = b.source("us_meridian_wireless_2026-10.pdf", "pdf", "meridian_pdf", skipped=4)
    statement = b.statement(
        source,
        "Meridian Wireless",
        [ALEX, JORDAN, SAM],
        period_start=date(2026, 9, 19),
        period_end=date(2026, 10, 18),
        currency="USD",
        total_due=Decimal("265.81"),
    )
    for line, name, price in ((ALEX, "Alex", 60), (JORDAN, "Jordan", 40), (SAM, "Sam", 40)):
        b.line(
            line,
            f"{name} Rivera (Meridian Wireless)",
            "US",
            cycle="monthly",
            cycle_day=19,
            price=Decimal(price),
            price_currency="USD",
        )
        b.event(
            source,
            line,
            "plan",
            statement_id=statement,
            amount=price,
            currency="USD",
            description="Meridian Unlimited Family",
            page=2,
        )
        b.event(
            source,
            line,
            "tax",
            statement_id=statement,
            amount=Decimal("4.12"),
            currency="USD",
            description="Taxes & surcharges",
            page=2,
        )
    contacts = ["+12015550187", "+12015550199", "+12125550143", "+17325550111", "+12015550162"]
    for offset in range(30):
        day = datetime(2026, 9, 19) + timedelta(days=offset)
        abroad = datetime(2026, 10, 5) <= day <= datetime(2026, 10, 11)
        for line in (ALEX, JORDAN, SAM):
            roaming = abroad and line == ALEX
            b.event(
                source,
                line,
                "data",
                statement_id=statement,
                started_at=day.replace(hour=rng.choice((7, 12, 18, 22))),
                quantity=rng.randint(150, 900) * MB,
                unit="bytes",
                country="MX" if roaming else "US",
                roaming=roaming,
                network="Telcel 334-020" if roaming else None,
                amount=0,
                currency="USD",
                page=3,
            )
            who = contacts[(offset + len(line)) % 5 if line != SAM else offset % 2]
            b.event(
                source,
                line,
                "voice",
                statement_id=statement,
                started_at=day.replace(hour=17, minute=rng.randint(0, 59)),
                direction="out" if offset % 3 else "in",
                quantity=60 * rng.randint(1, 14),
                unit="seconds",
                counterparty=f"({who[2:5]}) {who[5:8]}-{who[8:]}",
                counterparty_e164=who,
                country="MX" if roaming else "US",
                roaming=roaming,
                amount=0,
                currency="USD",
                page=3,
            )
    passes = {}
    for day in (5, 6, 7, 8, 9, 10):
        passes[day] = b.event(
            source,
            ALEX,
            "fee",
            statement_id=statement,
            started_at=datetime(2026, 10, day, 7, 30),
            amount=10,
            currency="USD",
            country="MX",
            roaming=True,
            description="International Day Pass - Mexico",
            page=2,
        )
    first = b.event(
        source,
        ALEX,
        "fee",
        statement_id=statement,
        started_at=datetime(2026, 9, 19, 0, 0),
        amount=Decimal("4.99"),
        currency="USD",
        description="Music Unlimited add-on",
        page=2,
    )
    second = b.event(
        source,
        ALEX,
        "fee",
        statement_id=statement,
        started_at=datetime(2026, 9, 19, 0, 0),
        amount=Decimal("4.99"),
        currency="USD",
        description="Music Unlimited add-on",
        page=2,
    )
    premium = b.event(
        source,
        SAM,
        "sms",
        statement_id=statement,
        started_at=datetime(2026, 9, 27, 21, 14),
        direction="out",
        quantity=1,
        unit="messages",
        counterparty="+44 909 8790000",
        counterparty_e164="+449098790000",
        counterparty_type="premium_rate",
        country="US",
        amount=Decimal("1.99"),
        currency="USD",
        description=PAYLOAD if b.hostile else "Premium SMS",
        page=3,
    )
    b.finding(
        "roaming_charges",
        "error",
        "Day-pass fee with no use abroad",
        ALEX,
        period_start=date(2026, 10, 8),
        period_end=date(2026, 10, 8),
        amount_at_stake="10.00",
        currency="USD",
        detail="A 10.00 USD day pass was charged on 2026-10-08 with no call, text or "
        "data sent in the 24 hours it covers.",
        event_ids=[passes[8]],
    )
    b.finding(
        "duplicate_charge",
        "error",
        "The same charge appears twice",
        ALEX,
        period_start=date(2026, 9, 19),
        period_end=date(2026, 9, 19),
        amount_at_stake="4.99",
        currency="USD",
        detail="'Music Unlimited add-on' 4.99 USD is billed twice on 2026-09-19.",
        event_ids=[first, second],
    )
    detail = "A premium-rate SMS to +449098790000 cost 1.99 USD."
    if b.hostile:
        detail += " " + PAYLOAD + " " + VEGA_PAYLOAD
    b.finding(
        "premium_or_international",
        "warning",
        "Premium or international number",
        SAM,
        period_start=date(2026, 9, 27),
        period_end=date(2026, 9, 27),
        amount_at_stake="1.99",
        currency="USD",
        detail=detail,
        event_ids=[premium],
    )
    mexico = [e["event_id"] for e in b.events if e["line"] == ALEX and e.get("country") == "MX"]
    b.finding(
        "roaming_started",
        "info",
        "Roaming started in another country",
        ALEX,
        period_start=date(2026, 10, 5),
        period_end=date(2026, 10, 11),
        observed="MX",
        expected="US",
        detail="Roaming in MX from 2026-10-05 to 2026-10-11 on Telcel.",
        event_ids=[mexico[0], mexico[-1]],
    )


def fleet(b: Builder, rng: random.Random) -> None:
    """A business fleet: 25 lines x 3 monthly statements; one idle line, one price rise."""
    source = b.source("us_keystone_fleet_2026-08_2026-10.csv", "csv", "keystone_csv", skipped=1)
    b.rejects.append(
        {
            "source_id": source,
            "page": None,
            "row": 41,
            "raw": '["+1267555010X", "Aug", "abc"]',
            "reason": "'abc' is not an amount in column 'Plan charge'",
        }
    )
    b.rejects.append(
        {
            "source_id": source,
            "page": None,
            "row": 58,
            "raw": '["", "Sep", "40.00"]',
            "reason": "the line number is empty",
        }
    )
    for line in FLEET:
        b.line(line, f"Keystone fleet {line[-2:]}", "US")
    months = [
        (date(2026, 8, 1), date(2026, 8, 31)),
        (date(2026, 9, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 10, 31)),
    ]
    increase = None
    zero = []
    for start, end in months:
        statement = b.statement(
            source, "Keystone Business", FLEET, period_start=start, period_end=end, currency="USD"
        )
        for line in FLEET:
            price = 50 if line == INCREASED_FLEET_LINE and start.month == 10 else 40
            plan = b.event(
                source,
                line,
                "plan",
                statement_id=statement,
                amount=price,
                currency="USD",
                description="Business Essentials",
            )
            if line == INCREASED_FLEET_LINE and start.month == 10:
                increase = plan
            if line == ZERO_USAGE_FLEET_LINE:
                zero.append((start, end, plan))
                continue
            b.event(
                source,
                line,
                "data",
                statement_id=statement,
                quantity=rng.randint(1, 12) * GB,
                unit="bytes",
                country="US",
            )
            b.event(
                source,
                line,
                "voice",
                statement_id=statement,
                quantity=60 * rng.randint(30, 600),
                unit="seconds",
                country="US",
            )
            b.event(
                source,
                line,
                "sms",
                statement_id=statement,
                quantity=rng.randint(5, 300),
                unit="messages",
                country="US",
            )
            b.event(
                source,
                line,
                "tax",
                statement_id=statement,
                amount=Decimal("3.27"),
                currency="USD",
                description="Regulatory fees",
            )
    for start, end, plan in zero:
        b.finding(
            "zero_usage_line",
            "warning",
            "A line is paid for but not used",
            ZERO_USAGE_FLEET_LINE,
            period_start=start,
            period_end=end,
            amount_at_stake="40.00",
            currency="USD",
            detail=f"No calls, texts or data from {start} to {end}, yet 40.00 USD of plan charges.",
            event_ids=[plan],
        )
    b.finding(
        "charge_increase",
        "warning",
        "A recurring charge went up",
        INCREASED_FLEET_LINE,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        amount_at_stake="10.00",
        currency="USD",
        detail="Business Essentials went from 40.00 USD to 50.00 USD in 2026-10.",
        event_ids=[increase],
    )


def lagon(b: Builder, rng: random.Random) -> None:
    """A New Caledonian monthly bill in XPF (no decimals), TGC, a mis-rated call."""
    source = b.source("nc_lagon_mobile_2026-10.pdf", "pdf", "lagon_pdf", skipped=3)
    statement = b.statement(
        source,
        "Lagon Mobile",
        [LAGON],
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        currency="XPF",
        total_due=Decimal("9354"),
    )
    b.line(
        LAGON,
        "Marie (Lagon Mobile)",
        "NC",
        data_allowance=50 * GB,
        cycle="monthly",
        cycle_day=1,
        price=Decimal(5900),
        price_currency="XPF",
    )
    items = [
        b.event(
            source,
            LAGON,
            "plan",
            statement_id=statement,
            amount=5900,
            currency="XPF",
            description="Forfait Lagon 50 Go",
            page=1,
        )
    ]
    contacts = ["+687752345", "+687287878", "+687753456"]
    mismatch = None
    for offset in range(31):
        day = datetime(2026, 10, 1) + timedelta(days=offset)
        b.event(
            source,
            LAGON,
            "data",
            statement_id=statement,
            started_at=day.replace(hour=20),
            quantity=rng.randint(400, 2200) * MB,
            unit="bytes",
            country="NC",
            amount=0,
            currency="XPF",
            page=2,
        )
        if offset % 2 == 0:
            minutes = rng.randint(1, 9)
            amount = 40 * minutes + (100 if day.day == 14 else 0)
            event_id = b.event(
                source,
                LAGON,
                "voice",
                statement_id=statement,
                started_at=day.replace(hour=11, minute=12),
                direction="out",
                quantity=60 * minutes,
                unit="seconds",
                counterparty=contacts[offset % 3],
                counterparty_e164=contacts[offset % 3],
                country="NC",
                amount=amount,
                currency="XPF",
                page=2 + offset // 16,
            )
            items.append(event_id)
            if day.day == 14:
                mismatch = event_id
    items.append(
        b.event(
            source,
            LAGON,
            "tax",
            statement_id=statement,
            amount=Decimal(412),
            currency="XPF",
            description="TGC 6 %",
            page=3,
        )
    )
    b.finding(
        "bill_total_mismatch",
        "error",
        "The bill does not add up",
        LAGON,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        amount_at_stake="1500",
        currency="XPF",
        detail="The printed total is 9 354 XPF; the items add up to 7 854 XPF.",
        event_ids=items[:1],
    )
    b.finding(
        "rate_mismatch",
        "error",
        "A call was billed at the wrong rate",
        LAGON,
        period_start=date(2026, 10, 14),
        period_end=date(2026, 10, 14),
        amount_at_stake="100",
        currency="XPF",
        detail="A national call on 2026-10-14 was billed 100 XPF more than 40 XPF/min.",
        event_ids=[mismatch],
    )
    b.finding(
        "billed_longer_than_call",
        "error",
        "Billed longer than the call lasted",
        LAGON,
        period_start=date(2026, 10, 14),
        period_end=date(2026, 10, 14),
        detail="The call of 2026-10-14 lasted 2:10 but was billed as 4:00.",
        event_ids=[mismatch],
    )


def yunyou(b: Builder, rng: random.Random) -> None:
    """A Chinese eSIM in CNY: a top-up, a trip through Japan, Korea and Thailand, a night burn."""
    source = b.source("cn_yunyou_esim.csv", "csv", "yunyou_csv", skipped=1)
    b.line(YUNYOU, "云游 eSIM", "CN")
    b.event(
        source,
        YUNYOU,
        "topup",
        started_at=datetime(2026, 3, 20, 10, 0),
        amount=-100,
        currency="CNY",
        description="充值 微信支付",
    )
    burn = None
    for offset in range(24):
        day = datetime(2026, 3, 20) + timedelta(days=offset)
        country = (
            "CN"
            if day < datetime(2026, 3, 23)
            else "JP"
            if day < datetime(2026, 3, 26)
            else "KR"
            if day < datetime(2026, 4, 5)
            else "TH"
        )
        for hour in (10, 16):
            b.event(
                source,
                YUNYOU,
                "data",
                started_at=day.replace(hour=hour),
                quantity=rng.randint(50, 200) * MB,
                unit="bytes",
                country=country,
                roaming=country != "CN",
                amount=Decimal("1.50"),
                currency="CNY",
            )
        if day.date() == date(2026, 3, 31):
            burn = b.event(
                source,
                YUNYOU,
                "data",
                started_at=day.replace(hour=2),
                quantity=900 * MB,
                unit="bytes",
                country=country,
                roaming=True,
                amount=Decimal("9.00"),
                currency="CNY",
            )
    b.event(
        source,
        YUNYOU,
        "transfer",
        started_at=datetime(2026, 4, 2, 9, 0),
        quantity=500 * MB,
        unit="bytes",
        counterparty="+8613912345678",
        counterparty_e164="+8613912345678",
        description="转出至 13912345678",
    )
    b.finding(
        "night_burn",
        "warning",
        "Data used overnight",
        YUNYOU,
        period_start=date(2026, 3, 31),
        period_end=date(2026, 3, 31),
        observed="900 MB",
        expected="under 50 MB",
        detail="900 MB used between 00:00 and 06:00 on 2026-03-31.",
        event_ids=[burn],
    )
    for start, end, country in (
        (date(2026, 3, 23), date(2026, 3, 25), "JP"),
        (date(2026, 3, 26), date(2026, 4, 4), "KR"),
        (date(2026, 4, 5), date(2026, 4, 12), "TH"),
    ):
        b.finding(
            "roaming_started",
            "info",
            "Roaming started in another country",
            YUNYOU,
            period_start=start,
            period_end=end,
            observed=country,
            expected="CN",
            detail=f"Roaming in {country} from {start} to {end}.",
        )


def failed_file(b: Builder) -> None:
    name = f"broken{PAYLOAD}.pdf" if b.hostile else "broken_scan.pdf"
    b.source(
        name,
        "pdf",
        None,
        status="failed",
        error=f"could not read {name}: it is encrypted; pass --password or export it "
        "again without one",
    )


def build_report_db(con: duckdb.DuckDBPyConnection, *, hostile: bool = False) -> None:
    """Fill an empty analyzer database with every scenario the report must draw."""
    rng = random.Random(20261102)
    builder = Builder(hostile=hostile)
    traveller_esim(builder, rng)
    cuban_prepaid(builder, rng)
    us_family(builder, rng)
    fleet(builder, rng)
    lagon(builder, rng)
    yunyou(builder, rng)
    failed_file(builder)
    builder.write(con)
