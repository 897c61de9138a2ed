"""Column specs for numbers as bills print them: amounts, quantities, data volumes, durations
and quantities whose unit is in another column.

Each compiles to SQL with the same rules as ``analyzer.values`` (the Python parsers): the
grouping is validated, so a decimal comma read with the wrong layout is a reject, not a number
1000x too big.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from analyzer.importers.sql_text import Ref, let, sql_str
from analyzer.values import (
    DURATION_CLOCK,
    DURATION_UNITS,
    DURATION_WORDS,
    NEXT_SMALLER_UNIT,
    OTHER_DIGIT_VALUES,
    OTHER_DIGITS,
    SPACE_CLASS,
    VOLUME_UNITS,
    Notation,
    duration_bare_pattern,
    volume_pattern,
)

_VOLUME_UNITS = {"": 0, **VOLUME_UNITS}


def _digits_sql(expr: str, notation: Notation) -> str:
    """SQL: the text with digits of other scripts made ASCII, when the notation allows them."""
    if notation.digits != "any":
        return expr
    return f"translate({expr}, {sql_str(OTHER_DIGITS)}, {sql_str(OTHER_DIGIT_VALUES)})"


def _decimal_text_sql(integer: str, fraction: str, exponent: str | None) -> str:
    """SQL mirror of values.decimal_text: integer.fraction x 10^exponent as plain digits."""
    if exponent is None:
        return f"({integer} || CASE WHEN {fraction} = '' THEN '' ELSE '.' || {fraction} END)"
    digits = f"({integer} || {fraction})"
    point = f"(length({integer}) + coalesce(TRY_CAST(nullif({exponent}, '') AS INTEGER), 0))"
    return (
        f"(CASE WHEN {point} <= 0 THEN '0.' || repeat('0', -{point}) || {digits} "
        f"WHEN {point} >= length({digits}) THEN {digits} || repeat('0', {point} - length({digits})) "
        f"ELSE left({digits}, {point}) || '.' || substr({digits}, {point} + 1) END)"
    )


def _number_sql(expr: str, notation: Notation, currency: bool = True) -> str:
    """SQL text of a plain decimal number ('-1234.5'), or NULL when the text is not one.

    The same pattern as values.parse_amount: the grouping is validated (digits in threes between
    thousands marks) so that a decimal comma read with the wrong layout fails loudly instead of
    becoming a number 1000x too big; any character that is not part of the notation refuses
    the text. Spaces of every kind are ignored, so '1 250' and '1\u202f250' read as 1250.
    """
    text = f"regexp_replace({_digits_sql(expr, notation)}, {sql_str(SPACE_CLASS + '+')}, '', 'g')"
    names = "['s1', 'open', 's2', 's3', 'int', 'frac', 'exp', 'close', 'trail']"
    parts = f"regexp_extract({text}, {sql_str(notation.signed(currency))}, {names})"
    integer = "p['int']"
    if notation.grouped:
        integer = f"replace(p['int'], {sql_str(str(notation.thousands))}, '')"
    markers = " + ".join(f"(p['{g}'] <> '')::INTEGER" for g in ("s1", "s2", "s3", "trail", "open"))
    negative = (
        "(p['s1'] = '-' OR p['s2'] = '-' OR p['s3'] = '-' OR p['trail'] = '-' OR p['open'] = '(')"
    )
    number = _decimal_text_sql(integer, "p['frac']", "p['exp']" if notation.exponent else None)
    body = (
        f"CASE WHEN p['int'] = '' OR (p['open'] = '(') <> (p['close'] = ')') "
        f"OR {markers} > 1 THEN NULL "
        f"ELSE (CASE WHEN {negative} THEN '-' ELSE '' END) || {number} END"
    )
    parsed = let(parts, "p", body)
    plain = plain_number(expr, notation.decimal, signed=True)
    shortcuts = [(plain, _point(expr, notation.decimal))]
    if notation.grouped or currency:
        # '$1,234.56', '1,234.56', '$12.50': what most amounts that are not plain look like
        decimal = re.escape(notation.decimal)
        integer = "[0-9]{1,15}"
        digits = expr
        if notation.grouped:
            thousands = str(notation.thousands)
            integer = f"(?:[0-9]{{1,3}}(?:{re.escape(thousands)}[0-9]{{3}})+|{integer})"
            digits = f"replace({digits}, {sql_str(thousands)}, '')"
        symbol = f"[{_SYMBOLS}]?" if currency else ""
        if currency:
            digits = f"ltrim({digits}, {sql_str(_SYMBOLS)})"
        pattern = f"{symbol}{integer}(?:{decimal}[0-9]+)?"
        test = f"coalesce(regexp_full_match({expr}, {sql_str(pattern)}), FALSE)"
        shortcuts.append((test, _point(digits, notation.decimal)))
    return _shortcuts(expr, shortcuts, parsed)


_SYMBOLS = "$€£"  # the currency signs an amount's shortcut reads (any other: the full pattern)


def plain_number(expr: str, decimal: str, *, signed: bool = False) -> str:
    """SQL: the text is a plain number in ASCII digits ('2.88', '-12,50' with a decimal comma),
    which every parse here reads as itself, so most cells skip the full pattern.

    The integer part has at most 15 digits: no arithmetic on it can overflow.
    """
    sign = "-?" if signed else ""
    pattern = f"{sign}[0-9]{{1,15}}(?:{re.escape(decimal)}[0-9]+)?"
    return f"coalesce(regexp_full_match({expr}, {sql_str(pattern)}), FALSE)"


def _shortcuts(expr: str, cases: list[tuple[str, str]], parsed: str) -> str:
    """SQL: NULL for NULL text, else the first case whose test holds, else the full parse
    (whose lambdas cost even a NULL cell)."""
    whens = " ".join(f"WHEN {test} THEN {value}" for test, value in cases)
    return f"(CASE WHEN {expr} IS NULL THEN NULL {whens} ELSE {parsed} END)"


def _point(expr: str, decimal: str) -> str:
    """SQL: a plain number's text with a decimal point, as casts read it."""
    return expr if decimal == "." else f"replace({expr}, {sql_str(decimal)}, '.')"


