"""Small helpers for writing DuckDB SQL text safely, shared by the column specs."""

from __future__ import annotations

from collections.abc import Callable

Ref = Callable[[str], str]
# White space as bills print it: ordinary, no-break (U+00A0) and narrow no-break (U+202F).
SPACES = "[\\s\u00a0\u202f]"


def sql_str(value: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def blank(expr: str) -> str:
    """SQL: the text is missing or only white space (including no-break spaces)."""
    return f"coalesce(regexp_full_match({expr}, '{SPACES}*'), TRUE)"


def within(value: str, test: str) -> str:
    """SQL: ``value`` when ``test`` (an expression of ``_v``) holds for it, else NULL; the value
    is computed once (a lambda, not a subquery: many of these must stay cheap to plan)."""
    return f"list_filter([{value}], lambda _v: {test})[1]"


def let(value: str, name: str, body: str) -> str:
    """SQL: ``body`` with ``name`` bound to ``value`` (computed once per row).

    A lambda over a one-element list, not a subquery: a subquery is planned as a join over
    every row, even inside a CASE branch that few rows take, where a lambda runs only for those.
    """
    return f"list_transform([{value}], lambda {name}: {body})[1]"
