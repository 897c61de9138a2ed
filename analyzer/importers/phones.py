"""Phone numbers and lines as the rules compare them: E.164, ICCIDs as digits, number types.

Everything comes from phonenumbers' metadata (never a prefix table), applied once per distinct
value of a column, not once per row.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from analyzer.arrays import strings

_ICCID = re.compile(r"^89\d{16,20}$")


def international(text: str | None) -> str | None:
    """'971 50 123 4567' printed without + or 00, as a number to dial from anywhere."""
    if text is None:
        return None
    stripped = text.strip()
    if re.fullmatch(r"[\d\s\-.()]{7,}", stripped) and not stripped.startswith("00"):
        return "+" + stripped
    return text


def normalise_line(text: str | None, region: str | None) -> str | None:
    """A line's identity: an ICCID's digits, or the phone number in E.164, else as printed."""
    if text is None:
        return None
    digits = re.sub(r"[\s\-.()]", "", text)
    if _ICCID.match(digits):
        return digits
    return to_e164(text, region) or text.strip()


def to_e164(text: str | None, region: str | None) -> str | None:
    """E.164 for a phone number, None for short codes, USSD strings and anything else."""
    number = _parse_number(text, region)
    if number is None:
        return None
    import phonenumbers

    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_number(text: str | None, region: str | None):
    # Digits may be printed in pairs ('70 86 95' in New Caledonia): count them, not runs.
    if not text or re.search(r"[*#]", text) or len(re.findall(r"\d", text)) < 3:
        return None
    import phonenumbers

    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def classify_number(text: str | None, region: str | None) -> tuple[str | None, str | None]:
    """(country, type) of a dialled number, from phonenumbers' metadata, never a prefix table.

    Types: mobile, fixed_line, fixed_line_or_mobile, premium_rate, toll_free, shared_cost,
    voip, personal_number, pager, uan, voicemail, short_code, premium_short_code, ussd, unknown.
    """
    if not text:
        return None, None
    if re.fullmatch(r"\s*[*#][\d*#]*#?\s*", text) and re.search(r"\d", text):
        return None, "ussd"  # '*100#'; a number masked as '***' is not one
    import phonenumbers
    from phonenumbers import shortnumberinfo

    digits = re.sub(r"[^\d+]", "", text)
    if region and digits.isdigit() and 3 <= len(digits) <= 6:
        short = phonenumbers.parse(digits, region)
        if shortnumberinfo.is_valid_short_number_for_region(short, region):
            cost = shortnumberinfo.expected_cost_for_region(short, region)
            premium = cost == shortnumberinfo.ShortNumberCost.PREMIUM_RATE
            return region, "premium_short_code" if premium else "short_code"
        return region, "short_code"
    number = _parse_number(text, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None, "unknown"
    country = phonenumbers.region_code_for_number(number)
    kind = phonenumbers.number_type(number)
    names = {
        value: name.lower()
        for name, value in vars(phonenumbers.PhoneNumberType).items()
        if name.isupper() and isinstance(value, int)
    }
    return country, names.get(kind, "unknown")


def number_maps(
    con: duckdb.DuckDBPyConnection, events: str, region: str | None, international_numbers: bool
) -> tuple[pa.Table, pa.Table]:
    """How each distinct line and dialled number of the ``events`` table reads: lines in E.164
    (ICCIDs as digits); numbers' E.164 form, country and type. The events join them, so the
    metadata is consulted once per distinct value, not once per row.

    With ``international_numbers``, numbers printed without + or 00 are read as international
    (a bill printing 971... or 1512...), not as national numbers of ``region``.
    """
    dial = international if international_numbers else (lambda v: v)
    # Both columns' distinct values in one pass over the events (their query is a join).
    distinct = con.sql(
        f"""
        SELECT grouping(line) AS is_party, line, counterparty FROM {events}
        GROUP BY GROUPING SETS ((line), (counterparty))
        """
    ).fetchall()
    lines = [line for is_party, line, _ in distinct if not is_party and line is not None]
    parties = [party for is_party, _, party in distinct if is_party and party is not None]
    lines_table = pa.table(
        {
            "printed": strings(lines),
            "normalised": strings([normalise_line(dial(v), region) for v in lines]),
        }
    )
    classified = [classify_number(dial(v), region) for v in parties]
    parties_table = pa.table(
        {
            "printed": strings(parties),
            "e164": strings([to_e164(dial(v), region) for v in parties]),
            "country": strings([c for c, _ in classified]),
            "type": strings([t for _, t in classified]),
        }
    )
    return lines_table, parties_table