def _not_negative(value: str, allowed: bool) -> str:
    """SQL: the value, or NULL when it is negative and may not be. Bound once in a lambda: a
    value written twice is computed twice once its CASE has a few branches (measured on the
    durations: the checked plain number took three times the unchecked one)."""
    return value if allowed else let(value, "_v", "CASE WHEN _v >= 0 THEN _v END")


class Quantity:
    """A spec whose negative values are rejects unless it says ``negative``.

    The check is apart from the value (``unchecked_sql``) so that a spec choosing between two
    (``When``) checks once, outside its CASE: DuckDB computes an expression repeated inside a
    CASE branch as many times as it is written.
    """

    negative: bool

    def unchecked_sql(self, ref: Ref) -> str:
        raise NotImplementedError

    def sql(self, ref: Ref) -> str:
        return _not_negative(self.unchecked_sql(ref), self.negative)


@dataclass(frozen=True)
class Money:
    """An amount as printed: currency signs and spaces ignored, '(1.00)' and '1.00-' negative.

    Scientific notation (``exponent``) and digits of other scripts (``digits="any"``) are read
    only when the profile says the bill prints them; otherwise they are rejects.
    """

    column: str
    decimal: str = "."
    thousands: str | None = ","
    negate: bool = False
    zero: tuple[str, ...] = ()  # words printed for a zero amount ('Inclus', 'Included')
    exponent: bool = False
    digits: str = "ascii"
    what = "an amount"

    def __post_init__(self) -> None:
        self.notation  # noqa: B018 - refuse ambiguous marks when the spec is made

    @property
    def notation(self) -> Notation:
        return Notation(self.decimal, self.thousands, self.exponent, self.digits)

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self, ref: Ref) -> str:
        number = f"TRY_CAST({_number_sql(ref(self.column), self.notation)} AS DECIMAL(18,4))"
        if self.zero:
            words = ", ".join(sql_str(w.strip().lower()) for w in self.zero)
            number = (
                f"(CASE WHEN lower(trim({ref(self.column)})) IN ({words}) THEN 0 ELSE {number} END)"
            )
        return f"(-{number})" if self.negate else number


