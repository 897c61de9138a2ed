"""The one definition of how an amount, a data volume and a duration are written.

The patterns here are shared by the Python parsers below (used for settings and anything read
outside the database) and by the column specs, which compile the same patterns into DuckDB SQL
(``analyzer.importers.specs``). Both sides accept exactly the same texts and give the same
values, so a number means one thing wherever it is read. The patterns use only what RE2 and
Python's ``re`` read alike: explicit classes (``[0-9]``, never ``\\d``), ``(?:...)``, bounded
repeats; texts are matched whole.

What a number may hold: digits, the declared decimal mark and thousands mark (groups of three),
one sign (leading, after a currency, or trailing minus) or accounting parentheses, and for
amounts a currency symbol (Unicode Sc, optionally after up to three capitals: ``US$``) or a
three-letter code at either end. Spaces of every kind are ignored. Anything else is refused:
``12abc34``, ``0x10``, ``1E3`` (unless ``exponent``), ``1٢.50`` (unless ``digits="any"``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from itertools import compress

# White space as bills print it, removed before a number is read.
SPACE_CHARS = " \t\n\r\f\v\u00a0\u2007\u2009\u202f\u3000"
SPACE_CLASS = "[" + SPACE_CHARS + "]"
DIGIT_SYSTEMS = ("ascii", "any")


@cache
def _unicode_classes() -> dict[str, str]:
    """Currency symbols (Unicode "Sc") and decimal digits of every script (Arabic-Indic,
    Devanagari, full-width...: "Nd", what str.isdecimal accepts) of the basic plane, with the
    digits' values. Found once, on first use: a scan of the plane costs tens of milliseconds,
    which a command that reads no number should not pay."""
    plane = "".join(map(chr, range(0x10000)))
    digits = "".join(filter(str.isdecimal, plane[0x80:]))
    return {
        "CURRENCY_SYMBOLS": "".join(
            compress(plane, map("Sc".__eq__, map(unicodedata.category, plane)))
        ),
        "OTHER_DIGITS": digits,
        "OTHER_DIGIT_VALUES": "".join(str(unicodedata.decimal(ch)) for ch in digits),
    }


def __getattr__(name: str) -> str:
    """``CURRENCY_SYMBOLS``, ``OTHER_DIGITS`` and ``OTHER_DIGIT_VALUES``, found on first use."""
    try:
        return _unicode_classes()[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


@cache
def _currency() -> str:
    return f"(?:[A-Z]{{0,3}}[{_unicode_classes()['CURRENCY_SYMBOLS']}]|[A-Z]{{3}})"


@cache
def _to_ascii() -> dict[int, int]:
    classes = _unicode_classes()
    return str.maketrans(classes["OTHER_DIGITS"], classes["OTHER_DIGIT_VALUES"])


# An exponent has at most three digits: '1e308' is read, then refused as too large.
_EXPONENT = "(?:[eE]([+-]?[0-9]{1,3}))?"

VOLUME_UNITS = {
    "b": 0,
    "o": 0,
    "byte": 0,
    "bytes": 0,
    "octet": 0,
    "octets": 0,
    "k": 1,
    "kb": 1,
    "ko": 1,
    "kib": 1,
    "m": 2,
    "mb": 2,
    "mo": 2,
    "mib": 2,
    "g": 3,
    "gb": 3,
    "go": 3,
    "gib": 3,
    "t": 4,
    "tb": 4,
    "to": 4,
    "tib": 4,
}
# '1 Go 339': a second number without a unit counts in the next smaller unit.
NEXT_SMALLER_UNIT = {"go": "mo", "gb": "mb", "mo": "ko", "mb": "kb"}
DURATION_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600}
_HOURS = "(?:hours|hour|hrs|hr|h|小时|小時|時間|时)"
_MINUTES = "(?:minutes|minute|mins|min|mn|m|分钟|分鐘|分)"
_SECONDS = "(?:seconds|second|secs|sec|s|秒钟|秒鐘|秒)"
_DURATION_NUMBER = "([0-9]+(?:[.,][0-9]+)?)"
DURATION_CLOCK = r"^(-?)(?:([0-9]+):)?([0-9]+):([0-9]{1,2})$"
DURATION_WORDS = (
    f"^(-?)(?:{_DURATION_NUMBER}{_HOURS})?(?:{_DURATION_NUMBER}{_MINUTES})?"
    f"(?:{_DURATION_NUMBER}{_SECONDS})?$"
)

AMOUNT_SCALE = 4  # DECIMAL(18,4)
QUANTITY_SCALE = 3  # DECIMAL(18,3)
DURATION_SCALE = 3  # DECIMAL(12,3)


@dataclass(frozen=True)
class Notation:
    """How a column writes its numbers: marks, and which unusual forms are legitimate."""

    decimal: str = "."
    thousands: str | None = ","
    exponent: bool = False
    digits: str = "ascii"

    def __post_init__(self) -> None:
        check_marks(self.decimal, self.thousands)
        if self.digits not in DIGIT_SYSTEMS:
            raise ValueError(
                f"digits must be one of {', '.join(DIGIT_SYSTEMS)}, not {self.digits!r}"
            )

    @property
    def grouped(self) -> bool:
        return self.thousands not in (None, "", " ")

    def number(self) -> str:
        """The pattern of an unsigned number; groups: integer part, fraction, exponent."""
        dec = re.escape(self.decimal)
        if self.grouped:
            sep = re.escape(str(self.thousands))
            integer = f"([0-9]{{1,3}}(?:{sep}[0-9]{{3}})+|[0-9]+)"
        else:
            integer = "([0-9]+)"
        exponent = _EXPONENT if self.exponent else "()"
        return f"{integer}(?:{dec}([0-9]+))?{exponent}"

    def signed(self, currency: bool = True) -> str:
        """A whole number with sign, parentheses and (optionally) currency; nine groups:
        sign, '(', sign, sign, integer, fraction, exponent, ')', trailing minus."""
        cur = f"{_currency()}?" if currency else ""
        return f"^{cur}([+-]?)(\\(?)([+-]?){cur}([+-]?){self.number()}{cur}(\\)?)(-?){cur}$"


def check_marks(decimal: str, thousands: str | None) -> None:
    """Refuse marks that make numbers ambiguous (a profile error, not a row error)."""
    if len(decimal) != 1 or decimal.isdigit() or decimal in SPACE_CHARS:
        raise ValueError(f"decimal must be one mark such as '.' or ',', not {decimal!r}")
    if thousands not in (None, "") and (len(thousands) != 1 or thousands.isdigit()):
        raise ValueError(f"thousands must be one mark such as ',' or ' ', not {thousands!r}")
    if decimal == thousands:
        raise ValueError(f"decimal and thousands are both {decimal!r}: numbers would be ambiguous")


def to_ascii_digits(text: str) -> str:
    """Digits of other scripts (Arabic-Indic, full-width...) as ASCII digits."""
    return text.translate(_to_ascii())


def strip_spaces(text: str) -> str:
    return re.sub(SPACE_CLASS + "+", "", text)


def decimal_text(integer: str, fraction: str, exponent: str) -> str:
    """'1', '5', '2' -> '150': the plain digits of integer.fraction x 10^exponent."""
    digits = integer + fraction
    point = len(integer) + (int(exponent) if exponent else 0)
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]


def fit(value: Decimal, scale: int, precision: int = 18) -> Decimal:
    """Rounded half away from zero to ``scale`` places, as DuckDB stores DECIMAL(precision,
    scale); a value too large for that type is refused."""
    if value and value.adjusted() >= precision - scale:
        raise ValueError("it is too large")
    rounded = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if abs(rounded) >= Decimal(10) ** (precision - scale):
        raise ValueError("it is too large")
    return rounded


def _signed_number(text: str, notation: Notation, currency: bool) -> Decimal:
    """The value of a signed number with the notation's marks, or ValueError."""
    if notation.digits == "any":
        text = to_ascii_digits(text)
    match = re.fullmatch(notation.signed(currency), strip_spaces(text))
    if match is None:
        raise ValueError("it is not a number in this notation")
    sign1, opened, sign2, sign3, integer, fraction, exponent, closed, trailing = match.groups()
    if (opened == "(") != (closed == ")"):
        raise ValueError("its parentheses do not match")
    markers = [sign1, sign2, sign3, trailing, opened]
    if sum(1 for m in markers if m) > 1:
        raise ValueError("it has more than one sign")
    if notation.grouped:
        integer = integer.replace(str(notation.thousands), "")
    value = Decimal(decimal_text(integer, fraction or "", exponent or ""))
    negative = "-" in (sign1, sign2, sign3, trailing) or opened == "("
    return -value if negative else value


