"""Column specs: how one field of an event is read from the text of a bill's columns.

A layout declares its columns with these (``Money("Importe", decimal=",")``) and never parses
text by hand. Each spec compiles to one DuckDB SQL expression over VARCHAR input columns, so a
whole file is mapped in one vectorised query. An expression yields NULL when the text does not
parse; the engine turns "not blank but NULL" into a reject that quotes the column and the text.

``ref`` is the function that turns a source column name into a quoted SQL column reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Ref = Callable[[str], str]

# Characters that are never part of a number: currency symbols and codes, spaces of all kinds.
_NOT_NUMERIC = r"[^0-9,.'+\-()]"
# White space as bills print it: ordinary, no-break (U+00A0) and narrow no-break (U+202F).
_SPACES = "[\\s\u00a0\u202f]"
_VOLUME_UNITS = {
    "": 0,
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


def sql_str(value: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def blank(expr: str) -> str:
    """SQL: the text is missing or only white space (including no-break spaces)."""
    return f"(regexp_replace(coalesce({expr}, ''), '{_SPACES}+', '', 'g') = '')"


def _clean(expr: str) -> str:
    return f"nullif(trim(regexp_replace({expr}, '{_SPACES}+', ' ', 'g')), '')"


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


def _number_sql(expr: str, decimal: str, thousands: str | None) -> str:
    """SQL text of a plain decimal number ('-1234.5'), or NULL when the text is not one.

    The grouping is validated (digits in threes between thousands marks) so that a decimal
    comma read with the wrong layout fails loudly instead of becoming a number 1000x too big.
    Spaces of every kind are ignored, so '1 250' and '1\u202f250' read as 1250.
    """
    dec = re.escape(decimal)
    if thousands in (None, "", " "):
        group = r"\d+"
        integer = "p['int']"
    else:
        group = r"\d{1,3}(?:" + re.escape(thousands) + r"\d{3})+|\d+"
        integer = f"replace(p['int'], {sql_str(thousands)}, '')"
    pattern = rf"^([+-]?)(\(?)([+-]?)({group})(?:{dec}(\d+))?(\)?)(-?)$"
    stripped = f"regexp_replace({expr}, {sql_str(_NOT_NUMERIC)}, '', 'g')"
    parts = (
        f"regexp_extract({stripped}, {sql_str(pattern)}, "
        "['sign', 'open', 'sign2', 'int', 'frac', 'close', 'trail'])"
    )
    negative = (
        "(p['sign'] = '-' OR p['sign2'] = '-' OR p['trail'] = '-' "
        "OR (p['open'] = '(' AND p['close'] = ')'))"
    )
    body = (
        f"CASE WHEN p['int'] = '' OR p['open'] <> '' AND p['close'] = '' THEN NULL ELSE "
        f"(CASE WHEN {negative} THEN '-' ELSE '' END) || {integer} || "
        "CASE WHEN p['frac'] = '' THEN '' ELSE '.' || p['frac'] END END"
    )
    return f"(SELECT {body} FROM (SELECT {parts} AS p) AS _(p))"


@dataclass(frozen=True)
class Money:
    """An amount as printed: currency signs and spaces ignored, '(1.00)' and '1.00-' negative."""

    column: str
    decimal: str = "."
    thousands: str | None = ","
    negate: bool = False
    what = "an amount"

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self, ref: Ref) -> str:
        number = f"TRY_CAST({_number_sql(ref(self.column), self.decimal, self.thousands)} AS DECIMAL(18,4))"
        return f"(-{number})" if self.negate else number


@dataclass(frozen=True)
class Number:
    """A plain quantity (messages, items, a count of MB handled by DataVolume)."""

    column: str
    decimal: str = "."
    thousands: str | None = ","
    what = "a number"

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self, ref: Ref) -> str:
        return f"TRY_CAST({_number_sql(ref(self.column), self.decimal, self.thousands)} AS DECIMAL(18,3))"


@dataclass(frozen=True)
class DataVolume:
    """A data volume to bytes: '1,25 Go', '350 MB', '1 Go 339 Mo', or a bare number in ``unit``.

    ``base`` is 1024 or 1000, as the carrier counts; a unit printed in the cell wins over ``unit``.
    """

    column: str
    unit: str = "B"
    base: int = 1024
    decimal: str = "."
    thousands: str | None = ","
    what = "a data volume"

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
        if self.unit.lower() not in _VOLUME_UNITS:
            raise ValueError(f"unknown data unit {self.unit!r}")
        text = f"lower(regexp_replace({ref(self.column)}, '{_SPACES}+', ' ', 'g'))"
        num = r"([0-9]+(?:[.,' ][0-9]+)*)"
        unit = r"([a-z]*)"
        pattern = rf"^\s*{num}\s*{unit}\s*(?:{num}\s*{unit})?\s*$"
        parts = f"regexp_extract({text}, {sql_str(pattern)}, ['n1', 'u1', 'n2', 'u2'])"

        def amount(n: str, u: str) -> str:
            number = _number_sql(f"v['{n}']", self.decimal, self.thousands)
            return f"TRY_CAST({number} AS DECIMAL(24,6)) * {self._factor(f'v[{sql_str(u)}]')}"

        # '1 Go 339' (a second number with no unit) means the next smaller unit.
        second_unit = (
            "CASE WHEN v['u2'] = '' AND v['n2'] <> '' THEN "
            "CASE lower(v['u1']) WHEN 'go' THEN 'mo' WHEN 'gb' THEN 'mb' WHEN 'mo' THEN 'ko' "
            "WHEN 'mb' THEN 'kb' ELSE '' END ELSE v['u2'] END"
        )
        second = (
            f"CASE WHEN v['n2'] = '' THEN 0 ELSE "
            f"TRY_CAST({_number_sql(chr(118) + '[' + sql_str('n2') + ']', self.decimal, self.thousands)}"
            f" AS DECIMAL(24,6)) * {self._factor(second_unit)} END"
        )
        value = f"CASE WHEN v['n1'] = '' THEN NULL ELSE {amount('n1', 'u1')} + {second} END"
        return (
            f"(SELECT TRY_CAST(round({value}) AS DECIMAL(18,3)) FROM (SELECT {parts} AS v) AS _(v))"
        )


@dataclass(frozen=True)
class Duration:
    """A duration to seconds: '02min15s', '1h02m', '3:25', '1:02:03', or a bare number in ``unit``."""

    column: str
    unit: str = "seconds"  # seconds | minutes, for bare numbers
    what = "a duration"

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self, ref: Ref) -> str:
        text = f"lower(regexp_replace(trim({ref(self.column)}), '\\s+', '', 'g'))"
        clock = r"^(?:(\d+):)?(\d+):(\d{1,2})$"
        words = r"^(?:(\d+)h)?(?:(\d+)(?:min|mn|m))?(?:(\d+)(?:sec|s))?$"
        bare = r"^\d+(?:[.,]\d+)?$"
        scale = 60 if self.unit == "minutes" else 1
        c = f"regexp_extract(t, '{clock}', ['h', 'm', 's'])"
        w = f"regexp_extract(t, '{words}', ['h', 'm', 's'])"

        def hms(parts: str) -> str:
            return (
                f"coalesce(TRY_CAST(nullif({parts}['h'], '') AS INTEGER), 0) * 3600 + "
                f"coalesce(TRY_CAST(nullif({parts}['m'], '') AS INTEGER), 0) * 60 + "
                f"coalesce(TRY_CAST(nullif({parts}['s'], '') AS INTEGER), 0)"
            )

        expr = (
            f"CASE WHEN t = '' THEN NULL "
            f"WHEN regexp_matches(t, '{clock}') THEN {hms(c)} "
            f"WHEN regexp_matches(t, '{bare}') THEN "
            f"TRY_CAST(replace(t, ',', '.') AS DECIMAL(18,3)) * {scale} "
            f"WHEN t <> '' AND regexp_matches(t, '{words}') THEN {hms(w)} END"
        )
        return f"(SELECT TRY_CAST({expr} AS DECIMAL(12,3)) FROM (SELECT {text} AS t) AS _(t))"


@dataclass(frozen=True)
class Timestamp:
    """A local wall-clock time from a date column (and an optional separate time column).

    ``formats`` are strptime formats tried in order for "date" or "date time"; ISO forms
    (what spreadsheet cells hold) are always tried last.
    """

    column: str
    time_column: str | None = None
    formats: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S",)
    iso_fallback: bool = True
    what = "a date/time"

    def columns(self) -> tuple[str, ...]:
        return (self.column,) if self.time_column is None else (self.column, self.time_column)

    def sql(self, ref: Ref) -> str:
        text = f"trim({ref(self.column)})"
        if self.time_column:
            text = f"{text} || ' ' || coalesce(trim({ref(self.time_column)}), '')"
        iso = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
        tried = (*self.formats, *iso) if self.iso_fallback else self.formats
        formats = ", ".join(sql_str(f) for f in dict.fromkeys(tried))
        # Spreadsheet cells may carry a midnight time after a date; strip ' 00:00:00' first.
        text = f"regexp_replace({text}, '^(\\d{{4}}-\\d{{2}}-\\d{{2}}) 00:00:00 ', '\\1 ')"
        # Times are local wall time as printed: a UTC offset after the time is dropped.
        text = (
            f"regexp_replace({text}, '(\\d:\\d\\d(?::\\d\\d(?:\\.\\d+)?)?)\\s*"
            "(?:Z|UTC|GMT|[+-]\\d\\d:?\\d\\d)$', '\\1')"
        )
        return f"try_strptime(trim({text}), [{formats}])"


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
            + ("'__none__'" if value is None else sql_str(value))
            for key, value in self.mapping.items()
        )
        fallback = "NULL" if self.default is None else sql_str(self.default)
        return f"(CASE lower(trim({ref(self.column)})) {cases} ELSE {fallback} END)"


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


def strip_fold(text: str) -> str:
    """Lower case without accents, as Country compares names."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Scaled:
    """A number whose unit is printed in another column: 'Units' x factor of 'Unit Type'.

    ``factors`` maps each unit name (case-insensitive) to what one unit is worth in the event's
    unit (KB -> 1024 bytes, MIN -> 60 seconds, MSG -> 1 message); unknown units are a reject.
    """

    column: str
    unit_column: str
    factors: Mapping[str, int | float | str]
    decimal: str = "."
    thousands: str | None = ","
    what = "a quantity in a known unit"

    def columns(self) -> tuple[str, ...]:
        return (self.column, self.unit_column)

    def sql(self, ref: Ref) -> str:
        cases = " ".join(
            f"WHEN {sql_str(k.strip().lower())} THEN CAST({sql_str(str(v))} AS DECIMAL(24,6))"
            for k, v in self.factors.items()
        )
        factor = f"(CASE lower(trim({ref(self.unit_column)})) {cases} END)"
        number = _number_sql(ref(self.column), self.decimal, self.thousands)
        return f"TRY_CAST(round(TRY_CAST({number} AS DECIMAL(24,6)) * {factor}) AS DECIMAL(18,3))"


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