@dataclass(frozen=True)
class Number(Quantity):
    """A plain quantity (messages, items); negative only when ``negative`` (credits)."""

    column: str
    decimal: str = "."
    thousands: str | None = ","
    exponent: bool = False
    digits: str = "ascii"
    negative: bool = False
    what = "a number"

    def __post_init__(self) -> None:
        self.notation  # noqa: B018

    @property
    def notation(self) -> Notation:
        return Notation(self.decimal, self.thousands, self.exponent, self.digits)

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def unchecked_sql(self, ref: Ref) -> str:
        return f"TRY_CAST({_number_sql(ref(self.column), self.notation)} AS DECIMAL(18,3))"


@dataclass(frozen=True)
class DataVolume(Quantity):
    """A data volume to bytes: '1,25 Go', '350 MB', '1 Go 339 Mo', or a bare number in ``unit``.

    ``base`` is 1024 or 1000, as the carrier counts; a unit printed in the cell wins over ``unit``.
    The same rules as values.parse_volume.
    """

    column: str
    unit: str = "B"
    base: int = 1024
    decimal: str = "."
    thousands: str | None = ","
    exponent: bool = False
    digits: str = "ascii"
    negative: bool = False
    what = "a data volume"

    def __post_init__(self) -> None:
        self.notation  # noqa: B018
        if self.unit.lower() not in _VOLUME_UNITS:
            raise ValueError(f"unknown data unit {self.unit!r}")

    @property
    def notation(self) -> Notation:
        return Notation(self.decimal, self.thousands, self.exponent, self.digits)

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def _factor(self, unit_expr: str) -> str:
        """SQL: bytes per ``unit_expr`` (lower-cased; '' is the spec's unit), NULL for a unit
        it does not know. A lookup, not a CASE: DuckDB computes ``unit_expr`` again for every
        WHEN of a CASE, and the second unit's expression is itself a CASE."""
        units = {"": self.base ** _VOLUME_UNITS[self.unit.lower()]} | {
            name: self.base**power for name, power in _VOLUME_UNITS.items() if name
        }
        keys = ", ".join(sql_str(name) for name in units)
        values = ", ".join(str(factor) for factor in units.values())
        return f"MAP([{keys}], [{values}]::BIGINT[])[lower({unit_expr})]"

    def unchecked_sql(self, ref: Ref) -> str:
        notation = self.notation
        source = _digits_sql(ref(self.column), notation)
        text = f"regexp_replace(lower({source}), {sql_str(SPACE_CLASS + '+')}, ' ', 'g')"
        pattern = volume_pattern(notation)
        parts = f"regexp_extract({text}, {sql_str(pattern)}, ['sign', 'n1', 'u1', 'n2', 'u2'])"

        def amount(n: str, unit: str) -> str:
            number = _number_sql(f"v['{n}']", notation, currency=False)
            return f"TRY_CAST({number} AS DECIMAL(24,6)) * {self._factor(unit)}"

        smaller = " ".join(
            f"WHEN {sql_str(a)} THEN {sql_str(b)}" for a, b in NEXT_SMALLER_UNIT.items()
        )
        second_unit = (
            f"CASE WHEN v['u2'] = '' AND v['n2'] <> '' THEN "
            f"CASE v['u1'] {smaller} ELSE '' END ELSE v['u2'] END"
        )
        second = f"CASE WHEN v['n2'] = '' THEN 0 ELSE {amount('n2', second_unit)} END"
        value = (
            f"CASE WHEN v['n1'] = '' THEN NULL ELSE (CASE WHEN v['sign'] = '-' THEN -1 ELSE 1 END)"
            f" * ({amount('n1', chr(118) + '[' + sql_str('u1') + ']')} + {second}) END"
        )
        parsed = f"({let(parts, 'v', f'TRY_CAST(round({value}) AS DECIMAL(18,3))')})"
        # Most cells are plain numbers in the default unit, or one with its unit ('3.4 MB'):
        # computed the same way without the full pattern.
        source = ref(self.column)

        def in_bytes(number: str, factor: str) -> str:
            point = _point(number, notation.decimal)
            return (
                f"TRY_CAST(round(TRY_CAST({point} AS DECIMAL(24,6)) * {factor}) AS DECIMAL(18,3))"
            )

        decimal = re.escape(notation.decimal)
        with_unit = f"[0-9]{{1,15}}(?:{decimal}[0-9]+)? ?[A-Za-z]{{1,6}}"
        number = f"regexp_extract({source}, {sql_str(f'^[0-9]+(?:{decimal}[0-9]+)?')})"
        unit = f"regexp_extract({source}, '[A-Za-z]+$')"
        own_unit = f"CAST({self.base ** _VOLUME_UNITS[self.unit.lower()]} AS BIGINT)"
        shortcuts = [
            (plain_number(source, notation.decimal), in_bytes(source, own_unit)),
            (
                f"regexp_full_match({source}, {sql_str(with_unit)})",
                in_bytes(number, self._factor(unit)),
            ),
        ]
        return _shortcuts(source, shortcuts, parsed)


