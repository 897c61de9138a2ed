"""The Python value parsers and the SQL column specs are one definition: they accept the same
texts and give the same values (a property test over random texts), and each reads what bills
print."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.importers import specs as S
from analyzer.importers import sql_text
from analyzer.importers.sql_text import SPACES
from analyzer.values import parse_amount, parse_duration, parse_number, parse_volume

CON = duckdb.connect()

PIECES = st.sampled_from(
    [
        *"0123456789012345.,.,  -+()eE$€USDKMGBkmgbiohsn:'x",
        *("\u00a0", "\u202f", "٢", "０", "४", "分", "秒", "小时", "min", "sec", "Go", "Mo", "e-"),
    ]
)
NUMBERISH = st.lists(PIECES, max_size=12).map("".join)
ANY_TEXT = st.text(max_size=12)
# Plain numbers, most cells of a bill, which the SQL reads without its full pattern.
PLAIN = st.from_regex(r"-?[0-9]{1,17}(?:[.,'][0-9]{1,8})?", fullmatch=True)
# Other shapes the SQL reads without its full pattern: clocks, amounts with a currency sign or
# thousands marks, volumes with their unit.
SHORTCUT = st.from_regex(
    r"[$€£]?[0-9]{1,4}(?:[.,'][0-9]{3}){0,3}(?:[.,][0-9]{1,3})?|"
    r"[0-9]{1,10}(?::[0-9]{1,3}){1,2}|"
    r"[0-9]{1,16}(?:[.,][0-9]{1,3})? ?(?:[KMGkmgT][Bbo]?|b|o|bytes|octets|KiB|xB)",
    fullmatch=True,
)
TEXTS = st.lists(
    st.one_of(NUMBERISH, NUMBERISH, ANY_TEXT, PLAIN, SHORTCUT), min_size=1, max_size=25
)
MARKS = st.sampled_from([(".", ","), (",", "."), (",", " "), (".", None), (".", "'")])


def sql_values(spec, texts: list[str]) -> list[object]:
    CON.execute("CREATE OR REPLACE TEMP TABLE t (i INTEGER, x VARCHAR)")
    CON.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    query = f"SELECT {spec.sql(lambda c: 'x')} FROM t ORDER BY i"
    return [row[0] for row in CON.sql(query).fetchall()]


def python_values(parse, texts: list[str]) -> list[object]:
    values = []
    for text in texts:
        try:
            values.append(parse(text))
        except ValueError:
            values.append(None)
    return values


def blank(text: str) -> bool:
    return not text.strip(" \t\n\r\f\v\u00a0\u202f\u2007\u2009\u3000")


AGREEMENT = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@AGREEMENT
@given(texts=TEXTS, marks=MARKS, exponent=st.booleans(), digits=st.sampled_from(["ascii", "any"]))
def test_amounts_agree(texts, marks, exponent, digits) -> None:
    texts = [t for t in texts if not blank(t)] or ["1"]
    decimal, thousands = marks
    spec = S.Money("x", decimal, thousands, exponent=exponent, digits=digits)
    expected = python_values(
        lambda t: parse_amount(t, decimal, thousands, exponent=exponent, digits=digits), texts
    )
    assert sql_values(spec, texts) == expected


@AGREEMENT
@given(texts=TEXTS, marks=MARKS, exponent=st.booleans(), negative=st.booleans())
def test_numbers_agree(texts, marks, exponent, negative) -> None:
    texts = [t for t in texts if not blank(t)] or ["1"]
    decimal, thousands = marks
    spec = S.Number("x", decimal, thousands, exponent=exponent, negative=negative)
    expected = python_values(
        lambda t: parse_number(t, decimal, thousands, exponent=exponent, negative=negative),
        texts,
    )
    assert sql_values(spec, texts) == expected


@AGREEMENT
@given(
    texts=TEXTS,
    marks=MARKS,
    unit=st.sampled_from(["B", "KB", "MB", "GB", "Go"]),
    base=st.sampled_from([1000, 1024]),
    exponent=st.booleans(),
    negative=st.booleans(),
)
def test_volumes_agree(texts, marks, unit, base, exponent, negative) -> None:
    texts = [t for t in texts if not blank(t)] or ["1"]
    decimal, thousands = marks
    spec = S.DataVolume("x", unit, base, decimal, thousands, exponent=exponent, negative=negative)

    def parse(text: str) -> Decimal:
        return Decimal(
            parse_volume(
                text,
                unit,
                base,
                decimal=decimal,
                thousands=thousands,
                exponent=exponent,
                negative=negative,
            )
        )

    assert sql_values(spec, texts) == python_values(parse, texts)


@AGREEMENT
@given(
    texts=TEXTS,
    unit=st.sampled_from(["seconds", "minutes", "hours"]),
    exponent=st.booleans(),
    digits=st.sampled_from(["ascii", "any"]),
    negative=st.booleans(),
)
def test_durations_agree(texts, unit, exponent, digits, negative) -> None:
    texts = [t for t in texts if not blank(t)] or ["1"]
    spec = S.Duration("x", unit, exponent=exponent, digits=digits, negative=negative)
    expected = python_values(
        lambda t: parse_duration(t, unit, exponent=exponent, digits=digits, negative=negative),
        texts,
    )
    assert sql_values(spec, texts) == expected


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2分32秒", 152),
        ("8分27秒", 507),
        ("47秒", 47),
        ("1小时2分", 3720),
        ("1小时2分3秒", 3723),
        ("00:27:00", 1620),
        ("27:00", 1620),
        ("1h02m", 3720),
        ("1h 2m 3s", 3723),
        ("12 min", 720),
        ("12 mins", 720),
        ("3 sec", 3),
        ("1.5 min", 90),
        ("02min15s", 135),
        ("1:02:03", 3723),
    ],
)
def test_durations_as_bills_print_them(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert sql_values(S.Duration("x"), [text]) == [Decimal(seconds)]


@pytest.mark.parametrize("text", ["08min99s", "2m60s", "1h60m", "1小时75分", "0 min 60 sec"])
def test_seconds_or_minutes_past_59_after_a_larger_unit_are_refused(text: str) -> None:
    """As on a clock ('00:13:99' is refused): '08min99s' is a typo, not 579 seconds."""
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)
    assert sql_values(S.Duration("x"), [text]) == [None]


@pytest.mark.parametrize("text", ["99s", "90 min", "1h59m59s", "75分"])
def test_a_single_unit_may_count_past_60(text: str) -> None:
    assert parse_duration(text) > 59
    assert sql_values(S.Duration("x"), [text]) == [parse_duration(text)]


@pytest.mark.parametrize(
    ("unit", "seconds"), [("seconds", 90), ("minutes", 5400), ("hours", 324000)]
)
def test_bare_durations_count_in_the_unit(unit: str, seconds: int) -> None:
    assert parse_duration("90", unit) == seconds
    assert sql_values(S.Duration("x", unit), ["90"]) == [Decimal(seconds)]


def test_an_unknown_duration_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unit must be one of seconds, minutes, hours, not 'days'"):
        S.Duration("x", "days")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3500 XPF", Decimal("3500")),
        ("25.00 USD", Decimal("25")),
        ("US$ 1,234.56", Decimal("1234.56")),
        ("(12.50)", Decimal("-12.50")),
        ("12.50-", Decimal("-12.50")),
        ("€\u00a012.5", Decimal("12.5")),
    ],
)
def test_amounts_as_bills_print_them(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


def test_a_comma_that_is_not_a_grouping_is_refused() -> None:
    with pytest.raises(ValueError) as caught:
        parse_amount("1,5")
    assert str(caught.value) == "'1,5' is not an amount (it is not a number in this notation)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10 GB", 10 * 1024**3), ("1,25 Go", None), ("350 MB", 350 * 1024**2), ("512", 512)],
)
def test_volumes_as_bills_print_them(text: str, expected: int | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="is not a data volume"):
            parse_volume(text)
    else:
        assert parse_volume(text) == expected


def test_a_volume_with_a_decimal_comma() -> None:
    assert parse_volume("1,25 Go", decimal=",", thousands=" ") == 1342177280


@AGREEMENT
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["call", "data", ""]), NUMBERISH | PLAIN), min_size=1, max_size=25
    ),
    negatives=st.tuples(st.booleans(), st.booleans()),
)
def test_a_choice_of_quantities_reads_each_row_as_its_spec(rows, negatives) -> None:
    """``When`` checks the sign outside its CASE; each row still gets what its own spec gives."""
    then = S.Duration("x", negative=negatives[0])
    otherwise = S.DataVolume("x", "MB", negative=negatives[1])
    spec = S.When("k", "^call$", then, otherwise)
    CON.execute("CREATE OR REPLACE TEMP TABLE t (i INTEGER, k VARCHAR, x VARCHAR)")
    CON.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, *row) for i, row in enumerate(rows)])
    got = CON.sql(f"SELECT {spec.sql(str)} FROM t ORDER BY i").fetchall()
    own = CON.sql(
        f"SELECT CASE WHEN k = 'call' THEN {then.sql(str)} ELSE {otherwise.sql(str)} END "
        "FROM t ORDER BY i"
    ).fetchall()
    assert got == own


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.text(alphabet=" \t\n\r\f\v\u00a0\u202f\u3000ab", max_size=8), min_size=1, max_size=25
    )
)
def test_text_is_cleaned_as_by_replacing_every_run_of_white_space(texts) -> None:
    """Text skips the replacement when there is nothing to replace, with the same result."""
    CON.execute("CREATE OR REPLACE TEMP TABLE t (i INTEGER, x VARCHAR)")
    CON.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    everywhere = f"nullif(trim(regexp_replace(x, '{SPACES}+', ' ', 'g')), '')"
    got = CON.sql(f"SELECT {S.Text('x').sql(str)} FROM t ORDER BY i").fetchall()
    assert got == CON.sql(f"SELECT {everywhere} FROM t ORDER BY i").fetchall()


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.none(), st.text(alphabet=" \t\n\r\f\v\u00a0\u202f\u3000\u2003ab", max_size=4)),
        min_size=1,
        max_size=25,
    )
)
def test_blank_answers_from_the_first_character_as_a_search_of_the_whole_text(texts) -> None:
    """A text is blank when no character of it is other than white space (\\s and the two
    no-break spaces); the first character alone answers for most texts, the same way."""
    CON.execute("CREATE OR REPLACE TEMP TABLE t (i INTEGER, x VARCHAR)")
    CON.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    searched = f"coalesce(NOT regexp_matches(x, '[^{SPACES[1:-1]}]'), TRUE)"
    got = CON.sql(f"SELECT {sql_text.blank('x')} FROM t ORDER BY i").fetchall()
    assert got == CON.sql(f"SELECT {searched} FROM t ORDER BY i").fetchall()


PRINTED_TIMES = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["", " ", "2026-01-02", "2026-01-02 00:00:00", "02/01/2026", "x"]),
    st.sampled_from(["", " ", "T", "\t"]),
    st.sampled_from(["", "00:00:00", "10:30", "7:05:09.5", "1:2", "ab"]),
    st.sampled_from(["", " ", "  ", "\t", "\v"]),
    st.sampled_from(["", "Z", "UTC", "GMT", "+10:00", "-0530", "+1a:00", "+10", "utc"]),
    st.text(alphabet=" 0:+-Z", max_size=2),
)


@AGREEMENT
@given(
    rows=st.lists(
        st.tuples(PRINTED_TIMES, st.one_of(st.none(), PRINTED_TIMES)), min_size=1, max_size=20
    ),
    with_time=st.booleans(),
)
def test_a_time_reads_without_its_zone_and_a_date_cells_midnight(rows, with_time):
    """The wall time is the text as printed without the zone after the time, and without a
    date cell's midnight before a time cell's, in that order: a midnight with its zone
    ('2026-01-02 00:00:00 UTC') is a time, not a date cell's midnight."""
    from analyzer.importers.dates import _OFFSET_AFTER_TIME, Timestamp

    formats = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")
    spec = Timestamp("x", time_column="y" if with_time else None, formats=formats)
    CON.execute("CREATE OR REPLACE TEMP TABLE t (i INTEGER, x VARCHAR, y VARCHAR)")
    CON.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, *r) for i, r in enumerate(rows)])
    printed = "trim(trim(x) || ' ' || coalesce(trim(y), ''))" if with_time else "trim(x)"
    wall = f"regexp_replace({printed}, '{_OFFSET_AFTER_TIME}', '\\1')"
    after = "(?: |$)" if with_time else " "
    wall = f"regexp_replace({wall}, '^(\\d{{4}}-\\d{{2}}-\\d{{2}}) 00:00:00{after}', '\\1 ')"
    tried = ", ".join(f"'{f}'" for f in spec._formats())
    low, high = spec.range_sql()
    reference = (
        f"CASE WHEN try_strptime(trim({wall}), [{tried}]) BETWEEN {low} AND {high} - "
        f"INTERVAL 1 MICROSECOND THEN try_strptime(trim({wall}), [{tried}]) END"
    )
    got = CON.sql(f"SELECT {spec.sql(str)} FROM t ORDER BY i").fetchall()
    assert got == CON.sql(f"SELECT {reference} FROM t ORDER BY i").fetchall()
