"""What each column of a table is: its header's meaning and what its values look like."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from analyzer.importers.draft import values as v
from analyzer.importers.draft.words import (
    ANSWERED,
    COUNTRY_ABBREVIATIONS,
    DIRECTION_WORDS,
    HEADERS,
    KIND_WORDS,
    NOT_FIELD_WORDS,
    ROAMING_NO,
    ROAMING_YES,
    UNANSWERED,
    fold,
    has_cjk,
    words_in,
)


@dataclass
class Column:
    """One column: where it is, what its header says, what its values are."""

    key: str | int  # header name, or position for headerless files
    values: list[str]  # every row's text ('' when blank)
    named: str | None = None  # the field its header names
    exact: bool = False  # the header is exactly a known name
    unit: tuple[str, str] | None = None  # ('data', 'KB') from the header
    stamps: list[str] = field(default_factory=list)  # date(-time) formats reading every value
    clock: list[str] = field(default_factory=list)  # time-of-day formats reading every value
    kinds: dict[str, str] = field(default_factory=dict)  # value -> kind, when all values tell
    partial_kinds: dict[str, str] = field(default_factory=dict)  # the values that tell
    directions: dict[str, str] = field(default_factory=dict)  # value -> in/out, likewise
    quoted: bool = False  # headerless CSV: the field is quoted (text, not a measure)

    @property
    def label(self) -> str:
        return repr(self.key) if isinstance(self.key, str) else f"column {self.key}"

    @property
    def filled(self) -> list[str]:
        return [x for x in self.values if x]

    @property
    def distinct(self) -> list[str]:
        return sorted(set(self.filled))

    def share(self, test: Callable[[str], bool]) -> float:
        filled = self.filled
        return sum(1 for x in filled if test(x)) / len(filled) if filled else 0.0

    @property
    def numeric(self) -> bool:
        return bool(self.filled) and self.share(v.is_number) == 1.0

    @property
    def phones(self) -> bool:
        return bool(self.filled) and self.share(v.is_phone) >= 0.9

    @property
    def durations(self) -> bool:
        return bool(self.filled) and self.share(v.is_clock_or_words_duration) == 1.0

    @property
    def volumes(self) -> bool:
        return bool(self.filled) and self.share(v.is_volume) == 1.0

    @property
    def disposition(self) -> bool:
        known = {fold(w) for w in (*ANSWERED, *UNANSWERED)}
        return bool(self.filled) and all(fold(x) in known for x in self.distinct)

    @property
    def roaming_flags(self) -> tuple[list[str], list[str]] | None:
        yes = [x for x in self.distinct if fold(x) in {fold(w) for w in ROAMING_YES}]
        no = [x for x in self.distinct if fold(x) in {fold(w) for w in ROAMING_NO}]
        if self.filled and len(yes) + len(no) == len(self.distinct):
            return yes, no
        return None

    def countries(self) -> dict[str, str | None]:
        """Each value -> its ISO code, None when no name or abbreviation is known."""
        names = _country_names()
        found: dict[str, str | None] = {}
        for value in self.distinct:
            key = fold(value)
            code = names.get(key) or COUNTRY_ABBREVIATIONS.get(key)
            if code is None:  # 'United States of America' -> the known 'united states'
                prefixes = [n for n in names if len(n) > 3 and key.startswith(n + " ")]
                code = names[max(prefixes, key=len)] if prefixes else None
            found[value] = code
        return found


@cache
def _country_names() -> dict[str, str]:
    from analyzer.importers.base import _country_names as table

    data = table()
    return {
        fold(n): c for n, c in zip(data["name"].to_pylist(), data["code"].to_pylist(), strict=True)
    }


def header_field(name: str) -> tuple[str | None, bool]:
    """The field a header names and whether the name is exact (else a word inside it)."""
    key = fold(name)
    if any(fold(word) in key for word in NOT_FIELD_WORDS if fold(word)):
        return "_other", True
    bare = fold(_without_units(name))
    for field_name, names in HEADERS.items():
        if key in {fold(n) for n in names} or bare in {fold(n) for n in names}:
            return field_name, True
    best: tuple[int, str] | None = None
    for field_name, names in HEADERS.items():
        for known in names:
            word = fold(known)
            if len(word) < 2 or (len(word) < 4 and not has_cjk(word)):
                continue
            if words_in(name, (known,)) and (best is None or len(word) > best[0]):
                best = (len(word), field_name)
    return (best[1], False) if best else (None, False)


def _without_units(name: str) -> str:
    import re

    return re.sub(r"[(（\[].*?[)）\]]", " ", name)


def classify(key: str | int, values: list[str]) -> Column:
    """Everything a draft needs to know about one column."""
    column = Column(key, values)
    if isinstance(key, str):
        column.named, column.exact = header_field(key)
        column.unit = v.header_unit(key)
    filled = column.filled
    if not filled:
        return column
    column.stamps = v.fitting_formats(filled, _stamp_candidates(filled[0]))
    if not column.stamps:
        column.clock = v.fitting_formats(filled, v.TIMES)
    distinct = column.distinct
    if len(distinct) <= 40:
        column.kinds = _vocabulary(distinct, KIND_WORDS)
        column.partial_kinds = _vocabulary(distinct, KIND_WORDS, partial=True)
        column.directions = _vocabulary(distinct, DIRECTION_WORDS)
    return column


def _vocabulary(
    distinct: list[str], table: dict[str, tuple[str, ...]], *, partial: bool = False
) -> dict[str, str]:
    """Value -> meaning when each value names one meaning (``partial``: those that do)."""
    found: dict[str, str] = {}
    for value in distinct:
        meanings = [meaning for meaning, words in table.items() if words_in(value, words)]
        if len(meanings) == 1:
            found[value] = meanings[0]
        elif not partial:
            return {}
    return found


def _stamp_candidates(sample: str) -> list[str]:
    """The formats worth trying: those that read one value (the rest must read every one)."""
    return [fmt for fmt in v.timestamp_formats() if v.parses(sample, fmt)]
