"""Masking phone numbers and ICCIDs for a report that will be shared.

Masking happens in Python before any value reaches a chart or a table, so the real number is
never in the file. The country code, the first digits and the last two stay readable so the
owner can still tell lines apart: ``+1 201 ••• ••23``, ``8944 •••• •••• •••• ••80``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

DOT = "•"
_E164 = re.compile(r"\+\d{6,15}")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{8,20}(?!\d)")
_US_PRINTED = re.compile(r"\(\d{3}\)\s?\d{3}-\d{4}")


def _dots_then_tail(hidden: int, tail: str) -> str:
    """'•••••23' -> '••• ••23': dots in threes, the visible tail glued to the last group."""
    rest = DOT * max(hidden, 0) + tail
    groups = []
    while len(rest) > 5:
        groups.append(rest[:3])
        rest = rest[3:]
    groups.append(rest)
    return " ".join(groups)


def mask_number(value: str | None) -> str | None:
    """One phone number or ICCID masked; text that is not a number is returned as it is."""
    if value is None:
        return None
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and 6 <= len(digits) <= 15 and re.fullmatch(r"\+[\d\s().-]+", text):
        try:
            parsed = phonenumbers.parse(text, None)
            code, national = str(parsed.country_code), str(parsed.national_number)
        except phonenumbers.NumberParseException:
            code, national = digits[:2], digits[2:]
        keep = 3 if len(national) >= 9 else 2 if len(national) >= 6 else 1
        return (
            f"+{code} {national[:keep]} {_dots_then_tail(len(national) - keep - 2, national[-2:])}"
        )
    if len(digits) >= 18 and digits.startswith("89") and re.fullmatch(r"[\d\s]+", text):
        hidden = DOT * (len(digits) - 6) + digits[-2:]
        return digits[:4] + " " + " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))
    if len(digits) >= 5 and re.fullmatch(r"[\d\s().+-]+", text):
        return DOT * (len(digits) - 2) + digits[-2:]
    return text


def mask_text(text: str | None, known: Iterable[str] = ()) -> str | None:
    """Every number inside a sentence masked: the known ids first, then anything shaped like one."""
    if text is None:
        return None
    for value in sorted({k for k in known if k and len(k) >= 5}, key=len, reverse=True):
        masked = mask_number(value)
        if masked != value:
            text = text.replace(value, masked or "")
    text = _E164.sub(lambda m: mask_number(m.group(0)) or "", text)
    text = _US_PRINTED.sub(lambda m: mask_number(m.group(0)) or "", text)
    return _LONG_DIGITS.sub(lambda m: mask_number(m.group(0)) or "", text)
