"""What a column's values look like: dates (and their one format), numbers, phone numbers,
durations, volumes; and the unit a header names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

_DAYS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
_DAY_FIRST = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y")
_MONTH_FIRST = ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")
_NAMED = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%b %d %Y")
DATES = _DAYS + _DAY_FIRST + _MONTH_FIRST + _NAMED
TIMES = ("%H:%M:%S", "%H:%M", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p", "%H:%M:%S.%f")
_JOINS = (" ", "T", ", ")
_NUMBER = re.compile(r"^[-+(]?[$€£¥]?\s?\d[\d.,'\u00a0\u202f ]*\)?-?\s?(?:[$€£¥]|[A-Z]{3})?$")
_PHONE = re.compile(r"^\+?[\d][\d \-().]{5,20}\d$")
_DURATION = re.compile(
    r"^(?:\d+:\d{2}(?::\d{2})?|(?:\d+\s*(?:h|hr|小时|时))?\s*(?:\d+\s*(?:min|mn|m|分钟|分))?"
    r"\s*(?:\d+\s*(?:sec|s|秒))?)$",
    re.I,
)
_VOLUME = re.compile(r"^\d[\d.,]*\s*(?:[kmgt]i?b|[kmgt]o|bytes?|octets?)(?:\s*\d+\s*\w*)?$", re.I)
# The unit a header names: (pattern, what it is, the profile's unit).
HEADER_UNITS: tuple[tuple[str, str, str], ...] = (
    (r"\bkilobytes?\b|\bkb\b|\bko\b|千字节|\(k\)", "data", "KB"),
    (r"\bmegabytes?\b|\bmb\b|\bmo\b|兆", "data", "MB"),
    (r"\bgigabytes?\b|\bgb\b|\bgo\b", "data", "GB"),
    (r"\bbytes?\b|\boctets?\b|字节", "data", "B"),
    (r"\bmin\b|\bmins\b|\bmn\b|\bminutes?\b|\bminutos?\b|\bminuten\b|分钟", "duration", "minutes"),
    (r"\bsecs?\b|\bsegs?\b|\bsek\b|\bseconds?\b|\bsegundos?\b|\bsecondes?\b|\bsekunden\b|秒|\(s\)",
     "duration", "seconds"),
)  # fmt: skip
CURRENCY_SIGNS = {"€": "EUR", "£": "GBP", "元": "CNY", "¥": "CNY", "rmb": "CNY", "r$": "BRL"}
REGION_OF_CURRENCY = {"USD": "US", "AUD": "AU", "CNY": "CN", "GBP": "GB", "BRL": "BR"}


def parses(value: str, fmt: str) -> bool:
    """Whether strptime reads ``value`` with ``fmt``."""
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def fitting_formats(values: Sequence[str], candidates: Sequence[str]) -> list[str]:
    """The formats that read every value (all of them, never a sample)."""
    found = []
    for fmt in candidates:
        if values and all(parses(v, fmt) for v in values):
            found.append(fmt)
    return found


def timestamp_formats() -> list[str]:
    """Every date and date-time format a draft tries."""
    out = list(DATES)
    for day in DATES:
        for join in _JOINS:
            out += [day + join + t for t in TIMES]
    return out


def differ(values: Sequence[str], first: str, second: str) -> bool:
    """Whether two formats that both read every value give different dates for one."""
    return any(datetime.strptime(v, first) != datetime.strptime(v, second) for v in values)


def is_number(value: str) -> bool:
    return bool(_NUMBER.match(value.strip())) and any(ch.isdigit() for ch in value)


def is_integer(value: str) -> bool:
    return bool(re.fullmatch(r"[-+]?\d+", value.strip()))


def is_phone(value: str) -> bool:
    """A phone number as bills print it: 6 to 15 digits, with +, spaces, dashes, brackets."""
    digits = re.sub(r"\D", "", value)
    if re.fullmatch(r"\d+[.,]\d+", value.strip()):  # a decimal number, not a phone number
        return False
    return bool(_PHONE.match(value.strip())) and 6 <= len(digits) <= 15


def is_duration(value: str) -> bool:
    text = value.strip()
    return bool(text) and bool(re.search(r"\d", text)) and bool(_DURATION.match(text))


def is_clock_or_words_duration(value: str) -> bool:
    """A duration with its own unit or clock (not a bare number)."""
    return is_duration(value) and not re.fullmatch(r"\d+(?:[.,]\d+)?", value.strip())


def is_volume(value: str) -> bool:
    return bool(_VOLUME.match(value.strip()))


def header_unit(name: str) -> tuple[str, str] | None:
    """('data', 'KB') or ('duration', 'minutes') when the header names a unit."""
    text = name.lower()
    for pattern, what, unit in HEADER_UNITS:
        if re.search(pattern, text):
            return what, unit
    return None


def header_currency(name: str) -> str | None:
    """The currency a header names (`Importe (€)`, `费用(元)`), or None ('$' is not one)."""
    lowered = name.lower()
    for sign, code in CURRENCY_SIGNS.items():
        if sign in lowered:
            return code
    match = re.search(r"\b(EUR|USD|GBP|CNY|AUD|CAD|CHF|BRL|MXN|INR|JPY)\b", name)
    return match.group(1) if match else None


def number_marks(values: Sequence[str]) -> tuple[str | None, str | None, str | None]:
    """(decimal, thousands) the values show, each None when they do not tell, and a value
    that reads either way ('1,500': 1.5 or 1500) when nothing else tells."""
    decimal: str | None = None
    thousands: str | None = None
    undecided: str | None = None
    for raw in values:
        text = re.sub(r"[^\d.,]", "", raw)
        dots, commas = text.count("."), text.count(",")
        if dots and commas:
            last = "." if text.rfind(".") > text.rfind(",") else ","
            decimal, thousands = last, ("," if last == "." else ".")
            break
        for mark, count in ((",", commas), (".", dots)):
            if not count:
                continue
            groups = text.split(mark)
            if count > 1:
                thousands = mark
            elif len(groups[-1]) != 3 or groups[0] in ("", "0"):
                decimal = mark
            else:
                undecided = undecided or raw
    if decimal and thousands == decimal:
        thousands = None
    return decimal, thousands, (undecided if decimal is None and thousands is None else None)


def escape(word: str) -> str:
    """A word as an RE2 literal (spaces left as they are, for readable patterns)."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", word)