def parse_amount(
    text: str,
    decimal: str = ".",
    thousands: str | None = ",",
    *,
    exponent: bool = False,
    digits: str = "ascii",
    scale: int = AMOUNT_SCALE,
) -> Decimal:
    """An amount as printed ('$1,234.56', '(12.50)', '12,5 €' with decimal ','), rounded to
    ``scale`` places: 4 as amounts are stored (DECIMAL(18,4)), 6 for unit prices.

    Raises ValueError naming the text when it is not an amount in that notation.
    """
    notation = Notation(decimal, thousands, exponent, digits)
    try:
        return fit(_signed_number(text, notation, currency=True), scale)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an amount ({exc})") from None


def parse_number(
    text: str,
    decimal: str = ".",
    thousands: str | None = ",",
    *,
    exponent: bool = False,
    digits: str = "ascii",
    negative: bool = False,
) -> Decimal:
    """A quantity (a count of messages or units), to 3 places; negative only if allowed."""
    notation = Notation(decimal, thousands, exponent, digits)
    try:
        value = fit(_signed_number(text, notation, currency=True), QUANTITY_SCALE)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a number ({exc})") from None
    if value < 0 and not negative:
        raise ValueError(f"{text!r} is not a number (negative quantities are not allowed)")
    return value


def volume_pattern(notation: Notation) -> str:
    """A volume ('1,25 Go', '350 MB', '1 Go 339 Mo') after lower-casing and one-spacing;
    groups: sign, number, unit, number, unit."""
    exponent = "(?:e[+-]?[0-9]{1,3})?" if notation.exponent else ""
    number = f"([0-9]+(?:[.,' ][0-9]+)*{exponent})"
    unit = "([a-z]*)"
    return f"^ ?([+-]?) ?{number} ?{unit} ?(?:{number} ?{unit})? ?$"


