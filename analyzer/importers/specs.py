"""Column specs: how one field of an event is read from the text of a bill's columns.

A layout declares its columns with these (``Money("Importe", decimal=",")``) and never parses
text by hand. Each spec compiles to one DuckDB SQL expression over VARCHAR input columns, so a
whole file is mapped in one vectorised query. An expression yields NULL when the text does not
parse; the engine turns "not blank but NULL" into a reject that quotes the column and the text.

``ref`` is the function that turns a source column name into a quoted SQL column reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from analyzer.importers.dates import Timestamp
from analyzer.importers.sql_text import SPACES, Ref, blank, sql_str, strip_fold, within
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
# What spreadsheet programs store in a cell whose formula failed.
SPREADSHEET_ERROR = r"^#(?:DIV/0!|N/A|REF!|VALUE!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!)$"


def _clean(expr: str) -> str:
    return f"nullif(trim(regexp_replace({expr}, '{SPACES}+', ' ', 'g')), '')"


@dataclass(frozen=True)
class Text:
    """Free text, trimmed; blank becomes NULL."""

    column: str
    what = "text"

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self, ref: Ref) -> str:
        return _clean(ref(self.column))


@dataclass(frozen=True)
class Const:
    """The same value on every row (a layout's currency, a file's single line)."""

    value: str | int | bool | None
    what = "a constant"

    def columns(self) -> tuple[str, ...]:
        return ()

    def sql(self, ref: Ref) -> str:
        if self.value is None:
            return "NULL"
        if isinstance(self.value, bool):
            return "TRUE" if self.value else "FALSE"
        if isinstance(self.value, int):
            return str(self.value)
        return sql_str(self.value)


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
    return f"(SELECT {body} FROM (SELECT {parts} AS p) AS _(p))"


def _not_negative(value: str, allowed: bool) -> str:
    return value if allowed else within(value, "_v >= 0")


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
class Number:
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

    def sql(self, ref: Ref) -> str:
        value = f"TRY_CAST({_number_sql(ref(self.column), self.notation)} AS DECIMAL(18,3))"
        return _not_negative(value, self.negative)


@dataclass(frozen=True)
class DataVolume:
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
        cases = " ".join(
            f"WHEN {sql_str(name)} THEN {self.base**power}"
            for name, power in _VOLUME_UNITS.items()
            if name
        )
        default = self.base ** _VOLUME_UNITS[self.unit.lower()]
        return f"(CASE lower({unit_expr}) WHEN '' THEN {default} {cases} ELSE NULL END)"

    def sql(self, ref: Ref) -> str:
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
        result = (
            f"(SELECT TRY_CAST(round({value}) AS DECIMAL(18,3)) FROM (SELECT {parts} AS v) AS _(v))"
        )
        return _not_negative(result, self.negative)


@dataclass(frozen=True)
class Duration:
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

    def sql(self, ref: Ref) -> str:
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
        expr = (
            f"CASE WHEN t = '' THEN NULL "
            f"WHEN regexp_matches(t, {sql_str(DURATION_CLOCK)}) THEN "
            f"CASE WHEN TRY_CAST(c['s'] AS INTEGER) >= 60 "
            f"OR (c['h'] <> '' AND TRY_CAST(c['m'] AS INTEGER) >= 60) THEN NULL ELSE {hms('c')} END "
            f"WHEN regexp_matches(t, {sql_str(bare_pattern)}) THEN "
            f"(CASE WHEN b['sign'] = '-' THEN -1 ELSE 1 END) * "
            f"TRY_CAST({bare_text} AS DECIMAL(24,6)) * {scale} "
            f"WHEN regexp_matches(t, {sql_str(DURATION_WORDS)}) "
            f"AND (w['h'] <> '' OR w['m'] <> '' OR w['s'] <> '') THEN {hms('w')} END"
        )
        result = (
            f"(SELECT TRY_CAST({expr} AS DECIMAL(12,3)) "
            f"FROM (SELECT t, {clock} AS c, {words} AS w, {bare} AS b "
            f"FROM (SELECT {text} AS t) AS _(t)))"
        )
        return _not_negative(result, self.negative)


@dataclass(frozen=True)
class Choice:
    """A column whose values name something (a kind, a direction): matched case-insensitively.

    Values not in ``mapping`` are a reject unless ``default`` is given.
    """

    column: str
    mapping: Mapping[str, str | None]
    default: str | None = None
    what = "a known value"

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self, ref: Ref) -> str:
        cases = " ".join(
            f"WHEN {sql_str(key.strip().lower())} THEN "
            + ("CAST(NULL AS VARCHAR)" if value is None else sql_str(value))
            for key, value in self.mapping.items()
        )
        fallback = "NULL" if self.default is None else sql_str(self.default)
        return f"(CASE lower(trim({ref(self.column)})) {cases} ELSE {fallback} END)"

    def known_sql(self, ref: Ref) -> str:
        """SQL: the text is one of the printed values (some may mean nothing: a blank direction)."""
        keys = ", ".join(sql_str(key.strip().lower()) for key in self.mapping)
        return f"coalesce(lower(trim({ref(self.column)})) IN ({keys}), FALSE)"


@dataclass(frozen=True)
class Flag:
    """A yes/no column (roaming): values in ``true`` are TRUE, in ``false`` FALSE."""

    column: str
    true: tuple[str, ...] = ("yes", "y", "true", "1", "roaming", "oui", "sí", "si", "是")
    false: tuple[str, ...] = ("no", "n", "false", "0", "home", "non", "否", "")
    what = "yes or no"

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self, ref: Ref) -> str:
        yes = ", ".join(sql_str(v.lower()) for v in self.true)
        no = ", ".join(sql_str(v.lower()) for v in self.false)
        value = f"lower(trim(coalesce({ref(self.column)}, '')))"
        return f"(CASE WHEN {value} IN ({yes}) THEN TRUE WHEN {value} IN ({no}) THEN FALSE END)"


@dataclass(frozen=True)
class Country:
    """A country by name in any language phonenumbers knows, or by ISO alpha-2 code.

    Resolved against the ``country_names`` table the engine creates; ``aliases`` add names a
    carrier prints that the locale data lacks.
    """

    column: str
    aliases: Mapping[str, str] = field(default_factory=dict)
    trailing: bool = False  # the country ends a place name: 'CANCUN MEXICO', 'AUCKLAND NEW ZEALAND'
    what = "a country"

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self, ref: Ref) -> str:
        folded = f"lower(strip_accents(trim(regexp_replace({ref(self.column)}, '\\s+', ' ', 'g'))))"
        candidates = [folded]
        if self.trailing:
            candidates += [
                f"regexp_extract({folded}, '((?:\\S+ ){{{n - 1}}}\\S+)$', 1)" for n in (3, 2, 1)
            ]
        lookups = []
        for text in candidates:
            if self.aliases:
                cases = " ".join(
                    f"WHEN {sql_str(strip_fold(k))} THEN {sql_str(v.upper())}"
                    for k, v in self.aliases.items()
                )
                lookups.append(f"CASE {text} {cases} END")
            lookups.append(f"(SELECT any_value(code) FROM country_names WHERE name = {text})")
        return f"coalesce({', '.join(lookups)})"


@dataclass(frozen=True)
class Scaled:
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

    def sql(self, ref: Ref) -> str:
        cases = " ".join(
            f"WHEN {sql_str(k.strip().lower())} THEN CAST({sql_str(str(v))} AS DECIMAL(24,6))"
            for k, v in self.factors.items()
        )
        factor = f"(CASE lower(trim({ref(self.unit_column)})) {cases} END)"
        number = _number_sql(ref(self.column), self.notation)
        value = f"TRY_CAST(round(TRY_CAST({number} AS DECIMAL(24,6)) * {factor}) AS DECIMAL(18,3))"
        return _not_negative(value, self.negative)


@dataclass(frozen=True)
class When:
    """One spec or another, chosen per row by a column's value (a regex, case-insensitive)."""

    column: str
    pattern: str
    then: Spec
    otherwise: Spec
    what = "a value"

    def columns(self) -> tuple[str, ...]:
        return (*self.then.columns(), *self.otherwise.columns())

    def sql(self, ref: Ref) -> str:
        test = f"coalesce(regexp_matches(trim({ref(self.column)}), {sql_str(self.pattern)}, 'i'), FALSE)"
        return f"(CASE WHEN {test} THEN {self.then.sql(ref)} ELSE {self.otherwise.sql(ref)} END)"


