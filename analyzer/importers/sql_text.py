"""Small helpers for writing DuckDB SQL text safely, shared by the column specs."""

from __future__ import annotations

import re
from collections.abc import Callable

Ref = Callable[[str], str]
# White space as bills print it: ordinary, no-break (U+00A0) and narrow no-break (U+202F).
SPACES = "[\\s\u00a0\u202f]"


def sql_str(value: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


# The same white space by code point: RE2's \s (tab, newline, form feed, carriage return,
# space) and the two no-break spaces.
SPACE_POINTS = (9, 10, 12, 13, 32, 160, 8239)

# What is not white space: a cell is blank when no character of it matches (one search that
# stops at the first such character, several times cheaper than matching the whole text).
_NOT_SPACE = "[^\\s\u00a0\u202f]"


def balanced(op: str, terms: list[str]) -> str:
    """SQL: ``terms`` joined by ``op`` (``+``, ``||``) as a balanced tree of parentheses.

    Joined in a row they nest one level per term, and DuckDB refuses an expression more than
    1,000 levels deep: a sum over the columns of a file a thousand columns wide.
    """
    if len(terms) <= 8:
        return "(" + f" {op} ".join(terms) + ")"
    middle = len(terms) // 2
    return f"({balanced(op, terms[:middle])} {op} {balanced(op, terms[middle:])})"


def blank(expr: str) -> str:
    """SQL: the text is missing or only white space (including no-break spaces).

    Most cells start with what is not white space: their first character (``unicode``: -1 for
    an empty text) answers without a search, a quarter of its time over a file's columns.
    """
    points = ", ".join(map(str, (-1, *SPACE_POINTS)))
    search = f"coalesce(NOT regexp_matches({expr}, '{_NOT_SPACE}'), TRUE)"
    return f"CASE WHEN unicode({expr}) NOT IN ({points}) THEN FALSE ELSE {search} END"


def within(value: str, test: str) -> str:
    """SQL: ``value`` when ``test`` (an expression of ``_v``) holds for it, else NULL.

    The value is written out where ``_v`` stands: DuckDB computes a repeated expression once
    per row, and that is cheaper than binding it in a lambda (half the time of a date column).
    """
    return f"CASE WHEN {_V.sub(lambda _: f'({value})', test)} THEN {value} END"


_V = re.compile(r"\b_v\b")


def shared(ref: Ref, sql: str) -> str:
    """SQL: ``sql``, or the name of a column that holds it when ``ref`` is a :class:`SharingRef`
    (a part several of a field's expressions repeat: a date's text, its parse)."""
    share = getattr(ref, "share", None)
    return sql if share is None else share(sql)


def unshared(ref: Ref) -> Ref:
    """``ref`` without its sharing: for parts only some rows compute (a CASE branch)."""
    return getattr(ref, "ref", ref)


class SharingRef:
    """A column reference for one query whose specs' shared parts (:func:`shared`) are computed
    once per row, as columns of projections under the fields (``_s0``, ``_s1``...).

    Planning a query takes longer the longer its text: written out, a date's parse repeats its
    text four times and its reject reason repeats the parse. Only parts every row computes
    anyway are shared (a part inside a CASE branch that few rows take stays there).
    """

    def __init__(self, ref: Ref) -> None:
        self.ref = ref
        self.aliases: dict[str, str] = {}  # sql -> its column
        self.depths: dict[str, int] = {}  # column -> its projection (1: over the rows)

    def __call__(self, column: str) -> str:
        return self.ref(column)

    def share(self, sql: str) -> str:
        if sql not in self.aliases:
            alias = f"_s{len(self.aliases)}"
            used = [self.depths[name] for name in _SHARED.findall(sql) if name in self.depths]
            self.aliases[sql] = alias
            self.depths[alias] = 1 + max(used, default=0)
        return self.aliases[sql]

    def under(self, source: str) -> str:
        """SQL: a FROM item of ``source`` (a table or subquery) with the shared columns added."""
        for depth in range(1, max(self.depths.values(), default=0) + 1):
            columns = ", ".join(
                f"{sql} AS {alias}"
                for sql, alias in self.aliases.items()
                if self.depths[alias] == depth
            )
            source = f"(SELECT *, {columns} FROM {source})"
        return source


_SHARED = re.compile(r"\b_s\d+\b")


def let(value: str, name: str, body: str) -> str:
    """SQL: ``body`` with ``name`` bound to ``value`` (computed once per row).

    A lambda over a one-element list, not a subquery: a subquery is planned as a join over
    every row, even inside a CASE branch that few rows take, where a lambda runs only for those.
    """
    return f"list_transform([{value}], lambda {name}: {body})[1]"
