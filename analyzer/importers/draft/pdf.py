"""Draft a PDF bill's profile from its text: keywords, statement fields, one record per shape
of the lines that carry a date and an amount. The text is read in the PDF child process."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from analyzer.importers.draft.table import NotUsageError
from analyzer.importers.draft.toml import Draft
from analyzer.importers.draft.values import escape
from analyzer.importers.draft.words import words_in

_MONTH = r"[A-Za-zÀ-ÿ]{3,10}\.?"
DATE = (
    rf"\d{{1,2}}(?:er)? {_MONTH} \d{{4}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d\d-\d\d"
    rf"|{_MONTH} \d{{1,2}}, \d{{4}}"
)
AMOUNT = r"-?\d{1,3}(?:[ .,]\d{3})*[.,]\d\d(?!\d)"
_LABELS = {
    "invoice_number": ("invoice", "facture", "factura", "rechnung", "fatura", "发票", "bill no"),
    "account": ("account", "compte", "id client", "cuenta", "kundennummer", "conta", "账户"),
    "total_due": (
        "total due", "amount due", "somme a payer", "total a payer", "total a pagar",
        "importe total", "zu zahlen", "gesamtbetrag", "valor a pagar", "应付", "本期应缴",
    ),
}  # fmt: skip
_NOT_ITEMS = ("total", "payer", "paiement", "pagar", "due", "prelevement", "tva", "vat", "iva")
_DATE_FORMATS = {
    r"\d{1,2} [A-Za-z]+ \d{4}": "%d %B %Y",
    r"\d{1,2}/\d{1,2}/\d{4}": "%d/%m/%Y",
    r"\d{4}-\d\d-\d\d": "%Y-%m-%d",
    r"[A-Za-z]+ \d{1,2}, \d{4}": "%B %d, %Y",
}


def draft_pdf(path: Path) -> Draft:
    """A PDF profile: what the first page says, the bill's facts, its item lines."""
    from analyzer.importers.pdf import PdfLimits, read_pdf

    request = {"contexts": [], "skips": [], "rows": [], "item": None, "fields": {}, "trace": True}
    result = read_pdf(path, PdfLimits(), None, request)
    if result["chars"] == 0:
        raise NotUsageError(
            path,
            "it has no text layer (a scan?)",
            hint="export the bill as text or use the carrier's CSV",
        )
    lines = [text.strip() for _page, _n, text, _t, _c in result["trace"] if text.strip()]
    first = result["first_page"]
    draft = Draft(path, "pdf")
    amounts = [a for line in lines for a in re.findall(AMOUNT, line)]
    decimal = "," if sum(a[-3] == "," for a in amounts) > len(amounts) / 2 else "."
    draft.read["decimal"] = decimal
    draft.read["thousands"] = ""
    currency = "EUR" if "€" in first or "EUR" in first else None
    currency = currency or ("GBP" if "£" in first else None)
    if currency:
        draft.read["currency"] = currency
    else:
        draft.note("read.currency", "the first page prints no currency the draft knows")
    _statement(lines, draft, decimal)
    _records(lines, draft, decimal)
    if not draft.records:
        raise NotUsageError(
            path,
            "no line of its text carries both a date and an amount, so it does not look like "
            "a bill",
            hint="write its [[records]] by hand (see docs/profiles.md)",
        )
    draft.identify["keywords"] = _keywords(first or "\n".join(lines), draft)
    draft.note("identify.keywords", "chosen from the first page; keep words every bill prints")
    return draft


def _amount_group(decimal: str) -> str:
    return r"(-?\d+(?:[ .]\d{3})*,\d\d)" if decimal == "," else r"(-?\d+(?:[ ,]\d{3})*\.\d\d)"


def _statement(lines: list[str], draft: Draft, decimal: str) -> None:
    """Statement facts (invoice number, total due, period) drafted from the line that prints them."""
    number = _amount_group(decimal)
    for line in lines:
        for name, labels in _LABELS.items():
            if name not in draft.statement and words_in(line, labels):
                _labelled_fact(name, line, number, draft)
        if "period_end" not in draft.statement:
            _period(line, draft)
    for name in draft.statement:
        draft.note(f"statement.{name}", "drafted from one line of this bill")