Spec = (
    Text
    | Const
    | Money
    | Number
    | DataVolume
    | Duration
    | Timestamp
    | Choice
    | Flag
    | Country
    | Scaled
    | When
)


def reject_reason(spec: Spec, value: str, ref: Ref) -> str:
    """SQL: why the field computed as ``value`` refused its row's text, or NULL when it did not.

    The first non-blank column whose field is NULL is quoted ('Amount: "12abc" is not an
    amount'); a spreadsheet error cell says so ('Amount: "#DIV/0!" is a spreadsheet error, not
    an amount'), and a date/time names the time column when the time is what does not read.
    """
    if not spec.columns():
        return "CAST(NULL AS VARCHAR)"
    cases = []
    for column in spec.columns():
        source = ref(column)
        quoted = f"{sql_str(_label(column) + ': ' + chr(34))} || left(trim({source}), 60)"
        cases.append(
            f"WHEN regexp_matches(trim({source}), {sql_str(SPREADSHEET_ERROR)}) THEN "
            f"{quoted} || {sql_str(chr(34) + ' is a spreadsheet error, not ' + spec.what)}"
        )
    if isinstance(spec, Timestamp):
        cases.append(f"WHEN ({spec.reason_sql(ref)}) IS NOT NULL THEN {spec.reason_sql(ref)}")
    for column in spec.columns():
        source = ref(column)
        cases.append(
            f"WHEN NOT {blank(source)} THEN {sql_str(_label(column) + ': ' + chr(34))} || "
            f"left(trim({source}), 60) || {sql_str(chr(34) + ' is not ' + spec.what)}"
        )
    refused = f"{value} IS NULL"
    if isinstance(spec, Choice):  # a printed value that means nothing is not a refusal
        refused += f" AND NOT {spec.known_sql(ref)}"
    return f"(CASE WHEN {refused} THEN CASE {' '.join(cases)} END END)"


def _label(column: str) -> str:
    """A column as a person names it: its header, or 'column 3' for a position."""
    return f"column {column[1:]}" if column.startswith("#") else column
