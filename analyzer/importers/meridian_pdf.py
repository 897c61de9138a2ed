"""Meridian Wireless (USA): a family-plan bill, one section per line, tables across pages."""

from analyzer.importers.base import TableMapping
from analyzer.importers.pdf import Context, PdfLayout, RowPattern, Skip
from analyzer.importers.specs import (
    Choice,
    Const,
    Country,
    DataVolume,
    Duration,
    Flag,
    Money,
    Text,
    Timestamp,
)

DATE, TIME = r"(?P<date>\d\d/\d\d/\d{4})", r"(?P<time>\d{1,2}:\d\d [AP]M)"
USD = r"-?\$[\d,]+\.\d\d"
AMOUNT = rf"(?P<amount>{USD})"
NUMBER = r"(?P<number>\(\d{3}\) \d{3}-\d{4})"
# "NEWARK NJ" (a state: at home) or "CANCUN MEXICO" (a country: abroad).
PLACE = r"(?P<location>.+ (?:[A-Z]{2}|(?P<country>[A-Z]{3,})))"
WHEN = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y")
ABROAD = Choice("country", {"US": "false"}, default="true")


def mapping(kind: str | Choice, **fields) -> TableMapping:
    """Fields every Meridian row shares: the line of its section, its date and amount."""
    common = {
        "line": Text("line"),
        "kind": Const(kind) if isinstance(kind, str) else kind,
        "started_at": Timestamp("date", "time", formats=WHEN),
        "amount": Money("amount"),
    }
    return TableMapping(fields={**common, **fields}, region="US")


def section(name: str) -> dict[str, str]:
    return {"section": name}


LAYOUT = PdfLayout(
    name="meridian_pdf",
    carrier="Meridian Wireless",
    keywords=("MERIDIAN WIRELESS", "Bill period", "Account summary"),
    region="US",
    currency="USD",
    date_formats=("%m/%d/%Y",),
    fields={
        "invoice_number": r"Invoice (\S+)",
        "account": r"Account number (\S+)",
        "period_start": r"Bill period (\S+) -",
        "period_end": r"Bill period \S+ - (\S+)",
        "issued_on": r"Bill date (\S+)",
        "taxes": rf"^Taxes & surcharges ({USD})$",
        "total_due": rf"^Total due by \S+ ({USD})$",
        "plan_name": r"^\S+ (.+?) - Line \d+ of \d+ ",
    },
    context=(
        Context("line", r"Line (\(\d{3}\) \d{3}-\d{4}) - .+"),
        Context(
            "section",
            r"(Account summary|Summary by line|Charges|Taxes & surcharges|Talk|Text|Data)"
            r"(?: \(continued\))?",
        ),
    ),
    skip=(
        Skip(r"Date Time .+|Description Amount|Line Name .+"),
        Skip(rf".+ {USD}", when=section("Account summary|Summary by line")),
        Skip(rf"Total for .+ {USD}"),
    ),
    rows=(
        RowPattern(
            "plan",
            rf"{DATE} (?P<description>.+? - Line \d+ of \d+) {AMOUNT}",
            mapping(
                "plan", started_at=Timestamp("date", formats=WHEN), description=Text("description")
            ),
            when=section("Charges"),
        ),
        RowPattern(
            "day_pass",
            rf"{DATE} {TIME} (?P<description>International Day Pass - (?P<country>.+?)) {AMOUNT}",
            mapping(
                "fee",
                description=Text("description"),
                country=Country("country"),
                roaming=Const(True),
            ),
            when=section("Charges"),
        ),
        RowPattern(
            "charge",
            rf"{DATE}(?: {TIME})? (?P<description>.+?) {AMOUNT}",
            mapping("fee", description=Text("description")),
            when=section("Charges"),
        ),
        RowPattern(
            "tax",
            rf"(?P<description>.+?) {AMOUNT}",
            mapping(
                "tax",
                started_at=Timestamp("period_end", formats=WHEN),
                description=Text("description"),
            ),
            when=section("Taxes & surcharges"),
        ),
        RowPattern(
            "talk",
            rf"{DATE} {TIME} {NUMBER} {PLACE} (?P<type>Outgoing|Incoming) (?P<min>\d+) {AMOUNT}",
            mapping(
                "voice",
                counterparty=Text("number"),
                description=Text("location"),
                country=Country("country"),
                roaming=ABROAD,
                direction=Choice("type", {"Outgoing": "out", "Incoming": "in"}),
                quantity=Duration("min", unit="minutes"),
            ),
            when=section("Talk"),
            defaults={"country": "US"},
        ),
        RowPattern(
            "text",
            rf"{DATE} {TIME} {NUMBER} {PLACE} (?P<direction>Sent|Received) "
            rf"(?P<type>Text|Picture) {AMOUNT}",
            mapping(
                Choice("type", {"Text": "sms", "Picture": "mms"}),
                counterparty=Text("number"),
                description=Text("location"),
                country=Country("country"),
                roaming=ABROAD,
                direction=Choice("direction", {"Sent": "out", "Received": "in"}),
                quantity=Const(1),
            ),
            when=section("Text"),
            defaults={"country": "US"},
        ),
        RowPattern(
            "data",
            rf"{DATE} {TIME} {PLACE} (?P<scope>Domestic|International) (?P<kb>[\d,]+) {AMOUNT}",
            mapping(
                "data",
                description=Text("location"),
                country=Country("country"),
                roaming=Flag("scope", true=("international",), false=("domestic",)),
                quantity=DataVolume("kb", unit="KB", base=1024),
            ),
            when=section("Data"),
            defaults={"country": "US"},
        ),
    ),
    item=rf"^\d\d/\d\d/\d{{4}} | {USD}$",
)
