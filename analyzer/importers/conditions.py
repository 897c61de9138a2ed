"""Row conditions: which rows a record type, a skip rule or a total row applies to.

Each compiles to one SQL boolean over the staged text columns (``ref`` turns a column name into
its SQL reference), so a condition costs one vectorised expression, whatever the file's size.
Patterns are RE2 (DuckDB's engine), matched case-insensitively against the trimmed cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analyzer.importers.specs import sql_str

Ref = Callable[[str], str]


@dataclass(frozen=True)
class RowMatch:
    """Rows whose ``column`` matches ``pattern`` (a regex, case-insensitive)."""

    column: str
    pattern: str

    def __str__(self) -> str:
        return f"{self.column} ~ {self.pattern}"

    def sql(self, ref: Ref) -> str:
        return f"coalesce(regexp_matches(trim({ref(self.column)}), {sql_str(self.pattern)}, 'i'), FALSE)"


@dataclass(frozen=True)
class All:
    """Every condition holds."""

    conditions: tuple[Condition, ...]

    def __str__(self) -> str:
        return "(" + " and ".join(map(str, self.conditions)) + ")"

    def sql(self, ref: Ref) -> str:
        return "(" + " AND ".join(c.sql(ref) for c in self.conditions) + ")"


@dataclass(frozen=True)
class Any_:
    """At least one condition holds."""

    conditions: tuple[Condition, ...]

    def __str__(self) -> str:
        return "(" + " or ".join(map(str, self.conditions)) + ")"

    def sql(self, ref: Ref) -> str:
        return "(" + " OR ".join(c.sql(ref) for c in self.conditions) + ")"


@dataclass(frozen=True)
class Not:
    """The condition does not hold."""

    condition: Condition

    def __str__(self) -> str:
        return f"not {self.condition}"

    def sql(self, ref: Ref) -> str:
        return f"(NOT {self.condition.sql(ref)})"


Condition = RowMatch | All | Any_ | Not