def parse_volume(
    text: str,
    default_unit: str = "B",
    base: int = 1024,
    *,
    decimal: str = ".",
    thousands: str | None = ",",
    exponent: bool = False,
    digits: str = "ascii",
    negative: bool = False,
) -> int:
    """A data volume to whole bytes ('10 GB', '1,25 Go' with decimal ','); a bare number is in
    ``default_unit``; a unit printed in the text wins. ``base`` is 1024 or 1000."""
    notation = Notation(decimal, thousands, exponent, digits)
    if default_unit.lower() not in VOLUME_UNITS:
        raise ValueError(f"unknown data unit {default_unit!r}")
    if base not in (1000, 1024):
        raise ValueError(f"base must be 1000 or 1024, not {base!r}")
    source = to_ascii_digits(text) if digits == "any" else text
    normal = re.sub(SPACE_CLASS + "+", " ", source.lower())
    match = re.fullmatch(volume_pattern(notation), normal)
    if match is None:
        raise ValueError(f"{text!r} is not a data volume")
    sign, first, first_unit, second, second_unit = match.groups()
    if second and not second_unit:
        second_unit = NEXT_SMALLER_UNIT.get(first_unit, "")
    total = Decimal(0)
    for number, unit in ((first, first_unit), (second, second_unit)):
        if number:
            known_unit = unit or default_unit.lower()
            total += (
                _volume_part(text, number, known_unit, notation) * base ** VOLUME_UNITS[known_unit]
            )
    if sign == "-":
        total = -total
    try:
        result = fit(total, 0, 15)
    except ValueError:
        raise ValueError(f"{text!r} is not a data volume (it is too large)") from None
    if result < 0 and not negative:
        raise ValueError(f"{text!r} is not a data volume (negative volumes are not allowed)")
    return int(result)