def _labelled_fact(name: str, line: str, number: str, draft: Draft) -> None:
    """A pattern for the value printed after a fact's label (an amount for the total due)."""
    if name == "total_due":
        found = re.match(rf"^(.*?)\s*{AMOUNT}", line)
        if found and found.group(1):
            draft.statement[name] = f"^{escape(found.group(1))}\\s*{number}"
        return
    head = re.match(r"^(\D*?)\s*(?:n°|no\.?|nº|#|:)?\s*(\d[\w-]{3,})", line, re.I)
    if head and head.group(1):
        prefix = re.match(r"^(.*?\D)\s*(\d[\w-]{3,})", line)
        if prefix:
            draft.statement[name] = f"{escape(prefix.group(1).rstrip())}\\s*(\\w[\\w-]+)"


def _period(line: str, draft: Draft) -> None:
    """The statement period from a line that prints it ("du 1er au 31 juillet 2015", "A to B")."""
    period = re.search(rf"({DATE})\s*(?:au|to|al|bis|a|-|–)\s*({DATE})", line)
    short = re.search(rf"du (\d+)(?:er)? au (\d+ {_MONTH} \d{{4}})", line)
    if short:
        draft.statement["period_start"] = r" du (\d+)(?:er)? au \d+ (\w+ \d{4})"
        draft.statement["period_end"] = r" du \d+(?:er)? au (\d+ \w+ \d{4})"
    elif period:
        draft.statement["period_start"] = f"({DATE})\\s*(?:au|to|al|bis|a|-|–)\\s*(?:{DATE})"
        draft.statement["period_end"] = f"(?:{DATE})\\s*(?:au|to|al|bis|a|-|–)\\s*({DATE})"


def _records(lines: list[str], draft: Draft, decimal: str) -> None:
    """Lines with a date and an amount, grouped by shape: one record per shape."""
    shapes: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for line in lines:
        if words_in(line, _NOT_ITEMS) or not re.search(DATE, line):
            continue
        match = re.match(rf"^(?P<text>.*?(?P<date>{DATE}).*?) (?P<amount>{AMOUNT})$", line)
        if not match:
            continue
        date = match.group("date")
        fmt = next((f for p, f in _DATE_FORMATS.items() if re.fullmatch(p, date)), None)
        shape = f"{fmt}|{'text' if match.start('date') > 0 else 'date'}"
        shapes[shape] += 1
        examples.setdefault(shape, line)
    number = _amount_group(decimal).strip("()")
    for index, (shape, count) in enumerate(shapes.most_common(5), start=1):
        fmt = shape.split("|")[0]
        pattern = f"^(?P<description>.*?(?P<date>{DATE}).*?) (?P<amount>{number})$"
        fields: dict[str, object] = {
            "kind": {"value": "fee"},
            "amount": "amount",
            "description": "description",
        }
        if fmt in ("%d/%m/%Y", "%Y-%m-%d", "%B %d, %Y"):
            fields["started_at"] = {"column": "date", "formats": [fmt]}
        elif "period_start" in draft.statement:
            fields["started_at"] = "period_start"
            draft.read["date_formats"] = ["%d %B %Y"]
        draft.records.append({"name": f"item{index}", "pattern": pattern, "fields": fields})
        draft.note(
            f"records[{index - 1}]",
            f"{count} line(s) like {examples[shape]!r}: check the kind and the date",
        )


def _keywords(first_page: str, draft: Draft) -> list[str]:
    """Words every bill of this carrier prints: a frequent name and the fields' labels."""
    words = Counter(w for w in re.findall(r"\b[A-Z][A-Za-z]{2,}\b", first_page))
    keywords = [w for w, n in words.most_common(3) if n >= 3][:1]
    for pattern in draft.statement.values():
        literal = re.match(r"^\^?((?:[^\\()\[\]]|\\ )+)", str(pattern))
        if literal and len(literal.group(1).strip()) >= 4:
            text = literal.group(1).replace("\\ ", " ").strip()
            if text.lower() in first_page.lower() and text not in keywords:
                keywords.append(text)
    return keywords[:4] or first_page.split()[:1]
