"""Small helpers for writing DuckDB SQL text safely, shared by the column specs."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

Ref = Callable[[str], str]
# White space as bills print it: ordinary, no-break (U+00A0) and narrow no-break (U+202F).
SPACES = "[\\s\u00a0\u202f]"


def sql_str(value: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def blank(expr: str) -> str:
    """SQL: the text is missing or only white space (including no-break spaces)."""
    return f"(regexp_replace(coalesce({expr}, ''), '{SPACES}+', '', 'g') = '')"


def within(value: str, test: str) -> str:
    """SQL: ``value`` when ``test`` (an expression of ``_v``) holds for it, else NULL; the value
    is computed once (a lambda, not a subquery: many of these must stay cheap to plan)."""
    return f"list_filter([{value}], lambda _v: {test})[1]"


def strip_fold(text: str) -> str:
    """Lower case without accents, as Country compares names."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
