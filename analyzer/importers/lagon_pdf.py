"""Lagon Mobile (New Caledonia): a monthly French bill in XPF, detail continued across pages."""

from analyzer.importers.base import TableMapping
from analyzer.importers.pdf import Context, PdfLayout, RowPattern, Skip
from analyzer.importers.specs import (
    Choice,
    Const,
    Country,
    DataVolume,
    Duration,
    Money,
    Text,
    Timestamp,
)

DATE, TIME = r"(?P<date>\d\d/\d\d/\d{4})", r"(?P<time>\d\d:\d\d)"
XPF = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})*"
AMOUNT = rf"(?P<amount>{XPF}|Inclus)"
PLACE = r"(?P<party>\+?[\d ]+?) (?P<country>[^\d]+)"
WHEN = ("%d/%m/%Y %H:%M", "%d/%m/%Y")
OPTIONS, DETAIL = {"section": "Abonnements et options"}, {"section": "Détail des communications"}


def mapping(kind: str, usage: dict | None = None, **fields) -> TableMapping:
    """Fields every Lagon row shares: the bill's one line, its date, amount, description."""
    common = {
        "line": Text("line"),
        "kind": Const(kind),
        "started_at": Timestamp("date", "time", formats=WHEN),
        "amount": Money("amount", decimal=",", thousands=" ", zero=("Inclus",)),
        "description": Text("description"),
    }
    return TableMapping(fields={**common, **(usage or {}), **fields}, region="NC")


USAGE = {
    "country": Country("country"),
    "roaming": Choice("country", {"Nouvelle-Calédonie": "false"}, default="true"),
    "direction": Choice("type", {"Appel émis": "out", "Appel reçu": "in", "SMS émis": "out",
                                 "SMS reçu": "in"}),
    "counterparty": Text("party"),
    "description": Text("type"),
}  # fmt: skip

LAYOUT = PdfLayout(
    name="lagon_pdf",
    carrier="Lagon Mobile",
    keywords=("LAGON MOBILE", "Facture n°", "Récapitulatif"),
    region="NC",
    fields={
        "invoice_number": r"Facture n° (\S+)",
        "issued_on": r"Date de facture : (\S+)",
        "account": r"Numéro client : (\S+)",
        "line": r"^Ligne : (\+[\d ]+)$",
        "period_start": r"Période du (\S+) au",
        "period_end": r"Période du \S+ au (\S+)",
        "plan_name": r"^\S+ (Forfait .+?) du \d",
        "subtotal": rf"^Total HT ({XPF}) XPF",
        "taxes": rf"^TGC [\d,]+ % ({XPF}) XPF",
        "total_due": rf"^Total à payer ({XPF}) XPF",
        "currency": r"^Total à payer [\d\s]+ ([A-Z]{3})$",
    },
    decimal=",",
    thousands=" ",
    context=(
        Context(
            "section",
            r"(Récapitulatif|Abonnements et options|Détail des communications)"
            r"(?: \(suite\))?",
        ),
    ),
    skip=(
        Skip(r"Date (?:Heure|Libellé) .+"),
        Skip(
            rf"(?:Abonnements et options|Communications .+|Total HT|Total à payer) {XPF} XPF",
            when={"section": "Récapitulatif"},
        ),
    ),
    rows=(
        RowPattern(
            "tax",
            rf"(?P<description>TGC [\d,]+ %) (?P<amount>{XPF}) XPF",
            mapping("tax", started_at=Timestamp("period_end", formats=WHEN)),
            when={"section": "Récapitulatif"},
        ),
        RowPattern(
            "plan",
            rf"{DATE} (?P<description>Forfait .+?) {AMOUNT}",
            mapping("plan", started_at=Timestamp("date", formats=WHEN)),
            when=OPTIONS,
        ),
        RowPattern(
            "roaming_pass",
            rf"{DATE} (?P<description>Pass Roaming (?P<country>\S+) .+?) {AMOUNT}",
            mapping("fee", started_at=Timestamp("date", formats=WHEN), country=Country("country")),
            when=OPTIONS,
        ),
        RowPattern(
            "option",
            rf"{DATE} (?P<description>.+?) {AMOUNT}",
            mapping("fee", started_at=Timestamp("date", formats=WHEN)),
            when=OPTIONS,
        ),
        RowPattern(
            "data",
            rf"{DATE} {TIME} (?P<type>Internet mobile) Internet (?P<country>[^\d]+) (?P<volume>[\d,]+ [KMGT]o) {AMOUNT}",
            mapping(
                "data",
                USAGE,
                counterparty=Const(None),
                direction=Const(None),
                quantity=DataVolume("volume", decimal=",", thousands=" "),
            ),
            when=DETAIL,
        ),
        RowPattern(
            "call",
            rf"{DATE} {TIME} (?P<type>Appel \S+) {PLACE} (?P<duration>\d+min\d+s) {AMOUNT}",
            mapping("voice", USAGE, quantity=Duration("duration"), duration_s=Duration("duration")),
            when=DETAIL,
        ),
        RowPattern(
            "sms",
            rf"{DATE} {TIME} (?P<type>SMS \S+) {PLACE} {AMOUNT}",
            mapping("sms", USAGE, quantity=Const(1)),
            when=DETAIL,
        ),
    ),
    item=rf"^\d\d/\d\d/\d{{4}} |\d XPF$|{TIME} .* (?:{XPF}|Inclus)$",
)