@dataclass(frozen=True)
class Duration(Quantity):
    """A duration to seconds: '02min15s', '1h02m', '2分32秒', '1小时2分', '3:25', '00:27:00',
    '12 mins', '1.5 min', or a bare number in ``unit`` (seconds, minutes or hours).

    The same rules as values.parse_duration; negative durations only when ``negative``.
    """

    column: str
    unit: str = "seconds"
    exponent: bool = False
    digits: str = "ascii"
    negative: bool = False
    what = "a duration"

    def __post_init__(self) -> None:
        self.notation  # noqa: B018
        if self.unit not in DURATION_UNITS:
            raise ValueError(f"unit must be one of {', '.join(DURATION_UNITS)}, not {self.unit!r}")

    @property
    def notation(self) -> Notation:
        return Notation(".", None, self.exponent, self.digits)

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def unchecked_sql(self, ref: Ref) -> str:
        notation = self.notation
        source = _digits_sql(ref(self.column), notation)
        text = f"lower(regexp_replace({source}, {sql_str(SPACE_CLASS + '+')}, '', 'g'))"
        clock = f"regexp_extract(t, {sql_str(DURATION_CLOCK)}, ['sign', 'h', 'm', 's'])"
        words = f"regexp_extract(t, {sql_str(DURATION_WORDS)}, ['sign', 'h', 'm', 's'])"
        bare_pattern = duration_bare_pattern(notation)
        bare = f"regexp_extract(t, {sql_str(bare_pattern)}, ['sign', 'int', 'frac', 'exp'])"
        scale = DURATION_UNITS[self.unit]

        def part(p: str, name: str) -> str:
            return f"coalesce(TRY_CAST(replace(nullif({p}['{name}'], ''), ',', '.') AS DECIMAL(24,6)), 0)"

        def hms(p: str) -> str:
            total = f"({part(p, 'h')} * 3600 + {part(p, 'm')} * 60 + {part(p, 's')})"
            return f"(CASE WHEN {p}['sign'] = '-' THEN -1 ELSE 1 END) * {total}"

        bare_text = _decimal_text_sql(
            "b['int']", "b['frac']", "b['exp']" if notation.exponent else None
        )
        # Each pattern's groups are extracted only for the texts it matches: a lambda in a CASE
        # branch runs for that branch's rows alone.
        clock_value = (
            f"CASE WHEN TRY_CAST(c['s'] AS INTEGER) >= 60 "
            f"OR (c['h'] <> '' AND TRY_CAST(c['m'] AS INTEGER) >= 60) THEN NULL ELSE {hms('c')} END"
        )
        bare_value = (
            f"(CASE WHEN b['sign'] = '-' THEN -1 ELSE 1 END) * "
            f"TRY_CAST({bare_text} AS DECIMAL(24,6)) * {scale}"
        )
        # Seconds after minutes or hours, and minutes after hours, stop at 59 (as on a clock).
        overflows = (
            f"({part('w', 's')} >= 60 AND (w['h'] <> '' OR w['m'] <> '')) "
            f"OR ({part('w', 'm')} >= 60 AND w['h'] <> '')"
        )
        words_value = (
            f"CASE WHEN {overflows} THEN NULL "
            f"WHEN w['h'] <> '' OR w['m'] <> '' OR w['s'] <> '' THEN {hms('w')} END"
        )
        expr = (
            f"CASE WHEN t = '' THEN NULL "
            f"WHEN regexp_matches(t, {sql_str(DURATION_CLOCK)}) THEN {let(clock, 'c', clock_value)} "
            f"WHEN regexp_matches(t, {sql_str(bare_pattern)}) THEN {let(bare, 'b', bare_value)} "
            f"WHEN regexp_matches(t, {sql_str(DURATION_WORDS)}) THEN {let(words, 'w', words_value)} END"
        )
        parts = f"TRY_CAST({expr} AS DECIMAL(12,3))"
        # A bare number in the unit, as most cells are, and a clock ('2:15', '0:02:15') are read
        # the same way without the full patterns.
        source = ref(self.column)
        plain = f"TRY_CAST(TRY_CAST({source} AS DECIMAL(24,6)) * {scale} AS DECIMAL(12,3))"

        def clock_part(index: int) -> str:
            return f"TRY_CAST(split_part({source}, ':', {index}) AS BIGINT)"

        minutes_clock = (
            f"CASE WHEN {clock_part(2)} >= 60 THEN NULL "
            f"ELSE TRY_CAST({clock_part(1)} * 60 + {clock_part(2)} AS DECIMAL(12,3)) END"
        )
        hours_clock = (
            f"CASE WHEN {clock_part(3)} >= 60 OR {clock_part(2)} >= 60 THEN NULL ELSE TRY_CAST("
            f"{clock_part(1)} * 3600 + {clock_part(2)} * 60 + {clock_part(3)} AS DECIMAL(12,3)) END"
        )
        shortcuts = [
            (plain_number(source, "."), plain),
            (f"regexp_full_match({source}, '[0-9]{{1,9}}:[0-9]{{1,2}}')", minutes_clock),
            (f"regexp_full_match({source}, '[0-9]{{1,9}}:[0-9]{{1,9}}:[0-9]{{1,2}}')", hours_clock),
        ]
        return _shortcuts(source, shortcuts, let(text, "t", parts))


