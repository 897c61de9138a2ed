"""Column specs: how one field of an event is read from the text of a bill's columns.

A layout declares its columns with these (``Money("Importe", decimal=",")``) and never parses
text by hand. Each spec compiles to one DuckDB SQL expression over VARCHAR input columns, so a
whole file is mapped in one vectorised query. An expression yields NULL when the text does not
parse; the engine turns "not blank but NULL" into a reject that quotes the column and the text.

``ref`` is the function that turns a source column name into a quoted SQL column reference.
The numeric specs (Money, Number, DataVolume, Duration, Scaled) are in ``number_specs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from analyzer.importers.dates import Timestamp
from analyzer.importers.number_specs import DataVolume, Duration, Money, Number, Quantity, Scaled
from analyzer.importers.sql_text import SPACE_POINTS, SPACES, Ref, blank, sql_str, unshared
from analyzer.text import fold

# What spreadsheet programs store in a cell whose formula failed.
SPREADSHEET_ERROR = r"^#(?:DIV/0!|N/A|REF!|VALUE!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!)$"


# What cleaning changes inside a text: white space other than a lone ASCII space (looked for
# one by one: a third faster than a regular expression of them all).
_UNCLEAN = ("'  '", *(f"chr({point})" for point in SPACE_POINTS if point != 32))


def _clean(expr: str) -> str:
    """SQL: the text trimmed, its runs of white space as one space; blank is NULL. Most cells
    have nothing to replace, and finding that is cheaper than replacing nothing."""
    spaced = f"regexp_replace({expr}, '{SPACES}+', ' ', 'g')"
    unclean = " OR ".join(f"contains({expr}, {text})" for text in _UNCLEAN)
    return f"nullif(trim(CASE WHEN {unclean} THEN {spaced} ELSE {expr} END), '')"


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
                    f"WHEN {sql_str(fold(k))} THEN {sql_str(v.upper())}"
                    for k, v in self.aliases.items()
                )
                lookups.append(f"CASE {text} {cases} END")
            lookups.append(f"(SELECT any_value(code) FROM country_names WHERE name = {text})")
        return f"coalesce({', '.join(lookups)})"


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
        ref = unshared(ref)  # each branch is computed only for the rows that take it
        test = f"coalesce(regexp_matches(trim({ref(self.column)}), {sql_str(self.pattern)}, 'i'), FALSE)"
        # Quantities' sign checks go outside the CASE, where their value is computed once.
        no_negatives = [
            isinstance(s, Quantity) and not s.negative for s in (self.then, self.otherwise)
        ]
        then, otherwise = (
            s.unchecked_sql(ref) if isinstance(s, Quantity) else s.sql(ref)
            for s in (self.then, self.otherwise)
        )
        value = f"(CASE WHEN {test} THEN {then} ELSE {otherwise} END)"
        if not any(no_negatives):
            return value
        # Where the chosen spec allows negatives, a negative value stays.
        allowed = {(True, True): "FALSE", (True, False): f"NOT {test}", (False, True): test}
        return f"(CASE WHEN {value} >= 0 OR {allowed[tuple(no_negatives)]} THEN {value} END)"


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
    errors, unread = [], []
    for column in spec.columns():
        source = ref(column)
        quoted = f"{sql_str(column_label(column) + ': ' + chr(34))} || left(trim({source}), 60)"
        errors.append(
            f"WHEN regexp_matches(trim({source}), {sql_str(SPREADSHEET_ERROR)}) THEN "
            f"{quoted} || {sql_str(chr(34) + ' is a spreadsheet error, not ' + spec.what)}"
        )
        unread.append(
            f"WHEN NOT {blank(source)} THEN {quoted} || {sql_str(chr(34) + ' is not ' + spec.what)}"
        )
    # The first reason that holds: the date/time's own in the middle, written once (planning
    # a query takes longer the longer its text).
    reasons = [f"CASE {' '.join(errors)} END", f"CASE {' '.join(unread)} END"]
    if isinstance(spec, Timestamp):
        reasons.insert(1, spec.reason_sql(ref))
    refused = f"{value} IS NULL"
    if isinstance(spec, Choice):  # a printed value that means nothing is not a refusal
        refused += f" AND NOT {spec.known_sql(ref)}"
    return f"(CASE WHEN {refused} THEN coalesce({', '.join(reasons)}) END)"


def column_label(column: str) -> str:
    """A column as a person names it: its header, or 'column 3' for a position."""
    return f"column {column[1:]}" if column.startswith("#") else column
