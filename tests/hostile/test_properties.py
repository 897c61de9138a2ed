"""Property tests: the column parsers (compiled to DuckDB SQL) and the phone-number helpers
read back exactly what a bill prints, in every locale, and never crash on anything else."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache

import phonenumbers
import pyarrow as pa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analyzer.importers.base import classify_number, new_connection, to_e164
from analyzer.importers.specs import DataVolume, Duration, Money, Spec, Timestamp

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Each example of these runs a heavy SQL plan over a whole list of cells: fewer, larger examples.
SQL_HEAVY = settings(SETTINGS, max_examples=15)


@cache
def _connection():
    return new_connection()


def parse(spec: Spec, texts: list[str | None]) -> list[object]:
    """Evaluate ``spec`` over text cells the way the import engine does."""
    con = _connection()
    cells = pa.table({"i": pa.array(range(len(texts))), "c0": pa.array(texts, pa.string())})
    con.register("cells", cells)
    try:
        rows = con.sql(f"SELECT {spec.sql(lambda _: 'c0')} FROM cells ORDER BY i").fetchall()
    finally:
        con.unregister("cells")
    return [row[0] for row in rows]


def group(digits: str, mark: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return mark.join(parts)


# (decimal mark, thousands mark as printed, Money settings): en, fr/nc, es/de, ch.
LOCALES = [
    (".", ",", Money("c", decimal=".", thousands=",")),
    (",", "\u202f", Money("c", decimal=",", thousands=" ")),
    (",", "\u00a0", Money("c", decimal=",", thousands=" ")),
    (",", ".", Money("c", decimal=",", thousands=".")),
    (".", "'", Money("c", decimal=".", thousands="'")),
]
amounts = st.decimals(
    min_value=Decimal("-999999999.9999"),
    max_value=Decimal("999999999.9999"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


def printed(value: Decimal, decimal: str, thousands: str, style: int, symbol: str) -> str:
    whole, _, frac = f"{abs(value):.4f}".partition(".")
    text = group(whole, thousands) + decimal + frac
    text = {0: f"{symbol}{text}", 1: f"{text} {symbol}", 2: text}[style % 3]
    if value < 0:
        text = {0: f"-{text}", 1: f"({text})", 2: f"{text}-"}[style // 3]
    return text


@SETTINGS
@given(
    st.lists(
        st.tuples(amounts, st.integers(0, 8), st.sampled_from(["$", "€", "XPF", "CUP", "¥", ""])),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(LOCALES),
)
def test_money_round_trips_in_every_locale(values, locale) -> None:
    decimal, thousands, spec = locale
    texts = [printed(v, decimal, thousands, style, sym) for v, style, sym in values]
    assert parse(spec, texts) == [v for v, _, _ in values], texts


@SQL_HEAVY
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), min_size=1, max_size=80))
def test_parsers_never_crash_on_any_text(texts) -> None:
    for spec in (
        Money("c"),
        Money("c", decimal=",", thousands="."),
        DataVolume("c", unit="MB"),
        Duration("c"),
        Timestamp("c", formats=("%d/%m/%Y %H:%M",)),
    ):
        results = parse(spec, texts)
        assert len(results) == len(texts)
        for text, value in zip(texts, results, strict=True):
            if text is None or not text.strip():
                assert value is None


@SQL_HEAVY
@given(
    st.lists(st.integers(0, 10**9), min_size=1, max_size=40),
    st.sampled_from([("KB", 1), ("Ko", 1), ("MB", 2), ("Mo", 2), ("GB", 3)]),
    st.sampled_from([1024, 1000]),
)
def test_data_volumes_round_trip(counts, unit, base) -> None:
    name, power = unit
    texts = [f"{group(str(n), ',')} {name}" for n in counts]
    expected = [Decimal(n * base**power) for n in counts]
    if any(e >= Decimal(10) ** 15 for e in expected):  # DECIMAL(18,3) holds up to 10^15 bytes
        return
    assert parse(DataVolume("c", base=base), texts) == expected


@SQL_HEAVY
@given(st.lists(st.tuples(st.integers(0, 99), st.integers(0, 1023)), min_size=1, max_size=40))
def test_gigabytes_and_megabytes_together(parts) -> None:
    texts = [f"{g} Go {m} Mo" for g, m in parts]
    expected = [Decimal(g * 1024**3 + m * 1024**2) for g, m in parts]
    assert parse(DataVolume("c"), texts) == expected


@SETTINGS
@given(st.lists(st.integers(0, 99 * 3600), min_size=1, max_size=20), st.integers(0, 3))
def test_durations_round_trip(seconds, style) -> None:
    def show(s: int) -> str:
        h, m, sec = s // 3600, s % 3600 // 60, s % 60
        return [
            f"{h}:{m:02d}:{sec:02d}",
            f"{s // 60}:{sec:02d}",
            f"{h}h{m}m{sec}s",
            f"{s // 60}min{sec:02d}s",
        ][style]

    assert parse(Duration("c"), [show(s) for s in seconds]) == [Decimal(s) for s in seconds]


FORMATS = ["%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M"]


@SETTINGS
@given(
    st.lists(
        st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(FORMATS),
)
def test_timestamps_round_trip(moments, fmt) -> None:
    precision = "second" if "%S" in fmt else "minute"
    expected = [
        m.replace(microsecond=0, **({} if precision == "second" else {"second": 0}))
        for m in moments
    ]
    spec = Timestamp("c", formats=(fmt,), latest=date(2099, 12, 31))
    assert parse(spec, [m.strftime(fmt) for m in moments]) == expected


REGIONS = ["US", "FR", "NC", "CU", "CN", "GB", "AU", "MX", "VU", "NZ", "ES", "DE"]
TYPES = [
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
]


@SETTINGS
@given(
    st.sampled_from(REGIONS),
    st.sampled_from(TYPES),
    st.sampled_from(
        [
            phonenumbers.PhoneNumberFormat.NATIONAL,
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            phonenumbers.PhoneNumberFormat.E164,
        ]
    ),
)
@example("FR", phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberFormat.NATIONAL)
@example("NC", phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberFormat.NATIONAL)
def test_phone_numbers_round_trip_to_e164(region, kind, style) -> None:
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    text = phonenumbers.format_number(example, style)
    assert to_e164(text, region) == e164
    country, _ = classify_number(text, region)
    assert country == phonenumbers.region_code_for_number(example)


@SETTINGS
@given(st.text(max_size=30), st.sampled_from([*REGIONS, None]))
def test_phone_helpers_never_crash(text, region) -> None:
    e164 = to_e164(text, region)
    assert e164 is None or (e164.startswith("+") and e164[1:].isdigit())
    country, kind = classify_number(text, region)
    assert kind is None or isinstance(kind, str)
    assert country is None or len(country) == 2