@dataclass(frozen=True)
class Scaled(Quantity):
    """A number whose unit is printed in another column: 'Units' x factor of 'Unit Type'.

    ``factors`` maps each unit name (case-insensitive) to what one unit is worth in the event's
    unit (KB -> 1024 bytes, MIN -> 60 seconds, MSG -> 1 message); unknown units are a reject,
    and so are negative quantities unless ``negative``.
    """

    column: str
    unit_column: str
    factors: Mapping[str, int | float | str]
    decimal: str = "."
    thousands: str | None = ","
    exponent: bool = False
    digits: str = "ascii"
    negative: bool = False
    what = "a quantity in a known unit"

    def __post_init__(self) -> None:
        self.notation  # noqa: B018

    @property
    def notation(self) -> Notation:
        return Notation(self.decimal, self.thousands, self.exponent, self.digits)

    def columns(self) -> tuple[str, ...]:
        return (self.column, self.unit_column)

    def unchecked_sql(self, ref: Ref) -> str:
        cases = " ".join(
            f"WHEN {sql_str(k.strip().lower())} THEN CAST({sql_str(str(v))} AS DECIMAL(24,6))"
            for k, v in self.factors.items()
        )
        factor = f"(CASE lower(trim({ref(self.unit_column)})) {cases} END)"
        number = _number_sql(ref(self.column), self.notation)
        return f"TRY_CAST(round(TRY_CAST({number} AS DECIMAL(24,6)) * {factor}) AS DECIMAL(18,3))"
