"""Dates and times as bills print them, compiled to DuckDB SQL (see ``specs``).

Month names come from locale data (CLDR, through babel) rather than hand-written tables; a date
printed without a year takes it from the statement period or a setting, never silently 1900;
dates outside a plausible range are rejects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from analyzer.importers.sql_text import Ref, blank, shared, sql_str, unshared, within
from analyzer.text import fold


def _default_latest() -> date:
    return date(date.today().year + 1, 12, 31)


_YEAR_DIRECTIVES = ("%Y", "%y", "%G")
# A time cell as bills and spreadsheets print it: '7:52', '07:52:00', '7:52 PM', '19.52'.
TIME_TEXT = (
    r"^(?:[01]?[0-9]|2[0-3])[:.h][0-5][0-9](?:[:.][0-5][0-9](?:\.[0-9]+)?)?"
    r"(?: ?[AaPp]\.? ?[Mm]\.?)?$"
)

# A UTC offset printed right after a time ('09:28:00+12:00', '7:52 Z', '19:52 UTC'): group 1 is
# the time's end, group 2 the offset, then its sign, hours and minutes.
_TIME_DIRECTIVE = re.compile(r"\s*%[HIMSp]")  # where a format's time part starts
_MAX_OFFSET_MIN = 14 * 60  # from -12:00 to +14:00 (Kiribati)
_OFFSET_AFTER_TIME = r"(\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(Z|UTC|GMT|([+-])(\d\d):?(\d\d))$"


@lru_cache(maxsize=32)
def check_locales(locales: tuple[str, ...]) -> None:
    """Raise ValueError for a locale babel does not know; English is always known.

    Only the names are checked here: a locale's month names (CLDR data, tens of milliseconds
    each) are loaded when a format that prints them is compiled to SQL.
    """
    unknown = [code for code in locales if code != "en"]
    if not unknown:
        return
    from babel import Locale, UnknownLocaleError

    for code in unknown:
        try:
            Locale.parse(code.replace("-", "_"))
        except (ValueError, UnknownLocaleError) as exc:
            raise ValueError(f"unknown locale {code!r}") from exc


@lru_cache(maxsize=32)
def month_names(locales: tuple[str, ...]) -> dict[str, int]:
    """Folded month names and abbreviations (no trailing dot) of the locales -> month number.

    From the CLDR data that babel ships, so no language needs a hand-written table. English
    names are always known, because the database's own parser reads English abbreviations.
    """
    from babel import Locale, UnknownLocaleError
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for code in (*locales, "en"):
        try:
            locale = Locale.parse(code.replace("-", "_"))
        except (ValueError, UnknownLocaleError) as exc:
            raise ValueError(f"unknown locale {code!r}") from exc
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    folded = fold(name).rstrip(".")
                    if folded and not any(ch.isdigit() for ch in folded):
                        names.setdefault(folded, number)
    return names


_ENGLISH_MONTHS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)


@dataclass(frozen=True)
class Timestamp:
    """A local wall-clock time from a date column (and an optional separate time column).

    ``formats`` are strptime formats tried in order for "date" or "date time" (``%I``/``%p`` for
    12-hour clocks); ISO forms (what spreadsheet cells hold) are always tried last. Month names
    (``%b``/``%B``) may be in any of ``locales`` (CLDR names and abbreviations, any case, accents
    and a trailing dot ignored: German '28. Okt' with '%d. %b').

    A format without a year takes it from ``period`` (the year that puts the date within 31 days
    of the statement period, so a December-January period works) or else from ``year``; a
    format without a year and neither setting raises ValueError when the spec is made, because
    the database would silently read the year as 1900. Dates before ``earliest`` or after
    ``latest`` (default: 1990-01-01 to the end of next year) are rejects.
    """

    column: str
    time_column: str | None = None
    formats: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S",)
    iso_fallback: bool = True
    locales: tuple[str, ...] = ("en",)
    year: int | None = None
    period: tuple[date, date] | None = None
    earliest: date = date(1990, 1, 1)
    latest: date = field(default_factory=_default_latest)
    what = "a date/time"

    def __post_init__(self) -> None:
        yearless = [f for f in self.formats if not any(d in f for d in _YEAR_DIRECTIVES)]
        if yearless and self.year is None and self.period is None:
            raise ValueError(
                f"the date format {yearless[0]!r} has no year: set the year or the statement "
                "period it falls in"
            )
        if self.period is not None and self.period[0] > self.period[1]:
            raise ValueError("the period ends before it starts")
        if self.earliest > self.latest:
            raise ValueError("earliest is after latest")
        check_locales(tuple(self.locales))  # an unknown locale is a profile error

    def columns(self) -> tuple[str, ...]:
        return (self.column,) if self.time_column is None else (self.column, self.time_column)

    def _printed(self, ref: Ref) -> str:
        """SQL: the date (and time) as printed, trimmed."""
        text = f"trim({ref(self.column)})"
        if self.time_column:
            text = f"trim({text} || ' ' || coalesce(trim({ref(self.time_column)}), ''))"
        return text

    def text_sql(self, ref: Ref) -> str:
        """SQL: the text the formats read (the zone cut off, month names in English)."""
        return self._text(ref)

    def _text(self, ref: Ref) -> str:
        # The wall time is kept as printed; a UTC offset after the time is read by offset_sql.
        text = shared(
            ref, f"regexp_replace({self._printed(ref)}, {sql_str(_OFFSET_AFTER_TIME)}, '\\1')"
        )
        # A date cell may carry a midnight time before the time cell's (or before nothing, when
        # the time cell is empty): it goes, after the zone ('00:00:00 UTC' is a time).
        after = "(?: |$)" if self.time_column else " "
        midnight = (
            f"regexp_replace({text}, '^(\\d{{4}}-\\d{{2}}-\\d{{2}}) 00:00:00{after}', '\\1 ')"
        )
        text = f"CASE WHEN contains({text}, ' 00:00:00') THEN {midnight} ELSE {text} END"
        text = f"trim({text})"
        if any("%b" in f or "%B" in f for f in self.formats):
            text = self._english_months(text)
        return shared(ref, text)

    def offset_sql(self, ref: Ref) -> str:
        """SQL: the UTC offset printed after the time, in minutes (NULL when none is printed).

        Kept beside the wall time so durations and 24-hour windows can be measured on instants.
        """
        # The zone as printed (Z, UTC, GMT, +10:00, -0530), cut apart; DuckDB matches the
        # repeated expression once per row.
        zone = self._zone(ref)
        minutes = f"(CAST({zone}[2:3] AS INTEGER) * 60 + CAST(right({zone}, 2) AS INTEGER))"
        return (
            f"CAST(CASE WHEN {zone} = '' THEN NULL WHEN {zone} IN ('Z', 'UTC', 'GMT') THEN 0 "
            f"WHEN {zone}[1] = '-' THEN -{minutes} ELSE {minutes} END AS SMALLINT)"
        )

    def _zone(self, ref: Ref) -> str:
        """SQL: the zone printed after the time (Z, UTC, GMT, +10:00, -0530), or ''."""
        return shared(
            ref, f"regexp_extract({self._printed(ref)}, {sql_str(_OFFSET_AFTER_TIME)}, 2)"
        )

    def _impossible_zone(self, ref: Ref) -> str:
        """SQL: the time prints a UTC offset no place uses ('+25:00', '+10:75'): the time it
        qualifies is then doubtful, so the date/time is a reject."""
        zone = self._zone(ref)
        minutes = f"TRY_CAST(right({zone}, 2) AS INTEGER)"
        return (
            f"coalesce(length({zone}) > 3 AND "
            f"(TRY_CAST({zone}[2:3] AS INTEGER) * 60 + {minutes} > {_MAX_OFFSET_MIN} OR {minutes} >= 60), "
            "FALSE)"
        )

    def _english_months(self, text: str) -> str:
        """SQL: month names of the locales replaced by English abbreviations (folded text)."""
        names = month_names(tuple(self.locales))
        keys = ", ".join(sql_str(k) for k in names)
        values = ", ".join(sql_str(_ENGLISH_MONTHS[n - 1]) for n in names.values())
        lookup = f"MAP([{keys}], [{values}])"
        folded = f"lower(strip_accents({text}))"
        # Each letter run that is a month name becomes the English abbreviation (its dot dropped).
        return (
            f"list_reduce(list_prepend('', regexp_extract_all({folded}, '\\pL+')), "
            f"lambda acc, word: CASE WHEN {lookup}[word] IS NULL THEN acc ELSE "
            f"regexp_replace(acc, '(^|[^\\pL])' || word || '\\.?([^\\pL]|$)', "
            f"'\\1' || {lookup}[word] || '\\2') END, {folded})"
        )

    def _formats(self) -> list[str]:
        iso = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
        tried = (*self.formats, *iso) if self.iso_fallback else self.formats
        return [f.replace("%B", "%b") for f in dict.fromkeys(tried)]

    def unbounded_sql(self, ref: Ref, text: str | None = None) -> str:
        """SQL: the parsed time before the plausible-range check (for reject reasons); ``text``
        is SQL of ``text_sql`` computed already."""
        text = self._text(ref) if text is None else text
        dated = [f for f in self._formats() if any(d in f for d in _YEAR_DIRECTIVES)]
        yearless = [f for f in self._formats() if f not in dated]
        parsed = []
        if dated:
            parsed.append(f"try_strptime({text}, [{', '.join(sql_str(f) for f in dated)}])")
        if yearless:
            parsed.append(self._with_year(text, yearless))
        return shared(ref, parsed[0] if len(parsed) == 1 else f"coalesce({', '.join(parsed)})")

    def _with_year(self, text: str, formats: list[str]) -> str:
        with_year = ", ".join(sql_str(f + " %Y") for f in formats)

        def attempt(year: int) -> str:
            return f"try_strptime({text} || ' {year}', [{with_year}])"

        if self.period is None:
            return attempt(int(self.year))  # type: ignore[arg-type]
        low = self.period[0] - timedelta(days=31)
        high = self.period[1] + timedelta(days=32)
        candidates = ", ".join(attempt(y) for y in range(low.year, high.year + 1))
        window = f"_d >= DATE '{low}' AND _d < DATE '{high}'"
        return f"list_filter([{candidates}], lambda _d: {window})[1]"

    def range_sql(self) -> tuple[str, str]:
        return f"TIMESTAMP '{self.earliest}'", f"TIMESTAMP '{self.latest + timedelta(days=1)}'"

    def sql(self, ref: Ref, text: str | None = None) -> str:
        low, high = self.range_sql()
        value = within(self.unbounded_sql(ref, text), f"_v >= {low} AND _v < {high}")
        if text is not None:  # a candidate format counted on the text alone
            return value
        return f"CASE WHEN NOT {self._impossible_zone(ref)} THEN {value} END"

    def reason_sql(self, ref: Ref) -> str:
        """SQL: why a row's text is not a plausible date/time (the time cell named when it is
        the time that does not read)."""
        date_text = f"left(trim({ref(self.column)}), 60)"
        parts = []
        if self.time_column:
            time = f"trim({ref(self.time_column)})"
            parts.append(
                f"WHEN NOT {blank(ref(self.time_column))} AND NOT "
                f"regexp_matches({time}, {sql_str(TIME_TEXT)}) THEN "
                f"{sql_str(self.time_column + ': ' + chr(34))} || left({time}, 60) || "
                f"{sql_str(chr(34) + ' is not a time')}"
            )
        parts.append(
            f"WHEN {self._impossible_zone(ref)} THEN {sql_str(self.column + ': ' + chr(34))} || "
            f"{date_text} || {sql_str(chr(34) + ' has a UTC offset no place uses')}"
        )
        parts.append(
            f"WHEN ({self.unbounded_sql(ref)}) IS NOT NULL THEN "
            f"{sql_str(self.column + ': ' + chr(34))} || {date_text} || "
            f"{sql_str(chr(34) + f' is outside the plausible dates {self.earliest} to {self.latest}')}"
        )
        if self.period is not None:
            parts.append(
                f"WHEN NOT {blank(ref(self.column))} AND {self._yearless_parses(ref)} THEN "
                f"{sql_str(self.column + ': ' + chr(34))} || {date_text} || "
                f"{sql_str(chr(34) + f' is not within a month of the period {self.period[0]} to {self.period[1]}')}"
            )
        if self.time_column:
            parts.append(self._time_reason(ref))
        return "CASE " + " ".join(parts) + " END"

    def _time_reason(self, ref: Ref) -> str:
        """SQL (a WHEN): the date cell reads alone, so its time cell is what the layout cannot
        read with it ('7.30 PM' where it reads '%H:%M', or a blank cell)."""
        date_parts = []
        for fmt in self.formats:
            cut = _TIME_DIRECTIVE.search(fmt)
            date_parts.append(fmt[: cut.start()] if cut else fmt)
        alone = replace(self, time_column=None, formats=tuple(dict.fromkeys(date_parts)))
        time = f"trim({ref(self.time_column)})"  # type: ignore[arg-type]
        label = sql_str(f"{self.time_column}: ")
        return (
            f"WHEN ({alone.unbounded_sql(unshared(ref))}) IS NOT NULL THEN CASE "
            f"WHEN {blank(time)} THEN {label} || 'blank, where the layout reads a time' "
            f"ELSE {label} || '\"' || left({time}, 60) || "
            f"{sql_str(chr(34) + ' is not a time the layout reads (' + self._time_forms() + ')')} END"
        )

    def _time_forms(self) -> str:
        """The time parts of the formats, as a person reads them ('%H:%M', '%I:%M %p')."""
        forms = [f[m.start() :].strip() for f in self.formats if (m := _TIME_DIRECTIVE.search(f))]
        return ", ".join(dict.fromkeys(forms)) or "none"

    def _yearless_parses(self, ref: Ref) -> str:
        yearless = [f for f in self._formats() if not any(d in f for d in _YEAR_DIRECTIVES)]
        if not yearless:
            return "FALSE"
        # Any leap year reads 29 February.
        formats = ", ".join(sql_str(f + " %Y") for f in yearless)
        return f"(try_strptime({self._text(ref)} || ' 2000', [{formats}]) IS NOT NULL)"