def _volume_part(text: str, number: str, unit: str, notation: Notation) -> Decimal:
    """One number of a volume ('1,25' of '1,25 Go'), checked to be a known unit's count."""
    if unit not in VOLUME_UNITS:
        raise ValueError(f"{text!r} is not a data volume (unknown unit {unit!r})")
    try:
        return fit(_signed_number(number, notation, currency=False), 6, 24)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a data volume ({exc})") from None


def duration_bare_pattern(notation: Notation) -> str:
    """A bare number of seconds, minutes or hours; groups: sign, integer, fraction, exponent."""
    exponent = _EXPONENT if notation.exponent else "()"
    return f"^(-?)([0-9]+)(?:[.,]([0-9]+))?{exponent}$"


def parse_duration(
    text: str,
    unit: str = "seconds",
    *,
    exponent: bool = False,
    digits: str = "ascii",
    negative: bool = False,
) -> Decimal:
    """A duration to seconds (3 places): '2分32秒', '1小时2分', '00:27:00', '27:00', '1h02m',
    '12 mins', '1.5 min', or a bare number in ``unit`` (seconds, minutes or hours)."""
    if unit not in DURATION_UNITS:
        raise ValueError(f"unit must be one of {', '.join(DURATION_UNITS)}, not {unit!r}")
    notation = Notation(".", None, exponent, digits)
    source = to_ascii_digits(text) if digits == "any" else text
    normal = strip_spaces(source).lower()
    try:
        seconds = _duration_seconds(normal, notation, DURATION_UNITS[unit])
    except ValueError:
        seconds = None
    if seconds is None:
        raise ValueError(f"{text!r} is not a duration")
    try:
        value = fit(seconds, DURATION_SCALE, 12)
    except ValueError:
        raise ValueError(f"{text!r} is not a duration (it is too long)") from None
    if value < 0 and not negative:
        raise ValueError(f"{text!r} is not a duration (negative durations are not allowed)")
    return value


def _overflows(hours: str | None, minutes: str | None, seconds: str | None) -> bool:
    """Seconds of 60 or more after minutes or hours ('08min99s'), or minutes of 60 or more
    after hours, as a clock's would be: a typo, not a duration."""

    def at_least_60(part: str | None) -> bool:
        return part is not None and Decimal(part.replace(",", ".")) >= 60

    return (at_least_60(seconds) and (hours or minutes) is not None) or (
        at_least_60(minutes) and hours is not None
    )


def _duration_seconds(text: str, notation: Notation, scale: int) -> Decimal | None:
    clock = re.fullmatch(DURATION_CLOCK, text)
    if clock:
        sign, hours, minutes, seconds = clock.groups()
        if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            return None
        total = Decimal(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
        return -total if sign else total
    bare = re.fullmatch(duration_bare_pattern(notation), text)
    if bare:
        sign, integer, fraction, exponent = bare.groups()
        total = fit(Decimal(decimal_text(integer, fraction or "", exponent or "")), 6, 24) * scale
        return -total if sign else total
    words = re.fullmatch(DURATION_WORDS, text)
    if words and any(words.groups()[1:]) and not _overflows(*words.groups()[1:]):
        sign, hours, minutes, seconds = words.groups()
        total = sum(
            (fit(Decimal((part or "0").replace(",", ".")), 6, 24) * factor)
            for part, factor in ((hours, 3600), (minutes, 60), (seconds, 1))
        )
        return -total if sign else total
    return None
